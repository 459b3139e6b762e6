"""Run the whole suite on every database backend that answers on 127.0.0.1.

SQLite always runs. PostgreSQL and MariaDB/MySQL run when they answer; otherwise they are
skipped loudly, and MAGASIN_REQUIRE_BACKENDS=postgres,mysql turns a skip into a failure.
Extra arguments are passed to pytest. Browser tests run once, in the SQLite pass.
"""

from __future__ import annotations

import importlib.util
import os
import socket
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

RACINE = Path(__file__).resolve().parent.parent
VAR = RACINE / "var"

BACKENDS = {
    "sqlite": ("", None),
    "postgres": (os.environ.get("MAGASIN_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/magasin"), 5432),
    "mysql": (os.environ.get("MAGASIN_TEST_MYSQL_URL", "mysql://root@127.0.0.1:3306/magasin"), 3306),
}


def repond(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2):
            return True
    except OSError:
        return False


def compter(rapport: Path) -> dict[str, int]:
    totaux = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    if not rapport.exists():
        return totaux
    racine = ET.parse(rapport).getroot()
    suites = [racine] if racine.tag == "testsuite" else list(racine)
    for suite in suites:
        for cle in totaux:
            totaux[cle] += int(suite.get(cle, 0))
    return totaux


def main(args: list[str]) -> int:
    exiges = {b.strip() for b in os.environ.get("MAGASIN_REQUIRE_BACKENDS", "").split(",") if b.strip()}
    choisis = [b.strip() for b in os.environ.get("MAGASIN_BACKENDS", "sqlite,postgres,mysql").split(",")]
    VAR.mkdir(exist_ok=True)
    joues, sautes, echecs = [], [], []
    totaux = {"passed": 0, "failed": 0, "skipped": 0}
    for nom in choisis:
        url, port = BACKENDS[nom]
        if port is not None and not repond(port):
            sautes.append(nom)
            print(f"\n!!! {nom}: no server on 127.0.0.1:{port} — SKIPPED", flush=True)
            continue
        if nom == "mysql" and importlib.util.find_spec("MySQLdb") is None:
            sautes.append(nom)
            print(f"\n!!! {nom}: mysqlclient is not installed (needs libmariadb-dev) — SKIPPED", flush=True)
            continue
        env = dict(os.environ)
        env.pop("DATABASE_URL", None)
        if url:
            env["DATABASE_URL"] = url
        env["MAGASIN_BACKEND_SOUS_TEST"] = nom
        rapport = VAR / f"pytest-{nom}.xml"
        rapport.unlink(missing_ok=True)
        marque = [] if nom == "sqlite" else ["-m", "not navigateur"]
        commande = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", f"--junitxml={rapport}", *marque, *args]
        print(f"\n=== {nom}: {' '.join(commande[2:])}", flush=True)
        debut = time.monotonic()
        code = subprocess.call(commande, cwd=RACINE, env=env)
        chiffres = compter(rapport)
        echoues = chiffres["failures"] + chiffres["errors"]
        totaux["passed"] += chiffres["tests"] - echoues - chiffres["skipped"]
        totaux["failed"] += echoues
        totaux["skipped"] += chiffres["skipped"]
        print(f"=== {nom}: exit {code} in {time.monotonic() - debut:.0f}s", flush=True)
        joues.append(nom)
        if code not in (0, 5):
            echecs.append(nom)
    manquants = sorted(exiges & set(sautes))
    print("\n" + "=" * 70)
    print(f"backends ran: {', '.join(joues) or 'none'}")
    print(f"backends SKIPPED: {', '.join(sautes) or 'none'}")
    if manquants:
        print(f"REQUIRED backends missing (MAGASIN_REQUIRE_BACKENDS): {', '.join(manquants)}")
    if echecs:
        print(f"failures on: {', '.join(echecs)}")
    print(f"total: {totaux['passed']} passed, {totaux['failed']} failed, {totaux['skipped']} skipped")
    return 1 if (echecs or manquants or not joues) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
