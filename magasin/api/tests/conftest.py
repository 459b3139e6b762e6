from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from magasin.boutiques.models import Boutique, Terminal
from magasin.boutiques.tests.factories import BoutiqueFactory, creer_terminal
from magasin.stock.models import Article
from magasin.stock.tests.factories import creer_article

SYNC = "/api/v2/simple/ventes/sync"


@dataclass
class Poste:
    """A terminal as the field sees it: its serial, its token, and a way to call the API."""

    client: Client
    terminal: Terminal
    jeton: str | None

    @property
    def entetes(self) -> dict[str, str]:
        entetes = {"X-Device-Serial": self.terminal.numero_serie}
        if self.jeton:
            entetes["Authorization"] = f"Bearer {self.jeton}"
        return entetes

    def sync(self, corps: Any, url: str = SYNC, **entetes: str) -> Any:
        brut = corps if isinstance(corps, str | bytes) else json.dumps(corps)
        return self.client.post(url, data=brut, content_type="application/json", headers={**self.entetes, **entetes})

    def get(self, url: str, **params: Any) -> Any:
        return self.client.get(url, params, headers=self.entetes)


@dataclass
class Monde:
    boutique: Boutique
    autre_boutique: Boutique
    poste: Poste
    poste_autre: Poste
    article: Article
    article2: Article
    article_autre: Article


@pytest.fixture
def monde(db) -> Monde:  # type: ignore[no-untyped-def]
    boutique = BoutiqueFactory(nom="Ma Boutique", code="BTQ-009")
    autre = BoutiqueFactory(nom="Boutique Gombe", code="BTQ-011")
    terminal, jeton = creer_terminal(boutique, nom="Terminal MAUI")
    terminal_autre, jeton_autre = creer_terminal(autre, nom="Caisse Gombe")
    return Monde(
        boutique=boutique,
        autre_boutique=autre,
        poste=Poste(Client(), terminal, jeton),
        poste_autre=Poste(Client(), terminal_autre, jeton_autre),
        article=creer_article(boutique, stock=100, prix="25000.00", nom="Sucre Kwilu 1 kg"),
        article2=creer_article(boutique, stock=10, prix="1500.00", nom="Savon Monganga"),
        article_autre=creer_article(autre, stock=50, prix="3000.00"),
    )


def vente(numero: str | None, *lignes: tuple[int, int, float], **extra: Any) -> dict[str, Any]:
    corps: dict[str, Any] = {"lignes": [{"article_id": a, "quantite": q, "prix_unitaire": p} for a, q, p in lignes]}
    if numero is not None:
        corps["numero_facture"] = numero
    corps.update(extra)
    return corps
