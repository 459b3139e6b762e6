"""Benchmark of `importer_ancien` (issue 18): time and peak memory of a large import.

    .venv/bin/python -m bench.reprise --ventes 1000000            # 1,000,000 sales, 3 lines each
    BENCH_REPRISE_URL=mysql://root@127.0.0.1:3306/magasin_bench_reprise .venv/bin/python -m bench.reprise

Writes a regular export shaped like the old system's dumpdata (4 shops, 16 terminals, 2,000
articles, N sales of 3 lines) to var/, imports it into a fresh database of its own (default
PostgreSQL `magasin_bench_reprise`, never the other benchmarks' one) with the real command in a
child process, and measures that process: wall time and peak resident memory (wait4's
ru_maxrss). With --deux-fois, imports the same file again (every row already there: the cost of
a resumed import's skipping). The figures go to bench/results/reprise-<backend>-<N>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.commun import PYTHON, RACINE, creer_base, env_serveur
from magasin.reprise.tests.ancien import ecrire_export_genere

URL_DEFAUT = "postgres://postgres@127.0.0.1:5432/magasin_bench_reprise"


def importer(url: str, fichier: Path, *options: str) -> dict[str, Any]:
    """Run the command in a child process; its report, wall time and peak RSS."""
    debut = time.monotonic()
    processus = subprocess.Popen(
        [PYTHON, "manage.py", "importer_ancien", str(fichier), "--json", *options],
        cwd=RACINE,
        env=env_serveur(url),
        stdout=subprocess.PIPE,
        stderr=None,  # progress lines pass through
        text=True,
    )
    assert processus.stdout is not None
    sortie = processus.stdout.read()
    _, statut, usage = os.wait4(processus.pid, 0)
    processus.returncode = os.waitstatus_to_exitcode(statut)
    duree = time.monotonic() - debut
    rapport = json.loads(sortie)
    return {
        "code_sortie": processus.returncode,
        "duree_s": round(duree, 1),
        "pic_memoire_mo": round(usage.ru_maxrss / 1024, 1),  # Linux: kilobytes
        "modeles": rapport["modeles"],
        "anomalies": {cle: a["nombre"] for cle, a in rapport["anomalies"].items()},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ventes", type=int, default=1_000_000)
    parser.add_argument("--lignes", type=int, default=3)
    parser.add_argument("--deux-fois", action="store_true", help="Importer une seconde fois le même fichier.")
    parser.add_argument("--garder-fichier", action="store_true", help="Ne pas effacer l'export généré.")
    args = parser.parse_args()
    url = os.environ.get("BENCH_REPRISE_URL", URL_DEFAUT)
    backend = url.split(":", 1)[0]

    fichier = RACINE / "var" / f"bench_reprise_{args.ventes}.json"
    fichier.parent.mkdir(exist_ok=True)
    debut = time.monotonic()
    if not fichier.exists():
        ecrire_export_genere(fichier, ventes=args.ventes, lignes_par_vente=args.lignes)
    generation = time.monotonic() - debut
    taille_mo = fichier.stat().st_size / 1e6
    print(f"export : {fichier} ({taille_mo:,.0f} Mo, écrit en {generation:.0f} s)", file=sys.stderr)

    creer_base(url, neuve=True)
    resultats: dict[str, Any] = {
        "backend": backend,
        "ventes": args.ventes,
        "lignes": args.ventes * args.lignes,
        "fichier_mo": round(taille_mo, 1),
        "machine": f"{os.cpu_count()} cœurs",
        "premier_import": importer(url, fichier),
    }
    if args.deux_fois:
        resultats["second_import"] = importer(url, fichier)
    if not args.garder_fichier:
        fichier.unlink()

    sortie = RACINE / "bench" / "results" / f"reprise-{backend}-{args.ventes}.json"
    sortie.parent.mkdir(exist_ok=True)
    sortie.write_text(json.dumps(resultats, indent=2, ensure_ascii=False) + "\n")
    premier = resultats["premier_import"]
    print(
        f"{backend} : {args.ventes:,} ventes, {args.ventes * args.lignes:,} lignes — "
        f"{premier['duree_s']:.0f} s, pic mémoire {premier['pic_memoire_mo']:.0f} Mo, "
        f"code de sortie {premier['code_sortie']} → {sortie.relative_to(RACINE)}"
    )


if __name__ == "__main__":
    main()
