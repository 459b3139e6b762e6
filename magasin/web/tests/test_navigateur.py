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
    assert "STOCK_INSUFFISANT" in page.inner_text("#raison")
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
