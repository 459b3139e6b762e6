"""Browser tests of the back-office pages added for issue 20, each at a desktop's 1280 px and a
phone's 360 px: people, terminals (creation, setup sheet, move), stock counts, partial returns,
quarantine correction, catalogue export and categories; the invoice and the dashboard chart.

At every step no page is wider than the screen (`_sans_debordement`): wide tables scroll inside
their card. Screenshots land in var/screenshots/ (the ones in docs/ were taken from there).
"""

from __future__ import annotations

import itertools
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from magasin.boutiques.models import Membre, Role, Terminal
from magasin.boutiques.services import jeton_valide
from magasin.boutiques.tests.factories import BoutiqueFactory, MembreFactory, creer_terminal
from magasin.stock.models import Article, Inventaire
from magasin.stock.services import article_modifier
from magasin.stock.tests.factories import creer_article
from magasin.stock.tests.invariants import verifier_registre
from magasin.ventes.entrees import VenteEntree
from magasin.ventes.models import StatutQuarantaine, Vente, VenteQuarantaine
from magasin.ventes.services import vente_creer
from magasin.web.tests.test_navigateur import CAPTURES, _connexion, _console_propre, _synchroniser
from magasin.web.tests.test_navigateur import page as _onglet  # noqa: F401 (the browser fixture, as `_onglet`)

pytestmark = [pytest.mark.navigateur, pytest.mark.django_db(transaction=True)]

BUREAU, TELEPHONE = 1280, 360


