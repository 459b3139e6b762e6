"""The cluster path measured (`make cluster` first): `python -m bench.replique [--duree S]`.

One shop holds a year of history (bulk-loaded, as bench.lectures); 8 terminals sync 50-sale
batches over HTTP (gunicorn) while a manager of that shop pulls the year's sales export again
and again. Three servers, one after the other, on the same database:
- `primaire`: DATABASE_URL on PostgreSQL directly, no replica (the manager reads the primary);
- `replique`: the same with DATABASE_REPLICA_URL on the standby (the export reads it);
- `pgbouncer+replique`: DATABASE_URL through PgBouncer (CONN_MAX_AGE=0, no prepared
  statements), replica as above.
For each: the sync alone, then the sync with the manager; then the back-office pages one at a
time (p50/p95). Whether reads reached the standby is checked in its pg_stat_database.
Writes bench/results/<date>-<HHMM>-replique.json. Everything runs on this one machine: the standby
replays on the same cores as the primary, so this measures the routing's cost and its
isolation of the primary's backends, not extra hardware.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg

from bench.charge import ClientHTTP, jouer, lots_prepares
from bench.commun import (
    PYTHON,
    RACINE,
    Serveur,
    TerminalBench,
    analyser,
    centile,
    creer_base,
    env_serveur,
    peupler,
    preparer_django,
)
from bench.limite import charger_registre

URL_PRIMAIRE = os.environ.get("BENCH_REPLIQUE_URL", "postgres://postgres@127.0.0.1:5432/magasin_bench_replique")
URL_PGBOUNCER = URL_PRIMAIRE.replace(":5432/", ":6432/")
URL_STANDBY = URL_PRIMAIRE.replace(":5432/", ":5433/")
PORT = 8371
PAGES = {
    "tableau de bord": "/",
    "historique": "/ventes/",
    "grand livre": "/stock/",
    "rapport d'un an par jour": "/rapports/?par=jour&date_debut={debut}",
    "export d'un an (CSV)": "/ventes/?format=csv&date_debut={debut}",
}


def rattraper(delai: float = 120) -> float:
    """Wait until the standby has replayed what the primary wrote; the seconds it took."""
    debut = time.monotonic()
    with psycopg.connect(URL_PRIMAIRE.rsplit("/", 1)[0] + "/postgres", autocommit=True) as p:
        (cible,) = p.execute("SELECT pg_current_wal_lsn()").fetchone()  # type: ignore[misc]
    with psycopg.connect(URL_STANDBY.rsplit("/", 1)[0] + "/postgres", autocommit=True) as s:
        while time.monotonic() - debut < delai:
            if s.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [cible]).fetchone()[0]:  # type: ignore[index]
                return time.monotonic() - debut
            time.sleep(0.1)
    raise RuntimeError("the standby did not catch up")


def lignes_lues_sur_le_standby() -> int:
    nom = URL_PRIMAIRE.rsplit("/", 1)[1]
    with psycopg.connect(URL_STANDBY.rsplit("/", 1)[0] + "/postgres", autocommit=True) as s:
        ligne = s.execute("SELECT tup_returned + tup_fetched FROM pg_stat_database WHERE datname = %s", [nom])
        return int(ligne.fetchone()[0])  # type: ignore[index]


def session_de_gerant(boutique_id: int) -> str:
    """A logged-in manager of the shop: the session cookie's value."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
    from django.contrib.sessions.backends.db import SessionStore

    from magasin.boutiques.models import Membre, Role

    gerant = get_user_model().objects.create_user(username=f"gerant-bench-{time.time_ns()}", password="x")
    Membre.objects.create(utilisateur=gerant, boutique_id=boutique_id, role=Role.GERANT)
    session = SessionStore()
    session[SESSION_KEY] = str(gerant.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = gerant.get_session_auth_hash()
    session.create()
    assert session.session_key is not None
    return session.session_key


class Gerant(threading.Thread):
    """Pulls the year's report and the year's export in turn until stopped; keeps the seconds
    of each."""

    def __init__(self, port: int, cookie: str, chemins: list[str]) -> None:
        super().__init__(daemon=True)
        self.client = ClientHTTP(port, {"Cookie": f"sessionid={cookie}"}, timeout=300)
        self.chemins = chemins
        self.arret = threading.Event()
        self.durees: list[float] = []
        self.octets = 0
        self.erreurs = 0

    def run(self) -> None:
        while not self.arret.is_set():
            debut = time.perf_counter()
            chemin = self.chemins[len(self.durees) % len(self.chemins)]
            statut, corps = self.client.requete("GET", chemin)
            if statut != 200:
                self.erreurs += 1
                continue
            self.durees.append(time.perf_counter() - debut)
            if "format=csv" in chemin:
                self.octets = len(corps)


def _resume(mesure: Any) -> dict[str, Any]:
    return {
        "ventes_par_s": round(mesure.ventes / mesure.duree_s, 1) if mesure.duree_s else 0.0,
        "p50_ms": round(centile(mesure.latences_ms, 50), 1),
        "p95_ms": round(centile(mesure.latences_ms, 95), 1),
        "p99_ms": round(centile(mesure.latences_ms, 99), 1),
        "erreurs": len(mesure.erreurs),
    }


def _demarrer(url: str) -> Serveur:
    """gunicorn, given three chances: on a machine shared with other runs, its workers may take
    longer than Serveur's 30 s to import Django."""
    for tentative in range(3):
        try:
            return Serveur(url, port=PORT).demarrer()
        except RuntimeError:
            if tentative == 2:
                raise
    raise AssertionError("unreachable")


def mesurer_configuration(
    nom: str,
    *,
    url: str,
    replique: bool,
    terminaux: list[TerminalBench],
    cookie: str,
    debut_annee: str,
    duree: float,
    tour: int,
) -> dict[str, Any]:
    extra = {"DATABASE_REPLICA_URL": URL_STANDBY} if replique else {}
    if url == URL_PGBOUNCER:
        extra["BENCH_CONN_MAX_AGE"] = "0"
    ancien = {k: os.environ.get(k) for k in ("DATABASE_REPLICA_URL", "BENCH_CONN_MAX_AGE")}
    os.environ.pop("DATABASE_REPLICA_URL", None)
    os.environ.update(extra)
    try:
        serveur = _demarrer(url)
    finally:
        for k, v in ancien.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    annee = [PAGES[p].format(debut=debut_annee) for p in ("rapport d'un an par jour", "export d'un an (CSV)")]
    resultat: dict[str, Any] = {"configuration": nom}
    try:
        chaud = [
            lots_prepares(t, prefixe=f"{nom}-chaud-{tour}", taille_lot=5, nombre_lots=2, graine=tour) for t in terminaux
        ]
        jouer(port=PORT, terminaux=terminaux, lots=chaud, taille_lot=5)
        client = ClientHTTP(PORT, {"Cookie": f"sessionid={cookie}"}, timeout=300)
        for chemin in [p.format(debut=debut_annee) for p in PAGES.values()]:
            client.requete("GET", chemin)

        def lots(etiquette: str) -> list[list[bytes]]:
            return [
                lots_prepares(t, prefixe=f"{nom}-{etiquette}-{tour}", taille_lot=50, nombre_lots=400, graine=tour)
                for t in terminaux
            ]

        analyser()
        resultat["synchro_seule"] = _resume(
            jouer(port=PORT, terminaux=terminaux, lots=lots("seule"), taille_lot=50, duree_max_s=duree)
        )
        lu_avant = lignes_lues_sur_le_standby()
        gerant = Gerant(PORT, cookie, annee)
        gerant.start()
        time.sleep(0.5)  # the first export is under way when the clock starts
        avec = jouer(port=PORT, terminaux=terminaux, lots=lots("rapport"), taille_lot=50, duree_max_s=duree)
        gerant.arret.set()
        gerant.join(timeout=300)
        resultat["synchro_pendant_rapport"] = _resume(avec)
        resultat["rapport_annuel"] = {
            "rapports_et_exports": len(gerant.durees),
            "rapport_s": [round(d, 2) for d in gerant.durees[0::2]],
            "export_s": [round(d, 2) for d in gerant.durees[1::2]],
            "octets_export": gerant.octets,
            "erreurs": gerant.erreurs,
        }
        resultat["lignes_lues_sur_le_standby_pendant"] = lignes_lues_sur_le_standby() - lu_avant
        # Back-office pages one at a time, nothing else running.
        rattraper()
        pages: dict[str, Any] = {}
        for titre, modele in PAGES.items():
            chemin = modele.format(debut=debut_annee)
            durees, statuts = [], set()
            for _ in range(3 if "un an" in titre else 15):
                debut = time.perf_counter()
                statut, _ = client.requete("GET", chemin)
                statuts.add(statut)
                durees.append((time.perf_counter() - debut) * 1000)
            pages[titre] = {
                "p50_ms": round(centile(durees, 50), 1),
                "p95_ms": round(centile(durees, 95), 1),
                "statuts": sorted(statuts),
            }
        resultat["pages"] = pages
        client.fermer()
    finally:
        serveur.arreter()
    print(json.dumps(resultat, ensure_ascii=False), flush=True)
    return resultat


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duree", type=float, default=8.0, help="seconds of each sync measurement")
    parser.add_argument("--ventes", type=int, default=50_000, help="the year's sales of the report's shop")
    parser.add_argument("--mouvements", type=int, default=200_000, help="the year's ledger rows")
    args = parser.parse_args()
    for port in (5433, 6432):
        try:
            psycopg.connect(f"postgres://postgres@127.0.0.1:{port}/postgres", connect_timeout=2).close()
        except psycopg.OperationalError as exc:
            raise SystemExit(f"bench.replique: nothing on 127.0.0.1:{port}: run `make cluster` first") from exc

    creer_base(URL_PRIMAIRE, neuve=True)
    # The back-office's pages, served with DEBUG off, need the collected static files' manifest.
    statiques = [PYTHON, "manage.py", "collectstatic", "--noinput", "-v0"]
    subprocess.run(statiques, cwd=RACINE, env=env_serveur(URL_PRIMAIRE), check=True)
    preparer_django(URL_PRIMAIRE)
    debut = time.perf_counter()
    terminaux = peupler(prefixe="REP", boutiques=4, terminaux=8)
    chargement = charger_registre(
        URL_PRIMAIRE,
        boutique_id=terminaux[0].boutique_id,
        articles=[a for a, _ in terminaux[0].articles],
        mouvements=args.mouvements,
        ventes=args.ventes,
    )
    cookie = session_de_gerant(terminaux[0].boutique_id)
    analyser()
    rattrapage = rattraper()
    print(
        f"données: {time.perf_counter() - debut:.0f} s (dont chargement {chargement:.0f} s), "
        f"standby à jour en {rattrapage:.1f} s"
    )
    debut_annee = (datetime.now(UTC) - timedelta(days=366)).date().isoformat()
    configurations = [
        ("primaire", URL_PRIMAIRE, False),
        ("replique", URL_PRIMAIRE, True),
        ("pgbouncer+replique", URL_PGBOUNCER, True),
    ]
    resultats = [
        mesurer_configuration(
            nom,
            url=url,
            replique=replique,
            terminaux=terminaux,
            cookie=cookie,
            debut_annee=debut_annee,
            duree=args.duree,
            tour=i,
        )
        for i, (nom, url, replique) in enumerate(configurations)
    ]
    sortie = RACINE / "bench" / "results" / f"{datetime.now(UTC):%Y-%m-%d-%H%M}-replique.json"
    Path(sortie).write_text(
        json.dumps(
            {
                "date": datetime.now(UTC).isoformat(timespec="seconds"),
                "machine": {"cpu": os.cpu_count(), "python": platform.python_version(), "charge": os.getloadavg()},
                "annee": {"ventes": args.ventes, "mouvements": args.mouvements},
                "resultats": resultats,
            },
            ensure_ascii=False,
            indent=2,
        )
    )
    print(f"écrit: {sortie.relative_to(RACINE)}")


if __name__ == "__main__":
    main()
