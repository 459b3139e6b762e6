"""Invoice numbers per second under contention: `python -m bench.numeros [--ecrivains 16]`.

16 threads, each with its own database connection, take numbers of the same shop and month
(the worst case: one counter row) with `numero_facture_suivant` inside a transaction each,
for a fixed time. Then checks that the numbers taken are 1..N with no gap and no duplicate.
"""

from __future__ import annotations

import argparse
import threading
import time
from typing import Any

from bench.commun import base_existante, centile


def mesurer(*, ecrivains: int = 16, duree_s: float = 5.0) -> dict[str, Any]:
    from django.db import connection, transaction

    from magasin.boutiques.models import Boutique
    from magasin.ventes.numerotation import numero_facture_suivant

    boutique = Boutique.objects.create(nom="Numéros", code=f"NUM{time.time_ns() % 10**9}"[:20])
    pris: list[list[str]] = [[] for _ in range(ecrivains)]
    latences: list[list[float]] = [[] for _ in range(ecrivains)]
    erreurs: list[BaseException] = []
    depart = threading.Barrier(ecrivains + 1)
    fin = [0.0]

    def ecrire(i: int) -> None:
        try:
            depart.wait()
            while time.perf_counter() < fin[0]:
                debut = time.perf_counter()
                with transaction.atomic():
                    pris[i].append(numero_facture_suivant(boutique=boutique))
                latences[i].append((time.perf_counter() - debut) * 1000)
        except BaseException as exc:
            erreurs.append(exc)
        finally:
            connection.close()

    fils = [threading.Thread(target=ecrire, args=(i,)) for i in range(ecrivains)]
    for f in fils:
        f.start()
    debut = time.perf_counter()
    fin[0] = debut + duree_s
    depart.wait()
    for f in fils:
        f.join(timeout=duree_s + 60)
    duree = time.perf_counter() - debut
    if erreurs:
        raise erreurs[0]
    tous = [n for p in pris for n in p]
    rangs = sorted(int(n.rsplit("-", 1)[1]) for n in tous)
    sans_trou = rangs == list(range(1, len(rangs) + 1))
    toutes = [x for l_ in latences for x in l_]
    return {
        "ecrivains": ecrivains,
        "numeros": len(tous),
        "duree_s": round(duree, 3),
        "numeros_par_s": round(len(tous) / duree, 1),
        "p50_ms": round(centile(toutes, 50), 2),
        "p99_ms": round(centile(toutes, 99), 2),
        "sans_trou_ni_doublon": sans_trou and len(set(tous)) == len(tous),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--ecrivains", type=int, default=16)
    parser.add_argument("--duree", type=float, default=5.0)
    args = parser.parse_args()
    base_existante()
    r = mesurer(ecrivains=args.ecrivains, duree_s=args.duree)
    print(
        f"{r['numeros_par_s']:.0f} numéros/s avec {r['ecrivains']} écrivains "
        f"({r['numeros']} en {r['duree_s']} s, p50 {r['p50_ms']} ms, p99 {r['p99_ms']} ms) ; "
        f"sans trou ni doublon : {r['sans_trou_ni_doublon']}"
    )


if __name__ == "__main__":
    main()
