"""The dashboard's 30-day revenue chart, drawn on the server as inline SVG (no script, no CDN)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from magasin.core.formats import montant_affiche

# Drawn in CSS pixels, not in a scaled viewBox: the chart takes the width of its card (a phone's
# 300 px as a desktop's 1100 px) with every bar, today's included, and 11 px labels at any width.
# Horizontal positions are percentages of the plot's width; the y axis labels sit in the plot's
# left margin (style.css: `.graphique` margin and `overflow: visible`).
HAUTEUR = 220
MARGE_BAS = 28
MARGE_HAUT = 10
# Day labels: every JOURS_LARGE days on a wide screen, every JOURS_ETROIT on a phone, counted back
# from today so that today is always labelled (style.css shows one set or the other).
JOURS_LARGE = 3
JOURS_ETROIT = 7


def _abrege(montant: Decimal) -> str:
    """Axis labels: 1,25 M / 250 k / 2 M (no trailing ",0")."""
    for seuil, suffixe in ((Decimal(1_000_000), " M"), (Decimal(1_000), " k")):
        if montant >= seuil:
            texte = f"{montant / seuil:.2f}".rstrip("0").rstrip(".")
            return texte.replace(".", ",") + suffixe
    return f"{montant:.0f}"


def _pas_rond(minimum: Decimal) -> Decimal:
    """The smallest round step (1, 2, 2,5 or 5 times a power of ten, whole francs) >= minimum."""
    puissance = Decimal(1)
    while True:
        for facteur in (Decimal(1), Decimal(2), Decimal("2.5"), Decimal(5)):
            pas = facteur * puissance
            if pas >= minimum and pas == pas.to_integral_value():
                return pas
        puissance *= 10


def _axe_rond(maximum: Decimal) -> tuple[Decimal, int]:
    """The y axis's top and its number of intervals (4 or 5, whichever fits the bars closer):
    each tick, top * i / intervals, is then a round value."""
    return min(((_pas_rond(maximum / n) * n, n) for n in (4, 5)), key=lambda axe: axe[0])


def _classe_du_jour(depuis_aujourd_hui: int) -> str | None:
    """Which screens label this day: None for none, "" for all, else the class that says which."""
    large = depuis_aujourd_hui % JOURS_LARGE == 0
    etroit = depuis_aujourd_hui % JOURS_ETROIT == 0
    if large and etroit:
        return ""
    if large:
        return " jour-large"
    if etroit:
        return " jour-etroit"
    return None


def barres_chiffre_affaires(points: list[tuple[date, Decimal]], devise: str = "CDF") -> SafeString:
    """Bars of daily revenue (oldest first, today last) with day labels and a y axis at round values."""
    n = max(len(points), 1)
    maximum, intervalles = _axe_rond(max((m for _, m in points), default=Decimal(0)) or Decimal(1))
    zone_h = HAUTEUR - MARGE_BAS - MARGE_HAUT
    pas = 100 / n  # percent of the plot's width per day
    largeur_barre = pas * 0.7
    morceaux = [
        f'<svg class="graphique" width="100%" height="{HAUTEUR}" role="img" '
        f'aria-labelledby="graphique-titre" xmlns="http://www.w3.org/2000/svg">',
        '<title id="graphique-titre">Chiffre d\'affaires des 30 derniers jours</title>',
    ]
    for i in range(intervalles + 1):
        valeur = maximum * i / intervalles
        y = MARGE_HAUT + zone_h - zone_h * i / intervalles
        morceaux.append(
            f'<line x1="0" x2="100%" y1="{y:.1f}" y2="{y:.1f}" class="grille"/>'
            f'<text x="-6" y="{y + 4:.1f}" text-anchor="end" class="axe">{escape(_abrege(valeur))}</text>'
        )
    for i, (jour, montant) in enumerate(points):
        h = float(montant / maximum) * zone_h
        x = i * pas + (pas - largeur_barre) / 2
        y = MARGE_HAUT + zone_h - h
        libelle = f"{jour.strftime('%d/%m')} : {montant_affiche(montant, devise)}"
        aujourd_hui = i == len(points) - 1
        classe = "barre aujourd-hui" if aujourd_hui else "barre"
        morceaux.append(
            f'<rect class="{classe}" x="{x:.3f}%" y="{y:.1f}" width="{largeur_barre:.3f}%" '
            f'height="{h:.1f}" data-jour="{jour.isoformat()}">'
            f"<title>{escape(libelle)}</title></rect>"
        )
        visible = _classe_du_jour(len(points) - 1 - i)
        if visible is not None:
            morceaux.append(
                f'<text x="{x + largeur_barre / 2:.3f}%" y="{HAUTEUR - MARGE_BAS + 16}" '
                f'text-anchor="middle" class="axe jour{visible}">{jour.strftime("%d/%m")}</text>'
            )
    morceaux.append("</svg>")
    return mark_safe("".join(morceaux))
