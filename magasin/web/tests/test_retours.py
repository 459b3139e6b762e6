"""Partial returns: some lines, some quantities come back through the ledger; the sale itself is
never edited; what was returned is never returned again, not even by a later cancellation."""

from __future__ import annotations

from decimal import Decimal

import pytest

from magasin.stock.models import MouvementStock
from magasin.stock.tests.factories import creer_article
from magasin.stock.tests.invariants import verifier_registre
from magasin.ventes.models import LigneVente, Retour, Vente
from magasin.web.tests.outils import synchroniser

pytestmark = pytest.mark.django_db


def _vente(monde):  # type: ignore[no-untyped-def]
    savon = creer_article(monde.boutique, stock=50, prix="1500", nom="Savon", code="SAV1")
    synchroniser(
        monde.terminal,
        monde.jeton,
        [
            {
                "numero_facture": "RET-1",
                "lignes": [
                    {"article_id": monde.article.pk, "quantite": 3, "prix_unitaire": 1250000},
                    {"article_id": savon.pk, "quantite": 10, "prix_unitaire": 1500},
                ],
            }
        ],
    )
    vente = Vente.objects.get(numero_facture="RET-1")
    riz, sav = (vente.lignes.get(article=monde.article), vente.lignes.get(article=savon))
    return vente, riz, sav


def _stock(article) -> int:  # type: ignore[no-untyped-def]
    article.refresh_from_db()
    return int(article.quantite_stock)


def test_retour_partiel_par_le_gerant(monde, client_gerant):
    vente, riz, sav = _vente(monde)
    r = client_gerant.post(
        f"/ventes/{vente.pk}/retour/", {f"ligne_{riz.pk}": 1, f"ligne_{sav.pk}": 4, "motif": "Sac percé, savon en trop"}
    )
    assert r.status_code == 302
    retour = Retour.objects.get()
    assert (retour.numero, retour.montant, retour.cree_par) == (1, Decimal("1256000.00"), monde.gerant)
    assert _stock(monde.article) == 20 - 3 + 1 and _stock(sav.article) == 50 - 10 + 4
    mouvements = MouvementStock.objects.filter(type_mouvement="RETOUR", reference_document="RET-1")
    assert sorted(m.quantite for m in mouvements) == [1, 4]
    # The sale as issued is untouched.
    vente.refresh_from_db()
    assert vente.montant_total == Decimal("3765000.00") and vente.statut == "VALIDEE"
    assert sorted(LigneVente.objects.filter(vente=vente).values_list("quantite", flat=True)) == [3, 10]
    page = client_gerant.get(f"/ventes/{vente.pk}/").content.decode()
    assert "R1" in page and "Sac percé" in page
    verifier_registre()


def test_on_ne_rend_pas_plus_que_ce_qui_reste(monde, client_gerant):
    vente, riz, _ = _vente(monde)
    assert client_gerant.post(f"/ventes/{vente.pk}/retour/", {f"ligne_{riz.pk}": 2, "motif": "a"}).status_code == 302
    r = client_gerant.post(f"/ventes/{vente.pk}/retour/", {f"ligne_{riz.pk}": 2, "motif": "b"})
    assert r.status_code == 400
    assert "inférieure ou égale à 1" in r.content.decode()
    assert Retour.objects.count() == 1 and _stock(monde.article) == 19


@pytest.mark.parametrize(
    ("donnees", "message"),
    [
        ({"motif": "rien"}, "au moins une quantité"),
        ({"motif": ""}, "Ce champ est obligatoire"),
        ({"ligne_X": 1, "motif": "x" * 501}, "au plus 500 caractères"),
    ],
)
def test_retour_sans_quantite_ou_sans_motif_refuse(monde, client_gerant, donnees, message):
    vente, riz, _ = _vente(monde)
    donnees = {k.replace("X", str(riz.pk)): v for k, v in donnees.items()}
    r = client_gerant.post(f"/ventes/{vente.pk}/retour/", donnees)
    assert r.status_code == 400 and message in r.content.decode()
    assert not Retour.objects.exists()


def test_annulation_apres_retour_ne_rend_que_le_reste(monde, client_gerant):
    vente, riz, sav = _vente(monde)
    client_gerant.post(f"/ventes/{vente.pk}/retour/", {f"ligne_{riz.pk}": 3, f"ligne_{sav.pk}": 4, "motif": "a"})
    r = client_gerant.post(f"/ventes/{vente.pk}/annuler/", {"motif": "erreur de caisse"})
    assert r.status_code == 302
    assert _stock(monde.article) == 20 and _stock(sav.article) == 50
    # A cancelled sale takes no more returns.
    assert client_gerant.post(f"/ventes/{vente.pk}/retour/", {f"ligne_{sav.pk}": 1, "motif": "x"}).status_code in (
        400,
        409,
    )
    verifier_registre()


def test_caissier_ne_fait_pas_de_retour_et_autre_boutique_introuvable(monde, client_caissier):
    from magasin.web.tests.conftest import client_de

    vente, riz, _ = _vente(monde)
    assert client_caissier.post(f"/ventes/{vente.pk}/retour/", {f"ligne_{riz.pk}": 1, "motif": "x"}).status_code == 403
    assert (
        client_de(monde.gerant_autre)
        .post(f"/ventes/{vente.pk}/retour/", {f"ligne_{riz.pk}": 1, "motif": "x"})
        .status_code
        == 404
    )
    assert not Retour.objects.exists()
