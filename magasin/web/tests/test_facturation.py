"""Web invoicing: same sale service as the terminals, one invoice per form, PDF, cancellation."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from magasin.stock.models import MouvementStock
from magasin.stock.tests.factories import creer_article
from magasin.stock.tests.invariants import verifier_registre
from magasin.ventes.models import OrigineVente, Vente

pytestmark = pytest.mark.django_db


def _formulaire(monde, lignes, uuid="form-uuid-1", **extra):  # type: ignore[no-untyped-def]
    return {
        "boutique": monde.boutique.pk,
        "uuid": uuid,
        "article_id": [str(a.pk) for a, _, _ in lignes],
        "quantite": [str(q) for _, q, _ in lignes],
        "prix_unitaire": [p for _, _, p in lignes],
        "mode_paiement": "CASH",
        "paye": "on",
        **extra,
    }


def test_caissier_cree_une_facture_de_deux_lignes_par_le_service_de_vente(monde, client_caissier):
    biscuit = creer_article(monde.boutique, stock=10, prix="2500", nom="Biscuits")
    reponse = client_caissier.post(
        "/facturation/",
        _formulaire(
            monde,
            [(monde.article, 2, "1250000"), (biscuit, 3, "2000")],
            client_nom="Mama Nzinga",
            client_telephone="+243 81 000 0000",
        ),
    )
    assert reponse.status_code == 302
    vente = Vente.objects.get()
    assert reponse["Location"] == f"/ventes/{vente.pk}/facture/"
    assert vente.origine == OrigineVente.WEB
    assert vente.cree_par == monde.caissier
    assert vente.montant_total == 2 * 1250000 + 3 * 2000
    assert vente.client_nom == "Mama Nzinga"
    assert vente.numero_facture.startswith("FAC-BTQ-009-")
    biscuit.refresh_from_db()
    assert biscuit.quantite_stock == 7
    assert MouvementStock.objects.filter(reference_document=vente.numero_facture, type_mouvement="VENTE").count() == 2
    verifier_registre()
    page = client_caissier.get(reponse["Location"]).content.decode()
    assert "Boutique Gombe" in page and "Avenue du Commerce" in page
    assert vente.numero_facture in page
    assert "2\u202f506\u202f000 CDF" in page


def test_double_envoi_du_meme_formulaire_ne_cree_qu_une_facture(monde, client_caissier):
    donnees = _formulaire(monde, [(monde.article, 1, "1250000")])
    premier = client_caissier.post("/facturation/", donnees)
    second = client_caissier.post("/facturation/", donnees)
    assert premier.status_code == second.status_code == 302
    assert premier["Location"] == second["Location"]
    assert Vente.objects.count() == 1
    monde.article.refresh_from_db()
    assert monde.article.quantite_stock == 19


def test_stock_insuffisant_affiche_l_erreur_sur_la_ligne_fautive(monde, client_caissier):
    biscuit = creer_article(monde.boutique, stock=10, prix="2500", nom="Biscuits")
    reponse = client_caissier.post(
        "/facturation/", _formulaire(monde, [(biscuit, 1, "2500"), (monde.article, 21, "1250000")])
    )
    assert reponse.status_code == 422
    contenu = reponse.content.decode()
    assert "Stock insuffisant pour « Sac de riz 25 kg » : disponible 20, demandé 21." in contenu
    # The error sits in the faulty line's row, not the other one.
    ligne_riz = contenu.split(f'data-article="{monde.article.pk}"')[1].split("</tr>")[0]
    ligne_biscuit = contenu.split(f'data-article="{biscuit.pk}"')[1].split("</tr>")[0]
    assert "Stock insuffisant" in ligne_riz
    assert "Stock insuffisant" not in ligne_biscuit
    assert Vente.objects.count() == 0
    biscuit.refresh_from_db()
    assert biscuit.quantite_stock == 10


def test_quantite_invalide_et_facture_vide_refusees_en_francais(monde, client_caissier):
    reponse = client_caissier.post("/facturation/", _formulaire(monde, [(monde.article, 0, "100")]))
    assert reponse.status_code == 422
    assert "Quantité : entier entre 1 et 1 000 000." in reponse.content.decode()
    reponse = client_caissier.post("/facturation/", _formulaire(monde, []))
    assert "Ajoutez au moins un article." in reponse.content.decode()
    assert Vente.objects.count() == 0


def test_recherche_par_code_barres_et_ligne_au_prix_de_l_article(monde, client_caissier):
    article = creer_article(monde.boutique, stock=5, prix="3000", nom="Lait en poudre")
    from magasin.stock.services import article_modifier

    article_modifier(acteur=None, article=article, code_barres="6001234567890")
    contenu = client_caissier.get(
        "/facturation/articles/", {"boutique": monde.boutique.pk, "q": "6001234567890"}
    ).content.decode()
    assert "Lait en poudre" in contenu
    ligne = client_caissier.get("/facturation/ligne/", {"article": article.pk}).content.decode()
    assert 'value="3000"' in ligne


def test_pdf_de_la_facture_contient_boutique_numero_lignes_et_total(monde, client_caissier):
    client_caissier.post("/facturation/", _formulaire(monde, [(monde.article, 2, "1250000")]))
    vente = Vente.objects.get()
    reponse = client_caissier.get(f"/ventes/{vente.pk}/facture.pdf")
    assert reponse.status_code == 200
    assert reponse["Content-Type"] == "application/pdf"
    texte = "".join(page.extract_text() for page in PdfReader(io.BytesIO(reponse.content)).pages)
    assert "Boutique Gombe" in texte
    assert vente.numero_facture in texte
    assert "Sac de riz 25 kg" in texte
    chiffres = texte.replace("\u202f", " ")
    assert "2 500 000 CDF" in chiffres
    assert "1 250 000 CDF" in chiffres


def test_pdf_et_page_de_la_facture_payee_en_usd_montrent_le_reglement(monde, client_caissier):
    from decimal import Decimal

    from django.utils import timezone

    from magasin.caisse.services import taux_fixer

    taux_fixer(boutique=monde.boutique, jour=timezone.localdate(), taux=Decimal("2900"), utilisateur=None)
    formulaire = _formulaire(monde, [(monde.article, 1, "1250000")], montant_usd="400", montant_cdf_recu="100000")
    assert client_caissier.post("/facturation/", formulaire).status_code == 302
    vente = Vente.objects.get()
    pdf = client_caissier.get(f"/ventes/{vente.pk}/facture.pdf").content
    texte = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).replace("\u202f", " ")
    # 400 USD at 2 900 = 1 160 000 CDF, plus 100 000 CDF, for 1 250 000: 10 000 CDF back.
    assert "Reçu en USD : 400 USD au taux de 1 USD = 2 900 CDF, soit 1 160 000 CDF" in texte
    assert "Reçu en CDF : 100 000 CDF" in texte
    assert "Monnaie rendue : 10 000 CDF" in texte
    # The sale's page says it too.
    page = client_caissier.get(f"/ventes/{vente.pk}/").content.decode().replace("\u202f", " ")
    reglement = page.split('id="reglement-facture"')[1].split("</span>")[0]
    assert "400 USD (taux 2900,00 = 1 160 000 CDF)" in reglement and "100 000 CDF" in reglement
    assert "monnaie rendue 10 000 CDF" in reglement
    # An invoice paid by its mode alone says nothing more.
    assert (
        client_caissier.post(
            "/facturation/", _formulaire(monde, [(monde.article, 1, "1250000")], uuid="u2")
        ).status_code
        == 302
    )
    autre = Vente.objects.exclude(pk=vente.pk).get()
    pdf = client_caissier.get(f"/ventes/{autre.pk}/facture.pdf").content
    texte = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "Reçu en" not in texte and "Monnaie rendue" not in texte


def test_annulation_d_une_facture_web_rend_le_stock(monde, client_caissier, client_gerant):
    client_caissier.post("/facturation/", _formulaire(monde, [(monde.article, 4, "1250000")]))
    vente = Vente.objects.get()
    assert client_gerant.post(f"/ventes/{vente.pk}/annuler/", {"motif": "Client a renoncé"}).status_code == 302
    monde.article.refresh_from_db()
    assert monde.article.quantite_stock == 20
    assert MouvementStock.objects.filter(reference_document=vente.numero_facture, type_mouvement="RETOUR").count() == 1
    verifier_registre()
    pdf = client_gerant.get(f"/ventes/{vente.pk}/facture.pdf").content
    assert "ANNULÉE" in "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
