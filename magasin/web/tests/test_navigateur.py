"""Browser tests: Debian's chromium driven by Playwright against a live server.

They walk the manager's day: dashboard and chart, catalogue import, delivery, a terminal's sync
seen in the history, export, quarantine replay; and the cashier's invoice, PDF and cancellation.
Screenshots land in var/screenshots/.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from magasin.boutiques.models import Role
from magasin.boutiques.tests.factories import BoutiqueFactory, MembreFactory, creer_terminal
from magasin.stock.models import Article
from magasin.stock.tests.factories import creer_article
from magasin.stock.tests.invariants import verifier_registre
from magasin.ventes.entrees import VenteEntree
from magasin.ventes.models import StatutQuarantaine, StatutVente, Vente, VenteQuarantaine
from magasin.ventes.services import vente_creer

pytestmark = [pytest.mark.navigateur, pytest.mark.django_db(transaction=True)]

CAPTURES = Path(settings.BASE_DIR) / "var" / "screenshots"
CHROMIUM = "/usr/bin/chromium"


@pytest.fixture
def page(monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        pytest.skip("chromium de Debian absent")
    # Playwright's sync API runs an event loop in this thread while the test uses the ORM;
    # allowed for these tests only (a process-wide flag would leak into other tests).
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    CAPTURES.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        navigateur = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
            headless=True,
        )
        contexte = navigateur.new_context(
            viewport={"width": 1280, "height": 900}, locale="fr-FR", accept_downloads=True
        )
        contexte.set_default_timeout(15000)
        onglet = contexte.new_page()
        # What the browser refused (Content-Security-Policy) or failed to run: a page broken
        # silently shows nothing else. Each test checks it is empty with _console_propre().
        onglet.erreurs_console = []
        onglet.on(
            "console", lambda m: m.type == "error" and onglet.erreurs_console.append(f"{m.text} {m.location['url']}")
        )
        onglet.on("pageerror", lambda e: onglet.erreurs_console.append(str(e)))
        yield onglet
        contexte.close()
        navigateur.close()


def _console_propre(page) -> None:  # type: ignore[no-untyped-def]
    # The browser asks for /favicon.ico on its own; the site has none.
    assert [e for e in page.erreurs_console if not e.endswith("/favicon.ico")] == []


def _connexion(page, live_server, nom: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{live_server.url}/connexion/")
    page.fill("#id_username", nom)
    page.fill("#id_password", "motdepasse")
    page.click("main button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")


def _synchroniser(live_server, serie: str, jeton: str, ventes: list[dict]) -> dict:  # type: ignore[type-arg]
    requete = urllib.request.Request(
        f"{live_server.url}/api/v2/simple/ventes/sync",
        data=json.dumps(ventes).encode(),
        headers={
            "Content-Type": "application/json",
            "X-Device-Serial": serie,
            "Authorization": f"Bearer {jeton}",
        },
        method="POST",
    )
    with urllib.request.urlopen(requete, timeout=10) as reponse:  # the live server, on 127.0.0.1
        assert reponse.status == 201
        return json.loads(reponse.read())


def _historique_de_demo(boutique, gerant, articles) -> None:  # type: ignore[no-untyped-def]
    """Some sales over the last 30 days, so the chart has bars."""
    maintenant = timezone.now()
    for jour in range(0, 30, 2):
        for i, article in enumerate(articles):
            if (jour + i) % 3 == 0:
                continue
            entree = VenteEntree.model_validate(
                {
                    "date_vente": (maintenant - timedelta(days=jour, hours=i)).isoformat(),
                    "lignes": [
                        {
                            "article_id": article.pk,
                            "quantite": 1 + (jour % 4),
                            "prix_unitaire": str(article.prix_vente),
                        }
                    ],
                }
            )
            vente_creer(boutique=boutique, utilisateur=gerant, entree=entree)


def test_journee_du_gerant_dans_le_navigateur(page, live_server, tmp_path):  # type: ignore[no-untyped-def]
    boutique = BoutiqueFactory(nom="Boutique Gombe", code="BTQ-009", adresse="12, av. du Commerce, Gombe, Kinshasa")
    gerant = MembreFactory(boutique=boutique, role=Role.GERANT, utilisateur__username="gerant").utilisateur
    riz = creer_article(boutique, stock=400, prix="85000", nom="Sac de riz 25 kg", code="RIZ25")
    huile = creer_article(boutique, stock=300, prix="12500", nom="Huile 1 L", code="HUI1")
    savon = creer_article(boutique, stock=3, prix="1500", nom="Savon", code="SAV", seuil=5)
    _historique_de_demo(boutique, gerant, [riz, huile, savon][:2])
    terminal, jeton = creer_terminal(boutique, nom="Caisse 1", numero_serie="MAUI-0001")

    # Dashboard with its chart.
    _connexion(page, live_server, "gerant")
    assert page.locator("svg.graphique rect.barre").count() == 30
    assert page.locator("text=Savon").first.is_visible()
    page.screenshot(path=str(CAPTURES / "tableau-de-bord.png"), full_page=True)

    # Catalogue import: preview first, nothing written, then confirm.
    fichier = tmp_path / "catalogue.csv"
    fichier.write_text("code;nom;prix_vente;stock\nSUC1;Sucre 1 kg;3500;40\nHUI1;Huile 1 L;13000;\n", encoding="utf-8")
    page.goto(f"{live_server.url}/articles/import/")
    page.select_option("#id_boutique", str(boutique.pk))
    page.set_input_files("#id_fichier", str(fichier))
    page.click("text=Prévisualiser")
    assert "1 à créer, 1 à modifier" in page.inner_text("#resume-import")
    assert not Article.objects.filter(code="SUC1").exists()
    page.screenshot(path=str(CAPTURES / "import-apercu.png"), full_page=True)
    page.click("#confirmer-import")
    page.wait_for_selector("text=Import terminé")
    assert Article.objects.get(code="SUC1").quantite_stock == 40

    # A delivery.
    page.goto(f"{live_server.url}/articles/{savon.pk}/")
    page.click("text=Livraison")
    page.fill("#id_quantite", "50")
    page.fill("#id_reference_document", "BL-2024-118")
    page.click("main button[type=submit]")
    assert page.inner_text("#stock") == "53"

    # A terminal syncs a sale: it is in the history as soon as the sync returns.
    corps = _synchroniser(
        live_server,
        "MAUI-0001",
        jeton,
        [
            {
                "numero_facture": "MAUI-0001-000042",
                "sequence": 1,
                "lignes": [{"article_id": riz.pk, "quantite": 2, "prix_unitaire": 85000}],
            },
            {
                "numero_facture": "MAUI-0001-000043",
                "sequence": 3,
                "lignes": [{"article_id": savon.pk, "quantite": 500, "prix_unitaire": 1500}],
            },
        ],
    )
    assert corps["success"] is True
    page.goto(f"{live_server.url}/ventes/")
    assert page.locator("#ventes >> text=MAUI-0001-000042").is_visible()
    page.screenshot(path=str(CAPTURES / "historique.png"), full_page=True)

    # Export of the filtered history.
    page.fill("input[name=numero_facture]", "MAUI")
    page.click("text=Filtrer")
    with page.expect_download() as telechargement:
        page.click("text=Exporter en CSV")
    chemin = telechargement.value.path()
    export = Path(chemin).read_text(encoding="utf-8-sig")
    assert "MAUI-0001-000042" in export
    assert export.count("\n") == 2  # header + the one synced sale

    # Gaps: sequence 2 never arrived.
    page.goto(f"{live_server.url}/terminaux/")
    assert "2" in page.inner_text(f"#terminal-{terminal.pk} .sequences")
    page.screenshot(path=str(CAPTURES / "terminaux.png"), full_page=True)

    # The refused sale (500 soaps) waits in quarantine; deliver the missing stock, then replay.
    page.goto(f"{live_server.url}/quarantaine/")
    page.click("#quarantaine a")
    assert "Stock insuffisant" in page.inner_text("#raison")
    assert page.get_attribute("#raison", "title") == "Code : STOCK_INSUFFISANT"  # no raw code shown
    page.screenshot(path=str(CAPTURES / "quarantaine.png"), full_page=True)
    page.click("text=Saisir la livraison manquante")
    page.fill("#id_quantite", "500")
    page.click("main button[type=submit]")
    q = VenteQuarantaine.objects.get(numero_facture="MAUI-0001-000043")
    page.goto(f"{live_server.url}/quarantaine/{q.pk}/")
    page.click("#rejouer")
    page.wait_for_selector("text=Vente rejouée")
    q.refresh_from_db()
    assert q.statut == StatutQuarantaine.REJOUEE
    assert Vente.objects.filter(numero_facture="MAUI-0001-000043").exists()
    verifier_registre()

    # Revoking a token asks first (a data-confirmer form, handled by magasin.js).
    page.goto(f"{live_server.url}/terminaux/")
    page.once("dialog", lambda d: d.dismiss())
    page.click(f"#terminal-{terminal.pk} >> text=Révoquer le jeton")
    terminal.refresh_from_db()
    assert terminal.jeton_hash
    page.once("dialog", lambda d: d.accept())
    page.click(f"#terminal-{terminal.pk} >> text=Révoquer le jeton")
    page.wait_for_selector("text=révoqué")
    terminal.refresh_from_db()
    assert not terminal.jeton_hash
    _console_propre(page)


def test_facture_web_pdf_et_annulation_dans_le_navigateur(page, live_server):  # type: ignore[no-untyped-def]
    boutique = BoutiqueFactory(nom="Boutique Gombe", code="BTQ-009", adresse="12, av. du Commerce, Gombe, Kinshasa")
    MembreFactory(boutique=boutique, role=Role.GERANT, utilisateur__username="gerant")
    riz = creer_article(boutique, stock=40, prix="85000", nom="Sac de riz 25 kg", code="RIZ25")
    huile = creer_article(boutique, stock=30, prix="12500", nom="Huile 1 L", code="HUI1")
    Article.objects.filter(pk=huile.pk).update(code_barres="6001234567890")

    _connexion(page, live_server, "gerant")
    page.goto(f"{live_server.url}/facturation/")
    # htmx read its configuration from the meta tag: no eval under the Content-Security-Policy.
    assert page.evaluate("[htmx.config.allowEval, htmx.config.includeIndicatorStyles]") == [False, False]
    # By name, then by barcode (a scanner types the code and Enter).
    page.fill("#recherche", "riz")
    page.click("#resultats button.ajouter")
    page.wait_for_selector(f'tr[data-article="{riz.pk}"]')
    page.fill("#recherche", "6001234567890")
    page.press("#recherche", "Enter")
    page.wait_for_selector(f'tr[data-article="{huile.pk}"]')
    page.fill(f'tr[data-article="{riz.pk}"] input.quantite', "3")
    page.fill(f'tr[data-article="{huile.pk}"] input.quantite', "2")
    # 3 × 85 000 + 2 × 12 500 = 280 000
    assert page.inner_text("#total").replace("\u202f", " ") == "280 000 CDF"
    page.fill("#id_client_nom", "Mama Nzinga")
    page.screenshot(path=str(CAPTURES / "facturation.png"), full_page=True)
    page.click("#enregistrer")
    page.wait_for_selector("#numero-facture")
    assert page.inner_text("#total-facture").replace("\u202f", " ") == "280 000 CDF"
    page.screenshot(path=str(CAPTURES / "facture.png"), full_page=True)
    vente = Vente.objects.get()

    page.goto(f"{live_server.url}/articles/{riz.pk}/")
    assert page.inner_text("#stock") == "37"

    page.goto(f"{live_server.url}/ventes/{vente.pk}/facture/")
    with page.expect_download() as telechargement:
        page.click("#telecharger-pdf")
    contenu = Path(telechargement.value.path()).read_bytes()
    assert contenu.startswith(b"%PDF")

    page.goto(f"{live_server.url}/ventes/{vente.pk}/")
    page.fill("#motif", "Client a renoncé")
    page.click("text=Annuler la facture")
    page.wait_for_selector("text=annulée")
    vente.refresh_from_db()
    assert vente.statut == StatutVente.ANNULEE
    page.goto(f"{live_server.url}/articles/{riz.pk}/")
    assert page.inner_text("#stock") == "40"
    verifier_registre()
    _console_propre(page)


def test_documentation_de_l_api_et_admin_sans_violation_de_la_politique(page, live_server, admin_user):  # type: ignore[no-untyped-def]
    """Swagger UI from the site's own static files, under the Content-Security-Policy."""
    externes: list[str] = []
    page.on("request", lambda r: r.url.startswith(live_server.url) or externes.append(r.url))
    page.goto(f"{live_server.url}/api/docs")
    page.wait_for_selector("text=ventes/sync")
    # Open an operation and its schemas: Swagger UI renders more there.
    page.click(".opblock-summary-path >> text=/api/v2/simple/terminal/")
    page.wait_for_selector("text=Try it out")
    page.click("text=Try it out")
    serie = page.locator("input[placeholder='X-Device-Serial']")
    if serie.count():
        serie.fill("SERIE-INCONNUE")
    page.click("text=Execute")
    page.wait_for_selector(".responses-wrapper .live-responses-table")
    # The call went out (connect-src 'self') and the API answered with its JSON refusal.
    assert '"success": false' in page.inner_text(".live-responses-table")
    page.erreurs_console = [e for e in page.erreurs_console if "/api/v2/simple/terminal/" not in e]
    assert externes == []
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "admin")
    page.fill("#id_password", "password")
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/")
    page.goto(f"{live_server.url}/admin/boutiques/terminal/add/")
    page.goto(f"{live_server.url}/admin/ventes/vente/")
    _console_propre(page)


