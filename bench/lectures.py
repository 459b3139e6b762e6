"""Read endpoints with a million ledger rows: `python -m bench.lectures [--mouvements 1000000]`.

One shop gets a year of history bulk-loaded by COPY (consistent ledger chains, 50,000 sales of
3 lines); then one terminal of that shop asks, one request at a time, through gunicorn:
the articles delta, the full catalogue, the movements filtered by article and type, by a
one-week window, and the last sales. p50/p95 per endpoint.
"""

from __future__ import annotations

import argparse
import random
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

from bench.charge import ClientHTTP
from bench.commun import Serveur, TerminalBench, base_existante, centile, peupler
from bench.limite import charger_registre


def preparer(url: str, *, mouvements: int, ventes: int) -> tuple[TerminalBench, float]:
    (terminal,) = peupler(prefixe=f"LEC{time.time_ns() % 10**6}", boutiques=1, terminaux=1, articles_par_boutique=500)
    duree = charger_registre(
        url,
        boutique_id=terminal.boutique_id,
        articles=[a for a, _ in terminal.articles],
        mouvements=mouvements,
        ventes=ventes,
    )
    return terminal, duree


def echauffer(*, port: int, terminal: TerminalBench, chemins: list[str], connexions: int = 8) -> None:
    """Send every request from `connexions` clients at once, so that every gunicorn worker (not
    only the one that happens to sit in accept()) has opened its database connection and served
    each endpoint before the clock runs: a cold worker's first request is 5x slower."""

    def client() -> None:
        c = ClientHTTP(port, terminal.entetes())
        for chemin in chemins:
            c.requete("GET", chemin)
        c.fermer()

    fils = [threading.Thread(target=client) for _ in range(connexions)]
    for f in fils:
        f.start()
    for f in fils:
        f.join()


def mesurer(*, port: int, terminal: TerminalBench, requetes: int = 100) -> list[dict[str, Any]]:
    from magasin.stock.models import Article

    rng = random.Random(9)
    client = ClientHTTP(port, terminal.entetes())
    articles = [a for a, _ in terminal.articles]
    # A delta of 20 articles: as after a few sales since the terminal's last pull.
    depuis = datetime.now(UTC)
    time.sleep(0.01)
    Article.objects.filter(pk__in=articles[:20]).update(date_modification=datetime.now(UTC))
    il_y_a = datetime.now(UTC) - timedelta(days=180)

    def semaine() -> str:
        debut = il_y_a + timedelta(days=rng.randint(0, 150))
        fin = debut + timedelta(days=7)
        return f"date_debut={quote(debut.isoformat())}&date_fin={quote(fin.isoformat())}"

    cas = {
        "articles (delta de 20)": lambda: f"/api/v2/simple/articles/?modifie_depuis={quote(depuis.isoformat())}",
        "articles (catalogue entier, 500)": lambda: "/api/v2/simple/articles/",
        "mouvements-stock ?article_id&type, 100": lambda: (
            f"/api/v2/simple/mouvements-stock/?article_id={rng.choice(articles)}&type_mouvement=VENTE&limit=100"
        ),
        "mouvements-stock ?semaine, 100": lambda: f"/api/v2/simple/mouvements-stock/?{semaine()}&limit=100",
        "ventes (100 dernières, lignes)": lambda: "/api/v2/simple/ventes/?limit=100",
        "ventes ?semaine, 100": lambda: f"/api/v2/simple/ventes/?{semaine()}&limit=100",
    }
    echauffer(port=port, terminal=terminal, chemins=[chemin() for chemin in cas.values() for _ in range(3)])
    lignes = []
    for nom, chemin in cas.items():
        latences = []
        for _ in range(requetes):
            c = chemin()
            debut = time.perf_counter()
            statut, corps = client.requete("GET", c)
            latences.append((time.perf_counter() - debut) * 1000)
            if statut != 200:
                raise RuntimeError(f"GET {c}: HTTP {statut} {corps[:200]!r}")
        lignes.append(
            {
                "lecture": nom,
                "requetes": requetes,
                "p50_ms": round(centile(latences, 50), 1),
                "p95_ms": round(centile(latences, 95), 1),
                "octets": len(corps),
            }
        )
        print(f"{nom:<42} p50 {lignes[-1]['p50_ms']:>6.1f} ms  p95 {lignes[-1]['p95_ms']:>6.1f} ms")
    client.fermer()
    return lignes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mouvements", type=int, default=1_000_000)
    parser.add_argument("--ventes", type=int, default=50_000)
    parser.add_argument("--port", type=int, default=8313)
    args = parser.parse_args()
    url = base_existante()
    terminal, duree = preparer(url, mouvements=args.mouvements, ventes=args.ventes)
    print(f"{args.mouvements} mouvements et {args.ventes} ventes chargés par COPY en {duree:.1f} s")
    with Serveur(url, port=args.port) as serveur:
        mesurer(port=serveur.port, terminal=terminal)


if __name__ == "__main__":
    main()
