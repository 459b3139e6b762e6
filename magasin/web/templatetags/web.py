from __future__ import annotations

from decimal import Decimal

from django import template

from magasin.core.formats import montant_affiche

register = template.Library()


@register.filter
def cdf(montant: Decimal | None, devise: str = "CDF") -> str:
    """`1 250 000 CDF`."""
    return montant_affiche(montant, devise or "CDF")


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
