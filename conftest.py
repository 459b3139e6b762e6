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


if BACKEND == "pgbouncer":
    # Through PgBouncer, its pool keeps server connections to the test database after the
    # tests: PostgreSQL would refuse to drop it. Its admin console drops them first (KILL),
    # then lets new clients in again (RESUME); before the run too, for a previous run's pool.
    def _pgbouncer_liberer(nom: str) -> None:
        import psycopg
        from django.conf import settings as reglages

        base = reglages.DATABASES["default"]
        with psycopg.connect(
            host=base["HOST"], port=int(base["PORT"]), user=base["USER"], dbname="pgbouncer", autocommit=True
        ) as admin:
            if any(ligne[0] == nom for ligne in admin.execute("SHOW DATABASES").fetchall()):
                admin.execute(f"KILL {nom}")
                admin.execute(f"RESUME {nom}")

    def _nom_base_de_test() -> str:
        from django.conf import settings as reglages

        base = reglages.DATABASES["default"]
        return base.get("TEST", {}).get("NAME") or f"test_{base['NAME']}"

    @pytest.fixture(scope="session")
    def _pgbouncer_avant() -> str:
        nom = _nom_base_de_test()  # before the setup renames the database in the settings
        _pgbouncer_liberer(nom)
        return nom

    @pytest.fixture(scope="session")
    def django_db_setup(_pgbouncer_avant, django_db_setup):  # type: ignore[no-untyped-def]
        yield
        _pgbouncer_liberer(_pgbouncer_avant)
