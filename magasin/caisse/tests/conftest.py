"""The till's tests: the shared world (`mondes.monde_creer`) and a terminal's sales through the API."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from magasin.boutiques.models import Terminal
from magasin.caisse.tests.mondes import Monde, monde_creer
from magasin.stock.models import Article

# The world of these tests is the back-office's (one builder), with a cheaper article and a
# larger stock: the till's amounts are written for 10 000 CDF a sale.
Caisses = Monde


@pytest.fixture(autouse=True)
def _cache_vide() -> None:
    cache.clear()


@pytest.fixture
def monde(db: None) -> Monde:
    return monde_creer(prix="10000", stock=1000)


def hier() -> date:
    return timezone.localdate() - timedelta(days=1)


def a_midi(jour: date, minutes: int = 0) -> str:
    return (timezone.make_aware(datetime.combine(jour, time(12, 0))) + timedelta(minutes=minutes)).isoformat()


def vente_terminal(article: Article, *, sequence: int, jour: date, quantite: int = 1, **champs: Any) -> dict[str, Any]:
    return {
        "numero_facture": f"T-{jour:%m%d}-{sequence}",
        "sequence": sequence,
        "date_vente": a_midi(jour, sequence),
        "lignes": [{"article_id": article.pk, "quantite": quantite, "prix_unitaire": str(article.prix_vente)}],
        **champs,
    }


def synchroniser(terminal: Terminal, jeton: str, ventes: list[dict[str, Any]]) -> dict[str, Any]:
    reponse = Client().post(
        "/api/v2/simple/ventes/sync",
        data=json.dumps(ventes),
        content_type="application/json",
        headers={"X-Device-Serial": terminal.numero_serie, "Authorization": f"Bearer {jeton}"},
    )
    assert reponse.status_code == 201, reponse.content
    corps = reponse.json()
    assert corps["ventes_erreurs"] == 0, corps
    return corps


def cdf(texte: str) -> Decimal:
    return Decimal(texte)
