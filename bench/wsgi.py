"""WSGI entry point of the benchmark server (`gunicorn bench.wsgi:application`): Magasin's own
entry point, on the benchmark settings (Magasin + the baseline view)."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.reglages")

from magasin.wsgi import application

__all__ = ["application"]
