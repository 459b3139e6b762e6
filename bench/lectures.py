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
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

from bench.charge import ClientHTTP
from bench.commun import Serveur, TerminalBench, base_existante, centile, executer_sql, peupler
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


@dataclass
class Lecteur:
    """One server's reader: its port, its shop's terminal, its database."""

    port: int
    terminal: TerminalBench
    url: str


def _cas(lecteur: Lecteur) -> dict[str, Callable[[], str]]:
    """The read endpoints, as paths drawn for this reader (same draws for every reader)."""
    rng = random.Random(9)
    articles = [a for a, _ in lecteur.terminal.articles]
    # A delta of 20 articles: as after a few sales since the terminal's last pull. Written
    # outside Django, so that the same code measures a server of another source tree.
    depuis = datetime.now(UTC)
    time.sleep(0.01)
    touches = articles[:20]
    executer_sql(
        lecteur.url,
        f"UPDATE stock_article SET date_modification = %s WHERE id IN ({', '.join(['%s'] * len(touches))})",
        [datetime.now(UTC), *touches],
    )
    il_y_a = datetime.now(UTC) - timedelta(days=180)

    def semaine() -> str:
        debut = il_y_a + timedelta(days=rng.randint(0, 150))
        fin = debut + timedelta(days=7)
        return f"date_debut={quote(debut.isoformat())}&date_fin={quote(fin.isoformat())}"

    return {
        "articles (delta de 20)": lambda: f"/api/v2/simple/articles/?modifie_depuis={quote(depuis.isoformat())}",
        "articles (catalogue entier, 500)": lambda: "/api/v2/simple/articles/",
        "mouvements-stock ?article_id&type, 100": lambda: (
            f"/api/v2/simple/mouvements-stock/?article_id={rng.choice(articles)}&type_mouvement=VENTE&limit=100"
        ),
        "mouvements-stock ?semaine, 100": lambda: f"/api/v2/simple/mouvements-stock/?{semaine()}&limit=100",
        "ventes (100 dernières, lignes)": lambda: "/api/v2/simple/ventes/?limit=100",
        "ventes ?semaine, 100": lambda: f"/api/v2/simple/ventes/?{semaine()}&limit=100",
    }


def mesurer_cote_a_cote(lecteurs: dict[str, Lecteur], *, requetes: int = 100) -> dict[str, list[dict[str, Any]]]:
    """p50/p95 per read endpoint and per reader; with several readers (two source trees),
    their requests alternate one by one, in an order that reverses each time, so that each
    endpoint is measured on every server in the same seconds."""
    cas = {nom: _cas(lecteur) for nom, lecteur in lecteurs.items()}
    clients = {nom: ClientHTTP(lecteur.port, lecteur.terminal.entetes()) for nom, lecteur in lecteurs.items()}
    for nom, lecteur in lecteurs.items():
        echauffer(
            port=lecteur.port,
            terminal=lecteur.terminal,
            chemins=[chemin() for chemin in cas[nom].values() for _ in range(3)],
        )
    resultats: dict[str, list[dict[str, Any]]] = {nom: [] for nom in lecteurs}
    noms = list(lecteurs)
    for lecture in next(iter(cas.values())):
        latences: dict[str, list[float]] = {nom: [] for nom in noms}
        octets: dict[str, int] = {}
        for i in range(requetes):
            for nom in noms if i % 2 == 0 else reversed(noms):
                c = cas[nom][lecture]()
                debut = time.perf_counter()
                statut, corps = clients[nom].requete("GET", c)
                latences[nom].append((time.perf_counter() - debut) * 1000)
                if statut != 200:
                    raise RuntimeError(f"GET {c}: HTTP {statut} {corps[:200]!r}")
                octets[nom] = len(corps)
        for nom in noms:
            ligne = {
                "lecture": lecture,
                "requetes": requetes,
                "p50_ms": round(centile(latences[nom], 50), 1),
                "p95_ms": round(centile(latences[nom], 95), 1),
                "octets": octets[nom],
            }
            resultats[nom].append(ligne)
            print(f"{nom:<6} {lecture:<42} p50 {ligne['p50_ms']:>6.1f} ms  p95 {ligne['p95_ms']:>6.1f} ms")
    for client in clients.values():
        client.fermer()
    return resultats


def mesurer(*, port: int, terminal: TerminalBench, url: str, requetes: int = 100) -> list[dict[str, Any]]:
    """p50/p95 per read endpoint of one server (`url`: the database it reads)."""
    return mesurer_cote_a_cote({"": Lecteur(port, terminal, url)}, requetes=requetes)[""]


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
        mesurer(port=serveur.port, terminal=terminal, url=url)


if __name__ == "__main__":
    main()
