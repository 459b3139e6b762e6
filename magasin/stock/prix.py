"""An article's sale price as an owner types it: whole CDF francs.

One rule for the article form (`magasin.web.forms`) and the catalogue import
(`magasin.stock.import_catalogue`), so that a price the form refuses is refused by the import too:

- a whole number of francs from 0 to `PRIX_VENTE_MAX`; "1500", "1500.00" and "1 500,00" are the
  same 1 500 francs;
- a price with centimes ("1500,50") is refused with a French message, never rounded: in a
  spreadsheet it is a typo or a formula left unrounded, and the owner, not the server, decides
  which franc it should be;
- except the article's current price, kept as it is: a price with centimes written before this
  rule (the old system's import, the admin) survives an export → import round trip and a
  form saved without touching it.

Services do not apply it: prices arriving from the old system or from a terminal's sale are
recorded as sent (`Article.prix_vente` keeps two decimals).
"""

from __future__ import annotations

from decimal import Decimal

PRIX_VENTE_MAX = Decimal("999999999999")  # Article.prix_vente is Decimal(14, 2)
CENTIMES = Decimal("0.01")

PRIX_NEGATIF = "Le prix de vente ne peut être négatif."
PRIX_TROP_GRAND = "Prix de vente : 999\u202f999\u202f999\u202f999 CDF au maximum."
PRIX_AVEC_CENTIMES = "Le prix est en francs entiers, sans centimes."
PRIX_ILLISIBLE = "Saisissez un montant en francs, sans décimales."


class PrixRefuse(ValueError):
    """A price the rule refuses; `message` is what the owner reads."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def prix_vente_verifier(prix: Decimal, *, actuel: Decimal | None = None) -> Decimal:
    """The price as stored (two decimals), or PrixRefuse. `actuel`: the article's current price."""
    if not prix.is_finite():
        raise PrixRefuse(PRIX_ILLISIBLE)
    if actuel is not None and prix == actuel:
        return actuel
    if prix < 0:
        raise PrixRefuse(PRIX_NEGATIF)
    if prix > PRIX_VENTE_MAX:
        raise PrixRefuse(PRIX_TROP_GRAND)
    if prix != prix.to_integral_value():
        raise PrixRefuse(PRIX_AVEC_CENTIMES)
    return prix.quantize(CENTIMES)