def test_vente_illisible_corrigee_sur_un_telephone_puis_rejouee(page, live_server):  # type: ignore[no-untyped-def]
    """A terminal sells an article the server does not know, with a quantity written "2.5":
    on a 360 px phone the manager points the line at a shop article, fixes it, and replays."""
    boutique = BoutiqueFactory(nom="Boutique Gombe", code="BTQ-009")
    MembreFactory(boutique=boutique, role=Role.GERANT, utilisateur__username="gerant")
    riz = creer_article(boutique, stock=40, prix="85000", nom="Sac de riz 25 kg", code="RIZ25")
    terminal, jeton = creer_terminal(boutique, nom="Caisse 1", numero_serie="MAUI-0002")
    corps = _synchroniser(
        live_server,
        "MAUI-0002",
        jeton,
        [
            {
                "numero_facture": "MAUI-0002-000007",
                "lignes": [{"article_id": 77, "quantite": "2.5", "prix_unitaire": 85000}],
            }
        ],
    )
    assert corps["details"]["erreurs"][0]["code"] == "QUANTITE_INVALIDE"
    q = VenteQuarantaine.objects.get(numero_facture="MAUI-0002-000007")

    page.set_viewport_size({"width": 360, "height": 780})
    _connexion(page, live_server, "gerant")
    page.goto(f"{live_server.url}/quarantaine/{q.pk}/")
    # Nothing wider than the phone: wide tables scroll inside their card.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.select_option("#id_form-0-article", str(riz.pk))
    page.fill("#id_form-0-quantite", "2")
    page.screenshot(path=str(CAPTURES / "quarantaine-correction-360.png"), full_page=True)
    page.click("#corriger-les-lignes")
    page.wait_for_selector("#correction")
    page.click("#rejouer")
    page.wait_for_selector("text=Vente rejouée")
    vente = Vente.objects.get(numero_facture="MAUI-0002-000007")
    assert (vente.lignes.get().article_id, vente.lignes.get().quantite) == (riz.pk, 2)
    assert terminal.ventes.count() == 1
    verifier_registre()
    _console_propre(page)


