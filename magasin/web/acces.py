"""Web-side access helpers: the shops where the user holds at least a role, and scoped lookups."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404, HttpRequest

from magasin.boutiques.acces import Utilisateur, boutiques_visibles
from magasin.boutiques.models import RANG_ROLE, Boutique, Role


def boutiques_avec_role(utilisateur: Utilisateur, minimum: Role) -> QuerySet[Boutique]:
    """The visible shops where the user holds `minimum` or more (one query)."""
    qs = boutiques_visibles(utilisateur)
    if getattr(utilisateur, "is_superuser", False):
        return qs
    roles = [r for r, rang in RANG_ROLE.items() if rang >= RANG_ROLE[minimum]]
    return Boutique.objects.filter(membres__utilisateur_id=utilisateur.pk, membres__role__in=roles).distinct()


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
