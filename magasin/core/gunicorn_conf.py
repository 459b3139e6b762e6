"""Gunicorn settings for `make serve`: everything from the environment, logs as JSON lines.

    python -m gunicorn -c python:magasin.core.gunicorn_conf magasin.wsgi:application

BIND (127.0.0.1:8000), WEB_CONCURRENCY (2 x cores + 1), GUNICORN_TIMEOUT (60 s).
No access log: `magasin.core.middleware.JournalRequetes` writes one JSON line per request
(with its id, caller, shop and duration), without the query string gunicorn would print.
"""

from __future__ import annotations

import multiprocessing
import os

from magasin.core.journal import configuration

bind = os.environ.get("BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY") or multiprocessing.cpu_count() * 2 + 1)
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
# Behind a proxy that keeps connections open to us.
keepalive = 5
# Recycle workers now and then: bounds any slow leak, jittered so they do not all restart at once.
max_requests = 2000
max_requests_jitter = 200
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
logconfig_dict = configuration(
    loglevel.upper(),
    {
        "gunicorn.error": {"handlers": ["stdout"], "level": loglevel.upper(), "propagate": False},
        "gunicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
    },
)
