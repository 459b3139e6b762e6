"""Pages that hold on a phone, checked without a browser: every table of the back-office in its
scrolling wrapper, the invoice lines marked up for their phone layout, the dashboard chart drawn
to fit any width with round ticks, and every form's shop preselected when the user has only one.
(The browser tests of test_navigateur_pages.py measure the same pages at 360 px.)
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings

from magasin.boutiques.models import Role
from magasin.boutiques.tests.factories import MembreFactory
from magasin.web.graphique import JOURS_ETROIT, JOURS_LARGE, barres_chiffre_affaires
from magasin.web.tests.conftest import client_de

GABARITS = Path(settings.BASE_DIR) / "magasin" / "web" / "templates"


# --- Wide tables scroll inside their card -----------------------------------------------------------


def _gabarits_du_site() -> list[Path]:
    # Standalone print documents (their own <!doctype> and stylesheet) are not pages of the site.
    return [p for p in sorted(GABARITS.rglob("*.html")) if "<!doctype" not in p.read_text(encoding="utf-8").lower()]


def test_chaque_tableau_du_site_defile_dans_sa_carte():
    hors_cadre = []
    for gabarit in _gabarits_du_site():
        texte = gabarit.read_text(encoding="utf-8")
        for tableau in re.finditer(r"<table\b", texte):
            avant = texte[: tableau.start()].rstrip()
            balise = avant[avant.rfind("<") :]
            if not re.match(r'<div class="[^"]*\bdefile\b', balise):
                hors_cadre.append(f"{gabarit.relative_to(GABARITS)}: {balise[:60]}")
    assert hors_cadre == []


def test_la_feuille_de_style_laisse_les_cartes_retrecir():
    css = (Path(settings.BASE_DIR) / "magasin" / "web" / "static" / "web" / "style.css").read_text()
    assert ".defile { overflow-x: auto; max-width: 100%; }" in css
    # A grid cell is as wide as its content unless told otherwise: the table would widen the page.
    assert ".carte, .grille-2 > *, .cartes > * { min-width: 0; }" in css


def test_lignes_de_facture_etiquetees_pour_le_telephone(monde, client_gerant):
    ligne = client_gerant.get(f"/facturation/ligne/?article={monde.article.pk}").content.decode()
    # Without the table's header on a phone, each cell says what it is.
    for libelle in ("Qté", "Prix unitaire", "Total"):
        assert f'data-libelle="{libelle}"' in ligne
    assert 'aria-label="Quantité"' in ligne and 'aria-label="Retirer la ligne"' in ligne
    assert 'class="tableau facture-lignes"' in client_gerant.get("/facturation/").content.decode()


# --- The dashboard chart -----------------------------------------------------------------------------


def _points(montants: list[int]) -> list[tuple[date, Decimal]]:
    aujourd_hui = date(2026, 12, 5)
    debut = aujourd_hui - timedelta(days=len(montants) - 1)
    return [(debut + timedelta(days=i), Decimal(m)) for i, m in enumerate(montants)]


def _graduations(svg: str) -> list[str]:
    return re.findall(r'<text x="-6" y="[\d.]+" text-anchor="end" class="axe">([^<]*)</text>', svg)


@pytest.mark.parametrize(
    ("maximum", "attendues"),
    [
        # 4 or 5 intervals, whichever brings the top closer to the highest bar
        (425_000, ["0", "100 k", "200 k", "300 k", "400 k", "500 k"]),
        (1_250_000, ["0", "250 k", "500 k", "750 k", "1 M", "1,25 M"]),
        (90_000, ["0", "25 k", "50 k", "75 k", "100 k"]),
        (12_500, ["0", "2,5 k", "5 k", "7,5 k", "10 k", "12,5 k"]),
        (7, ["0", "2", "4", "6", "8"]),
        (0, ["0", "1", "2", "3", "4"]),
        (38_000_000, ["0", "10 M", "20 M", "30 M", "40 M"]),
    ],
)
def test_axe_du_graphique_a_des_valeurs_rondes(maximum, attendues):
    svg = barres_chiffre_affaires(_points([maximum // 3] * 29 + [maximum]))
    assert _graduations(svg) == attendues


def test_graphique_en_pixels_sans_largeur_minimale_et_barre_du_jour_marquee():
    svg = barres_chiffre_affaires(_points(list(range(0, 300_000, 10_000))))
    assert svg.startswith('<svg class="graphique" width="100%"') and "viewBox" not in svg
    barres = re.findall(r'<rect class="([^"]+)" x="([\d.]+)%" y="[\d.]+" width="([\d.]+)%"', svg)
    assert len(barres) == 30
    assert [c for c, _, _ in barres].count("barre aujourd-hui") == 1 and barres[-1][0] == "barre aujourd-hui"
    # Every bar inside the plot: the last one ends before 100 % of its width.
    assert all(float(x) >= 0 and float(x) + float(largeur) <= 100 for _, x, largeur in barres)
    assert 'data-jour="2026-12-05"' in svg


def test_jours_etiquetes_a_partir_d_aujourd_hui_selon_l_ecran():
    svg = barres_chiffre_affaires(_points([1000] * 30))
    etiquettes = re.findall(r'class="axe jour([^"]*)">(\d\d/\d\d)</text>', svg)
    aujourd_hui = date(2026, 12, 5)
    larges = {j for c, j in etiquettes if c != " jour-etroit"}
    etroites = {j for c, j in etiquettes if c != " jour-large"}
    attendu_large = {(aujourd_hui - timedelta(days=n)).strftime("%d/%m") for n in range(0, 30, JOURS_LARGE)}
    attendu_etroit = {(aujourd_hui - timedelta(days=n)).strftime("%d/%m") for n in range(0, 30, JOURS_ETROIT)}
    assert (larges, etroites) == (attendu_large, attendu_etroit)
    assert "05/12" in larges & etroites  # today, on every screen


# --- The shop preselected when the user has only one --------------------------------------------------


def _selects_boutique(texte: str) -> list[str]:
    return re.findall(r'<select name="boutique"[^>]*>(.*?)</select>', texte, re.S) + re.findall(
        r'<select id="[^"]*" name="boutique"[^>]*>(.*?)</select>', texte, re.S
    )


def _choisies(options: str) -> list[str]:
    return re.findall(r'<option value="(\d*)"[^>]*selected', options)


@pytest.mark.parametrize("url", ["/personnes/nouvelle/", "/terminaux/nouveau/", "/stock/inventaires/", "PERSONNE"])
def test_boutique_preselectionnee_partout_quand_il_n_y_en_a_qu_une(monde, client_gerant, url):
    if url == "PERSONNE":  # the role form of a person's page
        url = f"/personnes/{monde.caissier.pk}/"
    selects = _selects_boutique(client_gerant.get(url).content.decode())
    assert selects, url
    for options in selects:
        assert _choisies(options) == [str(monde.boutique.pk)], url
        assert 'value=""' not in options


def test_avec_plusieurs_boutiques_l_inventaire_fait_choisir(monde):
    MembreFactory(boutique=monde.autre, role=Role.GERANT, utilisateur=monde.gerant)
    (options,) = _selects_boutique(client_de(monde.gerant).get("/stock/inventaires/").content.decode())
    assert _choisies(options) == [] and '<option value="">Choisissez la boutique</option>' in options


def test_deplacer_un_terminal_vers_la_seule_autre_boutique_la_preselectionne(monde):
    MembreFactory(boutique=monde.autre, role=Role.GERANT, utilisateur=monde.gerant)
    texte = client_de(monde.gerant).get("/terminaux/").content.decode()
    options = re.search(rf'id="deplacer-{monde.terminal.pk}" required>(.*?)</select>', texte, re.S)
    assert options is not None
    assert _choisies(options.group(1)) == [str(monde.autre.pk)]


def test_formulaire_renvoye_avec_erreurs_garde_la_seule_boutique_sans_choix_vide(monde, client_gerant):
    reponse = client_gerant.post(
        "/articles/nouveau/",
        {"boutique": monde.boutique.pk, "code": "N1", "nom": "Neuf", "prix_vente": "10.50", "seuil_alerte": "5"},
    )
    texte = reponse.content.decode()
    assert "sans centimes" in texte
    (options,) = _selects_boutique(texte)
    assert _choisies(options) == [str(monde.boutique.pk)] and "---------" not in options
