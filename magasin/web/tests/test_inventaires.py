"""A full stock count session: count many articles (scans add up), review the differences,
confirm once — one AJUSTEMENT movement per difference — or abandon without touching stock."""

from __future__ import annotations

import pytest

from magasin.stock.models import Article, Inventaire, MouvementStock, StatutInventaire
from magasin.stock.tests.factories import creer_article
from magasin.stock.tests.invariants import verifier_registre
from magasin.web.tests.outils import synchroniser

pytestmark = pytest.mark.django_db


def _ouvrir(client, boutique) -> Inventaire:  # type: ignore[no-untyped-def]
    r = client.post("/stock/inventaires/nouveau/", {"boutique": boutique.pk})
    assert r.status_code == 302
    return Inventaire.objects.latest("pk")


def test_compter_revoir_confirmer(monde, client_gerant, client_caissier):
    savon = creer_article(monde.boutique, stock=12, prix="1500", nom="Savon", code="SAV1")
    Article.objects.filter(pk=savon.pk).update(code_barres="6161234567890")
    inv = _ouvrir(client_gerant, monde.boutique)
    url = f"/stock/inventaires/{inv.pk}/"
    # Three scans of the soap's barcode by a cashier, the rice typed by the manager.
    for _ in range(3):
        assert client_caissier.post(url + "compter/", {"code": "6161234567890", "quantite": 1}).status_code == 302
    assert client_gerant.post(url + "compter/", {"code": "RIZ25", "quantite": 18}).status_code == 302
    # A correction replaces the count.
    client_gerant.post(url + "compter/", {"code": "SAV1", "quantite": 10, "remplacer": "on"})
    page = client_gerant.get(url).content.decode()
    assert "2 articles à ajuster" in page and "-2" in page
    # Before confirming, nothing moved.
    assert not MouvementStock.objects.filter(type_mouvement="AJUSTEMENT").exists()
    # A terminal sells one soap meanwhile: the confirmation counts against the stock of now.
    synchroniser(
        monde.terminal,
        monde.jeton,
        [{"numero_facture": "INV-V1", "lignes": [{"article_id": savon.pk, "quantite": 1, "prix_unitaire": 1500}]}],
    )
    assert client_gerant.post(url + "confirmer/").status_code == 302
    inv.refresh_from_db()
    assert inv.statut == StatutInventaire.CONFIRME and inv.clos_par == monde.gerant
    ajustements = {m.article_id: m.quantite for m in MouvementStock.objects.filter(reference_document=f"INV-{inv.pk}")}
    assert ajustements == {savon.pk: 10 - 11, monde.article.pk: 18 - 20}
    savon.refresh_from_db()
    monde.article.refresh_from_db()
    assert (savon.quantite_stock, monde.article.quantite_stock) == (10, 18)
    verifier_registre()
    # Closed: no more counting, no second confirmation.
    assert client_gerant.post(url + "compter/", {"code": "SAV1", "quantite": 1}).status_code == 409
    assert client_gerant.post(url + "confirmer/").status_code == 409


def test_abandonner_ne_touche_pas_au_stock(monde, client_gerant):
    inv = _ouvrir(client_gerant, monde.boutique)
    client_gerant.post(f"/stock/inventaires/{inv.pk}/compter/", {"code": "RIZ25", "quantite": 3})
    assert client_gerant.post(f"/stock/inventaires/{inv.pk}/abandonner/").status_code == 302
    inv.refresh_from_db()
    assert inv.statut == StatutInventaire.ABANDONNE
    monde.article.refresh_from_db()
    assert (
        monde.article.quantite_stock == 20 and not MouvementStock.objects.filter(type_mouvement="AJUSTEMENT").exists()
    )


@pytest.mark.parametrize(
    ("donnees", "statut", "message"),
    [
        ({"code": "INCONNU", "quantite": 1}, 422, "Aucun article de code"),
        ({"code": "RIZ25", "quantite": 99999999999999999999}, 400, "inférieure ou égale à 1000000"),
        ({"code": "RIZ25", "quantite": -1}, 400, "supérieure ou égale à 0"),
        ({"code": "R\x00Z", "quantite": 1}, 400, "caractère nul"),
        ({"code": "SAV", "quantite": 1}, 422, "Aucun article de code"),  # the other shop's code
    ],
)
def test_comptage_illisible_refuse_en_francais(monde, client_gerant, donnees, statut, message):
    inv = _ouvrir(client_gerant, monde.boutique)
    r = client_gerant.post(f"/stock/inventaires/{inv.pk}/compter/", donnees)
    assert r.status_code == statut and message in r.content.decode()
    assert not inv.lignes.exists()


def test_isolation_et_roles(monde, client_gerant, client_caissier):
    from magasin.web.tests.conftest import client_de

    inv = _ouvrir(client_gerant, monde.boutique)
    autre = client_de(monde.gerant_autre)
    assert autre.get(f"/stock/inventaires/{inv.pk}/").status_code == 404
    assert autre.post(f"/stock/inventaires/{inv.pk}/confirmer/").status_code == 404
    assert autre.post("/stock/inventaires/nouveau/", {"boutique": monde.boutique.pk}).status_code == 404
    assert client_caissier.post("/stock/inventaires/nouveau/", {"boutique": monde.boutique.pk}).status_code == 403
    assert client_caissier.post(f"/stock/inventaires/{inv.pk}/confirmer/").status_code == 403
    assert client_gerant.post(f"/stock/inventaires/{inv.pk}/autre/").status_code == 404
    assert Inventaire.objects.count() == 1
