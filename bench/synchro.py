"""Sync throughput through HTTP: `python -m bench.synchro [--baseline] [--plancher] [--duree S]`.

Batches of 1, 5, 50 and 500 sales (3 lines each) from 1, 8 and 32 concurrent terminals (two
terminals per shop), against gunicorn. Prints sales/s and p50/p95/p99 per request. The systems:
`magasin` (the API's sync), `plancher` (the stack's floor, bench.plancher), `baseline` (the
seed-style loop, bench.baseline), and `avant` (Magasin's sync served from another source tree,
`bench.rapport --avant`).
"""

from __future__ import annotations

import argparse
import math
from typing import Any

from bench.charge import CHEMIN_BASELINE, CHEMIN_MAGASIN, CHEMIN_PLANCHER, jouer, lots_prepares
from bench.commun import Serveur, TerminalBench, analyser, creer_base, peupler, preparer_django, url_bench

TAILLES = (1, 5, 50, 500)
CONCURRENCES = (1, 8, 32)
CHEMINS = {
    "magasin": CHEMIN_MAGASIN,
    "avant": CHEMIN_MAGASIN,
    "plancher": CHEMIN_PLANCHER,
    "baseline": CHEMIN_BASELINE,
}


def mesurer(
    *,
    port: int,
    terminaux: list[TerminalBench],
    systeme: str,
    tailles: tuple[int, ...] = TAILLES,
    concurrences: tuple[int, ...] = CONCURRENCES,
    duree_s: float = 6.0,
    plafond_ventes: int = 20_000,
    graine: int = 1,
    tour: int = 0,
    echauffer: bool = True,
    url: str | None = None,
) -> list[dict[str, Any]]:
    """One row per (batch size, terminals) for `systeme` (a key of CHEMINS).

    `tour` numbers a repeated measurement on the same database: its sales get their own
    invoice numbers, so that no batch is a resend of an earlier round's. `echauffer=False`
    skips the warm-up, for a server this system has already warmed. `url`: the database the
    server writes, when it is not this process's Django database (another source tree)."""
    chemin = CHEMINS[systeme]
    suffixe = f"-t{tour}" if tour else ""
    lignes = []
    if echauffer:
        # Every worker imports, connects and caches before the clock runs.
        echauffement = [
            lots_prepares(t, prefixe=f"{systeme}-chaud{suffixe}", taille_lot=5, nombre_lots=2, graine=graine)
            for t in terminaux
        ]
        jouer(port=port, terminaux=terminaux, lots=echauffement, taille_lot=5, chemin=chemin)
    for taille in tailles:
        for n in concurrences:
            if n * taille > plafond_ventes * 4:
                # One round alone (each terminal's first batch) would take minutes: skipped.
                ligne_sautee: dict[str, Any] = {
                    "systeme": systeme,
                    "taille_lot": taille,
                    "terminaux": n,
                    "tour": tour,
                    "ventes": 0,
                    "requetes": 0,
                    "duree_s": 0.0,
                    "ventes_par_s": 0.0,
                    "p50_ms": 0.0,
                    "p95_ms": 0.0,
                    "p99_ms": 0.0,
                    "erreurs": 0,
                    "non_mesure": True,
                }
                lignes.append(ligne_sautee)
                print(f"{systeme:<9} lot {taille:>3} × {n:>2} terminaux: non mesuré (trop long)")
                continue
            actifs = terminaux[:n]
            # This machine's PostgreSQL runs without autovacuum: refresh the planner's
            # statistics as it would, outside the clock (the shops grow from one run to the next).
            analyser(url)
            nombre_lots = max(2, math.ceil(plafond_ventes / (n * taille)))
            lots = [
                lots_prepares(
                    t,
                    prefixe=f"{systeme}-{taille}-{n}{suffixe}",
                    taille_lot=taille,
                    nombre_lots=nombre_lots,
                    graine=graine,
                )
                for t in actifs
            ]
            mesure = jouer(
                port=port,
                terminaux=actifs,
                lots=lots,
                taille_lot=taille,
                chemin=chemin,
                duree_max_s=duree_s,
            )
            ligne = {"systeme": systeme, "taille_lot": taille, "terminaux": n, "tour": tour, **mesure.resume()}
            if mesure.erreurs:
                ligne["premiere_erreur"] = mesure.erreurs[0][:300]
            lignes.append(ligne)
            print(_format(ligne), flush=True)
    return lignes


def _format(r: dict[str, Any]) -> str:
    return (
        f"{r['systeme']:<9} lot {r['taille_lot']:>3} × {r['terminaux']:>2} terminaux: "
        f"{r['ventes_par_s']:>8.1f} ventes/s  p50 {r['p50_ms']:>7.1f} ms  p95 {r['p95_ms']:>7.1f} ms"
        f"  p99 {r['p99_ms']:>7.1f} ms  ({r['requetes']} requêtes, {r['erreurs']} erreurs)"
    )


def preparer(url: str, *, neuve: bool = True, terminaux: int = 32) -> list[TerminalBench]:
    creer_base(url, neuve=neuve)
    preparer_django(url)
    terminaux_bench = peupler(prefixe="SYN", boutiques=max(1, terminaux // 2), terminaux=terminaux)
    analyser()
    return terminaux_bench


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--baseline", action="store_true", help="also measure the seed-style baseline")
    parser.add_argument("--plancher", action="store_true", help="also measure the stack's floor")
    parser.add_argument("--duree", type=float, default=6.0, help="seconds per configuration")
    parser.add_argument("--tailles", default="1,5,50,500")
    parser.add_argument("--terminaux", default="1,8,32")
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--port", type=int, default=8311)
    args = parser.parse_args()

    url = url_bench()
    tailles = tuple(int(x) for x in args.tailles.split(","))
    concurrences = tuple(int(x) for x in args.terminaux.split(","))
    terminaux = preparer(url, terminaux=max(concurrences))
    with Serveur(url, port=args.port, workers=args.workers) as serveur:
        systemes = ["magasin"] + ["plancher"] * args.plancher + ["baseline"] * args.baseline
        for systeme in systemes:
            mesurer(
                port=serveur.port,
                terminaux=terminaux,
                systeme=systeme,
                tailles=tailles,
                concurrences=concurrences,
                duree_s=args.duree,
                plafond_ventes=2_000 if systeme == "baseline" else 20_000,
            )


if __name__ == "__main__":
    main()
