"""Back-office pages: login, dashboard, history, sale page, exports, access per shop."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.test import Client
from openpyxl import load_workbook

from magasin.stock.models import Article
from magasin.stock.tests.factories import creer_article
from magasin.ventes.entrees import VenteEntree
from magasin.ventes.models import StatutVente, Vente
from magasin.ventes.services import vente_creer
from magasin.web.tests.outils import synchroniser

pytestmark = pytest.mark.django_db


def _vente(monde, boutique=None, article=None, quantite=1, **extra) -> Vente:  # type: ignore[no-untyped-def]
    boutique = boutique or monde.boutique
    article = article or monde.article
    entree = VenteEntree.model_validate(
        {
            "lignes": [{"article_id": article.pk, "quantite": quantite, "prix_unitaire": str(article.prix_vente)}],
            **extra,
        }
    )
    utilisateur = monde.gerant if boutique == monde.boutique else monde.gerant_autre
    resultat = vente_creer(boutique=boutique, utilisateur=utilisateur, entree=entree)
    assert resultat.vente is not None
    return resultat.vente


def test_pages_exigent_une_connexion(monde):
    for url in ["/", "/ventes/", "/articles/", "/stock/", "/quarantaine/", "/terminaux/", "/facturation/"]:
        reponse = Client().get(url)
        assert reponse.status_code == 302
        assert reponse["Location"].startswith("/connexion/")


def test_connexion_puis_tableau_de_bord(monde):
    client = Client()
    reponse = client.post("/connexion/", {"username": "gerant", "password": "motdepasse"})
    assert reponse.status_code == 302
    assert client.get("/").status_code == 200


def test_connexion_bloquee_apres_cinq_echecs_meme_avec_le_bon_mot_de_passe(monde):
    client = Client()
    for _ in range(5):
        assert client.post("/connexion/", {"username": "gerant", "password": "faux"}).status_code == 200
    reponse = client.post("/connexion/", {"username": "gerant", "password": "motdepasse"})
    assert reponse.status_code == 429
    assert "Trop de tentatives" in reponse.content.decode()
    assert client.get("/").status_code == 302


def test_echecs_sur_un_autre_compte_ne_bloquent_pas(monde):
    client = Client()
    for _ in range(6):
        client.post("/connexion/", {"username": "caissier", "password": "faux"})
    assert client.post("/connexion/", {"username": "gerant", "password": "motdepasse"}).status_code == 302


def test_tableau_de_bord_montre_chiffres_du_jour_graphique_et_alertes(monde, client_gerant):
    _vente(monde, quantite=2)
    faible = Article.objects.get(pk=monde.article.pk)
    contenu = client_gerant.get("/").content.decode()
    assert "<svg" in contenu and 'class="barre"' in contenu
    # 2 × 1 250 000 = 2 500 000 CDF, narrow no-break spaces between thousands.
    assert "2\u202f500\u202f000 CDF" in contenu
    assert faible.nom in contenu  # best seller
    assert "Caisse 1" in contenu  # terminals listed
    assert "Boutique Limete" not in contenu


def test_tableau_de_bord_signale_articles_a_zero_et_sequences_manquantes(monde, client_gerant):
    article = Article.objects.create(boutique=monde.boutique, code="VIDE", nom="Article vide", prix_vente=10)
    synchroniser(
        monde.terminal,
        monde.jeton,
        [
            {
                "numero_facture": f"T-{n}",
                "sequence": n,
                "lignes": [{"article_id": monde.article.pk, "quantite": 1, "prix_unitaire": 10}],
            }
            for n in (1, 2, 5)
        ],
    )
    contenu = client_gerant.get("/").content.decode()
    assert article.nom in contenu
    assert "3, 4" in contenu
    assert "2 numéro(s) de séquence manquant(s)" in contenu
    assert "3, 4" in client_gerant.get("/terminaux/").content.decode()


def test_vente_synchronisee_par_un_terminal_apparait_aussitot_dans_l_historique(monde, client_gerant):
    """The original incident: terminals reported success, the history page showed nothing."""
    corps = synchroniser(
        monde.terminal,
        monde.jeton,
        [
            {
                "numero_facture": "MAUI-0001",
                "lignes": [{"article_id": monde.article.pk, "quantite": 1, "prix_unitaire": 1250000}],
            }
        ],
    )
    assert corps["success"] is True
    contenu = client_gerant.get("/ventes/").content.decode()
    assert "MAUI-0001" in contenu
    assert "Caisse 1" in contenu
    vente = Vente.objects.get(numero_facture="MAUI-0001")
    page = client_gerant.get(f"/ventes/{vente.pk}/").content.decode()
    assert "Sac de riz 25 kg" in page
    assert "20 → 19" in page  # its ledger row


def test_historique_filtre_par_statut_mode_et_numero(monde, client_gerant):
    v1 = _vente(monde, mode_paiement="MOBILE_MONEY")
    v2 = _vente(monde)
    contenu = client_gerant.get("/ventes/", {"mode_paiement": "MOBILE_MONEY"}).content.decode()
    assert v1.numero_facture in contenu and v2.numero_facture not in contenu
    contenu = client_gerant.get("/ventes/", {"numero_facture": v2.numero_facture}).content.decode()
    assert v2.numero_facture in contenu and v1.numero_facture not in contenu
    contenu = client_gerant.get("/ventes/", {"statut": "ANNULEE"}).content.decode()
    assert v1.numero_facture not in contenu
    assert client_gerant.get("/ventes/", {"date_debut": "pas-une-date"}).status_code == 200


def test_historique_est_pagine(monde, client_gerant):
    article = creer_article(monde.boutique, stock=100)
    for _ in range(30):
        _vente(monde, article=article)
    page1 = client_gerant.get("/ventes/").content.decode()
    assert "Page 1 / 2" in page1
    assert "Page 2 / 2" in client_gerant.get("/ventes/", {"page": 2}).content.decode()


def test_export_csv_et_xlsx_suivent_les_filtres_et_les_boutiques(monde, client_gerant):
    v1 = _vente(monde, mode_paiement="CARTE")
    v2 = _vente(monde)
    autre = _vente(monde, boutique=monde.autre, article=monde.article_autre)
    reponse = client_gerant.get("/ventes/", {"format": "csv"})
    assert reponse["Content-Type"].startswith("text/csv")
    texte = b"".join(reponse.streaming_content).decode("utf-8-sig")
    lignes = list(csv.reader(io.StringIO(texte), delimiter=";"))
    numeros = {ligne[0] for ligne in lignes[1:]}
    assert numeros == {v1.numero_facture, v2.numero_facture}
    assert autre.numero_facture not in texte
    reponse = client_gerant.get("/ventes/", {"format": "xlsx", "mode_paiement": "CARTE"})
    feuille = load_workbook(io.BytesIO(b"".join(reponse.streaming_content))).active
    rangees = list(feuille.iter_rows(values_only=True))
    assert [r[0] for r in rangees[1:]] == [v1.numero_facture]
    assert rangees[1][7] == 1250000


def test_gerant_annule_une_vente_le_stock_revient_et_le_numero_reste(monde, client_gerant):
    vente = _vente(monde, quantite=3)
    reponse = client_gerant.post(f"/ventes/{vente.pk}/annuler/", {"motif": "Erreur de caisse"})
    assert reponse.status_code == 302
    vente.refresh_from_db()
    assert vente.statut == StatutVente.ANNULEE
    monde.article.refresh_from_db()
    assert monde.article.quantite_stock == 20
    reponse = client_gerant.post(f"/ventes/{vente.pk}/annuler/", {"motif": "encore"})
    assert reponse.status_code == 409
    assert "déjà annulée" in reponse.content.decode()
    assert vente.numero_facture in client_gerant.get("/ventes/").content.decode()


def test_annulation_sans_motif_refusee(monde, client_gerant):
    vente = _vente(monde)
    reponse = client_gerant.post(f"/ventes/{vente.pk}/annuler/", {"motif": " "})
    assert reponse.status_code == 400
    vente.refresh_from_db()
    assert vente.statut == StatutVente.VALIDEE


def test_caissier_ne_peut_pas_annuler_une_vente(monde, client_caissier):
    vente = _vente(monde, quantite=2)
    page = client_caissier.get(f"/ventes/{vente.pk}/").content.decode()
    assert "Annuler la facture" not in page
    reponse = client_caissier.post(f"/ventes/{vente.pk}/annuler/", {"motif": "je peux ?"})
    assert reponse.status_code == 403
    vente.refresh_from_db()
    assert vente.statut == StatutVente.VALIDEE
    monde.article.refresh_from_db()
    assert monde.article.quantite_stock == 18


def test_montants_affiches_avec_separateurs_de_milliers(monde, client_gerant):
    contenu = client_gerant.get(f"/articles/{monde.article.pk}/").content.decode()
    assert "1\u202f250\u202f000 CDF" in contenu
    assert Decimal("1250000") == monde.article.prix_vente