def test_retour_partiel_sur_un_telephone(page, live_server):  # type: ignore[no-untyped-def]
    boutique = BoutiqueFactory(nom="Boutique Gombe", code="BTQ-009")
    MembreFactory(boutique=boutique, role=Role.GERANT, utilisateur__username="gerant")
    huile = creer_article(boutique, stock=30, prix="12500", nom="Huile 1 L", code="HUI1")
    _, jeton = creer_terminal(boutique, nom="Caisse 1", numero_serie="MAUI-0003")
    _synchroniser(
        live_server,
        "MAUI-0003",
        jeton,
        [
            {
                "numero_facture": "MAUI-0003-000001",
                "lignes": [{"article_id": huile.pk, "quantite": 4, "prix_unitaire": 12500}],
            }
        ],
    )
    vente = Vente.objects.get(numero_facture="MAUI-0003-000001")
    ligne = vente.lignes.get()

    page.set_viewport_size({"width": 360, "height": 780})
    _connexion(page, live_server, "gerant")
    page.goto(f"{live_server.url}/ventes/{vente.pk}/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.fill(f"#id_ligne_{ligne.pk}", "1")
    page.fill("#id_motif", "Bouteille fêlée")
    page.click("#retour-partiel button[type=submit]")
    page.wait_for_selector("#retours")
    assert "Bouteille fêlée" in page.inner_text("#retours")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=str(CAPTURES / "retour-partiel-360.png"), full_page=True)
    huile.refresh_from_db()
    assert huile.quantite_stock == 30 - 4 + 1
    verifier_registre()
    _console_propre(page)


