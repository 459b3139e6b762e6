"""The world most back-office and till tests start from, built once for both suites
(`magasin/web/tests/conftest.py` and `magasin/caisse/tests/conftest.py`): two shops, a manager
and a cashier in the first, a manager in the second, a terminal and an article in each.

Not a test module (not collected): the conftests call `monde_creer` with the article's price
and stock their amounts are written for."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from magasin.boutiques.models import Boutique, Role, Terminal
from magasin.boutiques.tests.factories import BoutiqueFactory, MembreFactory, creer_terminal
from magasin.stock.models import Article
from magasin.stock.tests.factories import creer_article


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
    jeton_autre: str


def monde_creer(*, prix: str = "1250000", stock: int = 20) -> Monde:
    """Shop "Boutique Gombe" (BTQ-009) with users `gerant` and `caissier`, terminal "Caisse 1"
    and the article "Sac de riz 25 kg" at `prix` CDF (`stock` in stock); shop "Boutique Limete"
    (BTQ-011) with `gerant-autre`, terminal "Caisse Limete" and "Savon" at 500 CDF."""
    boutique = BoutiqueFactory(nom="Boutique Gombe", code="BTQ-009")
    autre = BoutiqueFactory(nom="Boutique Limete", code="BTQ-011")
    gerant = MembreFactory(boutique=boutique, role=Role.GERANT, utilisateur__username="gerant").utilisateur
    caissier = MembreFactory(boutique=boutique, role=Role.CAISSIER, utilisateur__username="caissier").utilisateur
    gerant_autre = MembreFactory(boutique=autre, role=Role.GERANT, utilisateur__username="gerant-autre").utilisateur
    terminal, jeton = creer_terminal(boutique, nom="Caisse 1")
    terminal_autre, jeton_autre = creer_terminal(autre, nom="Caisse Limete")
    return Monde(
        boutique=boutique,
        autre=autre,
        gerant=gerant,
        caissier=caissier,
        gerant_autre=gerant_autre,
        article=creer_article(boutique, stock=stock, prix=prix, nom="Sac de riz 25 kg", code="RIZ25"),
        article_autre=creer_article(autre, stock=stock, prix="500", nom="Savon", code="SAV"),
        terminal=terminal,
        jeton=jeton,
        terminal_autre=terminal_autre,
        jeton_autre=jeton_autre,
    )
