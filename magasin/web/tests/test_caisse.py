"""Caisse pages: rates, movements, closing through the web (idempotent, corrected, late sales,
printout), the invoice paid partly in USD, receivables; and shop isolation on every URL."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from magasin.caisse.models import Cloture, MouvementCaisse, Paiement, PriseEnCompte, TauxChange
from magasin.caisse.services import taux_fixer
from magasin.ventes.models import Vente
from magasin.web.tests.conftest import client_de
from magasin.web.tests.outils import synchroniser

pytestmark = pytest.mark.django_db


def _hier_a(heure: int) -> str:
    jour = timezone.localdate() - timedelta(days=1)
    return timezone.make_aware(datetime.combine(jour, time(heure, 0))).isoformat()


def _vente(monde, sequence: int, **champs):  # type: ignore[no-untyped-def]
    return {
        "numero_facture": f"T1-{sequence}",
        "sequence": sequence,
        "date_vente": _hier_a(9 + sequence),
        "lignes": [{"article_id": monde.article.pk, "quantite": 1, "prix_unitaire": "1250000"}],
        **champs,
    }


def test_pages_de_caisse_repondent(monde, client_gerant):
    for url in ("/caisse/", "/caisse/taux/", "/caisse/mouvements/", "/caisse/creances/"):
        reponse = client_gerant.get(url)
        assert reponse.status_code == 200, url
        assert "Caisse" in reponse.content.decode()


def test_taux_saisi_par_le_gerant_borne_et_isole(monde, client_gerant, client_caissier):
    jour = timezone.localdate().isoformat()
    reponse = client_gerant.post("/caisse/taux/", {"boutique": monde.boutique.pk, "jour": jour, "taux": "2800"})
    assert reponse.status_code == 302
    assert TauxChange.objects.get().taux == Decimal("2800")
    for taux, message in (("0", "Taux : 1 au minimum."), ("1e9", "Taux : 1\u202f000\u202f000 au maximum.")):
        reponse = client_gerant.post(
            "/caisse/taux/", {"boutique": monde.boutique.pk, "jour": jour, "taux": taux, "motif": "x"}
        )
        assert reponse.status_code == 422
        assert message in reponse.content.decode()
    # Another shop's id in the form is an unknown choice, never a rate for it.
    reponse = client_gerant.post("/caisse/taux/", {"boutique": monde.autre.pk, "jour": jour, "taux": "2800"})
    assert reponse.status_code == 422
    assert client_caissier.post("/caisse/taux/", {"boutique": monde.boutique.pk, "taux": "1"}).status_code == 403
    assert not TauxChange.objects.filter(boutique=monde.autre).exists()
    # The other shop's manager does not see our rate.
    autre = client_de(monde.gerant_autre)
    assert "2800" not in autre.get("/caisse/taux/").content.decode()
    assert autre.get(f"/caisse/taux/?boutique={monde.boutique.pk}").status_code == 404


def test_sortie_de_caisse_motif_et_montant_bornes(monde, client_caissier):
    base = {"caisse": f"U{monde.caissier.pk}", "type_mouvement": "SORTIE", "devise": "CDF", "jour": ""}
    base["jour"] = timezone.localdate().isoformat()
    reponse = client_caissier.post("/caisse/mouvements/", {**base, "montant": "5000", "motif": "", "cle": "k1"})
    assert reponse.status_code == 422
    assert "Indiquez le motif de la sortie de caisse." in reponse.content.decode()
    reponse = client_caissier.post("/caisse/mouvements/", {**base, "montant": "1e20", "motif": "x", "cle": "k2"})
    assert reponse.status_code == 422
    assert "Montant :" in reponse.content.decode()
    # A terminal of another shop is not a choice.
    reponse = client_caissier.post(
        "/caisse/mouvements/",
        {**base, "caisse": f"T{monde.terminal_autre.pk}", "montant": "5000", "motif": "x", "cle": "k3"},
    )
    assert reponse.status_code == 422
    for _ in range(2):  # sent twice, recorded once
        reponse = client_caissier.post(
            "/caisse/mouvements/", {**base, "montant": "5000", "motif": "Sucre pour le thé", "cle": "k4"}
        )
        assert reponse.status_code == 302
    mouvement = MouvementCaisse.objects.get()
    assert (mouvement.montant, mouvement.auteur, mouvement.caisse) == (
        Decimal("5000"),
        monde.caissier,
        f"U{monde.caissier.pk}",
    )


def test_cloture_web_idempotente_vente_tardive_revision_et_isolation(monde, client_gerant):
    synchroniser(monde.terminal, monde.jeton, [_vente(monde, 1), _vente(monde, 2), _vente(monde, 4)])
    jour = (timezone.localdate() - timedelta(days=1)).isoformat()
    caisse = f"T{monde.terminal.pk}"
    url = f"/caisse/cloturer/?boutique={monde.boutique.pk}&caisse={caisse}&jour={jour}"
    page = client_gerant.get(url).content.decode()
    assert "Incomplète" in page and "n° 3" in page
    formulaire = {
        "boutique": monde.boutique.pk,
        "caisse": caisse,
        "jour": jour,
        "cle": "cloture-1",
        "compte-CASH-CDF": "3750000",
        "compte-CASH-USD": "0",
    }
    premiere = client_gerant.post("/caisse/cloturer/", formulaire)
    seconde = client_gerant.post("/caisse/cloturer/", formulaire)
    assert premiere.status_code == seconde.status_code == 302
    cloture = Cloture.objects.get()
    assert premiere["Location"] == seconde["Location"] == f"/caisse/clotures/{cloture.pk}/"
    assert cloture.manquantes == [3]
    # Counted amounts are bounded, in French.
    reponse = client_gerant.post("/caisse/cloturer/", {**formulaire, "cle": "x", "compte-CASH-CDF": "-5"})
    assert reponse.status_code == 422 and "positif ou nul" in reponse.content.decode()

    # Sale 3 arrives the next morning: it stays on its day, the closing shows a revision.
    synchroniser(monde.terminal, monde.jeton, [_vente(monde, 3)])
    page = client_gerant.get(f"/caisse/clotures/{cloture.pk}/").content.decode()
    assert "Ventes arrivées ensuite (1)" in page and "T1-3" in page
    assert "5\u202f000\u202f000 CDF" in page  # expected now, against the frozen 3 750 000
    assert "revisions-caisse" in client_gerant.get("/").content.decode()
    assert client_gerant.post(f"/caisse/clotures/{cloture.pk}/vu/").status_code == 302
    assert PriseEnCompte.objects.get().vue_par == monde.gerant
    assert "revisions-caisse" not in client_gerant.get("/").content.decode()

    # A correction supersedes the closing; both are kept.
    correction = client_gerant.post(
        "/caisse/cloturer/",
        {**formulaire, "cle": "cloture-2", "remplace": cloture.pk, "motif": "Vente 3", "compte-CASH-CDF": "5000000"},
    )
    assert correction.status_code == 302
    assert Cloture.objects.count() == 2
    assert Cloture.objects.get(remplace=cloture).est_complete is True

    for suffixe in ("", "imprimer/", "imprimer/?format=80mm"):
        assert client_gerant.get(f"/caisse/clotures/{cloture.pk}/{suffixe}").status_code == 200

    autre = client_de(monde.gerant_autre)
    for url_autre in (
        f"/caisse/clotures/{cloture.pk}/",
        f"/caisse/clotures/{cloture.pk}/imprimer/",
        f"/caisse/?boutique={monde.boutique.pk}",
        f"/caisse/cloturer/?boutique={monde.boutique.pk}&caisse={caisse}&jour={jour}",
    ):
        assert autre.get(url_autre).status_code == 404, url_autre
    assert autre.post(f"/caisse/clotures/{cloture.pk}/vu/").status_code == 404
    assert "T1-" not in autre.get("/caisse/").content.decode()
    # Our manager cannot close the other shop's terminal through our shop either.
    url_piege = f"/caisse/cloturer/?boutique={monde.boutique.pk}&caisse=T{monde.terminal_autre.pk}&jour={jour}"
    assert client_gerant.get(url_piege).status_code == 404


def facture_usd(monde, uuid: str) -> dict:  # type: ignore[no-untyped-def, type-arg]
    """The invoice form: 1,250,000 CDF in cash, paid 400 USD and 100,000 CDF."""
    return {
        "boutique": monde.boutique.pk,
        "uuid": uuid,
        "article_id": [str(monde.article.pk)],
        "quantite": ["1"],
        "prix_unitaire": ["1250000"],
        "mode_paiement": "CASH",
        "paye": "on",
        "montant_usd": "400",
        "montant_cdf_recu": "100000",
    }


def test_facture_payee_en_partie_en_usd_monnaie_en_cdf(monde, client_caissier):
    formulaire = facture_usd(monde, "facture-usd-1")
    reponse = client_caissier.post("/facturation/", formulaire)
    assert reponse.status_code == 422
    assert "Aucun taux" in reponse.content.decode()
    assert not Vente.objects.exists()  # checked before the sale is recorded
    taux_fixer(boutique=monde.boutique, jour=timezone.localdate(), taux=Decimal("2900"), utilisateur=None)
    reponse = client_caissier.post("/facturation/", formulaire)
    assert reponse.status_code == 302
    # 400 USD = 1 160 000 CDF, plus 100 000 CDF: 1 260 000 for 1 250 000, 10 000 CDF back.
    usd = Paiement.objects.get(devise="USD")
    assert (usd.montant, usd.taux, usd.montant_cdf, usd.monnaie_rendue_cdf) == (
        Decimal("400"),
        Decimal("2900"),
        Decimal("1160000"),
        Decimal("10000"),
    )
    assert Paiement.objects.get(devise="CDF").montant == Decimal("100000")
    page = client_caissier.get(reponse["Location"]).content.decode()
    assert "monnaie rendue 10\u202f000 CDF" in page
    # The same form again: one sale, one settlement.
    assert client_caissier.post("/facturation/", formulaire).status_code == 302
    assert Paiement.objects.count() == 2 and Vente.objects.count() == 1
    insuffisant = {**formulaire, "uuid": "facture-usd-2", "montant_usd": "10", "montant_cdf_recu": ""}
    reponse = client_caissier.post("/facturation/", insuffisant)
    assert reponse.status_code == 422 and "Montant reçu insuffisant" in reponse.content.decode()


def test_credit_client_paye_par_le_web_et_isole(monde, client_caissier):
    synchroniser(
        monde.terminal,
        monde.jeton,
        [_vente(monde, 1, paye=False, client_nom="Mama Nsimba", client_telephone="0812345678")],
    )
    page = client_caissier.get("/caisse/creances/").content.decode()
    assert "Mama Nsimba" in page and "1\u202f250\u202f000 CDF" in page
    client = monde.boutique.clients.get()
    url = f"/caisse/clients/{client.pk}/"
    formulaire = {"caisse": f"U{monde.caissier.pk}", "canal": "MPESA", "devise": "CDF", "cle": "p1"}
    reponse = client_caissier.post(url, {**formulaire, "montant": "2000000"})
    assert reponse.status_code == 422 and "supérieur au solde dû" in reponse.content.decode()
    assert client_caissier.post(url, {**formulaire, "cle": "p2", "montant": "250000"}).status_code == 302
    assert client_caissier.post(url, {**formulaire, "cle": "p2", "montant": "250000"}).status_code == 302
    assert "1\u202f000\u202f000 CDF" in client_caissier.get(url).content.decode()
    assert Paiement.objects.count() == 1
    autre = client_de(monde.gerant_autre)
    assert autre.get(url).status_code == 404
    assert autre.post(url, {**formulaire, "cle": "p3", "montant": "1"}).status_code == 404
    assert "Mama Nsimba" not in autre.get("/caisse/creances/").content.decode()
    assert autre.get(f"/caisse/creances/?boutique={monde.boutique.pk}").status_code == 404


def test_vente_du_terminal_declaree_payee_en_usd_compte_dans_sa_caisse(monde, client_gerant):
    synchroniser(monde.terminal, monde.jeton, [_vente(monde, 1)])
    vente = Vente.objects.get()
    taux_fixer(
        boutique=monde.boutique, jour=timezone.localdate() - timedelta(days=1), taux=Decimal("2500"), utilisateur=None
    )
    url = f"/caisse/ventes/{vente.pk}/encaisser/"
    assert "1 USD = 2500,00 CDF" in client_gerant.get(url).content.decode().replace("2\u202f500", "2500")
    reponse = client_gerant.post(url, {"usd": "1e12", "cdf": "0", "cle": "e0"})
    assert reponse.status_code == 422 and "Reçu en USD :" in reponse.content.decode()
    assert client_gerant.post(url, {"usd": "500", "cdf": "0", "cle": "e1"}).status_code == 302
    usd = Paiement.objects.get()
    assert (usd.caisse, usd.jour, usd.montant_cdf) == (
        f"T{monde.terminal.pk}",
        timezone.localdate() - timedelta(days=1),
        Decimal("1250000"),
    )
    # A second settlement of the same sale is refused.
    reponse = client_gerant.post(url, {"usd": "500", "cdf": "0", "cle": "e2"})
    assert reponse.status_code == 422 and "déjà encaissée" in reponse.content.decode()
    assert Paiement.objects.count() == 1
    assert client_de(monde.gerant_autre).get(url).status_code == 404


def test_liste_des_clotures_en_requetes_bornees(monde, client_gerant):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from magasin.caisse.selectors import Caisse
    from magasin.caisse.services import cloture_enregistrer

    caisse = Caisse(boutique=monde.boutique, terminal=monde.terminal)

    def cloturer(jours: range) -> None:
        for n in jours:
            jour = timezone.localdate() - timedelta(days=n)
            cloture_enregistrer(caisse=caisse, jour=jour, comptes={}, cle=f"c{n}", utilisateur=None)

    def requetes(url: str) -> int:
        with CaptureQueriesContext(connection) as capture:
            assert client_gerant.get(url).status_code == 200
        return len(capture.captured_queries)

    cloturer(range(1, 2))
    avant = (requetes("/caisse/"), requetes("/"))
    cloturer(range(2, 12))
    assert (requetes("/caisse/"), requetes("/")) == avant


def test_remboursement_vise_une_facture_choisie(monde, client_caissier):
    synchroniser(
        monde.terminal,
        monde.jeton,
        [
            _vente(monde, 1, paye=False, client_nom="Papa Kabeya"),
            _vente(monde, 2, paye=False, client_nom="Papa Kabeya"),
        ],
    )
    client = monde.boutique.clients.get()
    recente = Vente.objects.get(sequence_terminal=2)
    url = f"/caisse/clients/{client.pk}/"
    formulaire = {"caisse": f"U{monde.caissier.pk}", "canal": "CASH", "devise": "CDF", "montant": "1000"}
    # Only this customer's unpaid sales can be named.
    reponse = client_caissier.post(url, {**formulaire, "cle": "v0", "vente": "999999"})
    assert reponse.status_code == 422 and "Facture inconnue." in reponse.content.decode()
    assert client_caissier.post(url, {**formulaire, "cle": "v1", "vente": str(recente.pk)}).status_code == 302
    (affectation,) = Paiement.objects.get().affectations.all()
    assert affectation.creance.vente == recente


def test_avoir_du_client_montre_sur_sa_fiche_et_la_liste(monde, client_caissier, client_gerant):
    """A credit sale cancelled after a partial repayment: the shop owes the customer what he
    paid. Shown on his page and in the list; a later credit sale is owed in full and repaid."""
    synchroniser(monde.terminal, monde.jeton, [_vente(monde, 1, paye=False, client_nom="Papa Kabeya")])
    client = monde.boutique.clients.get()
    url = f"/caisse/clients/{client.pk}/"
    formulaire = {"caisse": f"U{monde.caissier.pk}", "canal": "CASH", "devise": "CDF"}
    assert client_caissier.post(url, {**formulaire, "cle": "a1", "montant": "250000"}).status_code == 302
    vente = Vente.objects.get()
    assert client_gerant.post(f"/ventes/{vente.pk}/annuler/", {"motif": "Rendu"}).status_code == 302
    page = client_caissier.get(url).content.decode().replace("\u202f", " ")
    assert "Avoir : <span" in page and "250 000 CDF</span> à rendre ou à déduire" in page
    assert "Rien n'est dû." in page and 'id="form-remboursement"' not in page
    liste = client_caissier.get("/caisse/creances/").content.decode().replace("\u202f", " ")
    assert "Papa Kabeya" in liste and "Avoir : 250 000 CDF à rendre ou à déduire" in liste
    # A new credit sale: owed in full, repaid in full, the avoir still shown.
    synchroniser(monde.terminal, monde.jeton, [_vente(monde, 2, paye=False, client_nom="Papa Kabeya")])
    assert client_caissier.post(url, {**formulaire, "cle": "a2", "montant": "1250000"}).status_code == 302
    page = client_caissier.get(url).content.decode().replace("\u202f", " ")
    assert 'id="solde-client">0 CDF' in page and "250 000 CDF</span> à rendre ou à déduire" in page
    assert "Avoir : 250 000 CDF" not in client_de(monde.gerant_autre).get("/caisse/creances/").content.decode()
