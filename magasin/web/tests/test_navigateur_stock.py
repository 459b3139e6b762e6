"""Browser tests of receipts, transfers and margins, at desktop width and on a 360 px phone:
no page wider than the screen (wide tables scroll inside their card), screenshots in docs/."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings

from magasin.boutiques.models import Role
from magasin.boutiques.tests.factories import BoutiqueFactory, MembreFactory, creer_terminal
from magasin.stock.models import Article, StatutTransfert, Transfert
from magasin.stock.tests.factories import creer_article
from magasin.stock.tests.invariants import verifier_registre
from magasin.web.tests.test_navigateur import (  # noqa: F401  (page is a fixture)
    CAPTURES,
    _connexion,
    _console_propre,
    _synchroniser,
    page,
)

pytestmark = [pytest.mark.navigateur, pytest.mark.django_db(transaction=True)]

DOCS = Path(settings.BASE_DIR) / "docs"


def _sans_debordement(onglet, largeur: int) -> None:  # type: ignore[no-untyped-def]
    assert onglet.evaluate("document.documentElement.scrollWidth") <= largeur, onglet.url


def _capture(onglet, nom: str, *, docs: bool = False) -> None:  # type: ignore[no-untyped-def]
    onglet.screenshot(path=str(CAPTURES / f"{nom}.png"), full_page=True)
    if docs:
        onglet.screenshot(path=str(DOCS / f"capture-{nom}.png"), full_page=True)


def _deux_boutiques():  # type: ignore[no-untyped-def]
    gombe = BoutiqueFactory(nom="Boutique Gombe", code="BTQ-009")
    limete = BoutiqueFactory(nom="Boutique Limete", code="BTQ-011")
    patron = MembreFactory(boutique=gombe, role=Role.GERANT, utilisateur__username="patron").utilisateur
    MembreFactory(boutique=limete, role=Role.GERANT, utilisateur=patron)
    for boutique in (gombe, limete):
        creer_article(boutique, stock=0, prix="85000", nom="Sac de riz 25 kg", code="RIZ25")
        creer_article(boutique, stock=0, prix="12500", nom="Huile de palme 1 L", code="HUI1")
    return gombe, limete


def _remplir_ligne(onglet, i: int, code: str, quantite: str, cout: str | None = None) -> None:  # type: ignore[no-untyped-def]
    onglet.fill(f"#id_lignes-{i}-code", code)
    onglet.fill(f"#id_lignes-{i}-quantite", quantite)
    if cout is not None:
        onglet.fill(f"#id_lignes-{i}-cout_unitaire", cout)


@pytest.mark.parametrize("largeur", [1280, 360])
def test_reception_transfert_et_marges(page, live_server, largeur):  # type: ignore[no-untyped-def]  # noqa: F811
    gombe, limete = _deux_boutiques()
    _, jeton = creer_terminal(gombe, nom="Caisse 1", numero_serie="MAUI-0001")
    suffixe = "" if largeur > 360 else "-360"
    page.set_viewport_size({"width": largeur, "height": 900 if largeur > 360 else 780})
    _connexion(page, live_server, "patron")
    _sans_debordement(page, largeur)  # the menu with its new links

    # A supplier's delivery: two lines, a unit cost each.
    page.goto(f"{live_server.url}/stock/receptions/")
    _sans_debordement(page, largeur)
    page.click("#nouvelle-reception")
    page.select_option("#id_boutique", str(gombe.pk))
    page.fill("#id_fournisseur", "Grossiste du Marché central")
    page.fill("#id_reference_fournisseur", "BL-2026-118")
    _remplir_ligne(page, 0, "RIZ25", "40", "62000")
    _remplir_ligne(page, 1, "HUI1", "120", "9000")
    _sans_debordement(page, largeur)
    _capture(page, f"reception-saisie{suffixe}")
    page.click("#enregistrer-reception")
    page.wait_for_selector("text=stock et coûts moyens à jour")
    assert "3\u202f560\u202f000" in page.inner_text("#montant-reception").replace("\xa0", "\u202f")
    _sans_debordement(page, largeur)
    _capture(page, f"reception{suffixe}", docs=True)
    riz = Article.objects.get(boutique=gombe, code="RIZ25")
    assert (riz.quantite_stock, riz.cout_moyen) == (40, 62000)

    # A transfer to the other shop, then its reception with one sack missing.
    page.goto(f"{live_server.url}/stock/transferts/")
    page.click("#nouveau-transfert")
    page.select_option("#id_source", str(gombe.pk))
    page.select_option("#id_destination", str(limete.pk))
    _remplir_ligne(page, 0, "RIZ25", "10")
    _remplir_ligne(page, 1, "HUI1", "24")
    _sans_debordement(page, largeur)
    page.click("#envoyer-transfert")
    page.wait_for_selector("text=en transit")
    transfert = Transfert.objects.get()
    assert page.inner_text("#statut-transfert") == "En transit"
    page.fill("#lignes-transfert input[name^=ligne_] >> nth=0", "9")
    _sans_debordement(page, largeur)
    page.once("dialog", lambda d: d.accept())
    page.click("#confirmer-reception")
    page.wait_for_selector("text=1 unité(s) manquante(s)")
    assert "1 unité" in page.inner_text("#manquant")
    _sans_debordement(page, largeur)
    _capture(page, f"transfert{suffixe}", docs=True)
    transfert.refresh_from_db()
    assert transfert.statut == StatutTransfert.RECU
    assert Article.objects.get(boutique=limete, code="RIZ25").quantite_stock == 9
    page.goto(f"{live_server.url}/stock/transferts/")
    assert page.locator(f"#transferts >> text={transfert.reference_registre}").is_visible()
    _sans_debordement(page, largeur)
    _capture(page, f"transferts{suffixe}")

    # A terminal sells rice at 85 000 (cost 62 000): the margins page shows it.
    _synchroniser(
        live_server,
        "MAUI-0001",
        jeton,
        [
            {
                "numero_facture": "MAUI-0001-000001",
                "lignes": [{"article_id": riz.pk, "quantite": 3, "prix_unitaire": 85000}],
            }
        ],
    )
    page.goto(f"{live_server.url}/marges/")
    assert "69\u202f000" in page.inner_text("#marge-totale").replace("\xa0", "\u202f")  # 3 × (85 000 − 62 000)
    assert "coûtée à son arrivée" in page.inner_text("#explication-marges")
    _sans_debordement(page, largeur)
    _capture(page, f"marges{suffixe}", docs=True)
    verifier_registre()
    _console_propre(page)
