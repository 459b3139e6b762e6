"""Payment channels: where a sale's money is. One rule, used by the till (`caisse`: what a
closing expects per channel) and by the reports (sales by channel).

A channel is the sale's payment mode, mobile money split by operator from the label the terminal
sent (`M-PESA`, `ORANGE MONEY`, `AIRTEL MONEY`...). A sale on credit brought no money: it has no
channel, and the reports show it on a row of its own (`CREDIT`, "Crédit").
"""

from __future__ import annotations

from django.db import models

from magasin.ventes.models import ModePaiement


class Canal(models.TextChoices):
    """Where the money is: the sale's payment mode, mobile money split by operator (read from the
    label the terminal sent). Same codes as `ModePaiement` where they mean the same thing."""

    CASH = ModePaiement.CASH.value, "Espèces"
    MPESA = "MPESA", "M-Pesa"
    ORANGE_MONEY = "ORANGE_MONEY", "Orange Money"
    AIRTEL_MONEY = "AIRTEL_MONEY", "Airtel Money"
    MOBILE_MONEY = ModePaiement.MOBILE_MONEY.value, "Mobile money (autre)"
    CARTE = ModePaiement.CARTE.value, "Carte"
    AUTRE = ModePaiement.AUTRE.value, "Autre"


# The reports' row for sales on credit (mode CREDIT, or recorded unpaid): not a channel, no money
# came in. The till counts them the same way (`caisse.selectors.vente_est_a_credit`).
CREDIT = ModePaiement.CREDIT.value
LIBELLE_CREDIT = "Crédit"


def canal_de(mode: str, libelle: str = "") -> Canal:
    """The channel of a paid sale: its payment mode, mobile money split by operator from the
    terminal's label. A mode without a channel of its own (credit, unknown) is `AUTRE`: callers
    that show credit apart check the mode and `paye` first (`cle_de_rapport`)."""
    if mode == ModePaiement.MOBILE_MONEY:
        cle = "".join(c for c in (libelle or "").upper() if c.isalpha())
        if "PESA" in cle:
            return Canal.MPESA
        if "ORANGE" in cle:
            return Canal.ORANGE_MONEY
        if "AIRTEL" in cle:
            return Canal.AIRTEL_MONEY
        return Canal.MOBILE_MONEY
    if mode in (ModePaiement.CASH, ModePaiement.CARTE):
        return Canal(mode)
    return Canal.AUTRE


def cle_de_rapport(mode: str, libelle: str = "", *, paye: bool = True) -> str:
    """A sale's row in the reports by channel: `CREDIT` for a sale on credit (mode CREDIT, or
    recorded unpaid whatever its mode), else its channel."""
    return CREDIT if mode == ModePaiement.CREDIT or not paye else canal_de(mode, libelle).value


def libelle_canal(cle: str, devise: str = "CDF") -> str:
    """The French name of a report row: "Espèces", "Crédit", "Espèces (USD)" for another currency."""
    nom = LIBELLE_CREDIT if cle == CREDIT else Canal(cle).label if cle in Canal.values else cle
    return nom if devise == "CDF" else f"{nom} ({devise})"
