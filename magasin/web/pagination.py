"""Pages of very long lists: counted up to a ceiling, not to the last row."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Page, Paginator
from django.http import HttpRequest
from django.utils.functional import cached_property

from magasin.web.filtres import PAR_PAGE


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
