"""Browser test of the reports page (issue 21): desktop and 360 px, a late sale on its own day,
totals, the XLSX export read back with real types. Screenshot: docs/capture-rapports.png."""

from __future__ import annotations

import io
from datetime import datetime, time, timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone
from openpyxl import load_workbook

from magasin.boutiques.models import Role
from magasin.boutiques.tests.factories import BoutiqueFactory, MembreFactory, creer_terminal
from magasin.stock.tests.factories import creer_article
from magasin.ventes.entrees import VenteEntree
from magasin.ventes.services import vente_creer
from magasin.web.tests.test_navigateur import (  # noqa: F401  (the browser fixture)
    CAPTURES,
    _connexion,
    _console_propre,
    _synchroniser,
    page,
)

pytestmark = [pytest.mark.navigateur, pytest.mark.django_db(transaction=True)]

DOCS = Path(settings.BASE_DIR) / "docs"


def test_rapports_au_bureau_et_sur_un_telephone(page, live_server):  # type: ignore[no-untyped-def]  # noqa: F811
    aujourd_hui = timezone.localdate()
    boutique = BoutiqueFactory(nom="Boutique Gombe", code="BTQ-009")
    gerant = MembreFactory(boutique=boutique, role=Role.GERANT, utilisateur__username="gerant").utilisateur
    riz = creer_article(boutique, stock=500, prix="85000", nom="Sac de riz 25 kg", code="RIZ25")
    huile = creer_article(boutique, stock=500, prix="12500", nom="Huile 1 L", code="HUI1")
    for jours, article, quantite, mode in (
        (1, riz, 2, "CASH"),
        (1, huile, 4, "M-PESA"),
        (2, huile, 1, "CARTE"),
        (3, riz, 1, "CREDIT"),
    ):
        moment = timezone.make_aware(datetime.combine(aujourd_hui - timedelta(days=jours), time(10)))
        entree = VenteEntree.model_validate(
            {
                "date_vente": moment.isoformat(),
                "mode_paiement": mode,
                "lignes": [{"article_id": article.pk, "quantite": quantite, "prix_unitaire": str(article.prix_vente)}],
            }
        )
        vente_creer(boutique=boutique, utilisateur=gerant, entree=entree)
    _, jeton = creer_terminal(boutique, nom="Caisse 1", numero_serie="MAUI-0100")
    # A terminal offline for four days sends its sale now: it belongs to four days ago.
    tard = timezone.make_aware(datetime.combine(aujourd_hui - timedelta(days=4), time(18)))
    _synchroniser(
        live_server,
        "MAUI-0100",
        jeton,
        [
            {
                "numero_facture": "TARD-1",
                "date_vente": tard.isoformat(),
                "mode_paiement": "ORANGE MONEY",
                "lignes": [{"article_id": huile.pk, "quantite": 2, "prix_unitaire": 12500}],
            }
        ],
    )
    debut = aujourd_hui - timedelta(days=6)

    _connexion(page, live_server, "gerant")
    page.click("nav.menu >> text=Rapports")
    page.fill("input[name=date_debut]", debut.isoformat())
    page.click("#filtres-rapport button[type=submit]")
    page.wait_for_url("**date_debut=*")
    jour_tard = page.locator("#rapport tbody tr", has_text=f"{aujourd_hui - timedelta(days=4):%d/%m/%Y}")
    assert "25\u202f000 CDF" in jour_tard.inner_text()
    total = page.inner_text("#rapport-total")
    # 170,000 + 50,000 + 12,500 + 85,000 + 25,000
    assert "342\u202f500 CDF" in total and "5" in total
    page.screenshot(path=str(DOCS / "capture-rapports.png"), full_page=True)
    page.screenshot(path=str(CAPTURES / "rapports.png"), full_page=True)

    page.select_option("select[name=par]", "canal")
    page.click("#filtres-rapport button[type=submit]")
    page.wait_for_url("**par=canal*")
    tableau = page.inner_text("#rapport")
    # The web form keeps no operator; the terminal sent its label (ORANGE MONEY).
    assert "Mobile money" in tableau and "Orange Money" in tableau and "Crédit" in tableau
    with page.expect_download() as telechargement:
        page.click("text=Exporter en XLSX")
    rangees = list(load_workbook(io.BytesIO(Path(telechargement.value.path()).read_bytes())).active.values)
    assert rangees[-1][:3] == ("Total", 5, 342500)

    page.set_viewport_size({"width": 360, "height": 780})
    page.select_option("select[name=par]", "article")
    page.click("#filtres-rapport button[type=submit]")
    page.wait_for_url("**par=article*")
    # Best sellers by quantity: 7 bottles of oil before 3 bags of rice.
    assert page.locator("#rapport tbody tr").first.inner_text().startswith("Huile 1 L")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=str(CAPTURES / "rapports-360.png"), full_page=True)
    page.goto(f"{live_server.url}/ventes/")
    assert "5 vente(s)" in page.inner_text("#totaux-ventes")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=str(CAPTURES / "historique-totaux-360.png"), full_page=True)
    _console_propre(page)
