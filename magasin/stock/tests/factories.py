"""Articles are made through the ledger service, so their opening stock is a movement."""

from __future__ import annotations

import itertools
from decimal import Decimal

from magasin.boutiques.models import Boutique
from magasin.stock.models import Article
from magasin.stock.services import article_creer

_compteur = itertools.count(1)


def creer_article(
    boutique: Boutique,
    *,
    stock: int = 100,
    prix: str | Decimal = "1000.00",
    seuil: int = 5,
    code: str | None = None,
    nom: str | None = None,
    est_actif: bool = True,
) -> Article:
    n = next(_compteur)
    return article_creer(
        boutique=boutique,
        code=code or f"ART-{n:05d}",
        nom=nom or f"Article {n}",
        prix_vente=Decimal(prix),
        stock_initial=stock,
        seuil_alerte=seuil,
        est_actif=est_actif,
        acteur=None,
    )