def test_terminal_cree_sur_un_telephone_fiche_d_installation_sans_nouvelle_rotation(page, live_server):  # type: ignore[no-untyped-def]
    """At 360 px the manager creates a terminal; the setup sheet shows the token and its QR code
    once; a reload neither rotates the token nor shows it again."""
    from magasin.boutiques.models import Terminal
    from magasin.boutiques.services import jeton_valide

    boutique = BoutiqueFactory(nom="Boutique Gombe", code="BTQ-009")
    MembreFactory(boutique=boutique, role=Role.GERANT, utilisateur__username="gerant")

    page.set_viewport_size({"width": 360, "height": 780})
    _connexion(page, live_server, "gerant")
    page.goto(f"{live_server.url}/terminaux/nouveau/")
    page.fill("#id_nom_terminal", "Caisse 2")
    page.fill("#id_numero_serie", "MAUI-0009")
    page.click("main button[type=submit]")
    page.wait_for_selector("#jeton")
    assert "/jeton/" in page.url
    jeton = page.inner_text("#jeton").strip()
    assert page.evaluate("document.querySelector('#jeton-qr').naturalWidth") > 0
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=str(CAPTURES / "terminal-fiche-installation-360.png"), full_page=True)
    terminal = Terminal.objects.get(numero_serie="MAUI-0009")
    empreinte = terminal.jeton_hash
    assert jeton_valide(terminal, jeton)

    page.reload()
    page.wait_for_selector("#jeton-deja-affiche")
    assert jeton not in page.content()
    terminal.refresh_from_db()
    assert terminal.jeton_hash == empreinte and jeton_valide(terminal, jeton)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    # The same manager adds a cashier, on the same phone.
    page.goto(f"{live_server.url}/personnes/nouvelle/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.fill("#id_username", "caissiere-gombe")
    page.select_option("#id_role", "CAISSIER")
    page.fill("#id_password1", "un-mot-de-passe-solide")
    page.fill("#id_password2", "un-mot-de-passe-solide")
    page.click("main button[type=submit]")
    page.wait_for_selector("text=Compte caissiere-gombe créé")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=str(CAPTURES / "personne-360.png"), full_page=True)
    _console_propre(page)


