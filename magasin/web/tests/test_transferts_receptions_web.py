"""Back-office pages of receipts, transfers and margins: forms bounded in French, and nothing of
a shop the user is not a member of reachable by URL or by form value."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from magasin.boutiques.models import Role
from magasin.boutiques.tests.factories import BoutiqueFactory, MembreFactory
from magasin.stock.models import BonReception, LigneTransfert, MouvementStock, StatutTransfert, Transfert
from magasin.stock.tests.factories import creer_article
from magasin.stock.tests.invariants import verifier_registre
from magasin.ventes.models import LigneVente
from magasin.ventes.services import vente_retourner
from magasin.web.tests.conftest import client_de
from magasin.web.tests.outils import synchroniser

pytestmark = pytest.mark.django_db


def _lignes(*lignes: tuple[Any, ...], vides: int = 2) -> dict[str, Any]:
    """A lines formset as the browser posts it: filled rows, then empty ones."""
    donnees: dict[str, Any] = {"lignes-TOTAL_FORMS": len(lignes) + vides, "lignes-INITIAL_FORMS": 0}
    for i, ligne in enumerate(lignes):
        for nom, valeur in zip(("code", "quantite", "cout_unitaire"), ligne, strict=False):
            donnees[f"lignes-{i}-{nom}"] = valeur
    return donnees


def _reception(client: Any, boutique: Any, *lignes: tuple[Any, ...], fournisseur: str = "Grossiste Kin") -> Any:
    return client.post(
        "/stock/receptions/nouvelle/",
        {"boutique": boutique.pk, "fournisseur": fournisseur, "reference_fournisseur": "BL-1", **_lignes(*lignes)},
    )


@pytest.fixture
def patron(monde):  # type: ignore[no-untyped-def]
    """A manager of both shops of the world (the owner's right hand), and a third shop he is not in."""
    utilisateur = MembreFactory(boutique=monde.boutique, role=Role.GERANT, utilisateur__username="patron").utilisateur
    MembreFactory(boutique=monde.autre, role=Role.GERANT, utilisateur=utilisateur)
    monde.etrangere = BoutiqueFactory(nom="Boutique d'un autre", code="BTQ-099")
    monde.riz_autre = creer_article(monde.autre, stock=0, prix="1300000", nom="Riz 25 kg", code="RIZ25")
    return utilisateur


# --- Receipts ----------------------------------------------------------------------------------------


def test_reception_par_le_web(monde, client_gerant):
    page = client_gerant.get("/stock/receptions/nouvelle/")
    assert page.status_code == 200 and 'id="codes-articles"' in page.content.decode()
    r = _reception(client_gerant, monde.boutique, ("RIZ25", 10, "900000"), ("", "", ""))
    assert r.status_code == 302, r.content.decode()
    bon = BonReception.objects.get()
    assert r["Location"] == f"/stock/receptions/{bon.pk}/"
    monde.article.refresh_from_db()
    # 20 in stock of unknown cost (opening stock, 0): the receipt's cost is the average.
    assert (monde.article.quantite_stock, monde.article.cout_moyen) == (30, Decimal("900000.00"))
    detail = client_gerant.get(r["Location"]).content.decode()
    assert "Grossiste Kin" in detail and "9\u202f000\u202f000" in detail.replace("\xa0", "\u202f")
    assert client_gerant.get("/stock/receptions/").status_code == 200
    # The other shop's manager: not in his list, 404 by URL.
    autre = client_de(monde.gerant_autre)
    assert autre.get(f"/stock/receptions/{bon.pk}/").status_code == 404
    assert bon.reference_registre not in autre.get("/stock/receptions/").content.decode()
    assert autre.get(f"/stock/receptions/?boutique={monde.boutique.pk}").status_code == 404
    verifier_registre()


@pytest.mark.parametrize(
    ("ligne", "message"),
    [
        (("RIZ25", "99999999999999999999", "10"), "1\u202f000\u202f000 au maximum"),
        (("RIZ25", "0", "10"), "1 au minimum"),
        (("RIZ25", "1", "-1"), "ne peut être négatif"),
        (("RIZ25", "1", "99999999999999999999"), "CDF au maximum"),
        (("RIZ25", "1", "12.5"), "sans centimes"),
        (("RIZ25", "1", ""), "À remplir"),
        (("SAV", "1", "10"), "Aucun article de ce code dans Boutique Gombe"),  # the other shop's code
        (("R\x00Z", "1", "10"), "caractère nul"),
    ],
)
def test_reception_bornee_en_francais(monde, client_gerant, ligne, message):
    r = _reception(client_gerant, monde.boutique, ligne)
    assert r.status_code == 400 and message in r.content.decode()
    assert not BonReception.objects.exists()


def test_reception_dans_une_boutique_non_membre_refusee(monde, client_gerant, client_caissier):
    # By form value: the other shop is not a choice; its article code is not resolved either.
    r = _reception(client_gerant, monde.autre, ("SAV", 1, "10"))
    assert r.status_code == 400 and "Sélectionnez un choix valide" in r.content.decode()
    assert client_caissier.get("/stock/receptions/nouvelle/").status_code == 403
    assert _reception(client_caissier, monde.boutique, ("RIZ25", 1, "10")).status_code == 403
    assert not BonReception.objects.exists()
    monde.article_autre.refresh_from_db()
    assert monde.article_autre.quantite_stock == 20


# --- Transfers ---------------------------------------------------------------------------------------


def _envoyer(client: Any, source: Any, destination: Any, *lignes: tuple[Any, ...]) -> Any:
    return client.post(
        "/stock/transferts/nouveau/",
        {"source": source.pk, "destination": destination.pk, "commentaire": "Réassort", **_lignes(*lignes)},
    )


def test_transfert_envoye_puis_recu_avec_manquant(monde, patron):
    client = client_de(patron)
    _reception(client, monde.boutique, ("RIZ25", 10, "900000"))
    r = _envoyer(client, monde.boutique, monde.autre, ("RIZ25", 6))
    assert r.status_code == 302, r.content.decode()
    t = Transfert.objects.get()
    assert t.statut == StatutTransfert.EN_TRANSIT
    monde.article.refresh_from_db()
    assert monde.article.quantite_stock == 24
    liste = client.get("/stock/transferts/").content.decode()
    assert t.reference_registre in liste and "En transit" in liste
    ligne = LigneTransfert.objects.get()
    # The destination's manager confirms: 5 arrived of 6.
    gerant_autre = client_de(monde.gerant_autre)
    page = gerant_autre.get(f"/stock/transferts/{t.pk}/").content.decode()
    assert 'id="confirmer-reception"' in page and f'name="ligne_{ligne.pk}"' in page
    # The source's manager only (not a manager of the destination) sees it, cannot confirm.
    page_source = client_de(monde.gerant).get(f"/stock/transferts/{t.pk}/").content.decode()
    assert 'id="confirmer-reception"' not in page_source
    assert (
        client_de(monde.gerant).post(f"/stock/transferts/{t.pk}/recevoir/", {f"ligne_{ligne.pk}": 6}).status_code == 403
    )
    # Received more than sent: refused in French.
    r = gerant_autre.post(f"/stock/transferts/{t.pk}/recevoir/", {f"ligne_{ligne.pk}": 7})
    assert r.status_code == 400 and "Reçu au plus 6" in r.content.decode()
    r = gerant_autre.post(f"/stock/transferts/{t.pk}/recevoir/", {f"ligne_{ligne.pk}": 5})
    assert r.status_code == 302
    page = gerant_autre.get(f"/stock/transferts/{t.pk}/").content.decode()
    assert "1 unité manquante(s)" in page or 'id="manquant" class="alerte">1 unité' in page
    monde.riz_autre.refresh_from_db()
    assert monde.riz_autre.quantite_stock == 5 and monde.riz_autre.cout_moyen == Decimal("900000.00")
    # A second confirmation is refused.
    assert gerant_autre.post(f"/stock/transferts/{t.pk}/recevoir/", {f"ligne_{ligne.pk}": 5}).status_code == 409
    assert MouvementStock.objects.filter(reference_document=t.reference_registre).count() == 2
    verifier_registre()


def test_transfert_vers_une_boutique_non_membre_refuse(monde, patron):
    client = client_de(patron)
    # By form value: a shop he is not a member of is not a valid destination.
    r = _envoyer(client, monde.boutique, monde.etrangere, ("RIZ25", 1))
    assert r.status_code == 400 and "Sélectionnez un choix valide" in r.content.decode()
    # Nor is a shop where he is only a cashier.
    MembreFactory(boutique=monde.etrangere, role=Role.CAISSIER, utilisateur=patron)
    r = _envoyer(client, monde.boutique, monde.etrangere, ("RIZ25", 1))
    assert r.status_code == 400 and "Sélectionnez un choix valide" in r.content.decode()
    # Same shop twice; an article the destination lacks.
    r = _envoyer(client, monde.boutique, monde.boutique, ("RIZ25", 1))
    assert r.status_code == 400 and "une autre boutique" in r.content.decode()
    creer_article(monde.boutique, stock=5, prix="10", nom="Sucre", code="SUC1")
    r = _envoyer(client, monde.boutique, monde.autre, ("SUC1", 1))
    assert r.status_code == 400 and "pas d&#x27;article de code SUC1" in r.content.decode()
    # A manager of one shop only cannot open the page.
    assert client_de(monde.gerant).get("/stock/transferts/nouveau/").status_code == 403
    assert _envoyer(client_de(monde.gerant), monde.boutique, monde.autre, ("RIZ25", 1)).status_code == 403
    assert not Transfert.objects.exists()
    monde.article.refresh_from_db()
    assert monde.article.quantite_stock == 20


def test_transfert_invisible_hors_des_deux_boutiques(monde, patron):
    client = client_de(patron)
    assert _envoyer(client, monde.boutique, monde.autre, ("RIZ25", 2)).status_code == 302
    t = Transfert.objects.get()
    ligne = LigneTransfert.objects.get()
    etranger = client_de(MembreFactory(boutique=monde.etrangere, role=Role.PROPRIETAIRE).utilisateur)
    assert etranger.get(f"/stock/transferts/{t.pk}/").status_code == 404
    assert etranger.post(f"/stock/transferts/{t.pk}/recevoir/", {f"ligne_{ligne.pk}": 2}).status_code == 404
    assert t.reference_registre not in etranger.get("/stock/transferts/").content.decode()
    assert client_de(monde.caissier).get(f"/stock/transferts/{t.pk}/").status_code == 200  # a member of the source
    assert Transfert.objects.get().statut == StatutTransfert.EN_TRANSIT


@pytest.mark.parametrize(
    ("quantite", "message"),
    [("99999999999999999999", "1\u202f000\u202f000 au maximum"), ("-3", "1 au minimum"), ("abc", "nombre entier")],
)
def test_transfert_borne_en_francais(monde, patron, quantite, message):
    r = _envoyer(client_de(patron), monde.boutique, monde.autre, ("RIZ25", quantite))
    assert r.status_code == 400 and message in r.content.decode()
    assert not Transfert.objects.exists()


# --- Margins -----------------------------------------------------------------------------------------


def test_marges_par_vente_article_boutique_et_periode(monde, client_gerant):
    _reception(client_gerant, monde.boutique, ("RIZ25", 20, "1000000"))  # average: 1 000 000
    resultat = synchroniser(
        monde.terminal,
        monde.jeton,
        [
            {
                "numero_facture": "M-1",
                "lignes": [{"article_id": monde.article.pk, "quantite": 2, "prix_unitaire": 1250000}],
            },
            {
                "numero_facture": "M-2",
                "lignes": [{"article_id": monde.article.pk, "quantite": 1, "prix_unitaire": 1250000}],
            },
        ],
    )
    assert resultat["success"] is True
    assert set(LigneVente.objects.values_list("cout_unitaire", flat=True)) == {Decimal("1000000.00")}
    # A line recorded before costs were kept: shown apart, not as free goods.
    LigneVente.objects.filter(vente__numero_facture="M-2").update(cout_unitaire=None)
    # A return of one sack of M-1 takes its revenue and cost off.
    from magasin.ventes.models import Vente

    m1 = Vente.objects.get(numero_facture="M-1")
    vente_retourner(vente=m1, utilisateur=monde.gerant, quantites={m1.lignes.get().pk: 1}, motif="Sac percé")
    page = client_gerant.get("/marges/")
    assert page.status_code == 200
    m = page.context["m"]
    assert (m.total.chiffre, m.total.cout, m.total.marge) == (Decimal(1250000), Decimal(1000000), Decimal(250000))
    assert m.total.chiffre_sans_cout == Decimal(1250000)
    assert [(b.pk, mb.marge) for b, mb in m.par_boutique] == [(monde.boutique.pk, Decimal(250000))]
    assert [a.article.pk for a in m.par_article] == [monde.article.pk]
    assert {v.numero_facture: v.marge.marge for v in m.par_vente} == {"M-1": Decimal(250000), "M-2": Decimal(0)}
    assert len(m.par_periode) == 1 and m.par_periode[0][1].marge == Decimal(250000)
    texte = page.content.decode()
    assert "coûtée à son arrivée" in texte and "comptées à part" in texte


def test_marges_isolees_et_reservees_aux_gerants(monde, client_gerant, client_caissier):
    synchroniser(
        monde.terminal,
        monde.jeton,
        [{"numero_facture": "X-1", "lignes": [{"article_id": monde.article.pk, "quantite": 1, "prix_unitaire": 900}]}],
    )
    assert client_caissier.get("/marges/").status_code == 403
    # The article was never received with a cost (average 0): the line's cost is unknown (NULL),
    # and its sale is shown apart, not free.
    assert LigneVente.objects.get().cout_unitaire is None
    total = client_gerant.get("/marges/").context["m"].total
    assert (total.chiffre, total.marge, total.chiffre_sans_cout) == (0, 0, Decimal(900))
    autre = client_de(monde.gerant_autre)
    assert autre.get(f"/marges/?boutique={monde.boutique.pk}").status_code == 404
    assert autre.get("/marges/").context["m"].par_vente == []
    assert [v.numero_facture for v in client_gerant.get("/marges/").context["m"].par_vente] == ["X-1"]
    r = client_gerant.get("/marges/?date_debut=2020-01-01&date_fin=2026-12-31")
    assert r.status_code == 200 and "366 jours au plus" in r.content.decode()
    r = client_gerant.get("/marges/?date_debut=pas-une-date")
    assert r.status_code == 200 and "Date attendue" in r.content.decode()


def test_admin_en_lecture_seule(monde, patron, admin_client):
    _reception(client_de(patron), monde.boutique, ("RIZ25", 2, "1000"))
    assert _envoyer(client_de(patron), monde.boutique, monde.autre, ("RIZ25", 1)).status_code == 302
    bon, t = BonReception.objects.get(), Transfert.objects.get()
    for modele, pk in (("bonreception", bon.pk), ("transfert", t.pk)):
        assert admin_client.get(f"/admin/stock/{modele}/").status_code == 200
        page = admin_client.get(f"/admin/stock/{modele}/{pk}/change/")
        assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
        assert admin_client.get(f"/admin/stock/{modele}/add/").status_code == 403
        assert admin_client.post(f"/admin/stock/{modele}/{pk}/delete/", {"post": "yes"}).status_code == 403
    assert BonReception.objects.count() == Transfert.objects.count() == 1
