"""Reading filter values from a query string: bad values are form errors, never 500s."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from django.core.paginator import Page, Paginator
from django.http import HttpRequest
from django.utils import timezone

PAR_PAGE = 25


class Filtres:
    """Parsed GET filters and the French errors of the unreadable ones."""

    def __init__(self, request: HttpRequest) -> None:
        self.get = request.GET
        self.erreurs: dict[str, str] = {}

    def texte(self, nom: str) -> str | None:
        valeur = self.get.get(nom, "").strip()
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
        """A local (Kinshasa) day: its first instant, or its last when `fin`."""
        valeur = self.texte(nom)
        if valeur is None:
            return None
        try:
            jour = date.fromisoformat(valeur)
        except ValueError:
            self.erreurs[nom] = "Date attendue (AAAA-MM-JJ)."
            return None
        return timezone.make_aware(datetime.combine(jour, time.max if fin else time.min))


def paginer(request: HttpRequest, qs: Any, par_page: int = PAR_PAGE) -> Page:
    return Paginator(qs, par_page).get_page(request.GET.get("page"))
