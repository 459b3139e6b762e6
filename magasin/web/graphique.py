"""The dashboard's 30-day revenue chart, drawn on the server as inline SVG (no script, no CDN)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from magasin.core.formats import montant_affiche

LARGEUR = 720
HAUTEUR = 260
MARGE_GAUCHE = 70
MARGE_BAS = 40
MARGE_HAUT = 16


def _abrege(montant: Decimal) -> str:
    """Axis labels: 1,5 M / 250 k / 2 M (no trailing ",0")."""
    for seuil, suffixe in ((Decimal(1_000_000), " M"), (Decimal(1_000), " k")):
        if montant >= seuil:
            texte = f"{montant / seuil:.1f}".rstrip("0").rstrip(".")
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


def _maximum_rond(maximum: Decimal, intervalles: int = 4) -> Decimal:
    """The top of the y axis: the ticks at top * i / intervalles are then round values."""
    return _pas_rond(maximum / intervalles) * intervalles


def barres_chiffre_affaires(points: list[tuple[date, Decimal]], devise: str = "CDF") -> SafeString:
    """Bars of daily revenue with the day of the month under each bar and a scaled y axis."""
    n = max(len(points), 1)
    maximum = _maximum_rond(max((m for _, m in points), default=Decimal(0)) or Decimal(1))
    zone_h = HAUTEUR - MARGE_BAS - MARGE_HAUT
    zone_l = LARGEUR - MARGE_GAUCHE - 10
    pas = zone_l / n
    largeur_barre = max(pas * 0.7, 2)
    morceaux = [
        f'<svg class="graphique" viewBox="0 0 {LARGEUR} {HAUTEUR}" role="img" '
        f'aria-labelledby="graphique-titre" xmlns="http://www.w3.org/2000/svg">',
        '<title id="graphique-titre">Chiffre d\'affaires des 30 derniers jours</title>',
    ]
    for i in range(5):
        valeur = maximum * i / 4
        y = MARGE_HAUT + zone_h - zone_h * i / 4
        morceaux.append(
            f'<line x1="{MARGE_GAUCHE}" x2="{LARGEUR - 10}" y1="{y:.1f}" y2="{y:.1f}" '
            'class="grille"/>'
            f'<text x="{MARGE_GAUCHE - 6}" y="{y + 4:.1f}" text-anchor="end" class="axe">'
            f"{escape(_abrege(valeur))}</text>"
        )
    for i, (jour, montant) in enumerate(points):
        h = float(montant / maximum) * zone_h
        x = MARGE_GAUCHE + i * pas + (pas - largeur_barre) / 2
        y = MARGE_HAUT + zone_h - h
        libelle = f"{jour.strftime('%d/%m')} : {montant_affiche(montant, devise)}"
        morceaux.append(
            f'<rect class="barre" x="{x:.1f}" y="{y:.1f}" width="{largeur_barre:.1f}" '
            f'height="{h:.1f}" data-jour="{jour.isoformat()}">'
            f"<title>{escape(libelle)}</title></rect>"
        )
        if i % 3 == 0 or i == len(points) - 1:
            morceaux.append(
                f'<text x="{x + largeur_barre / 2:.1f}" y="{HAUTEUR - MARGE_BAS + 16}" '
                f'text-anchor="middle" class="axe">{jour.strftime("%d/%m")}</text>'
            )
    morceaux.append("</svg>")
    return mark_safe("".join(morceaux))
