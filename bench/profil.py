"""Where the time of one 500-sale batch goes: `python -m bench.profil [--taille 500]`.

Runs the real view (Django test client: middleware, auth, parsing, service, rendering) on the
benchmark database under cProfile, after a warm-up batch, and prints the top functions.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import time
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--taille", type=int, default=500)
    parser.add_argument("--lignes", type=int, default=40)
    parser.add_argument("--tri", default="cumulative")
    args = parser.parse_args()
    base_existante()
    duree, texte = profiler(taille=args.taille, lignes=args.lignes)
    print(f"lot de {args.taille} ventes : {duree * 1000:.0f} ms sans profileur")
    print(texte)


if __name__ == "__main__":
    main()
