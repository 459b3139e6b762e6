"""Web-side access helper: the shops a page is narrowed to by its `?boutique=` filter."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404, HttpRequest

from magasin.boutiques.acces import boutiques_visibles
from magasin.boutiques.models import Boutique


def boutiques_filtrees(request: HttpRequest) -> tuple[QuerySet[Boutique], Boutique | None]:
    """The user's shops, narrowed to `?boutique=<id>` when given; 404 for a shop not his."""
    visibles = boutiques_visibles(request.user)
    brut = request.GET.get("boutique", "").strip()
    if not brut:
        return visibles, None
    try:
        boutique = visibles.get(pk=int(brut))
    except (ValueError, Boutique.DoesNotExist):
        raise Http404("Boutique introuvable") from None
    request.magasin_boutique = boutique  # type: ignore[attr-defined]  # the request log names it
    return Boutique.objects.filter(pk=boutique.pk), boutique
