"""Reading filter values from a query string: bad values are form errors, never 500s."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.http import HttpRequest

from magasin.core.dates import moment_lire

PAR_PAGE = 25
TEXTE_MAX = 200  # a text filter (search, invoice number) longer than this is a mistake or an attack


class Filtres:
    """Parsed GET filters and the French errors of the unreadable ones."""

    def __init__(self, request: HttpRequest) -> None:
        self.get = request.GET
        self.erreurs: dict[str, str] = {}

    def texte(self, nom: str, *, longueur_max: int = TEXTE_MAX) -> str | None:
        # Django's CharField also refuses NUL characters (PostgreSQL cannot compare them).
        champ = forms.CharField(required=False, max_length=longueur_max)
        try:
            valeur = champ.clean(self.get.get(nom, ""))
        except ValidationError as erreur:
            self.erreurs[nom] = " ".join(erreur.messages)
            return None
        return valeur or None

    def entier(self, nom: str) -> int | None:
        valeur = self.texte(nom)
        if valeur is None:
            return None
        try:
            nombre = int(valeur)
            if not 0 < nombre < 2**63:
                raise ValueError
        except ValueError:
            self.erreurs[nom] = "Nombre entier attendu."
            return None
        return nombre

    def choix(self, nom: str, choix: Any) -> str | None:
        valeur = self.texte(nom)
        if valeur is not None and valeur not in dict(choix):
            self.erreurs[nom] = "Valeur inconnue."
            return None
        return valeur

    def date(self, nom: str, *, fin: bool = False) -> datetime | None:
        """A local (Kinshasa) day: its first instant, or its last when `fin` (read as the API
        reads it: a datetime is also accepted, as given)."""
        valeur = self.texte(nom)
        if valeur is None:
            return None
        try:
            return moment_lire(valeur, fin=fin)
        except ValueError:  # unreadable, or beyond what the database can compare
            self.erreurs[nom] = "Date attendue (AAAA-MM-JJ)."
            return None


def paginer(request: HttpRequest, qs: Any, par_page: int = PAR_PAGE) -> Page:
    return Paginator(qs, par_page).get_page(request.GET.get("page"))
