"""Catalogue round trip (export → spreadsheet → import) and article categories, shop by shop."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from magasin.core.erreurs import ErreurMetier
from magasin.stock.import_catalogue import COLONNES_EXPORT, _texte_csv_lu
from magasin.stock.models import Article, Categorie, MouvementStock
from magasin.stock.services import article_modifier, categorie_obtenir
from magasin.stock.tests.factories import creer_article
from magasin.stock.tests.invariants import verifier_registre
from magasin.ventes.entrees import VenteEntree
from magasin.ventes.services import vente_creer
from magasin.web.exports import texte_csv


def _catalogue(monde):  # type: ignore[no-untyped-def]
    """Awkward values: formula-like names, a leading apostrophe, a zero-led barcode, an inactive article."""
    boissons = categorie_obtenir(acteur=None, boutique=monde.boutique, nom="Boissons")
    article_modifier(acteur=None, article=monde.article, categorie="Riz et farines")
    creer_article(monde.boutique, code="F1", nom="=1+1", prix="2500", stock=3)
    creer_article(monde.boutique, code="F2", nom="'=SOMME(A1)", prix="10.50", stock=0)
    creer_article(monde.boutique, code="F3", nom="-20 % promo", prix="0", stock=7, est_actif=False)
    coca = creer_article(monde.boutique, code="0042", nom="Coca 33 cl", prix="999999999999.99", stock=12)
    article_modifier(acteur=None, article=coca, code_barres="0123456789", categorie=boissons.nom)


def _exporter(client, monde, format_=""):  # type: ignore[no-untyped-def]
    url = f"/articles/export/?boutique={monde.boutique.pk}" + (f"&format={format_}" if format_ else "")
    r = client.get(url)
    assert r.status_code == 200, r.content
    return b"".join(r.streaming_content) if r.streaming else r.content


def _apercu(client, monde, nom, contenu):  # type: ignore[no-untyped-def]
    r = client.post("/articles/import/", {"boutique": monde.boutique.pk, "fichier": SimpleUploadedFile(nom, contenu)})
    assert r.status_code == 200
    return r.content.decode()


def _confirmer(client, contenu):  # type: ignore[no-untyped-def]
    jeton = contenu.split('name="jeton" value="')[1].split('"')[0]
    assert client.post("/articles/import/", {"jeton": jeton}).status_code == 302


def _etat(monde):  # type: ignore[no-untyped-def]
    return sorted(
        Article.objects.filter(boutique=monde.boutique).values_list(
            "code", "nom", "prix_vente", "quantite_stock", "seuil_alerte", "code_barres", "est_actif", "categorie__nom"
        )
    )


def test_export_csv_puis_import_ne_change_rien_et_une_modification_seulement_elle(monde, client_gerant):
    _catalogue(monde)
    avant = _etat(monde)
    mouvements = MouvementStock.objects.count()
    fichier = _exporter(client_gerant, monde).decode("utf-8-sig")
    lignes = fichier.splitlines()
    assert lignes[0] == ";".join(COLONNES_EXPORT)
    assert "'=1+1" in fichier  # neutralised for the spreadsheet
    assert "SAV" not in fichier  # the other shop's article
    assert "0042;Coca 33 cl;999999999999,99;12;5;0123456789;oui;Boissons" in lignes
    assert "F3;'-20 % promo;0,00;7;5;;non;" in lignes

    contenu = _apercu(client_gerant, monde, "catalogue.csv", fichier.encode("utf-8-sig"))
    assert "0 à créer, 0 à modifier, 5 inchangé(s)" in contenu

    # The owner edits one price in the spreadsheet.
    ligne_f1 = next(ligne for ligne in lignes if ligne.startswith("F1;"))
    assert ligne_f1.startswith("F1;'=1+1;2500,00;3;")
    modifie = fichier.replace(ligne_f1, ligne_f1.replace("2500,00", "2750,00"))
    contenu = _apercu(client_gerant, monde, "catalogue.csv", modifie.encode("utf-8-sig"))
    assert "0 à créer, 1 à modifier, 4 inchangé(s)" in contenu
    _confirmer(client_gerant, contenu)
    attendu = [(a[0], a[1], Decimal("2750.00"), *a[3:]) if a[0] == "F1" else a for a in avant]
    assert _etat(monde) == attendu
    assert MouvementStock.objects.count() == mouvements
    verifier_registre()


def test_export_xlsx_puis_import_ne_change_rien_et_une_modification_seulement_elle(monde, client_gerant):
    _catalogue(monde)
    avant = _etat(monde)
    contenu_xlsx = _exporter(client_gerant, monde, "xlsx")
    classeur = load_workbook(io.BytesIO(contenu_xlsx))
    feuille = classeur.active
    rangees = list(feuille.iter_rows(values_only=True))
    assert rangees[0] == COLONNES_EXPORT
    assert ("F1", "=1+1") in [r[:2] for r in rangees]  # a text cell, not a formula
    assert feuille.cell(row=2, column=1).data_type == "s"

    contenu = _apercu(client_gerant, monde, "catalogue.xlsx", contenu_xlsx)
    assert "0 à créer, 0 à modifier, 5 inchangé(s)" in contenu

    numero = next(i for i, r in enumerate(rangees, 1) if r[0] == "0042")
    feuille.cell(row=numero, column=COLONNES_EXPORT.index("seuil_alerte") + 1, value=9)
    tampon = io.BytesIO()
    classeur.save(tampon)
    contenu = _apercu(client_gerant, monde, "catalogue.xlsx", tampon.getvalue())
    assert "0 à créer, 1 à modifier, 4 inchangé(s)" in contenu
    _confirmer(client_gerant, contenu)
    attendu = [(*a[:4], 9, *a[5:]) if a[0] == "0042" else a for a in avant]
    assert _etat(monde) == attendu


@pytest.mark.parametrize(
    "texte", ["=1+1", "+33", "-5", "@a", "'", "'a", "'=x", "''=x", "''", "'''", "a'=", "\tx", "ordinaire", ""]
)
def test_neutralisation_csv_relue_a_l_identique(texte):
    assert _texte_csv_lu(texte_csv(texte)) == texte


def test_export_limite_aux_boutiques_de_l_utilisateur(monde, client_gerant, client_caissier):
    assert client_gerant.get(f"/articles/export/?boutique={monde.autre.pk}").status_code == 404
    # One shop only: it is the one exported, without choosing it.
    r = client_caissier.get("/articles/export/")
    corps = b"".join(r.streaming_content).decode("utf-8-sig")
    assert "RIZ25" in corps and "SAV" not in corps


def test_import_range_dans_les_categories_de_la_boutique_seulement(monde, client_gerant):
    etrangere = categorie_obtenir(acteur=None, boutique=monde.autre, nom="Boissons")
    fichier = "code;nom;prix_vente;categorie\nJUS;Jus;800;boissons\nEAU;Eau;500;Boissons\nRIZ25;;;  Riz   blanc \n"
    contenu = _apercu(client_gerant, monde, "c.csv", fichier.encode())
    assert "2 à créer, 1 à modifier" in contenu
    _confirmer(client_gerant, contenu)
    jus = Article.objects.select_related("categorie").get(boutique=monde.boutique, code="JUS")
    eau = Article.objects.get(boutique=monde.boutique, code="EAU")
    assert jus.categorie is not None and jus.categorie.boutique_id == monde.boutique.pk
    assert jus.categorie_id == eau.categorie_id != etrangere.pk  # one category, case ignored
    monde.article.refresh_from_db()
    assert monde.article.categorie is not None and monde.article.categorie.nom == "Riz blanc"
    assert Categorie.objects.filter(boutique=monde.boutique).count() == 2
    # Too long a category is a line error, nothing written.
    contenu = _apercu(client_gerant, monde, "c.csv", f"code;categorie\nRIZ25;{'x' * 101}\n".encode())
    assert "Catégorie trop longue" in contenu and 'name="jeton"' not in contenu


def test_formulaires_article_categorie_de_sa_boutique(monde, client_gerant):
    etrangere = categorie_obtenir(acteur=None, boutique=monde.autre, nom="Pagnes")
    r = client_gerant.post(
        "/articles/nouveau/",
        {
            "boutique": monde.boutique.pk,
            "code": "PAG1",
            "nom": "Pagne wax",
            "prix_vente": "15000",
            "stock_initial": "2",
            "seuil_alerte": "1",
            "categorie": "Pagnes",
            "est_actif": "on",
        },
    )
    assert r.status_code == 302
    pagne = Article.objects.select_related("categorie").get(code="PAG1")
    assert pagne.categorie is not None
    assert f'categorie={pagne.categorie_id}">Pagnes</a>' in client_gerant.get(r["Location"]).content.decode()
    assert pagne.categorie.boutique_id == monde.boutique.pk and pagne.categorie_id != etrangere.pk
    # The edit form shows it, and can change or remove it.
    url = f"/articles/{pagne.pk}/modifier/"
    page = client_gerant.get(url).content.decode()
    assert 'value="Pagnes"' in page and '<datalist id="categories">' in page
    donnees = {"nom": "Pagne wax", "prix_vente": "15000", "seuil_alerte": "1", "est_actif": "on"}
    assert client_gerant.post(url, {**donnees, "categorie": ""}).status_code == 302
    pagne.refresh_from_db()
    assert pagne.categorie_id is None
    # The id of another shop's category is just a name here, created in the article's own shop.
    assert client_gerant.post(url, {**donnees, "categorie": str(etrangere.pk)}).status_code == 302
    pagne.refresh_from_db()
    assert pagne.categorie is not None and pagne.categorie.boutique_id == monde.boutique.pk
    assert client_gerant.post(url, {**donnees, "categorie": "x" * 101}).status_code == 200
    assert not Categorie.objects.filter(nom="x" * 101).exists()


def test_filtre_par_categorie_ignore_celles_des_autres_boutiques(monde, client_gerant):
    article_modifier(acteur=None, article=monde.article, categorie="Riz")
    creer_article(monde.boutique, code="AUTRE", nom="Huile")
    article_modifier(acteur=None, article=monde.article_autre, categorie="Savons")
    riz = Categorie.objects.get(boutique=monde.boutique, nom="Riz")
    savons = Categorie.objects.get(nom="Savons")
    page = client_gerant.get(f"/articles/?categorie={riz.pk}").content.decode()
    assert "Sac de riz" in page and "Huile" not in page and "Savons" not in page
    page = client_gerant.get(f"/articles/?categorie={savons.pk}").content.decode()
    assert "Aucun article." in page and "Savon" not in page
    assert client_gerant.get("/articles/?categorie=abc").status_code == 200


def _vendre(monde, article, quantite):  # type: ignore[no-untyped-def]
    entree = VenteEntree.model_validate(
        {"lignes": [{"article_id": article.pk, "quantite": quantite, "prix_unitaire": str(article.prix_vente)}]}
    )
    utilisateur = monde.gerant if article.boutique_id == monde.boutique.pk else monde.gerant_autre
    assert vente_creer(boutique=article.boutique, utilisateur=utilisateur, entree=entree).vente is not None


def test_tableau_de_bord_ventes_par_categorie_en_une_requete(monde, client_gerant):
    def requetes() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client_gerant.get("/").status_code == 200
        return len(ctx.captured_queries)

    article_modifier(acteur=None, article=monde.article, categorie="Riz")
    _vendre(monde, monde.article, 2)
    une = requetes()
    for n in range(3):
        a = creer_article(monde.boutique, prix="1000", nom=f"Jus {n}")
        article_modifier(acteur=None, article=a, categorie=f"Boissons {n % 2}")
        _vendre(monde, a, n + 1)
    sans = creer_article(monde.boutique, prix="300", nom="Divers")
    _vendre(monde, sans, 1)
    assert requetes() == une
    page = client_gerant.get("/").content.decode()
    tableau = page.split('id="ventes-par-categorie"')[1].split("</table>")[0]
    assert "Riz" in tableau and "Boissons 0" in tableau and "Boissons 1" in tableau and "Sans catégorie" in tableau
    assert tableau.index("Riz") < tableau.index("Boissons 0") < tableau.index("Boissons 1")
    # Another shop's sales stay out, and it has no view of them.
    article_modifier(acteur=None, article=monde.article_autre, categorie="Savons")
    _vendre(monde, monde.article_autre, 1)
    assert "Savons" not in client_gerant.get("/").content.decode()


def test_admin_refuse_la_categorie_d_une_autre_boutique(monde, admin_client):
    etrangere = categorie_obtenir(acteur=None, boutique=monde.autre, nom="Savons")
    a = monde.article
    donnees = {
        "boutique": a.boutique_id,
        "code": a.code,
        "nom": a.nom,
        "prix_vente": "1250000",
        "seuil_alerte": "5",
        "code_barres": "",
        "est_actif": "on",
        "categorie": etrangere.pk,
    }
    r = admin_client.post(f"/admin/stock/article/{a.pk}/change/", donnees)
    assert r.status_code == 200 and "appartient à une autre boutique" in r.content.decode()
    a.refresh_from_db()
    assert a.categorie_id is None
    propre = categorie_obtenir(acteur=None, boutique=monde.boutique, nom="Riz")
    assert (
        admin_client.post(f"/admin/stock/article/{a.pk}/change/", {**donnees, "categorie": propre.pk}).status_code
        == 302
    )
    a.refresh_from_db()
    assert a.categorie_id == propre.pk


def test_service_refuse_une_categorie_resolue_d_une_autre_boutique(monde):
    etrangere = categorie_obtenir(acteur=None, boutique=monde.autre, nom="Savons")
    assert etrangere is not None
    with pytest.raises(ErreurMetier, match="autre boutique"):
        article_modifier(acteur=None, article=monde.article, categorie=etrangere)
    monde.article.refresh_from_db()
    assert monde.article.categorie_id is None
