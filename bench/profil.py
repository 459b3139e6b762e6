"""Where the time of one 500-sale batch goes: `python -m bench.profil [--taille 500]`.

Runs the real view (Django test client: middleware, auth, parsing, service, rendering) on the
benchmark database under cProfile, after a warm-up batch, and prints the top functions.

`--contre-plancher`: the cost of one request of `--taille` sales against the stack's floor
(`bench.plancher`), in process: statements, wall time, this process's CPU and, on PostgreSQL,
its backend's CPU (from /proc), per request, in alternating blocks.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import statistics
import time
from pathlib import Path
from typing import Any

from bench.charge import CHEMIN_MAGASIN, lots_prepares
from bench.commun import base_existante, peupler


def profiler(*, taille: int = 500, lignes: int = 30, neuve: bool = False) -> tuple[float, str]:
    """(seconds for the profiled batch without the profiler, cProfile top `lignes` by cumtime)."""
    from django.db import connection
    from django.test import Client

    (terminal,) = peupler(prefixe=f"PRF{time.time_ns() % 10**8}", boutiques=1, terminaux=1)
    lots = lots_prepares(terminal, prefixe="profil", taille_lot=taille, nombre_lots=4, graine=7)
    entetes: dict[str, Any] = {
        f"HTTP_{k.upper().replace('-', '_')}": v for k, v in terminal.entetes().items() if k != "Content-Type"
    }
    client = Client(HTTP_HOST="127.0.0.1")

    def envoyer(corps: bytes) -> None:
        reponse = client.post(CHEMIN_MAGASIN, corps, content_type="application/json", **entetes)
        assert reponse.status_code == 201, reponse.content[:300]

    envoyer(lots[0])  # warm-up
    requetes: list[tuple[float, str]] = []

    def chronometrer(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        t = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            requetes.append(((time.perf_counter() - t) * 1000, sql[:110]))

    debut = time.perf_counter()
    with connection.execute_wrapper(chronometrer):
        envoyer(lots[1])
    duree = time.perf_counter() - debut
    profileur = cProfile.Profile()
    profileur.enable()
    envoyer(lots[2])
    profileur.disable()
    sortie = io.StringIO()
    tri = os.environ.get("PROFIL_TRI", "cumulative")
    stats = pstats.Stats(profileur, stream=sortie).strip_dirs().sort_stats(tri)
    stats.print_stats(lignes)
    detail = "\n".join(f"  {ms:7.2f} ms  {sql}" for ms, sql in requetes)
    texte = f"{len(requetes)} requêtes SQL pour le lot :\n{detail}\n" + sortie.getvalue()
    return duree, texte


def _cpu_backend_s() -> float | None:
    """CPU seconds of this connection's PostgreSQL backend so far (None elsewhere)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as curseur:
        curseur.execute("SELECT pg_backend_pid()")
        (pid,) = curseur.fetchone()  # type: ignore[misc]
    try:
        champs = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(champs[11]) + int(champs[12])) / os.sysconf("SC_CLK_TCK")


def contre_plancher(*, taille: int = 1, blocs: int = 8, par_bloc: int = 25) -> dict[str, dict[str, float]]:
    """Per request of `taille` sales, Magasin's sync and the floor, in alternating blocks of
    `par_bloc` requests: statements, wall ms, Python CPU ms, database backend CPU ms (medians
    of the blocks)."""
    from django.db import connection
    from django.test import Client

    from bench.charge import CHEMIN_PLANCHER
    from bench.plancher import creer_table_plancher

    creer_table_plancher()
    (terminal,) = peupler(prefixe=f"CTP{time.time_ns() % 10**8}", boutiques=1, terminaux=1)
    entetes: dict[str, Any] = {
        f"HTTP_{k.upper().replace('-', '_')}": v for k, v in terminal.entetes().items() if k != "Content-Type"
    }
    client = Client(HTTP_HOST="127.0.0.1")
    lots = iter(
        lots_prepares(terminal, prefixe="ctp", taille_lot=taille, nombre_lots=2 * (blocs + 1) * par_bloc, graine=3)
    )
    mesures: dict[str, list[tuple[float, float, float, float]]] = {"magasin": [], "plancher": []}
    for bloc in range(blocs + 1):  # the first block of each warms up and is not kept
        for systeme in ("magasin", "plancher") if bloc % 2 else ("plancher", "magasin"):
            chemin = CHEMIN_MAGASIN if systeme == "magasin" else CHEMIN_PLANCHER
            requetes = [0]

            def compter(execute, sql, params, many, context, requetes=requetes):  # type: ignore[no-untyped-def]
                requetes[0] += 1
                return execute(sql, params, many, context)

            pg, cpu, mur = _cpu_backend_s(), time.process_time(), time.perf_counter()
            with connection.execute_wrapper(compter):
                for _ in range(par_bloc):
                    corps = next(lots)
                    reponse = client.post(chemin, corps, content_type="application/json", **entetes)
                    assert reponse.status_code == 201, reponse.content[:300]
            mur, cpu = time.perf_counter() - mur, time.process_time() - cpu
            pg_fin = _cpu_backend_s()
            if bloc:
                mesures[systeme].append(
                    (
                        requetes[0] / par_bloc,
                        mur * 1000 / par_bloc,
                        cpu * 1000 / par_bloc,
                        (pg_fin - pg) * 1000 / par_bloc if pg is not None and pg_fin is not None else float("nan"),
                    )
                )
    return {
        systeme: {
            cle: round(statistics.median(m[i] for m in lignes), 2)
            for i, cle in enumerate(("requetes_sql", "mur_ms", "cpu_python_ms", "cpu_base_ms"))
        }
        for systeme, lignes in mesures.items()
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--taille", type=int, default=500)
    parser.add_argument("--lignes", type=int, default=40)
    parser.add_argument("--tri", default="cumulative")
    parser.add_argument("--contre-plancher", action="store_true", help="cost per request against the floor")
    args = parser.parse_args()
    base_existante()
    if args.contre_plancher:
        for systeme, cout in contre_plancher(taille=args.taille).items():
            print(systeme, cout)
        return
    duree, texte = profiler(taille=args.taille, lignes=args.lignes)
    print(f"lot de {args.taille} ventes : {duree * 1000:.0f} ms sans profileur")
    print(texte)


if __name__ == "__main__":
    main()
