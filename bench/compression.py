"""What gzip saves on the wire: a 500-sale sync (request and answer) and a full catalogue.

    .venv/bin/python -m bench.compression [--articles 1000] [--ventes 500]

One shop with a catalogue of realistic names, codes and barcodes, and one terminal, in a fresh
database (BENCH_DATABASE_URL; by default a SQLite file in var/, so no server is needed). The
terminal sends its sales in one gzipped batch asking for a gzipped answer, then reads the
catalogue the same way; everything goes through Django's whole middleware stack in this process
(the test client), so the figures are the bytes a terminal would send and receive, HTTP headers
aside. Printed: plain and gzip sizes, the saving, and the server's time to compress.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import time
from typing import Any

from bench.commun import RACINE, creer_base, mediane, peupler, preparer_django, vente_aleatoire

URL_DEFAUT = f"sqlite:///{RACINE / 'var' / 'bench-compression.sqlite3'}"

PRODUITS = [
    ("Farine de maïs", ["1 kg", "5 kg", "25 kg"]),
    ("Riz parfumé", ["1 kg", "5 kg", "25 kg"]),
    ("Sucre", ["500 g", "1 kg", "50 kg"]),
    ("Huile de palme", ["1 L", "5 L", "20 L"]),
    ("Huile végétale", ["1 L", "5 L"]),
    ("Lait en poudre", ["400 g", "900 g", "2,5 kg"]),
    ("Sardines à l'huile", ["125 g"]),
    ("Tomate concentrée", ["70 g", "400 g"]),
    ("Pâtes spaghetti", ["500 g"]),
    ("Sel iodé", ["500 g", "1 kg"]),
    ("Savon de ménage", ["200 g", "400 g"]),
    ("Savon de toilette", ["90 g", "150 g"]),
    ("Détergent en poudre", ["500 g", "1 kg", "3 kg"]),
    ("Dentifrice", ["75 ml", "140 ml"]),
    ("Eau minérale", ["50 cl", "1,5 L"]),
    ("Bière", ["33 cl", "65 cl"]),
    ("Jus de fruits", ["33 cl", "1 L"]),
    ("Biscuits", ["100 g", "300 g"]),
    ("Café moulu", ["250 g", "500 g"]),
    ("Thé en sachets", ["25 sachets", "100 sachets"]),
    ("Bougies", ["paquet de 6"]),
    ("Allumettes", ["paquet de 10"]),
    ("Piles AA", ["x2", "x4"]),
    ("Cahier", ["48 pages", "96 pages", "200 pages"]),
]
MARQUES = [
    "Kwilu",
    "Mbuji",
    "Monganga",
    "Nido",
    "Primus",
    "Skol",
    "Simba",
    "Tembo",
    "Marsavco",
    "Africana",
    "Bralima",
    "Sotexki",
    "Congo Agri",
    "Mama Bella",
    "Kin Marché",
]


def catalogue_realiste(nombre: int, rng: random.Random) -> list[dict[str, Any]]:
    """`nombre` distinct articles as a Kinshasa shop names them: product, brand, size."""
    vus: set[str] = set()
    articles: list[dict[str, Any]] = []
    while len(articles) < nombre:
        produit, formats = rng.choice(PRODUITS)
        nom = f"{produit} {rng.choice(MARQUES)} {rng.choice(formats)}"
        if nom in vus:
            nom = f"{nom} ({len(articles)})"
        vus.add(nom)
        articles.append(
            {
                "nom": nom,
                "code": f"{produit[:3].upper()}-{len(articles) + 1:05d}",
                "code_barres": "".join(rng.choice("0123456789") for _ in range(13)),
                "prix_vente": rng.randrange(500, 250_000, 50),
                "quantite_stock": rng.randrange(0, 500),
                "seuil_alerte": rng.choice([5, 10, 12, 24]),
            }
        )
    return articles


def preparer(articles: int) -> Any:
    """The shop, its catalogue and its terminal in a fresh database; the terminal."""
    from decimal import Decimal

    from magasin.stock.models import Article

    terminal = peupler(prefixe="GZ", boutiques=1, terminaux=1, articles_par_boutique=articles)[0]
    rng = random.Random(17)
    modeles = {a.pk: a for a in Article.objects.filter(boutique_id=terminal.boutique_id)}
    for (pk, _), champs in zip(terminal.articles, catalogue_realiste(articles, rng), strict=True):
        article = modeles[pk]
        article.nom, article.code, article.code_barres = champs["nom"], champs["code"], champs["code_barres"]
        article.prix_vente = Decimal(champs["prix_vente"])
        article.seuil_alerte = champs["seuil_alerte"]
    Article.objects.bulk_update(modeles.values(), ["nom", "code", "code_barres", "prix_vente", "seuil_alerte"])
    terminal.articles = [(a.pk, f"{a.prix_vente:.2f}") for a in modeles.values()]
    return terminal


def temps_gzip_ms(contenu: bytes) -> float:
    """The server's time to compress `contenu` as the middleware does (median of 5)."""
    from django.utils.text import compress_string

    durees = []
    for _ in range(5):
        debut = time.perf_counter()
        compress_string(contenu)
        durees.append((time.perf_counter() - debut) * 1000)
    return mediane(durees)


