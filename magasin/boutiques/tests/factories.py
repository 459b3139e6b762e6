"""Factories for shops, terminals and users. Terminals are created through the service."""

from __future__ import annotations

import itertools
from typing import Any

import factory
from django.contrib.auth import get_user_model

from magasin.boutiques.models import Boutique, Membre, PolitiqueStock, Role, Terminal
from magasin.boutiques.services import terminal_creer

_compteur = itertools.count(1)


class BoutiqueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Boutique

    nom = factory.Sequence(lambda n: f"Boutique {n}")
    code = factory.Sequence(lambda n: f"BTQ-{n:03d}")
    devise = "CDF"
    adresse = "Avenue du Commerce, Kinshasa"
    politique_stock = PolitiqueStock.REFUSER


class UtilisateurFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"utilisateur{n}")
    password = factory.PostGenerationMethodCall("set_password", "motdepasse")

    @factory.post_generation
    def _sauver(obj: Any, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create:
            obj.save()


class MembreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membre

    utilisateur = factory.SubFactory(UtilisateurFactory)
    boutique = factory.SubFactory(BoutiqueFactory)
    role = Role.GERANT


def creer_terminal(
    boutique: Boutique | None,
    *,
    serie_seule: bool = False,
    numero_serie: str | None = None,
    nom: str | None = None,
) -> tuple[Terminal, str]:
    """A terminal and its clear token (as an installer would get it once)."""
    n = next(_compteur)
    return terminal_creer(
        numero_serie=numero_serie or f"SERIE-TEST-{n:04d}",
        nom_terminal=nom or f"Caisse test {n}",
        boutique=boutique,
        serie_seule=serie_seule,
    )
