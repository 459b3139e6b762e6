"""The back-office's filters and pages: bad values are form errors, never 500s.

The values are read by `magasin.core.filtres.Filtres`, the same reader as the terminal API's:
`Filtres(request)` here reads the query string and keeps its messages in `erreurs` for the
template.
"""

from __future__ import annotations

from typing import Any

from django.core.paginator import Page, Paginator
from django.http import HttpRequest

from magasin.core import filtres

PAR_PAGE = 25


class Filtres(filtres.Filtres):
    """The GET filters of a back-office request; `erreurs` holds the French message of each
    unreadable value (views may add their own, e.g. a period ending before it starts)."""

    def __init__(self, request: HttpRequest) -> None:
        super().__init__(request.GET)


def paginer(request: HttpRequest, qs: Any, par_page: int = PAR_PAGE) -> Page:
    return Paginator(qs, par_page).get_page(request.GET.get("page"))