def test_inventaire_complet_sur_un_telephone(page, live_server):  # type: ignore[no-untyped-def]
    boutique = BoutiqueFactory(nom="Boutique Gombe", code="BTQ-009")
    MembreFactory(boutique=boutique, role=Role.GERANT, utilisateur__username="gerant")
    savon = creer_article(boutique, stock=12, prix="1500", nom="Savon", code="SAV1")
    creer_article(boutique, stock=7, prix="12500", nom="Huile 1 L", code="HUI1")

    page.set_viewport_size({"width": 360, "height": 780})
    _connexion(page, live_server, "gerant")
    page.goto(f"{live_server.url}/stock/inventaires/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.click("#nouvel-inventaire button[type=submit]")
    for _ in range(2):  # two scans: the scanner types the code and presses Enter
        page.fill("#id_code", "SAV1")
        page.fill("#id_quantite", "1")
        page.press("#id_code", "Enter")
        page.wait_for_selector("text=compté")
    page.fill("#id_code", "HUI1")
    page.fill("#id_quantite", "7")
    page.click("#comptage button[type=submit]")
    page.wait_for_selector("#ecarts >> text=Huile 1 L")
    assert "1 article à ajuster" in page.inner_text("main")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=str(CAPTURES / "inventaire-360.png"), full_page=True)
    page.once("dialog", lambda d: d.accept())
    page.click("#confirmer-inventaire")
    page.wait_for_selector("text=Inventaire confirmé")
    savon.refresh_from_db()
    assert savon.quantite_stock == 2
    verifier_registre()
    _console_propre(page)


