"""Money and time helpers shared by the API, the web and the PDF."""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone

CENTIME = Decimal("0.01")


def arrondir(montant: Decimal) -> Decimal:
    return montant.quantize(CENTIME, rounding=ROUND_HALF_UP)


def montant_chaine(montant: Decimal) -> str:
    """The API's 2-decimal string: `"50000.00"`."""
    return f"{montant.quantize(CENTIME, rounding=ROUND_HALF_UP):.2f}"  # arrondir(), inlined: hot


# Currencies shown in whole units: the Congolese franc's centimes are not used in practice.
DEVISES_SANS_DECIMALES = frozenset({"CDF"})


def montant_affiche(montant: Decimal | None, devise: str = "CDF") -> str:
    """`1 250 000 CDF` (narrow no-break spaces between thousands): CDF rounded to the franc,
    other currencies with their cents when present (`12,50 USD`). Display only: amounts are
    stored and sent with their 2 decimals."""
    if montant is None:
        return ""
    valeur = arrondir(Decimal(montant))
    if devise in DEVISES_SANS_DECIMALES:
        valeur = valeur.quantize(Decimal(1), rounding=ROUND_HALF_UP)
    entier, _, cents = f"{abs(valeur):.2f}".partition(".")
    groupes: list[str] = []
    while entier:
        groupes.insert(0, entier[-3:])
        entier = entier[:-3]
    texte = "\u202f".join(groupes)
    if cents != "00":
        texte += "," + cents
    signe = "-" if valeur < 0 else ""
    return f"{signe}{texte} {devise}".strip()


def heure_locale(moment: datetime) -> datetime:
    return timezone.localtime(moment)
