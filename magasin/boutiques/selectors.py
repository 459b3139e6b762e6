"""Reads about people and terminals, scoped to what the user manages."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Prefetch, QuerySet

from magasin.boutiques.acces import Utilisateur, boutiques_avec_role
from magasin.boutiques.models import Membre, Role


def personnes_visibles(utilisateur: Utilisateur) -> QuerySet[AbstractBaseUser]:
    """Accounts that belong to a shop the user manages, each with its memberships in those shops
    only (`adhesions_visibles`): nothing of another shop shows."""
    gerees = boutiques_avec_role(utilisateur, Role.GERANT)
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
