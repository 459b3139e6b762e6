"""Stock forms through the ledger service, and the catalogue import with its preview."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from magasin.stock.models import Article, MouvementStock
from magasin.stock.tests.invariants import verifier_registre

pytestmark = pytest.mark.django_db


def test_livraison_perte_et_inventaire_passent_par_le_registre(monde, client_gerant):
    a = monde.article
    r = client_gerant.post("/stock/livraison/", {"article": a.pk, "quantite": 10, "reference_document": "BL-77"})
    assert r.status_code == 302
    r = client_gerant.post("/stock/perte/", {"article": a.pk, "quantite": 2, "motif": "Sac déchiré"})
    assert r.status_code == 302
    r = client_gerant.post("/stock/inventaire/", {"article": a.pk, "quantite_comptee": 25, "motif": "Comptage mensuel"})
    assert r.status_code == 302
    a.refresh_from_db()
    assert a.quantite_stock == 25
    types = list(MouvementStock.objects.filter(article=a).order_by("pk").values_list("type_mouvement", "quantite"))
    assert types == [("ENTREE", 20), ("ENTREE", 10), ("SORTIE", -2), ("AJUSTEMENT", -3)]
    verifier_registre(a)
    contenu = client_gerant.get("/stock/", {"type_mouvement": "SORTIE"}).content.decode()
    assert "Sac déchiré" in contenu and "BL-77" not in contenu
    assert "BL-77" in client_gerant.get("/stock/", {"article": a.pk, "type_mouvement": "ENTREE"}).content.decode()


def test_perte_superieure_au_stock_refusee_avec_le_message_du_service(monde, client_gerant):
    r = client_gerant.post("/stock/perte/", {"article": monde.article.pk, "quantite": 21, "motif": "Vol"})
    assert r.status_code == 200
    assert "Stock insuffisant" in r.content.decode()
    monde.article.refresh_from_db()
    assert monde.article.quantite_stock == 20


def test_inventaire_sans_motif_refuse(monde, client_gerant):
    r = client_gerant.post("/stock/inventaire/", {"article": monde.article.pk, "quantite_comptee": 3, "motif": ""})
    assert r.status_code == 200
    monde.article.refresh_from_db()
    assert monde.article.quantite_stock == 20


def test_gerant_cree_et_modifie_un_article(monde, client_gerant):
    r = client_gerant.post(
        "/articles/nouveau/",
        {
            "boutique": monde.boutique.pk,
            "code": "HUI1",
            "nom": "Huile 1 L",
            "prix_vente": "4500",
            "stock_initial": 12,
            "seuil_alerte": 3,
            "est_actif": "on",
        },
    )
    assert r.status_code == 302
    article = Article.objects.get(code="HUI1")
    assert article.quantite_stock == 12
    verifier_registre(article)
    r = client_gerant.post(
        f"/articles/{article.pk}/modifier/",
        {"nom": "Huile 1 litre", "prix_vente": "4700", "seuil_alerte": 4, "code_barres": "123", "est_actif": "on"},
    )
    assert r.status_code == 302
    article.refresh_from_db()
    assert (article.nom, article.prix_vente, article.code_barres) == ("Huile 1 litre", 4700, "123")
    r = client_gerant.post(
        "/articles/nouveau/",
        {
            "boutique": monde.boutique.pk,
            "code": "HUI1",
            "nom": "Doublon",
            "prix_vente": "1",
            "stock_initial": 0,
            "seuil_alerte": 1,
        },
    )
    assert "Ce code existe déjà" in r.content.decode()


def test_liste_articles_filtre_par_recherche_et_statut(monde, client_gerant):
    Article.objects.create(boutique=monde.boutique, code="VIDE", nom="Bougie", prix_vente=10)
    contenu = client_gerant.get("/articles/", {"statut_stock": "zero"}).content.decode()
    assert "Bougie" in contenu and "Sac de riz" not in contenu
    contenu = client_gerant.get("/articles/", {"q": "riz"}).content.decode()
    assert "Sac de riz" in contenu and "Bougie" not in contenu


CSV = "code;nom;prix_vente;stock;seuil_alerte\nRIZ25;Sac de riz 25 kg;1 300 000;30;\nSUC1;Sucre 1 kg;3500;40;5\n"


def _envoyer(client, monde, nom, contenu):  # type: ignore[no-untyped-def]
    return client.post(
        "/articles/import/",
        {"boutique": monde.boutique.pk, "fichier": SimpleUploadedFile(nom, contenu)},
    )


def test_import_csv_montre_un_apercu_sans_rien_ecrire_puis_applique(monde, client_gerant):
    r = _envoyer(client_gerant, monde, "catalogue.csv", CSV.encode())
    contenu = r.content.decode()
    assert "1 à créer, 1 à modifier, 0 inchangé(s)" in contenu
    assert "Prix de vente : 1\u202f250\u202f000 CDF → <strong>1\u202f300\u202f000 CDF</strong>" in contenu
    assert not Article.objects.filter(code="SUC1").exists()
    monde.article.refresh_from_db()
    assert monde.article.quantite_stock == 20
    jeton = contenu.split('name="jeton" value="')[1].split('"')[0]
    r = client_gerant.post("/articles/import/", {"jeton": jeton})
    assert r.status_code == 302
    sucre = Article.objects.get(boutique=monde.boutique, code="SUC1")
    assert (sucre.quantite_stock, sucre.seuil_alerte, sucre.prix_vente) == (40, 5, 3500)
    monde.article.refresh_from_db()
    assert (monde.article.prix_vente, monde.article.quantite_stock) == (1300000, 30)
    assert MouvementStock.objects.filter(article=monde.article, type_mouvement="AJUSTEMENT").count() == 1
    verifier_registre()
    # The token is single use.
    client_gerant.post("/articles/import/", {"jeton": jeton})
    assert MouvementStock.objects.filter(article=monde.article, type_mouvement="AJUSTEMENT").count() == 1


def test_import_xlsx_avec_erreurs_ligne_par_ligne_n_ecrit_rien(monde, client_gerant):
    classeur = Workbook()
    feuille = classeur.active
    feuille.append(["Code", "Nom", "Prix vente", "Stock"])
    feuille.append(["OK1", "Article correct", 100, 5])
    feuille.append(["MAUV", "Prix faux", "cent", 5])
    feuille.append(["NEG", "Stock négatif", 100, -3])
    feuille.append(["OK1", "Doublon", 100, 5])
    feuille.append(["SANSNOM", None, 100, 1])
    tampon = io.BytesIO()
    classeur.save(tampon)
    r = _envoyer(client_gerant, monde, "catalogue.xlsx", tampon.getvalue())
    contenu = r.content.decode()
    assert "4 en erreur" in contenu
    assert "Prix illisible : « cent »." in contenu
    assert "Stock : entier positif attendu, lu « -3 »." in contenu
    assert "Code OK1 déjà présent ligne 2." in contenu
    assert "Nom manquant pour un nouvel article." in contenu
    assert 'name="jeton"' not in contenu
    assert not Article.objects.filter(code="OK1").exists()


def test_import_fichier_illisible_ou_sans_colonne_code(monde, client_gerant):
    r = _envoyer(client_gerant, monde, "catalogue.pdf", b"%PDF")
    assert "envoyez un .csv ou un .xlsx" in r.content.decode()
    r = _envoyer(client_gerant, monde, "catalogue.csv", b"nom;prix\nA;1\n")
    assert "« code »" in r.content.decode()
