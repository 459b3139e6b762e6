"""A real gunicorn serving Magasin over the test database, for crash tests. Not a test module."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import connection

RACINE = Path(__file__).resolve().parents[3]


def port_libre() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def url_base_de_test() -> str:
    """DATABASE_URL of the database the tests are using right now (test_<name>)."""
    r = connection.settings_dict
    hote = r.get("HOST") or "127.0.0.1"
    port = r.get("PORT") or 5432
    mdp = f":{r['PASSWORD']}" if r.get("PASSWORD") else ""
    return f"postgres://{r['USER']}{mdp}@{hote}:{port}/{r['NAME']}"


@dataclass
class Serveur:
    processus: subprocess.Popen[bytes]
    port: int

    def ouvriers(self) -> list[int]:
        """Pids of the gunicorn workers (children of the master)."""
        chemin = Path(f"/proc/{self.processus.pid}/task/{self.processus.pid}/children")
        try:
            return [int(p) for p in chemin.read_text().split()]
        except FileNotFoundError:
            return []

    def tuer_ouvriers(self) -> list[int]:
        pids = self.ouvriers()
        for pid in pids:
            os.kill(pid, signal.SIGKILL)
        return pids

    def requete(
        self,
        methode: str,
        chemin: str,
        corps: Any = None,
        entetes: dict[str, str] | None = None,
        timeout: float = 120,
    ) -> tuple[int, Any]:
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            brut = None if corps is None else json.dumps(corps).encode()
            c.request(methode, chemin, body=brut, headers={"Content-Type": "application/json", **(entetes or {})})
            r = c.getresponse()
            donnees = r.read()
            return r.status, json.loads(donnees) if donnees else None
        finally:
            c.close()

    def attendre_pret(self, entetes: dict[str, str], delai: float = 60) -> None:
        fin = time.monotonic() + delai
        while time.monotonic() < fin:
            if self.processus.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.processus.returncode}")
            try:
                statut, _ = self.requete("GET", "/api/v2/simple/terminal/", entetes=entetes, timeout=5)
                if statut == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError("gunicorn did not answer in time")


@contextmanager
def gunicorn(*, ouvriers: int = 1) -> Iterator[Serveur]:
    """Start gunicorn on 127.0.0.1 (free port) against the test database; always stopped."""
    port = port_libre()
    env = {
        **os.environ,
        "DATABASE_URL": url_base_de_test(),
        "DEBUG": "0",
        "SECRET_KEY": "x",
        "ALLOWED_HOSTS": "127.0.0.1",
        "LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "magasin.settings",
    }
    env.pop("MAGASIN_TEST_DB_NAME", None)
    processus = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "magasin.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(ouvriers),
            "--timeout",
            "120",
        ],
        cwd=RACINE,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    serveur = Serveur(processus, port)
    try:
        yield serveur
    finally:
        # Master first (so it cannot respawn), then its workers: nothing outlives the test.
        restants = serveur.ouvriers()
        processus.kill()
        processus.wait(timeout=30)
        for pid in restants:
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
