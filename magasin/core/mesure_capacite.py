"""Quick capacity measurement for docs/SCALE.md: time `ventes_synchroniser` on 50-sale batches.

    DEBUG=0 SECRET_KEY=… DATABASE_URL=postgres://…/scratch python -m magasin.core.mesure_capacite

Writes a throwaway shop (code MESURE-<n>) into the database it is pointed at: use a scratch
database. One process, sequential batches, service call only (no HTTP, no JSON parsing).
The full benchmark, over HTTP with concurrent terminals, is docs/PERFORMANCE.md.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from decimal import Decimal
from typing import Any, cast


def main(lots: int = 40, ventes_par_lot: int = 50, lignes_par_vente: int = 3) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "magasin.settings")
    import django

    django.setup()
    from django.db import connection

    from magasin.boutiques.models import Boutique
    from magasin.boutiques.services import terminal_creer
    from magasin.stock.services import article_creer
    from magasin.ventes.entrees import VenteEntree, VenteLue
    from magasin.ventes.services import ventes_synchroniser

    n = Boutique.objects.filter(code__startswith="MESURE-").count() + 1
    boutique = Boutique.objects.create(nom=f"Mesure {n}", code=f"MESURE-{n}")
    terminal, _ = terminal_creer(numero_serie=f"MESURE-{n}", nom_terminal="Mesure", boutique=boutique)
    articles = [
        article_creer(
            boutique=boutique,
            code=f"M{i:03d}",
            nom=f"Article {i}",
            prix_vente=Decimal("1500"),
            stock_initial=1_000_000,
            utilisateur="mesure",
        )
        for i in range(30)
    ]
    durees = []
    sequence = 0
    for lot in range(lots):
        ventes = []
        for v in range(ventes_par_lot):
            sequence += 1
            lignes: list[Any] = [  # validated by VenteEntree
                {
                    "article_id": articles[(v + k * 7 + lot) % len(articles)].pk,
                    "quantite": 1 + k,
                    "prix_unitaire": "1500",
                }
                for k in range(lignes_par_vente)
            ]
            ventes.append(VenteLue.de_entree(VenteEntree(sequence=sequence, lignes=lignes)))
        debut = time.perf_counter()
        resultat = ventes_synchroniser(terminal=terminal, ventes=ventes)
        durees.append(time.perf_counter() - debut)
        assert resultat.nouvelles == ventes_par_lot
    durees_ms = sorted(d * 1000 for d in durees[2:])  # the first two warm caches up
    p50 = statistics.median(durees_ms)
    p95 = durees_ms[int(len(durees_ms) * 0.95) - 1]
    print(f"base : {connection.vendor} {cast(Any, connection).pg_version if connection.vendor == 'postgresql' else ''}")
    print(f"lots : {lots} × {ventes_par_lot} ventes × {lignes_par_vente} lignes, séquentiels")
    print(f"durée d'un lot : médiane {p50:.0f} ms, p95 {p95:.0f} ms")
    print(f"débit d'un processus : {ventes_par_lot / (p50 / 1000):.0f} ventes/s")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:]))