def test_catalogue_par_categorie_et_export_sur_un_telephone(page, live_server):  # type: ignore[no-untyped-def]
    """At 360 px: the category filter of the articles list, the CSV export downloaded, the
    category set in the article form, and sales by category on the dashboard."""
    from magasin.stock.services import article_modifier

    boutique = BoutiqueFactory(nom="Boutique Gombe", code="BTQ-009")
    gerant = MembreFactory(boutique=boutique, role=Role.GERANT, utilisateur__username="gerant").utilisateur
    jus = creer_article(boutique, stock=30, prix="1500", nom="Jus de mangue 1 L", code="JUS1")
    article_modifier(acteur=None, article=jus, categorie="Boissons")
    riz = creer_article(boutique, stock=30, prix="45000", nom="Sac de riz 25 kg", code="RIZ25")
    for article, quantite in ((jus, 3), (riz, 1)):
        entree = VenteEntree.model_validate(
            {"lignes": [{"article_id": article.pk, "quantite": quantite, "prix_unitaire": str(article.prix_vente)}]}
        )
        vente_creer(boutique=boutique, utilisateur=gerant, entree=entree)

    page.set_viewport_size({"width": 360, "height": 780})
    _connexion(page, live_server, "gerant")
    tableau = page.inner_text("#ventes-par-categorie")
    assert "Boissons" in tableau and "Sans catégorie" in tableau
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=str(CAPTURES / "ventes-par-categorie-360.png"), full_page=True)

    page.goto(f"{live_server.url}/articles/")
    page.select_option("select[name=categorie]", label="Boissons")
    page.click("form.filtres button[type=submit]")
    page.wait_for_url("**categorie=*")
    assert "Jus de mangue" in page.inner_text("#articles") and "Sac de riz" not in page.inner_text("#articles")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=str(CAPTURES / "articles-par-categorie-360.png"), full_page=True)
    with page.expect_download() as telechargement:
        page.click("text=CSV")
    contenu = Path(telechargement.value.path()).read_text(encoding="utf-8-sig")
    assert contenu.splitlines()[0] == "code;nom;prix_vente;stock;seuil_alerte;code_barres;actif;categorie"

    page.goto(f"{live_server.url}/articles/{riz.pk}/modifier/")
    page.fill("#id_categorie", "Céréales")
    page.click("main button[type=submit]")
    page.wait_for_url(f"**/articles/{riz.pk}/")
    riz.refresh_from_db()
    assert riz.categorie is not None and riz.categorie.nom == "Céréales"
    _console_propre(page)


def test_terminaux_et_champs_hors_contrat_sur_un_telephone(page, live_server):  # type: ignore[no-untyped-def]
    """What a terminal sends beyond the contract, and its User-Agent, shown without widening a phone's page."""
    boutique = BoutiqueFactory(nom="Boutique Gombe", code="BTQ-009")
    MembreFactory(boutique=boutique, role=Role.GERANT, utilisateur__username="gerant")
    savon = creer_article(boutique, stock=10, prix="1500", nom="Savon", code="SAV1")
    terminal, jeton = creer_terminal(boutique, nom="Caisse 1", numero_serie="MAUI-0004")
    long = "x" * 120
    requete = urllib.request.Request(
        f"{live_server.url}/api/v2/simple/ventes/sync",
        data=json.dumps(
            [
                {
                    "numero_facture": "MAUI-0004-1",
                    "identifiant_de_caisse_tres_long_" + "y" * 60: long,
                    "lignes": [{"article_id": savon.pk, "quantite": 1, "prix_unitaire": 1500}],
                }
            ]
        ).encode(),
        headers={
            "Content-Type": "application/json",
            "X-Device-Serial": "MAUI-0004",
            "Authorization": f"Bearer {jeton}",
            "User-Agent": "GestionMagazin.Maui/2.4.1/" + "z" * 80,
        },
        method="POST",
    )
    with urllib.request.urlopen(requete, timeout=10) as reponse:  # the live server, on 127.0.0.1
        assert reponse.status == 201

    page.set_viewport_size({"width": 360, "height": 780})
    _connexion(page, live_server, "gerant")
    page.goto(f"{live_server.url}/terminaux/")
    assert "identifiant_de_caisse_tres_long_" in page.inner_text(f"#terminal-{terminal.pk}")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=str(CAPTURES / "terminaux-360.png"), full_page=True)
    _console_propre(page)
