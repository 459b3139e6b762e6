from __future__ import annotations

from datetime import date
from decimal import Decimal

from django import template

from magasin.caisse.selectors import EquivalentsUsd
from magasin.core.formats import montant_affiche
from magasin.ventes.entrees import mode_de_libelle
from magasin.ventes.models import ModePaiement

register = template.Library()


@register.filter
def cdf(montant: Decimal | None, devise: str = "CDF") -> str:
    """`1 250 000 CDF`."""
    return montant_affiche(montant, devise or "CDF")


@register.filter
def usd_de(equivalents: EquivalentsUsd, cle: object) -> str:
    """A report period's net in USD at each day's rate (`—` when a day has no rate yet)."""
    montant = equivalents.par_periode.get(cle, Decimal("0")) if isinstance(cle, date) else None
    return montant_affiche(montant, "USD") if montant is not None else "—"


@register.filter
def mode_paiement(libelle: object) -> str:
    """A payment mode as a user reads it (`Mobile money`), never its code (`MOBILE_MONEY`): also
    for a terminal's own label in a refused sale, read as the sync reads it."""
    texte = libelle if isinstance(libelle, str) else ""
    mode = mode_de_libelle(texte)
    if mode == ModePaiement.AUTRE:
        return f"{mode.label} ({texte.strip()})"
    return str(mode.label)


# An imported catalogue field as the preview names it: never the column name (`prix_vente`).
LIBELLES_CHAMPS = {
    "code": "Code",
    "nom": "Nom",
    "prix_vente": "Prix de vente",
    "stock": "Stock",
    "seuil_alerte": "Seuil d'alerte",
    "code_barres": "Code-barres",
    "est_actif": "Actif",
}


@register.filter
def libelle_champ(champ: str) -> str:
    return LIBELLES_CHAMPS.get(champ, champ.replace("_", " ").capitalize())


@register.filter
def valeur_champ(valeur: str, champ: str) -> str:
    """A previewed value: a price as `1 250 000 CDF`, anything else as it is."""
    if champ == "prix_vente" and valeur:
        try:
            return montant_affiche(Decimal(valeur))
        except ArithmeticError:
            return valeur
    return valeur


@register.simple_tag(takes_context=True)
def url_page(context: template.Context, page: int) -> str:
    """The current query string with another page number (keeps the filters)."""
    requete = context["request"].GET.copy()
    requete["page"] = str(page)
    return "?" + requete.urlencode()


@register.simple_tag(takes_context=True)
def url_export(context: template.Context, format_: str) -> str:
    requete = context["request"].GET.copy()
    requete.pop("page", None)
    requete["format"] = format_
    return "?" + requete.urlencode()
