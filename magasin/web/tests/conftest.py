"""Two shops, a manager and a cashier in the first, a manager in the second."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from magasin.boutiques.models import Boutique, Role, Terminal
from magasin.boutiques.tests.factories import BoutiqueFactory, MembreFactory, creer_terminal
from magasin.stock.models import Article
from magasin.stock.tests.factories import creer_article

MOT_DE_PASSE = "motdepasse"


@dataclass
class Monde:
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


@pytest.fixture(autouse=True)
def _cache_vide() -> None:
    cache.clear()


@pytest.fixture
def monde(db: None) -> Monde:
    boutique = BoutiqueFactory(nom="Boutique Gombe", code="BTQ-009")
    autre = BoutiqueFactory(nom="Boutique Limete", code="BTQ-011")
    gerant = MembreFactory(boutique=boutique, role=Role.GERANT, utilisateur__username="gerant").utilisateur
    caissier = MembreFactory(boutique=boutique, role=Role.CAISSIER, utilisateur__username="caissier").utilisateur
    gerant_autre = MembreFactory(boutique=autre, role=Role.GERANT, utilisateur__username="gerant-autre").utilisateur
    terminal, jeton = creer_terminal(boutique, nom="Caisse 1")
    terminal_autre, _ = creer_terminal(autre, nom="Caisse Limete")
    return Monde(
        boutique=boutique,
        autre=autre,
        gerant=gerant,
        caissier=caissier,
        gerant_autre=gerant_autre,
        article=creer_article(boutique, stock=20, prix="1250000", nom="Sac de riz 25 kg", code="RIZ25"),
        article_autre=creer_article(autre, stock=20, prix="500", nom="Savon", code="SAV"),
        terminal=terminal,
        jeton=jeton,
        terminal_autre=terminal_autre,
    )


def client_de(utilisateur: Any) -> Client:
    client = Client()
    client.force_login(utilisateur)
    return client


@pytest.fixture
def client_gerant(monde: Monde) -> Client:
    return client_de(monde.gerant)


@pytest.fixture
def client_caissier(monde: Monde) -> Client:
    return client_de(monde.caissier)
