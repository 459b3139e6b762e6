"""Forms that never break: bounded numbers, French error pages, user words, CDF, favicon, one shop.

Every check goes through the real URLs with Django's test client.
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.core.exceptions import SuspiciousOperation
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpRequest, HttpResponse
from django.template.loader import get_template
from django.test import Client, override_settings
from django.urls import include, path

from magasin.boutiques.models import Role
from magasin.boutiques.tests.factories import MembreFactory
from magasin.stock.models import Article, MouvementStock
from magasin.stock.services import stock_entree
from magasin.stock.tests.factories import creer_article
from magasin.ventes.entrees import VenteEntree
from magasin.ventes.models import ModePaiement, Vente, VenteQuarantaine
from magasin.ventes.services import vente_creer
from magasin.web.tests.conftest import client_de
from magasin.web.tests.outils import synchroniser

pytestmark = pytest.mark.django_db

ENORME = "99999999999999999999"
PRESQUE_BIGINT = "9223372036854775000"


def _texte(reponse: HttpResponse) -> str:
    return reponse.content.decode()


def _rien_ecrit(article: Article, stock: int, mouvements: int) -> None:
    article.refresh_from_db()
    assert article.quantite_stock == stock
    assert MouvementStock.objects.filter(article=article).count() == mouvements


# --- Numbers bounded to what the columns hold and what makes sense -------------------------------


@pytest.mark.parametrize("valeur", [ENORME, PRESQUE_BIGINT, "1000001"])
def test_inventaire_d_un_nombre_enorme_est_une_erreur_de_formulaire(monde, client_gerant, valeur):
    mouvements = MouvementStock.objects.filter(article=monde.article).count()
    reponse = client_gerant.post(
        "/stock/inventaire/",
        {"article": monde.article.pk, "quantite_comptee": valeur, "motif": "Comptage"},
    )
    assert reponse.status_code == 200
    assert "Quantité comptée : 1\u202f000\u202f000 au maximum." in _texte(reponse)
    _rien_ecrit(monde.article, 20, mouvements)


@pytest.mark.parametrize("valeur", [PRESQUE_BIGINT, ENORME, "1000001"])
def test_livraison_demesuree_refusee(monde, client_gerant, valeur):
    mouvements = MouvementStock.objects.filter(article=monde.article).count()
    reponse = client_gerant.post("/stock/livraison/", {"article": monde.article.pk, "quantite": valeur})
    assert reponse.status_code == 200
    assert "Quantité livrée : 1\u202f000\u202f000 au maximum." in _texte(reponse)
    _rien_ecrit(monde.article, 20, mouvements)


def test_perte_demesuree_refusee(monde, client_gerant):
    mouvements = MouvementStock.objects.filter(article=monde.article).count()
    reponse = client_gerant.post(
        "/stock/perte/", {"article": monde.article.pk, "quantite": PRESQUE_BIGINT, "motif": "Casse"}
    )
    assert reponse.status_code == 200
    assert "Quantité perdue ou cassée : 1\u202f000\u202f000 au maximum." in _texte(reponse)
    _rien_ecrit(monde.article, 20, mouvements)


def test_livraison_qui_ferait_deborder_le_stock_refusee(monde, client_gerant):
    article = creer_article(monde.boutique, stock=1_000_000)
    while article.quantite_stock <= 2**31 - 1 - 1_000_000:  # near the column's limit, by the ledger
        stock_entree(article=article, quantite=min(2**31 - 1 - article.quantite_stock, 500_000_000), acteur=None)
        article.refresh_from_db()
    stock, mouvements = article.quantite_stock, MouvementStock.objects.filter(article=article).count()
    reponse = client_gerant.post("/stock/livraison/", {"article": article.pk, "quantite": "1000000"})
    assert reponse.status_code == 200
    assert "Le stock de l&#x27;article dépasserait ce que la base peut enregistrer." in _texte(reponse)
    _rien_ecrit(article, stock, mouvements)


def test_livraison_dans_les_bornes_acceptee(monde, client_gerant):
    reponse = client_gerant.post("/stock/livraison/", {"article": monde.article.pk, "quantite": "1000000"})
    assert reponse.status_code == 302
    monde.article.refresh_from_db()
    assert monde.article.quantite_stock == 1_000_020


@pytest.mark.parametrize(
    ("champ", "valeur", "message"),
    [
        ("prix_vente", ENORME, "Prix de vente : 999\u202f999\u202f999\u202f999 CDF au maximum."),
        ("prix_vente", "1000000000000", "Prix de vente : 999\u202f999\u202f999\u202f999 CDF au maximum."),
        ("prix_vente", "1500.50", "Le prix est en francs entiers, sans centimes."),
        ("prix_vente", "-1", "Le prix de vente ne peut être négatif."),
        ("stock_initial", ENORME, "Stock initial : 1\u202f000\u202f000 au maximum."),
        ("seuil_alerte", PRESQUE_BIGINT, "Seuil d&#x27;alerte : 1\u202f000\u202f000 au maximum."),
        ("seuil_alerte", "douze", "Saisissez un nombre entier."),
    ],
)
def test_creation_d_article_bornee(monde, client_gerant, champ, valeur, message):
    donnees = {
        "boutique": monde.boutique.pk,
        "code": "NEUF",
        "nom": "Article neuf",
        "prix_vente": "1500",
        "stock_initial": "0",
        "seuil_alerte": "5",
        champ: valeur,
    }
    reponse = client_gerant.post("/articles/nouveau/", donnees)
    assert reponse.status_code == 200
    assert message in _texte(reponse)
    assert not Article.objects.filter(code="NEUF").exists()


def test_modification_d_article_bornee(monde, client_gerant):
    reponse = client_gerant.post(
        f"/articles/{monde.article.pk}/modifier/",
        {"nom": monde.article.nom, "prix_vente": ENORME, "seuil_alerte": ENORME, "est_actif": "on"},
    )
    assert reponse.status_code == 200
    assert "Prix de vente : 999\u202f999\u202f999\u202f999 CDF au maximum." in _texte(reponse)
    assert "Seuil d&#x27;alerte : 1\u202f000\u202f000 au maximum." in _texte(reponse)
    monde.article.refresh_from_db()
    assert monde.article.prix_vente == Decimal("1250000")


# --- Error pages in French, in the site's style ---------------------------------------------------


def test_page_404_en_francais(monde, client_gerant):
    reponse = client_gerant.get("/cette-page-n-existe-pas/")
    assert reponse.status_code == 404
    texte = _texte(reponse)
    assert "<h1>Page introuvable</h1>" in texte
    assert 'href="/static/web/style.css"' in texte
    assert "Déconnexion (gerant)" in texte  # the site's header, menu included


def test_page_404_d_un_objet_d_une_autre_boutique(monde, client_gerant):
    reponse = client_gerant.get(f"/articles/{monde.article_autre.pk}/")
    assert reponse.status_code == 404
    assert "<h1>Page introuvable</h1>" in _texte(reponse)


def test_page_403_en_francais(monde, client_caissier):
    reponse = client_caissier.get("/stock/livraison/")
    assert reponse.status_code == 403
    texte = _texte(reponse)
    assert "<h1>Accès refusé</h1>" in texte
    assert 'href="/static/web/style.css"' in texte


def _vue_qui_plante(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("panne simulée")


def _vue_suspecte(request: HttpRequest) -> HttpResponse:
    raise SuspiciousOperation("requête suspecte simulée")


urlpatterns = [
    path("boum/", _vue_qui_plante),
    path("suspect/", _vue_suspecte),
    path("", include("magasin.urls")),
]


@override_settings(ROOT_URLCONF=__name__)
def test_page_400_en_francais(monde, client_gerant):
    reponse = client_gerant.get("/suspect/")
    assert reponse.status_code == 400
    texte = _texte(reponse)
    assert "<h1>Requête invalide</h1>" in texte and 'href="/static/web/style.css"' in texte
    assert "simulée" not in texte


@override_settings(ROOT_URLCONF=__name__)
def test_page_500_en_francais(monde):
    reponse = Client(raise_request_exception=False).get("/boum/")
    assert reponse.status_code == 500
    texte = _texte(reponse)
    assert "<h1>Erreur du serveur</h1>" in texte
    assert 'href="/static/web/style.css"' in texte
    assert "panne simulée" not in texte


def test_page_500_rendue_sans_aucun_contexte():
    texte = get_template("500.html").render()
    assert '<html lang="fr">' in texte
    assert "Erreur du serveur" in texte


# --- Favicon -------------------------------------------------------------------------------------


def test_favicon_lie_et_servi(monde, client_gerant):
    assert '<link rel="icon" href="/static/web/favicon.svg"' in _texte(client_gerant.get("/"))
    assert '<link rel="icon" href="/static/web/favicon.svg"' in _texte(Client().get("/connexion/"))
    reponse = Client().get("/static/web/favicon.svg")
    assert reponse.status_code == 200
    assert b"<svg" in b"".join(reponse.streaming_content)  # type: ignore[attr-defined]
    redirection = Client().get("/favicon.ico")
    assert redirection.status_code == 301
    assert redirection["Location"] == "/static/web/favicon.svg"


# --- The shop preselected when the user has only one ---------------------------------------------


def _boutique_choisie(texte: str) -> list[str]:
    select = re.search(r'<select name="boutique"[^>]*>(.*?)</select>', texte, re.S)
    assert select is not None
    return re.findall(r'<option value="(\d*)"[^>]*selected', select.group(1))


@pytest.mark.parametrize("url", ["/articles/nouveau/", "/articles/import/", "/facturation/"])
def test_boutique_preselectionnee_quand_il_n_y_en_a_qu_une(monde, client_gerant, url):
    texte = _texte(client_gerant.get(url))
    assert _boutique_choisie(texte) == [str(monde.boutique.pk)]
    assert "---------" not in texte


@pytest.mark.parametrize("url", ["/articles/nouveau/", "/articles/import/"])
def test_pas_de_preselection_avec_deux_boutiques(monde, url):
    MembreFactory(boutique=monde.autre, role=Role.GERANT, utilisateur=monde.gerant)
    texte = _texte(client_de(monde.gerant).get(url))
    assert _boutique_choisie(texte) == [""]  # the empty choice: the user picks
    assert "---------" in texte


# --- No raw code or field name shown; CDF without decimals, inputs included -----------------------


def _vente_mobile_money(monde) -> Vente:  # type: ignore[no-untyped-def]
    entree = VenteEntree.model_validate(
        {
            "mode_paiement": "MOBILE_MONEY",
            "lignes": [{"article_id": monde.article.pk, "quantite": 1, "prix_unitaire": "1250000"}],
        }
    )
    vente = vente_creer(boutique=monde.boutique, utilisateur=monde.gerant, entree=entree).vente
    assert vente is not None and vente.mode_paiement == ModePaiement.MOBILE_MONEY
    return vente


def test_aucun_code_brut_ni_nom_de_champ_sur_les_pages(monde, client_gerant):
    vente = _vente_mobile_money(monde)
    synchroniser(
        monde.terminal,
        monde.jeton,
        [
            {
                "numero_facture": "T1-0099",
                "mode_paiement": "MOBILE_MONEY",
                "lignes": [{"article_id": monde.article.pk, "quantite": 500, "prix_unitaire": 1250000}],
            }
        ],
    )
    quarantaine = VenteQuarantaine.objects.get(numero_facture="T1-0099")
    urls = [
        "/",
        "/ventes/",
        f"/ventes/{vente.pk}/",
        f"/ventes/{vente.pk}/facture/",
        "/articles/",
        f"/articles/{monde.article.pk}/",
        f"/articles/{monde.article.pk}/modifier/",
        "/articles/nouveau/",
        "/stock/",
        "/stock/livraison/",
        "/stock/inventaire/",
        "/facturation/",
        "/quarantaine/",
        f"/quarantaine/{quarantaine.pk}/",
        "/terminaux/",
    ]
    for url in urls:
        reponse = client_gerant.get(url)
        assert reponse.status_code == 200, url
        texte = _texte(reponse)
        assert "MOBILE_MONEY" not in texte.replace('value="MOBILE_MONEY"', "").replace(
            "&quot;mode_paiement&quot;: &quot;MOBILE_MONEY&quot;",
            "",  # the terminal's JSON, shown as sent
        ), url
        assert not re.search(r">[^<]*prix_vente", texte), url
        assert not re.search(rf">[^<]*{quarantaine.code}", texte), url  # the refusal's code: a tooltip only
    assert "Mobile money" in _texte(client_gerant.get(f"/ventes/{vente.pk}/"))
    assert "<dt>Paiement</dt><dd>Mobile money</dd>" in _texte(client_gerant.get(f"/quarantaine/{quarantaine.pk}/"))


def test_facturation_sans_nom_de_champ_dans_l_erreur(monde, client_gerant):
    reponse = client_gerant.post(
        "/facturation/",
        {
            "boutique": monde.boutique.pk,
            "article_id": monde.article.pk,
            "quantite": "1",
            "prix_unitaire": "1250000",
            "client_telephone": "0" * 41,
        },
    )
    assert reponse.status_code == 422
    texte = _texte(reponse)
    assert "Téléphone du client : 40 caractères au plus." in texte
    assert "client_telephone »" not in texte and "Champ «" not in texte


def test_apercu_d_import_nomme_les_champs_en_francais(monde, client_gerant):
    fichier = SimpleUploadedFile("c.csv", f"code;prix_vente\n{monde.article.code};1300000\n".encode(), "text/csv")
    reponse = client_gerant.post("/articles/import/", {"boutique": monde.boutique.pk, "fichier": fichier})
    assert reponse.status_code == 200
    texte = _texte(reponse)
    assert "Prix de vente : 1\u202f250\u202f000 CDF → <strong>1\u202f300\u202f000 CDF</strong>" in texte
    assert "prix_vente :" not in texte


def test_montants_cdf_sans_decimales_dans_les_champs(monde, client_gerant):
    texte = _texte(client_gerant.get(f"/articles/{monde.article.pk}/modifier/"))
    champ = re.search(r'<input type="number" name="prix_vente"[^>]*>', texte)
    assert champ is not None
    assert 'value="1250000"' in champ.group(0)
    assert 'step="1"' in champ.group(0)
    ligne = _texte(client_gerant.get(f"/facturation/ligne/?article={monde.article.pk}"))
    assert 'name="prix_unitaire" value="1250000"' in ligne
    assert ".00" not in ligne
    for url in ["/articles/", f"/articles/{monde.article.pk}/"]:
        assert "1\u202f250\u202f000 CDF" in _texte(client_gerant.get(url))


# --- Admin labels with their accents --------------------------------------------------------------


def test_libelles_de_l_admin_accentues(monde, admin_client):
    liste = _texte(admin_client.get("/admin/boutiques/terminal/"))
    assert "Numéro de série" in liste and "Dernière synchro" in liste
    assert "Numero serie" not in liste and "Derniere synchro" not in liste
    fiche = _texte(admin_client.get(f"/admin/boutiques/terminal/{monde.terminal.pk}/change/"))
    assert "Numéro de série" in fiche and "Dernière synchro" in fiche and "Numero serie" not in fiche
    articles = _texte(admin_client.get("/admin/stock/article/"))
    assert "Prix de vente" in articles and "Quantité en stock" in articles and "Prix vente" not in articles
    _vente_mobile_money(monde)
    ventes = _texte(admin_client.get("/admin/ventes/vente/"))
    assert "Numéro de facture" in ventes and "Mobile money" in ventes
    assert "Par mode de paiement" in ventes


def test_chaque_liste_de_l_admin_s_affiche_avec_ses_filtres(monde, admin_client):
    from django.contrib import admin

    _vente_mobile_money(monde)
    for modele in admin.site._registry:
        url = f"/admin/{modele._meta.app_label}/{modele._meta.model_name}/"
        assert admin_client.get(url).status_code == 200, url
        assert admin_client.get(url, {"o": "2.-3"}).status_code == 200, url  # sorted by columns
    fiche = admin_client.get(f"/admin/ventes/vente/{Vente.objects.get().pk}/change/")
    assert fiche.status_code == 200
    assert "Total de la ligne" in fiche.content.decode()  # the lines inline, read-only


def test_montants_cdf_affiches_au_franc_pres(monde, client_gerant):
    entree = VenteEntree.model_validate(
        {"lignes": [{"article_id": monde.article.pk, "quantite": 1, "prix_unitaire": "999.50"}]}
    )
    vente = vente_creer(boutique=monde.boutique, utilisateur=monde.gerant, entree=entree).vente
    assert vente is not None and vente.montant_total == Decimal("999.50")  # stored with its cents
    for url in [f"/ventes/{vente.pk}/", f"/ventes/{vente.pk}/facture/", "/ventes/"]:
        texte = _texte(client_gerant.get(url))
        assert "1\u202f000 CDF" in texte, url
        assert "999,50" not in texte, url


def test_formulaire_sans_jeton_csrf_page_en_francais(monde):
    mouvements = MouvementStock.objects.filter(article=monde.article).count()
    client = Client(enforce_csrf_checks=True)
    client.force_login(monde.gerant)
    reponse = client.post("/stock/livraison/", {"article": monde.article.pk, "quantite": "5"})
    assert reponse.status_code == 403
    texte = _texte(reponse)
    assert "<h1>Formulaire expiré</h1>" in texte and 'href="/static/web/style.css"' in texte
    _rien_ecrit(monde.article, 20, mouvements)


def test_axe_du_graphique_a_des_valeurs_rondes(monde, client_gerant):
    _vente_mobile_money(monde)  # 1 250 000 CDF today: the axis goes to 1,25 M in steps of 250 k
    texte = _texte(client_gerant.get("/"))
    graduations = re.findall(r'<text x="-?[\d.]+" y="[\d.]+" text-anchor="end" class="axe">([^<]*)</text>', texte)
    assert graduations == ["0", "250 k", "500 k", "750 k", "1 M", "1,25 M"]
