"""Reads about people and terminals, scoped to what the user manages."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Prefetch, QuerySet

from magasin.boutiques.acces import Utilisateur
from magasin.boutiques.models import RANG_ROLE, Boutique, Membre, Role


def boutiques_gerees(utilisateur: Utilisateur) -> QuerySet[Boutique]:
    """The shops where the user is a manager or an owner (all of them for a superuser)."""
    if not utilisateur.is_authenticated:
        return Boutique.objects.none()
    if getattr(utilisateur, "is_superuser", False):
        return Boutique.objects.all()
    roles = [r for r, rang in RANG_ROLE.items() if rang >= RANG_ROLE[Role.GERANT]]
    return Boutique.objects.filter(membres__utilisateur_id=utilisateur.pk, membres__role__in=roles).distinct()


def personnes_visibles(utilisateur: Utilisateur) -> QuerySet[AbstractBaseUser]:
    """Accounts that belong to a shop the user manages, each with its memberships in those shops
    only (`adhesions_visibles`): nothing of another shop shows."""
    gerees = boutiques_gerees(utilisateur)
    return (
        get_user_model()
        .objects.filter(adhesions__boutique__in=gerees)
        .distinct()
        .order_by("username")
        .prefetch_related(
            Prefetch(
                "adhesions",
                queryset=Membre.objects.filter(boutique__in=gerees)
                .select_related("boutique")
                .order_by("boutique__nom"),
                to_attr="adhesions_visibles",
            )
        )
    )
