"""The back-office's filters and pages: bad values are form errors, never 500s.

The values are read by `magasin.core.filtres.Filtres`, the same reader as the terminal API's:
`Filtres(request)` here reads the query string and keeps its messages in `erreurs` for the
template.
"""

from __future__ import annotations

from typing import Any

from django.core.paginator import Page, Paginator
from django.http import HttpRequest
from django.utils.functional import cached_property

from magasin.core import filtres

PAR_PAGE = 25


class Filtres(filtres.Filtres):
    """The GET filters of a back-office request; `erreurs` holds the French message of each
    unreadable value (views may add their own, e.g. a period ending before it starts)."""

    def __init__(self, request: HttpRequest) -> None:
        super().__init__(request.GET)


def paginer(request: HttpRequest, qs: Any, par_page: int = PAR_PAGE) -> Page:
    return Paginator(qs, par_page).get_page(request.GET.get("page"))


class PaginateurPlafonne(Paginator):
    """Counts at most `PLAFOND` rows: a year of a busy shop's ledger is 1.1 M rows, and counting
    them on every page cost most of the page (0.8 s). Beyond the ceiling the page says "plus de
    10 000 lignes" and the last pages are those up to it; filters narrow the list further."""

    PLAFOND = 10_000

    @cached_property
    def count(self) -> int:  # type: ignore[override]
        compte = self.object_list[: self.PLAFOND + 1].count()  # type: ignore[attr-defined]
        self.plafonne = compte > self.PLAFOND
        return min(compte, self.PLAFOND)

    plafonne = False


def paginer_plafonne(request: HttpRequest, qs: Any, par_page: int = PAR_PAGE) -> Page:
    return PaginateurPlafonne(qs, par_page).get_page(request.GET.get("page"))
