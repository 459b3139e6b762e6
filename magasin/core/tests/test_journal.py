"""One JSON line per request, with its id, caller, shop and duration — and never a secret."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from magasin.boutiques.tests.factories import BoutiqueFactory, creer_terminal
from magasin.core.journal import FormatJSON
from magasin.stock.tests.factories import creer_article

SYNC = "/api/v2/simple/ventes/sync"

pytestmark = pytest.mark.django_db


class Journal:
    def __init__(self, flux: StringIO) -> None:
        self.flux = flux

    @property
    def texte(self) -> str:
        return self.flux.getvalue()

    @property
    def lignes(self) -> list[dict]:
        return [json.loads(ligne) for ligne in self.texte.splitlines() if ligne.strip()]

    def requetes(self) -> list[dict]:
        return [ligne for ligne in self.lignes if ligne.get("evenement") == "requete"]


@pytest.fixture
def journal() -> Iterator[Journal]:
    """The log as production writes it: every record through FormatJSON, as text."""
    flux = StringIO()
    gestionnaire = logging.StreamHandler(flux)
    gestionnaire.setFormatter(FormatJSON())
    racine = logging.getLogger()
    niveau = racine.level
    racine.addHandler(gestionnaire)
    racine.setLevel(logging.DEBUG)
    try:
        yield Journal(flux)
    finally:
        racine.removeHandler(gestionnaire)
        racine.setLevel(niveau)


@pytest.fixture
def poste():
    boutique = BoutiqueFactory()
    terminal, jeton = creer_terminal(boutique)
    return boutique, terminal, jeton, creer_article(boutique, stock=20)


def _vente(article) -> list[dict]:
    return [{"lignes": [{"article_id": article.pk, "quantite": 1, "prix_unitaire": "1000"}]}]


def test_requete_de_terminal_donne_une_ligne_avec_id_terminal_boutique_et_duree(journal, poste):
    boutique, terminal, jeton, article = poste
    reponse = Client().post(
        SYNC,
        data=_vente(article),
        content_type="application/json",
        headers={"X-Device-Serial": terminal.numero_serie, "Authorization": f"Bearer {jeton}"},
    )
    assert reponse.status_code == 201
    (ligne,) = journal.requetes()
    rid = reponse.headers["X-Request-ID"]
    assert ligne["request_id"] == rid
    assert (ligne["methode"], ligne["chemin"], ligne["statut"]) == ("POST", SYNC, 201)
    assert (ligne["terminal"], ligne["boutique"]) == (terminal.numero_serie, boutique.code)
    assert ligne["utilisateur"] is None
    assert isinstance(ligne["duree_ms"], float) and ligne["duree_ms"] > 0
    # Every line logged while serving the request carries its id.
    synchro = [x for x in journal.lignes if x.get("evenement") == "synchro"]
    assert synchro and synchro[0]["request_id"] == rid


def test_requete_d_un_utilisateur_porte_son_nom(journal):
    admin = get_user_model().objects.create_superuser("patronne", "", "mot-de-passe-long")
    client = Client()
    client.force_login(admin)
    assert client.get("/admin/").status_code == 200
    (ligne,) = journal.requetes()
    assert ligne["utilisateur"] == "patronne" and ligne["terminal"] is None


def test_page_web_d_une_boutique_porte_la_boutique(journal):
    from magasin.boutiques.models import Role
    from magasin.boutiques.tests.factories import MembreFactory

    membre = MembreFactory(role=Role.GERANT)
    client = Client()
    client.force_login(membre.utilisateur)
    assert client.get("/ventes/", {"boutique": membre.boutique.pk}).status_code == 200
    (ligne,) = journal.requetes()
    assert (ligne["utilisateur"], ligne["boutique"]) == (membre.utilisateur.username, membre.boutique.code)


def test_x_request_id_entrant_garde_s_il_est_sain_remplace_sinon(journal):
    client = Client()
    assert client.get("/healthz", headers={"X-Request-ID": "lb-1234abcd"}).headers["X-Request-ID"] == "lb-1234abcd"
    forge = client.get("/healthz", headers={"X-Request-ID": 'x" \n{"level": "ERROR"}'})
    assert forge.headers["X-Request-ID"] != 'x" \n{"level": "ERROR"}'
    assert len(forge.headers["X-Request-ID"]) == 32
    assert [ligne["request_id"] for ligne in journal.requetes()] == [
        "lb-1234abcd",
        forge.headers["X-Request-ID"],
    ]


def test_jetons_et_mots_de_passe_n_apparaissent_dans_aucune_ligne(journal, poste):
    _, terminal, jeton, article = poste
    client = Client()
    secret_requete = "mgs_dans-la-requete-0123456789"
    faux = "mgs_faux-jeton-0123456789abcdef"
    # Accepted with a Bearer token, refused with a wrong X-Device-Token, a token in the query.
    client.post(
        f"{SYNC}?token={secret_requete}",
        data=_vente(article),
        content_type="application/json",
        headers={"X-Device-Serial": terminal.numero_serie, "Authorization": f"Bearer {jeton}"},
    )
    refus = client.post(
        SYNC,
        data=_vente(article),
        content_type="application/json",
        headers={"X-Device-Serial": terminal.numero_serie, "X-Device-Token": faux},
    )
    assert refus.status_code == 401
    mot_de_passe = "Mot-De-Passe-Tres-Secret-42"
    get_user_model().objects.create_superuser("caissiere", "", "autre-mot-de-passe")
    client.post("/admin/login/", {"username": "caissiere", "password": mot_de_passe})
    # A server error with the secrets in the request: the traceback line must not carry them.
    logging.getLogger("magasin.test").error(
        "échec", extra={"jeton": jeton, "password": mot_de_passe, "Authorization": jeton}
    )
    assert len(journal.requetes()) == 3
    for secret in (jeton, faux, secret_requete, mot_de_passe, "Bearer"):
        assert secret not in journal.texte, secret
    assert all("?" not in ligne["chemin"] for ligne in journal.requetes())
