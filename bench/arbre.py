"""The benchmark's preparations for another source tree (`bench.rapport --avant`).

A server of another tree is measured by this tree's benchmark over HTTP; what must run with
that tree's models (the seed data, the read benchmark's shop) runs here, as a subprocess in the
tree's directory of links (`bench.commun.dossier_d_execution`), and hands its result back as
JSON. `python -m bench.arbre preparer|lectures --sortie FICHIER`, on BENCH_DATABASE_URL.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import tempfile
from dataclasses import asdict
from pathlib import Path
from typing import Any

from bench.commun import PYTHON, TerminalBench, dossier_d_execution, env_serveur, url_bench


def terminal_de_json(donnees: dict[str, Any]) -> TerminalBench:
    return TerminalBench(
        serie=donnees["serie"],
        jeton=donnees["jeton"],
        boutique_id=donnees["boutique_id"],
        articles=[(int(a), str(p)) for a, p in donnees["articles"]],
    )


def preparer_ailleurs(sources: Path, url: str, commande: str, *options: str) -> dict[str, Any]:
    """Run `python -m bench.arbre COMMANDE` on the code of `sources` and the database `url`."""
    with tempfile.NamedTemporaryFile(suffix=".json") as sortie:
        subprocess.run(
            [PYTHON, "-m", "bench.arbre", commande, "--sortie", sortie.name, *options],
            cwd=dossier_d_execution(sources),
            env=env_serveur(url, BENCH_DATABASE_URL=url),
            check=True,
        )
        return json.loads(Path(sortie.name).read_text())  # type: ignore[no-any-return]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("commande", choices=["preparer", "lectures"])
    parser.add_argument("--sortie", required=True)
    parser.add_argument("--terminaux", type=int, default=32)
    parser.add_argument("--mouvements", type=int, default=1_000_000)
    parser.add_argument("--ventes", type=int, default=50_000)
    args = parser.parse_args()

    from bench.commun import analyser, peupler, preparer_django

    url = preparer_django(url_bench())  # the database is created and migrated by the caller
    resultat: dict[str, Any]
    if args.commande == "preparer":
        terminaux = peupler(prefixe="SYN", boutiques=max(1, args.terminaux // 2), terminaux=args.terminaux)
        analyser()
        resultat = {"terminaux": [asdict(t) for t in terminaux]}
    else:
        from bench import lectures

        terminal, duree = lectures.preparer(url, mouvements=args.mouvements, ventes=args.ventes)
        resultat = {"terminal": asdict(terminal), "chargement_copy_s": duree}
    Path(args.sortie).write_text(json.dumps(resultat))


if __name__ == "__main__":
    main()
