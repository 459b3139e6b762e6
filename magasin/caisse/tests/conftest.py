"""A shop with a manager, a cashier and a terminal; another shop with its own manager."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from magasin.boutiques.models import Boutique, Role, Terminal
from magasin.boutiques.tests.factories import BoutiqueFactory, MembreFactory, creer_terminal
from magasin.stock.models import Article
from magasin.stock.tests.factories import creer_article


@dataclass
class Caisses:
    boutique: Boutique
    autre: Boutique
    gerant: Any
    caissier: Any
    gerant_autre: Any
    article: Article
    article_autre: Article
    terminal: Terminal
    jeton: str
    terminal_autre: Terminal
    jeton_autre: str


@pytest.fixture(autouse=True)
def _cache_vide() -> None:
    cache.clear()


@pytest.fixture
def monde(db: None) -> Caisses:
    boutique = BoutiqueFactory(nom="Boutique Gombe", code="BTQ-C1")
    autre = BoutiqueFactory(nom="Boutique Limete", code="BTQ-C2")
    gerant = MembreFactory(boutique=boutique, role=Role.GERANT, utilisateur__username="gerant").utilisateur
    caissier = MembreFactory(boutique=boutique, role=Role.CAISSIER, utilisateur__username="caissier").utilisateur
    gerant_autre = MembreFactory(boutique=autre, role=Role.GERANT, utilisateur__username="gerant-autre").utilisateur
    terminal, jeton = creer_terminal(boutique, nom="Caisse 1")
    terminal_autre, jeton_autre = creer_terminal(autre, nom="Caisse Limete")
    return Caisses(
        boutique=boutique,
        autre=autre,
        gerant=gerant,
        caissier=caissier,
        gerant_autre=gerant_autre,
        article=creer_article(boutique, stock=1000, prix="10000", nom="Sac de riz", code="RIZ"),
        article_autre=creer_article(autre, stock=1000, prix="500", nom="Savon", code="SAV"),
        terminal=terminal,
        jeton=jeton,
        terminal_autre=terminal_autre,
        jeton_autre=jeton_autre,
    )


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