def _octets(nombre: int) -> str:
    return f"{nombre:,}".replace(",", "\u202f")


def ligne(nom: str, clair: int, compresse: int, ms: float | None = None) -> str:
    gain = 100 * (1 - compresse / clair)
    texte = f"{nom:<38} {_octets(clair):>10} o {_octets(compresse):>9} o  -{gain:4.1f} % (x{clair / compresse:4.1f})"
    return texte + (f"  gzip {ms:5.1f} ms" if ms is not None else "")


def mesurer(*, articles: int, ventes: int) -> list[str]:
    from django.test import Client

    terminal = preparer(articles)
    client = Client(HTTP_HOST="127.0.0.1")
    entetes = {k: v for k, v in terminal.entetes().items() if k != "Content-Type"}
    rng = random.Random(500)
    lot = [vente_aleatoire(rng, terminal, f"GZ-{i:06d}") for i in range(ventes)]
    envoi = json.dumps(lot).encode()
    envoi_gzip = gzip.compress(envoi, compresslevel=6)

    r = client.post(
        "/api/v2/simple/ventes/sync",
        data=envoi_gzip,
        content_type="application/json",
        headers={**entetes, "Content-Encoding": "gzip", "Accept-Encoding": "gzip"},
    )
    assert r.status_code == 201 and r["Content-Encoding"] == "gzip", (r.status_code, r.content[:300])
    reponse, reponse_gzip = gzip.decompress(r.content), len(r.content)
    assert json.loads(reponse)["statistiques"]["nouvelles"] == ventes

    r = client.get("/api/v2/simple/articles/", headers={**entetes, "Accept-Encoding": "gzip"})
    assert r.status_code == 200 and r["Content-Encoding"] == "gzip", r.status_code
    catalogue, catalogue_gzip = gzip.decompress(r.content), len(r.content)
    assert json.loads(catalogue)["count"] == articles

    # The everyday case: a terminal online sends each sale as it is made.
    une = json.dumps([vente_aleatoire(rng, terminal, "GZ-UNE")]).encode()
    r = client.post(
        "/api/v2/simple/ventes/sync",
        data=une,
        content_type="application/json",
        headers={**entetes, "Accept-Encoding": "gzip"},
    )
    assert r.status_code == 201 and r["Content-Encoding"] == "gzip", (r.status_code, r.content[:300])
    une_reponse, une_gzip = gzip.decompress(r.content), len(r.content)

    r = client.get("/api/v2/simple/terminal/", headers={**entetes, "Accept-Encoding": "gzip"})
    petite = "compressée" if r.has_header("Content-Encoding") else "laissée en clair"

    return [
        f"gzip (niveau 6) : {ventes} ventes de 3 lignes en un envoi, catalogue de {articles} articles",
        f"{'':<38} {'en clair':>12} {'gzip':>11}",
        ligne("POST ventes/sync, corps envoyé", len(envoi), len(envoi_gzip)),
        ligne("POST ventes/sync, réponse", len(reponse), reponse_gzip, temps_gzip_ms(reponse)),
        ligne("GET articles/", len(catalogue), catalogue_gzip, temps_gzip_ms(catalogue)),
        ligne("POST ventes/sync, 1 vente, corps envoyé", len(une), len(gzip.compress(une))),
        ligne("POST ventes/sync, 1 vente, réponse", len(une_reponse), une_gzip),
        f"GET terminal/ : {len(r.content)} o, {petite}",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=1000, help="articles du catalogue (1000)")
    parser.add_argument("--ventes", type=int, default=500, help="ventes de l'envoi (500, le maximum par envoi)")
    options = parser.parse_args()
    url = os.environ.get("BENCH_DATABASE_URL", URL_DEFAUT)
    creer_base(url, neuve=True)
    preparer_django(url)
    for texte in mesurer(articles=options.articles, ventes=options.ventes):
        print(texte)


if __name__ == "__main__":
    main()
