"""Production settings pass `check --deploy` when configured as docs/DEPLOIEMENT.md says."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

RACINE = Path(__file__).resolve().parents[3]

# The environment docs/DEPLOIEMENT.md gives for HTTPS behind a proxy.
PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "k" * 20 + "-une-vraie-cle-longue-et-aleatoire-0123456789-abcdefghij",
    "ALLOWED_HOSTS": "magasin.example.cd",
    "CSRF_TRUSTED_ORIGINS": "https://magasin.example.cd",
    "BEHIND_PROXY": "1",
    "SECURE_SSL_REDIRECT": "1",
    "SECURE_HSTS_SECONDS": "31536000",
    "SECURE_COOKIES": "1",
}


def _check_deploy(**env: str) -> subprocess.CompletedProcess[str]:
    environnement = {
        k: v
        for k, v in os.environ.items()
        if k not in PRODUCTION
        and not k.startswith("SECURE_")
        and k not in ("DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE")
    }
    environnement.update(env, DJANGO_SETTINGS_MODULE="magasin.settings")
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=RACINE,
        env=environnement,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _python_en_production(script: str, **env: str) -> list[str]:
    """Run `script` in a fresh interpreter with the production environment (plus `env`); the
    words it printed."""
    environnement = {
        k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "DATABASE_PREPARED_STATEMENTS")
    }
    environnement.update(PRODUCTION, DJANGO_SETTINGS_MODULE="magasin.settings", **env)
    resultat = subprocess.run(
        [sys.executable, "-c", script], cwd=RACINE, env=environnement, capture_output=True, text=True, timeout=120
    )
    assert resultat.returncode == 0, resultat.stderr
    return resultat.stdout.split()


def test_check_deploy_propre_avec_les_variables_de_production():
    resultat = _check_deploy(**PRODUCTION)
    assert resultat.returncode == 0, resultat.stdout + resultat.stderr
    assert "no issues" in resultat.stdout


def test_check_deploy_signale_https_absent():
    sans_https = {k: v for k, v in PRODUCTION.items() if k not in {"SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS"}}
    resultat = _check_deploy(**sans_https)
    assert resultat.returncode != 0
    assert "security.W004" in resultat.stderr and "security.W008" in resultat.stderr


def test_production_refuse_de_demarrer_sans_secret_key():
    sans_cle = {k: v for k, v in PRODUCTION.items() if k != "SECRET_KEY"}
    resultat = _check_deploy(**sans_cle, SECRET_KEY="")
    assert resultat.returncode != 0
    assert "SECRET_KEY is required" in resultat.stderr


def test_un_worker_demarre_avec_toutes_ses_vues_importees_et_gelees():
    """What a gunicorn worker does on start (importing magasin.wsgi): the URLconf and every view
    module are loaded before `gc.freeze()`, not on the first request, and the collector's
    threshold is the one magasin/wsgi.py explains."""
    script = (
        "import gc, sys, magasin.wsgi; "
        "print('magasin.web.views.ventes' in sys.modules, 'magasin.api.api' in sys.modules, "
        "gc.get_freeze_count() > 10000, len(gc.get_objects()) < 1000, gc.get_threshold()[0])"
    )
    assert _python_en_production(script) == ["True", "True", "True", "True", "10000"]


def test_requetes_preparees_sur_postgresql_desactivables_pour_pgbouncer():
    """PostgreSQL connections bind parameters on the server and prepare repeated statements;
    DATABASE_PREPARED_STATEMENTS=0 keeps the binding and drops the named statements, which
    PgBouncer in transaction mode before 1.21 cannot carry (docs/DEPLOIEMENT.md)."""
    script = (
        "import django; django.setup(); from django.conf import settings; "
        "o = settings.DATABASES['default']['OPTIONS']; print(o.get('server_side_binding'), o.get('prepare_threshold'))"
    )

    def options(**env: str) -> list[str]:
        return _python_en_production(script, **env)

    postgres = "postgres://magasin@127.0.0.1:5432/magasin"
    assert options(DATABASE_URL=postgres) == ["True", "5"]
    assert options(DATABASE_URL=postgres, DATABASE_PREPARED_STATEMENTS="0") == ["True", "None"]


def test_pas_d_options_postgresql_pour_mysql():
    # Loading the MySQL backend imports its driver, which needs libmariadb-dev to build: a
    # machine without it skips this test (CI installs it and requires the MySQL pass).
    pytest.importorskip("MySQLdb", reason="mysqlclient absent (apt-get install libmariadb-dev pkg-config)")
    script = (
        "import django; django.setup(); from django.conf import settings; "
        "o = settings.DATABASES['default']['OPTIONS']; print(o.get('server_side_binding'), o.get('prepare_threshold'))"
    )
    assert _python_en_production(script, DATABASE_URL="mysql://magasin@127.0.0.1:3306/magasin") == ["None", "None"]
