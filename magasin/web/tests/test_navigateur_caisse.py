"""Browser test: a manager's day at the till, at desktop width then on a 360 px phone.

Sales synced through the API with one arriving late; a pay-out; an invoice paid partly in USD
with change in CDF; the till closed with one sale missing, then the late sale, the revision and
a complete correcting closing; a credit repayment. Screenshots in docs/capture-caisse-*.png.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from magasin.boutiques.models import Role
from magasin.boutiques.tests.factories import BoutiqueFactory, MembreFactory, creer_terminal
from magasin.caisse.models import Cloture, MouvementCaisse, Paiement, TauxChange
from magasin.stock.tests.factories import creer_article

pytestmark = [pytest.mark.navigateur, pytest.mark.django_db(transaction=True)]

DOCS = Path(settings.BASE_DIR) / "docs"
CHROMIUM = "/usr/bin/chromium"


@pytest.fixture
def page(monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        pytest.skip("chromium de Debian absent")
    # Playwright's sync API runs an event loop in this thread while the test uses the ORM.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        navigateur = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
            headless=True,
        )
        contexte = navigateur.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR")
        contexte.set_default_timeout(15000)
        onglet = contexte.new_page()
        onglet.erreurs_console = []
        onglet.on(
            "console", lambda m: m.type == "error" and onglet.erreurs_console.append(f"{m.text} {m.location['url']}")
        )
        onglet.on("pageerror", lambda e: onglet.erreurs_console.append(str(e)))
        yield onglet
        contexte.close()
        navigateur.close()


def _capture(page, nom: str) -> None:  # type: ignore[no-untyped-def]
    page.screenshot(path=str(DOCS / f"capture-caisse-{nom}.png"), full_page=True)


def _tient_en_360(page) -> None:  # type: ignore[no-untyped-def]
    assert page.evaluate("document.documentElement.scrollWidth") <= 360, page.url


def _synchroniser(live_server, serie: str, jeton: str, ventes: list[dict]) -> dict:  # type: ignore[type-arg]
    requete = urllib.request.Request(
        f"{live_server.url}/api/v2/simple/ventes/sync",
        data=json.dumps(ventes).encode(),
        headers={"Content-Type": "application/json", "X-Device-Serial": serie, "Authorization": f"Bearer {jeton}"},
        method="POST",
    )
    with urllib.request.urlopen(requete, timeout=10) as reponse:  # the live server, on 127.0.0.1
        assert reponse.status == 201
        return json.loads(reponse.read())


def test_journee_de_caisse_du_gerant(page, live_server):  # type: ignore[no-untyped-def]
    boutique = BoutiqueFactory(nom="Boutique Gombe", code="BTQ-009", adresse="12, av. du Commerce, Gombe")
    gerant = MembreFactory(boutique=boutique, role=Role.GERANT, utilisateur__username="gerant").utilisateur
    terminal, jeton = creer_terminal(boutique, nom="Caisse 1")
    riz = creer_article(boutique, stock=100, prix="85000", nom="Sac de riz 25 kg", code="RIZ25")
    maintenant = timezone.now()

    def vente(n: int, **champs: object) -> dict:  # type: ignore[type-arg]
        return {
            "numero_facture": f"MAUI-{n:04d}",
            "sequence": n,
            "date_vente": (maintenant - timedelta(minutes=90 - n)).isoformat(),
            "lignes": [{"article_id": riz.pk, "quantite": 1, "prix_unitaire": "85000"}],
            **champs,
        }

    # The morning's sales reach the server, except number 3 (the terminal went offline).
    _synchroniser(
        live_server,
        terminal.numero_serie,
        jeton,
        [
            vente(1),
            vente(2, mode_paiement="M-PESA"),
            vente(4, paye=False, client_nom="Mama Nsimba", client_telephone="0812345678"),
            vente(5),
        ],
    )

    page.goto(f"{live_server.url}/connexion/")
    page.fill("#id_username", "gerant")
    page.fill("#id_password", "motdepasse")
    page.click("main button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")

    # The day's dollar rate.
    page.goto(f"{live_server.url}/caisse/taux/")
    page.fill("#id_taux", "2800")
    page.click("#form-taux button[type=submit]")
    page.wait_for_selector(".message.success")
    assert TauxChange.objects.get().taux == Decimal("2800")
    _capture(page, "taux")

    # A pay-out from the terminal's drawer.
    page.goto(f"{live_server.url}/caisse/mouvements/")
    page.select_option("#id_caisse", f"T{terminal.pk}")
    page.select_option("#id_type_mouvement", "SORTIE")
    page.fill("#id_montant", "15000")
    page.fill("#id_motif", "Carburant du groupe électrogène")
    page.click("#enregistrer-mouvement")
    page.wait_for_selector(".message.success")
    assert MouvementCaisse.objects.get().auteur == gerant
    _capture(page, "sortie")

    # An invoice of 170 000 CDF paid 50 USD (140 000 CDF) + 40 000 CDF: 10 000 CDF change.
    page.goto(f"{live_server.url}/facturation/")
    page.fill("#recherche", "riz")
    page.click("#resultats button.ajouter")
    page.wait_for_selector(f'tr[data-article="{riz.pk}"]')
    page.fill(f'tr[data-article="{riz.pk}"] input.quantite', "2")
    page.fill("#id_montant_usd", "50")
    page.fill("#id_montant_cdf_recu", "40000")
    _capture(page, "facture-usd")
    page.click("#enregistrer")
    page.wait_for_selector("#reglement-facture")
    assert "monnaie rendue 10\u202f000 CDF" in page.inner_text("#reglement-facture")
    assert Paiement.objects.get(devise="USD").monnaie_rendue_cdf == Decimal("10000")

    # Closing the terminal's till: one sale (n° 3) is still missing.
    page.goto(f"{live_server.url}/caisse/")
    page.click(f"#caisses-du-jour a[href*='caisse=T{terminal.pk}']")
    page.wait_for_selector("#form-cloture")
    assert "n° 3" in page.inner_text(".completude")
    page.fill("#id_compte-CASH-CDF", "155000")  # 2 × 85 000 cash - 15 000 pay-out
    page.fill("#id_compte-CASH-USD", "0")
    page.fill("#id_compte-MPESA-CDF", "85000")
    _capture(page, "cloture")
    page.click("#enregistrer-cloture")
    page.wait_for_selector("#lignes-figees")
    cloture = Cloture.objects.get()
    assert (cloture.nombre_manquantes, cloture.manquantes) == (1, [3])
    assert "Incomplète" in page.inner_text("#completude-figee")

    # Sale 3 arrives after the count: the dashboard flags the day.
    _synchroniser(live_server, terminal.numero_serie, jeton, [vente(3)])
    page.goto(f"{live_server.url}/")
    page.click("#revisions-caisse a")
    page.wait_for_selector("#ventes-tardives")
    assert "MAUI-0003" in page.inner_text("#ventes-tardives")
    _capture(page, "revision")
    page.click("#prendre-en-compte")
    page.wait_for_selector(".message.success")
    page.goto(f"{live_server.url}/")
    assert page.locator("#revisions-caisse").count() == 0

    # The manager recounts: a correcting closing, complete this time.
    page.goto(f"{live_server.url}/caisse/clotures/{cloture.pk}/")
    page.click("#corriger")
    page.fill("#id_compte-CASH-CDF", "240000")
    page.fill("#id_compte-CASH-USD", "0")
    page.fill("#id_compte-MPESA-CDF", "85000")
    page.fill("#id_motif", "Vente n° 3 arrivée après le comptage")
    page.click("#enregistrer-cloture")
    page.wait_for_selector("#lignes-figees")
    assert "Complète" in page.inner_text("#completude-figee")
    assert Cloture.objects.count() == 2
    page.goto(f"{live_server.url}/caisse/clotures/{Cloture.objects.get(version=2).pk}/imprimer/")
    _capture(page, "rapport-a4")

    # Mama Nsimba pays half of what she owes, by M-Pesa.
    page.goto(f"{live_server.url}/caisse/creances/")
    page.click("text=Mama Nsimba")
    page.wait_for_selector("#form-remboursement")
    page.select_option("#id_canal", "MPESA")
    page.fill("#id_montant", "42500")
    page.click("#enregistrer-paiement")
    page.wait_for_selector(".message.success")
    assert page.inner_text("#solde-client").replace("\u202f", " ") == "42 500 CDF"
    _capture(page, "credit")

    # The same pages on a phone.
    page.set_viewport_size({"width": 360, "height": 780})
    v2 = Cloture.objects.get(version=2)
    for url, nom in (
        ("/caisse/", "accueil-360"),
        (f"/caisse/clotures/{cloture.pk}/", "revision-360"),
        (f"/caisse/cloturer/?boutique={boutique.pk}&caisse=T{terminal.pk}&jour={timezone.localdate():%Y-%m-%d}", None),
        ("/caisse/taux/", None),
        ("/caisse/mouvements/", None),
        ("/caisse/creances/", None),
        (f"/caisse/clotures/{v2.pk}/imprimer/?format=80mm", "ticket-80mm-360"),
        ("/facturation/", None),
        (f"/ventes/{Paiement.objects.get(devise='USD').vente_id}/facture/", "facture-usd-360"),
        ("/", None),
    ):
        page.goto(f"{live_server.url}{url}")
        _tient_en_360(page)
        if nom:
            _capture(page, nom)
    page.goto(f"{live_server.url}/caisse/creances/")
    page.click("text=Mama Nsimba")
    page.wait_for_selector("#solde-client")
    _tient_en_360(page)
    _capture(page, "credit-360")
    assert [e for e in page.erreurs_console if not e.endswith("/favicon.ico")] == []
