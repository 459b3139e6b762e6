"""One JSON log line per request, with a request id echoed in X-Request-ID.

The line names who called (terminal serial or user name), the shop, the status and the
duration. It never holds a header, a body or a query string: tokens travel in
`Authorization` / `X-Device-Token`, passwords in bodies, and neither is ever read here.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from magasin.core.journal import id_requete

logger = logging.getLogger("magasin.requetes")

# An incoming id (from a proxy or a terminal) is kept only if it cannot forge a log line.
_ID_ACCEPTABLE = re.compile(r"^[A-Za-z0-9._:-]{8,64}$")


def _id_de(request: HttpRequest) -> str:
    entrant = request.headers.get("X-Request-ID", "")
    if _ID_ACCEPTABLE.match(entrant):
        return entrant
    return uuid.uuid4().hex


class JournalRequetes:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        rid = _id_de(request)
        request.id_requete = rid  # type: ignore[attr-defined]
        jeton_contexte = id_requete.set(rid)
        debut = time.perf_counter()
        statut = 500
        try:
            response = self.get_response(request)
            statut = response.status_code
            response["X-Request-ID"] = rid
            return response
        finally:
            self._journaliser(request, statut, (time.perf_counter() - debut) * 1000)
            id_requete.reset(jeton_contexte)

    def _journaliser(self, request: HttpRequest, statut: int, duree_ms: float) -> None:
        terminal = getattr(request, "magasin_terminal", None)
        utilisateur = getattr(request, "user", None)
        boutique = None
        if terminal is not None and terminal.boutique is not None:
            boutique = terminal.boutique.code
        elif getattr(request, "magasin_boutique", None) is not None:
            # Web views that work on one shop may set request.magasin_boutique.
            boutique = request.magasin_boutique.code  # type: ignore[attr-defined]
        extra: dict[str, object] = {
            "evenement": "requete",
            "methode": request.method,
            # The path only: a query string may carry anything a client chose to put in it.
            "chemin": request.path,
            "statut": statut,
            "duree_ms": round(duree_ms, 1),
            "terminal": terminal.numero_serie if terminal is not None else None,
            "utilisateur": (
                utilisateur.get_username() if utilisateur is not None and utilisateur.is_authenticated else None
            ),
            "boutique": boutique,
        }
        niveau = logging.ERROR if statut >= 500 else logging.INFO
        logger.log(niveau, "requête", extra=extra)