@pytest.fixture(params=[BUREAU, TELEPHONE], ids=["bureau", "telephone"])
def ecran(request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    """The browser tab at the width under test; `ecran.largeur` for the checks."""
    page = request.getfixturevalue("_onglet")
    page.set_viewport_size({"width": request.param, "height": 900 if request.param == BUREAU else 780})
    page.largeur = request.param
    return page


def _sans_debordement(page) -> None:  # type: ignore[no-untyped-def]
    """Nothing wider than the screen: the page never scrolls sideways."""
    largeur = page.evaluate("document.documentElement.scrollWidth")
    if largeur > page.largeur:  # which elements stick out, to say it
        trop = page.evaluate(
            "(l) => [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > l)"
            ".slice(0, 5).map(e => e.tagName + '#' + e.id + '.' + e.className)",
            page.largeur,
        )
        raise AssertionError(f"{page.url} : {largeur} px > {page.largeur} px ({trop})")


def _dans_l_ecran(page, selecteur: str) -> None:  # type: ignore[no-untyped-def]
    """The element is shown and lies entirely within the screen's width (not scrolled away)."""
    element = page.locator(selecteur)
    assert element.is_visible(), selecteur
    boite = element.bounding_box()
    assert boite is not None and boite["width"] > 0, selecteur
    assert boite["x"] >= 0 and boite["x"] + boite["width"] <= page.largeur, (selecteur, boite)


def _capture(page, nom: str) -> None:  # type: ignore[no-untyped-def]
    suffixe = "360" if page.largeur == TELEPHONE else "bureau"
    page.screenshot(path=str(CAPTURES / f"{nom}-{suffixe}.png"), full_page=True)


def _accepter(page) -> None:  # type: ignore[no-untyped-def]
    """The next confirm() (a data-confirmer form, magasin.js) is answered yes."""
    page.once("dialog", lambda d: d.accept())


def test_personnes_creer_donner_un_role_reinitialiser_desactiver(ecran, live_server):  # type: ignore[no-untyped-def]
    page = ecran
    boutique = BoutiqueFactory(nom="Boutique Gombe", code="BTQ-009")
    MembreFactory(boutique=boutique, role=Role.PROPRIETAIRE, utilisateur__username="patronne")
    MembreFactory(boutique=boutique, role=Role.CAISSIER, utilisateur__username="caissier-gombe")

    _connexion(page, live_server, "patronne")
    page.goto(f"{live_server.url}/personnes/")
    assert "caissier-gombe" in page.inner_text("#personnes")
    _sans_debordement(page)
    page.click("text=Nouvelle personne")
    # Her only shop is preselected: nothing to choose.
    assert page.input_value("#id_boutique") == str(boutique.pk)
    page.fill("#id_username", "gerant-gombe-avec-un-identifiant-long")
    page.select_option("#id_role", "GERANT")
    page.fill("#id_password1", "un-mot-de-passe-solide")
    page.fill("#id_password2", "un-mot-de-passe-solide")
    page.click("main button[type=submit]")
    page.wait_for_selector("text=Compte gerant-gombe-avec-un-identifiant-long créé")
    _sans_debordement(page)
    personne = get_user_model().objects.get(username="gerant-gombe-avec-un-identifiant-long")
    assert Membre.objects.get(utilisateur=personne, boutique=boutique).role == Role.GERANT

    page.goto(f"{live_server.url}/personnes/{personne.pk}/")
    assert page.input_value("#form-role select[name=boutique]") == str(boutique.pk)
    page.select_option("#form-role select[name=role]", "CAISSIER")
    page.click("#form-role button[type=submit]")
    page.wait_for_selector("text=enregistré")
    assert Membre.objects.get(utilisateur=personne, boutique=boutique).role == Role.CAISSIER
    _sans_debordement(page)

    page.fill("#form-mdp #id_password1", "encore-un-autre-mot-de-passe")
    page.fill("#form-mdp #id_password2", "encore-un-autre-mot-de-passe")
    page.click("#form-mdp button[type=submit]")
    page.wait_for_selector("text=réinitialisé")
    personne.refresh_from_db()
    assert personne.check_password("encore-un-autre-mot-de-passe")

    _accepter(page)
    page.click("text=Désactiver le compte")
    page.wait_for_selector("text=désactivé.")
    personne.refresh_from_db()
    assert not personne.is_active
    _sans_debordement(page)
    _capture(page, "personne")
    page.goto(f"{live_server.url}/personnes/")
    assert "Désactivé" in page.inner_text("#personnes")
    _sans_debordement(page)
    _capture(page, "personnes")
    _console_propre(page)


def test_terminal_cree_fiche_sans_rotation_au_rechargement_puis_deplace(ecran, live_server):  # type: ignore[no-untyped-def]
    page = ecran
    gombe = BoutiqueFactory(nom="Boutique Gombe", code="BTQ-009")
    limete = BoutiqueFactory(nom="Boutique Limete", code="BTQ-011")
    gerant = MembreFactory(boutique=gombe, role=Role.GERANT, utilisateur__username="gerant").utilisateur
    MembreFactory(boutique=limete, role=Role.GERANT, utilisateur=gerant)

    _connexion(page, live_server, "gerant")
    page.goto(f"{live_server.url}/terminaux/")
    _sans_debordement(page)
    page.click("text=Nouveau terminal")
    page.fill("#id_nom_terminal", "Caisse 2")
    page.fill("#id_numero_serie", "MAUI-0010")
    page.select_option("#id_boutique", str(gombe.pk))
    page.click("main button[type=submit]")
    page.wait_for_selector("#jeton")
    jeton = page.inner_text("#jeton").strip()
    assert page.evaluate("document.querySelector('#jeton-qr').naturalWidth") > 0
    _sans_debordement(page)
    _capture(page, "terminal-fiche")
    terminal = Terminal.objects.get(numero_serie="MAUI-0010")
    assert jeton_valide(terminal, jeton)

    page.reload()  # POST-redirect-GET: no second rotation, the token not shown again
    page.wait_for_selector("#jeton-deja-affiche")
    assert jeton not in page.content()
    terminal.refresh_from_db()
    assert jeton_valide(terminal, jeton)

    page.goto(f"{live_server.url}/terminaux/")
    carte = f"#terminal-{terminal.pk}"
    page.select_option(f"{carte} select[name=boutique]", str(limete.pk))
    _accepter(page)
    page.click(f"{carte} form.deplacer button[type=submit]")
    page.wait_for_selector("text=déplacé vers Boutique Limete")
    terminal.refresh_from_db()
    assert terminal.boutique_id == limete.pk
    assert jeton_valide(terminal, jeton)  # moved with its token: the device keeps working
    _sans_debordement(page)
    _capture(page, "terminaux-gestion")

    page.click(f"{carte} >> text=Nouveau jeton")
    page.wait_for_selector("#jeton")
    nouveau = page.inner_text("#jeton").strip()
    terminal.refresh_from_db()
    assert nouveau != jeton and jeton_valide(terminal, nouveau) and not jeton_valide(terminal, jeton)
    page.goto(f"{live_server.url}/terminaux/")
    _accepter(page)
    page.click(f"{carte} >> text=Désactiver")
    page.wait_for_selector("text=désactivé")
    terminal.refresh_from_db()
    assert not terminal.est_actif
    _sans_debordement(page)
    _console_propre(page)


def test_inventaire_compte_revu_puis_confirme(ecran, live_server):  # type: ignore[no-untyped-def]
    page = ecran
    boutique = BoutiqueFactory(nom="Boutique Gombe", code="BTQ-009")
    MembreFactory(boutique=boutique, role=Role.GERANT, utilisateur__username="gerant")
    savon = creer_article(boutique, stock=12, prix="1500", nom="Savon de Marseille 400 g", code="SAV1")
    huile = creer_article(boutique, stock=7, prix="12500", nom="Huile de palme raffinée 5 L", code="HUI5")

    _connexion(page, live_server, "gerant")
    page.goto(f"{live_server.url}/stock/inventaires/")
    _sans_debordement(page)
    page.click("#nouvel-inventaire button[type=submit]")
    page.wait_for_selector("#comptage")
    for _ in range(3):  # three scans of the same code add up
        page.fill("#id_code", "SAV1")
        page.fill("#id_quantite", "3")
        page.press("#id_code", "Enter")
        page.wait_for_selector("text=compté")
    page.fill("#id_code", "HUI5")
    page.fill("#id_quantite", "7")
    page.click("#comptage button[type=submit]")
    page.wait_for_selector("#ecarts >> text=Huile de palme")
    assert "1 article à ajuster" in page.inner_text("main")
    assert "-3" in page.inner_text("#ecarts")
    _sans_debordement(page)
    _capture(page, "inventaire")
    _accepter(page)
    page.click("#confirmer-inventaire")
    page.wait_for_selector("text=Inventaire confirmé")
    savon.refresh_from_db()
    huile.refresh_from_db()
    assert (savon.quantite_stock, huile.quantite_stock) == (9, 7)
    page.goto(f"{live_server.url}/stock/inventaires/")
    assert Inventaire.objects.get().get_statut_display() in page.inner_text("#inventaires")
    _sans_debordement(page)
    verifier_registre()
    _console_propre(page)


def test_retour_partiel_puis_annulation_du_reste(ecran, live_server):  # type: ignore[no-untyped-def]
    page = ecran
    boutique = BoutiqueFactory(nom="Boutique Gombe", code="BTQ-009")
    MembreFactory(boutique=boutique, role=Role.GERANT, utilisateur__username="gerant")
    huile = creer_article(boutique, stock=30, prix="12500", nom="Huile 1 L", code="HUI1")
    riz = creer_article(boutique, stock=30, prix="85000", nom="Sac de riz parfumé 25 kg", code="RIZ25")
    _, jeton = creer_terminal(boutique, nom="Caisse 1", numero_serie="MAUI-0021")
    _synchroniser(
        live_server,
        "MAUI-0021",
        jeton,
        [
            {
                "numero_facture": "MAUI-0021-000001",
                "lignes": [
                    {"article_id": huile.pk, "quantite": 4, "prix_unitaire": 12500},
                    {"article_id": riz.pk, "quantite": 2, "prix_unitaire": 85000},
                ],
            }
        ],
    )
    vente = Vente.objects.get(numero_facture="MAUI-0021-000001")
    ligne_huile = vente.lignes.get(article=huile)

    _connexion(page, live_server, "gerant")
    page.goto(f"{live_server.url}/ventes/{vente.pk}/")
    _sans_debordement(page)
    page.fill(f"#id_ligne_{ligne_huile.pk}", "1")
    page.fill("#id_motif", "Bouteille fêlée")
    page.click("#retour-partiel button[type=submit]")
    page.wait_for_selector("#retours")
    assert "Bouteille fêlée" in page.inner_text("#retours")
    _sans_debordement(page)
    _capture(page, "retour-partiel")
    huile.refresh_from_db()
    assert huile.quantite_stock == 30 - 4 + 1

    page.fill("#motif", "Client parti")
    page.click("text=Annuler la facture")
    page.wait_for_selector("text=annulée")
    huile.refresh_from_db()
    riz.refresh_from_db()
    assert (huile.quantite_stock, riz.quantite_stock) == (30, 30)  # only the rest came back
    _sans_debordement(page)
    verifier_registre()
    _console_propre(page)


def test_vente_refusee_corrigee_puis_rejouee(ecran, live_server):  # type: ignore[no-untyped-def]
    page = ecran
    boutique = BoutiqueFactory(nom="Boutique Gombe", code="BTQ-009")
    MembreFactory(boutique=boutique, role=Role.GERANT, utilisateur__username="gerant")
    riz = creer_article(boutique, stock=40, prix="85000", nom="Sac de riz 25 kg", code="RIZ25")
    _, jeton = creer_terminal(boutique, nom="Caisse 1", numero_serie="MAUI-0022")
    _synchroniser(
        live_server,
        "MAUI-0022",
        jeton,
        [
            {
                "numero_facture": "MAUI-0022-000007",
                "lignes": [{"article_id": 99999, "quantite": 2, "prix_unitaire": 85000}],
            }
        ],
    )
    q = VenteQuarantaine.objects.get(numero_facture="MAUI-0022-000007")

    _connexion(page, live_server, "gerant")
    page.goto(f"{live_server.url}/quarantaine/")
    _sans_debordement(page)
    page.click("#quarantaine a")
    page.wait_for_selector("#raison")
    _sans_debordement(page)
    page.select_option("#id_form-0-article", str(riz.pk))
    page.fill("#id_form-0-prix_unitaire", "80000")
    page.click("#corriger-les-lignes")
    page.wait_for_selector("#correction")
    _sans_debordement(page)
    _capture(page, "quarantaine-correction")
    page.click("#rejouer")
    page.wait_for_selector("text=Vente rejouée")
    q.refresh_from_db()
    assert q.statut == StatutQuarantaine.REJOUEE
    ligne = Vente.objects.get(numero_facture="MAUI-0022-000007").lignes.get()
    assert (ligne.article_id, ligne.quantite, ligne.prix_unitaire) == (riz.pk, 2, 80000)
    _sans_debordement(page)
    verifier_registre()
    _console_propre(page)


def test_catalogue_par_categorie_exporte_puis_reimporte_sans_changement(ecran, live_server, tmp_path):  # type: ignore[no-untyped-def]
    page = ecran
    boutique = BoutiqueFactory(nom="Boutique Gombe", code="BTQ-009")
    MembreFactory(boutique=boutique, role=Role.GERANT, utilisateur__username="gerant")
    jus = creer_article(boutique, stock=30, prix="1500", nom="Jus de mangue 1 L", code="JUS1")
    article_modifier(acteur=None, article=jus, categorie="Boissons")
    riz = creer_article(boutique, stock=30, prix="45000", nom="Sac de riz 25 kg", code="RIZ25")

    _connexion(page, live_server, "gerant")
    page.goto(f"{live_server.url}/articles/")
    page.select_option("select[name=categorie]", label="Boissons")
    page.click("form.filtres button[type=submit]")
    page.wait_for_url("**categorie=*")
    assert "Jus de mangue" in page.inner_text("#articles") and "Sac de riz" not in page.inner_text("#articles")
    _sans_debordement(page)
    _capture(page, "articles-categories")

    for format_, lien in (("csv", "text=CSV"), ("xlsx", "text=XLSX")):
        with page.expect_download() as telechargement:
            page.click(lien)
        fichier = tmp_path / f"catalogue.{format_}"
        Path(telechargement.value.path()).rename(fichier)
        # The file exported goes back in unchanged: nothing to create or modify.
        page.goto(f"{live_server.url}/articles/import/")
        assert page.input_value("#id_boutique") == str(boutique.pk)  # the only shop, preselected
        page.set_input_files("#id_fichier", str(fichier))
        page.click("text=Prévisualiser")
        assert page.inner_text("#resume-import").startswith("0 à créer, 0 à modifier, 2 inchangé(s)"), format_
        _sans_debordement(page)
        page.goto(f"{live_server.url}/articles/")

    page.goto(f"{live_server.url}/articles/{riz.pk}/modifier/")
    page.fill("#id_categorie", "Céréales")
    page.fill("#id_prix_vente", "46000")
    page.click("main button[type=submit]")
    page.wait_for_url(f"**/articles/{riz.pk}/")
    riz.refresh_from_db()
    assert riz.categorie is not None and riz.categorie.nom == "Céréales"
    assert Article.objects.get(pk=riz.pk).prix_vente == 46000
    _sans_debordement(page)
    _console_propre(page)


def test_facture_total_et_boutons_retirer_dans_l_ecran(ecran, live_server):  # type: ignore[no-untyped-def]
    page = ecran
    boutique = BoutiqueFactory(nom="Boutique Gombe", code="BTQ-009")
    MembreFactory(boutique=boutique, role=Role.CAISSIER, utilisateur__username="caissiere")
    longue = creer_article(
        boutique, stock=40, prix="1250000", nom="Congélateur coffre 300 litres classe A+ garantie 2 ans", code="CONG300"
    )
    huile = creer_article(boutique, stock=30, prix="12500", nom="Huile 1 L", code="HUI1")

    _connexion(page, live_server, "caissiere")
    page.goto(f"{live_server.url}/facturation/")
    assert page.input_value("#id_boutique") == str(boutique.pk)
    for recherche, article in (("CONG300", longue), ("HUI1", huile)):
        page.fill("#recherche", recherche)
        page.press("#recherche", "Enter")
        page.wait_for_selector(f'tr[data-article="{article.pk}"]')
    page.fill(f'tr[data-article="{longue.pk}"] input.quantite', "12")
    # 12 × 1 250 000 + 12 500 = 15 012 500: the longest total a line may show here
    assert page.inner_text("#total").replace("\u202f", " ") == "15 012 500 CDF"
    _dans_l_ecran(page, "#total")
    for article in (longue, huile):
        _dans_l_ecran(page, f'tr[data-article="{article.pk}"] button.retirer')
        _dans_l_ecran(page, f'tr[data-article="{article.pk}"] .total-ligne')
        _dans_l_ecran(page, f'tr[data-article="{article.pk}"] input.prix')
    # Nothing hidden to the right of the lines' card either.
    assert page.evaluate(
        "(() => { const d = document.querySelector('#lignes').parentElement;"
        " return d.scrollWidth <= d.clientWidth; })()"
    )
    _sans_debordement(page)
    _capture(page, "facturation")
    page.click(f'tr[data-article="{huile.pk}"] button.retirer')
    assert page.inner_text("#total").replace("\u202f", " ") == "15 000 000 CDF"
    page.click("#enregistrer")
    page.wait_for_selector("#numero-facture")
    _sans_debordement(page)
    assert Vente.objects.get().montant_total == 15_000_000
    _console_propre(page)


def test_graphique_du_tableau_de_bord_tient_dans_l_ecran_avec_la_barre_du_jour(ecran, live_server):  # type: ignore[no-untyped-def]
    page = ecran
    boutique = BoutiqueFactory(nom="Boutique Gombe", code="BTQ-009")
    gerant = MembreFactory(boutique=boutique, role=Role.GERANT, utilisateur__username="gerant").utilisateur
    riz = creer_article(boutique, stock=5000, prix="85000", nom="Sac de riz 25 kg", code="RIZ25")
    maintenant = timezone.now()
    for jour in range(0, 30):
        entree = VenteEntree.model_validate(
            {
                "date_vente": (maintenant - timedelta(days=jour)).isoformat(),
                "lignes": [{"article_id": riz.pk, "quantite": 1 + jour % 5, "prix_unitaire": "85000"}],
            }
        )
        vente_creer(boutique=boutique, utilisateur=gerant, entree=entree)

    _connexion(page, live_server, "gerant")
    assert page.locator("svg.graphique rect.barre").count() == 30
    _dans_l_ecran(page, "svg.graphique rect.aujourd-hui")
    assert page.get_attribute("svg.graphique rect.aujourd-hui", "data-jour") == timezone.localdate().isoformat()
    premiere = page.locator("svg.graphique rect.barre").first.bounding_box()
    assert premiere is not None and premiere["x"] >= 0
    # Round ticks: 425 000 CDF on the best day, an axis to 500 k in steps of 100 k.
    graduations = page.locator("svg.graphique text[text-anchor=end]").all_text_contents()
    assert graduations == ["0", "100 k", "200 k", "300 k", "400 k", "500 k"]
    # Day labels: today's shown, none overlapping another.
    jours = [t for t in page.locator("svg.graphique text.jour").all() if t.is_visible()]
    assert timezone.localdate().strftime("%d/%m") in [t.text_content() for t in jours]
    boites = sorted((b["x"], b["x"] + b["width"]) for b in (t.bounding_box() for t in jours) if b)
    assert all(fin <= debut for (_, fin), (debut, _) in itertools.pairwise(boites)), boites
    for debut, fin in boites:
        assert debut >= 0 and fin <= page.largeur
    _sans_debordement(page)
    _capture(page, "tableau-de-bord")
    _console_propre(page)
