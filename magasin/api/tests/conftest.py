from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from magasin.boutiques.models import Boutique, Terminal
from magasin.boutiques.tests.factories import BoutiqueFactory, creer_terminal
from magasin.core.erreurs import CodeErreur
from magasin.stock.models import Article
from magasin.stock.tests.factories import creer_article
from magasin.ventes.models import StatutQuarantaine, VenteQuarantaine

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


# Words of pydantic's, Django's or Python's English that must never reach a terminal.
ANGLAIS = (
    "Input should",
    "Value error",
    "Field required",
    "valid ",
    "Expecting",
    "object has no",
    "Traceback",
)

# In an expected payload: any value the database can hold stands there (see `meme_json`).
QUELCONQUE = object()


def meme_json(recu: Any, attendu: Any) -> bool:
    """`recu` (read back from the database) is the JSON `attendu`. Numbers compare by value, a
    float as the double it was (PostgreSQL's jsonb writes 1.2345678901234567e+19 as an integer);
    `QUELCONQUE` in `attendu` matches any value."""
    if attendu is QUELCONQUE:
        return True
    if isinstance(attendu, bool) or isinstance(recu, bool):
        return type(recu) is type(attendu) and recu == attendu
    if isinstance(attendu, float) or isinstance(recu, float):
        return isinstance(recu, int | float) and isinstance(attendu, int | float) and float(recu) == float(attendu)
    if isinstance(attendu, dict):
        return (
            isinstance(recu, dict)
            and set(recu) == set(attendu)
            and all(meme_json(recu[cle], valeur) for cle, valeur in attendu.items())
        )
    if isinstance(attendu, list):
        return (
            isinstance(recu, list)
            and len(recu) == len(attendu)
            and all(meme_json(r, a) for r, a in zip(recu, attendu, strict=True))
        )
    return type(recu) is type(attendu) and recu == attendu


_SANS_ENVOI = object()


def refus_de_la_vente(
    reponse: Any, code: str, index: int = 1, *, champ: str | None = None, envoye: Any = _SANS_ENVOI
) -> dict[str, Any]:
    """The refusal of the `index`-th sale (1-based) of a sync answer, checked: the batch was
    answered 201, the sale has one entry in `details.erreurs` with `code` and a French message
    naming `champ`, and its JSON is kept in quarantine (equal to `envoye` when given)."""
    assert reponse.status_code == 201, (reponse.status_code, reponse.content[:500])
    corps = reponse.json()
    assert corps["success"] is True
    erreurs = [e for e in corps["details"]["erreurs"] if e["index"] == index]
    assert len(erreurs) == 1, corps["details"]["erreurs"]
    (erreur,) = erreurs
    assert set(erreur) == {"index", "numero_facture", "code", "erreur", "details", "quarantaine_id"}, erreur
    assert erreur["code"] == code and code in CodeErreur.__members__, erreur
    assert erreur["erreur"] and not any(mot in erreur["erreur"] for mot in ANGLAIS), erreur["erreur"]
    if champ is not None:
        assert erreur["details"]["champ"] == champ, erreur
        assert f"« {champ} »" in erreur["erreur"], erreur["erreur"]
    q = VenteQuarantaine.objects.get(pk=erreur["quarantaine_id"])
    assert (q.code, q.statut, q.message) == (code, StatutQuarantaine.EN_ATTENTE, erreur["erreur"])
    if envoye is not _SANS_ENVOI:
        assert meme_json(q.payload, envoye), (q.payload, envoye)
    return erreur
