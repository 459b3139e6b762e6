"""Settings of the cluster path: PgBouncer's transaction pooling and the replica alias.

Settings are read once per process: each case is a fresh Python reading them (no database).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

RACINE = Path(__file__).resolve().parents[3]
LIRE = (
    "import json, django; from django.conf import settings; django.setup(); "
    "d = settings.DATABASES; "
    "print(json.dumps({a: [c['OPTIONS'].get('prepare_threshold'), c.get('DISABLE_SERVER_SIDE_CURSORS'), "
    "c['PORT'], c.get('TEST', {}).get('MIRROR')] for a, c in d.items()}))"
)


def _reglages(**env: str) -> subprocess.CompletedProcess[str]:
    environnement = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE", "MAGASIN_TEST"))}
    environnement.update(DEBUG="1", DJANGO_SETTINGS_MODULE="magasin.settings", **env)
    return subprocess.run(
        [sys.executable, "-c", LIRE], cwd=RACINE, env=environnement, capture_output=True, text=True, timeout=60
    )


def _lire(**env: str) -> dict[str, list[object]]:
    sortie = _reglages(**env)
    assert sortie.returncode == 0, sortie.stderr
    return json.loads(sortie.stdout)


def test_derriere_pgbouncer_ni_requete_preparee_ni_curseur_serveur() -> None:
    direct = _lire(DATABASE_URL="postgres://postgres@127.0.0.1:5432/magasin")
    assert direct == {"default": [5, False, 5432, None]}
    port = _lire(DATABASE_URL="postgres://postgres@127.0.0.1:6432/magasin")
    assert port == {"default": [None, True, 6432, None]}
    # PgBouncer elsewhere than on 6432: said explicitly.
    dit = _lire(DATABASE_URL="postgres://postgres@10.0.0.5:5000/magasin", DATABASE_PGBOUNCER="1")
    assert dit["default"][:2] == [None, True]
    # PgBouncer 1.21+ with max_prepared_statements: the operator says it is not the old one.
    recent = _lire(
        DATABASE_URL="postgres://postgres@127.0.0.1:6432/magasin",
        DATABASE_PGBOUNCER="0",
        DATABASE_PREPARED_STATEMENTS="1",
    )
    assert recent["default"][:2] == [5, False]


def test_requetes_preparees_demandees_derriere_pgbouncer_refusees_clairement() -> None:
    sortie = _reglages(DATABASE_URL="postgres://postgres@127.0.0.1:6432/magasin", DATABASE_PREPARED_STATEMENTS="1")
    assert sortie.returncode != 0
    assert "DATABASE_PREPARED_STATEMENTS=1 behind PgBouncer" in sortie.stderr


def test_replique_configuree_en_miroir_pour_les_tests() -> None:
    lu = _lire(
        DATABASE_URL="postgres://postgres@127.0.0.1:6432/magasin",
        DATABASE_REPLICA_URL="postgres://postgres@127.0.0.1:5433/magasin",
    )
    assert lu == {"default": [None, True, 6432, None], "replique": [5, False, 5433, "default"]}
    derriere = _lire(
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/magasin",
        DATABASE_REPLICA_URL="postgres://postgres@10.0.0.6:6543/magasin",
        DATABASE_REPLICA_PGBOUNCER="1",
    )
    assert derriere["replique"][:2] == [None, True] and derriere["default"][:2] == [5, False]
    sortie = _reglages(DATABASE_URL="sqlite:////tmp/x.sqlite3", DATABASE_REPLICA_URL="postgres://h/magasin")
    assert sortie.returncode != 0 and "DATABASE_REPLICA_URL needs PostgreSQL" in sortie.stderr
