"""Suite-wide fixtures. Factories live next to their app, in <app>/tests/factories.py."""

from __future__ import annotations

import os

import pytest

BACKEND = os.environ.get("MAGASIN_BACKEND_SOUS_TEST", "sqlite")


@pytest.fixture
def backend(settings) -> str:  # type: ignore[no-untyped-def]
    """The database vendor under test: 'sqlite', 'postgresql' or 'mysql'."""
    from django.db import connection

    return connection.vendor
