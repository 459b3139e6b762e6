"""Which terminal a request speaks for: serial header, then token, with failure throttling."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

from magasin.boutiques.models import Terminal
from magasin.boutiques.services import terminal_authentifier, terminal_marquer_synchro
from magasin.core.erreurs import CodeErreur, ErreurMetier

ENTETES_SERIE = ("X-Device-Serial", "Device-Serial", "Serial-Number")
ECHECS_MAX = getattr(settings, "MAGASIN_ECHECS_AUTH_MAX", 20)
FENETRE_ECHECS_S = 300


def _serie(request: HttpRequest) -> str | None:
    for entete in ENTETES_SERIE:
        valeur = request.headers.get(entete)
        if valeur:
            # No serial holds NUL, and PostgreSQL refuses it in a query: make it match nothing.
            return valeur.replace("\x00", "\ufffd")
    return None


def _jeton(request: HttpRequest) -> str | None:
    autorisation = request.headers.get("Authorization", "")
    if autorisation[:7].lower() == "bearer ":
        return autorisation[7:].strip() or None
    return request.headers.get("X-Device-Token") or None


def _client(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR") or "inconnu"


def _compter_echec(cle: str) -> None:
    if cache.add(cle, 1, FENETRE_ECHECS_S):
        return
    try:
        cache.incr(cle)
    except ValueError:  # expired between add() and incr()
        cache.set(cle, 1, FENETRE_ECHECS_S)


def terminal_de_requete(request: HttpRequest, *, marquer: bool = True) -> Terminal:
    """Authenticate the terminal, update its derniere_synchro, or raise the API error.

    `marquer=False` leaves the update to the caller (the sync writes it in its own transaction,
    which saves a commit per batch).
    """
    cle = f"magasin:echecs-auth:{_client(request)}"
    if (cache.get(cle) or 0) >= ECHECS_MAX:
        raise ErreurMetier(
            CodeErreur.TROP_DE_TENTATIVES,
            "Trop d'échecs d'authentification depuis ce poste : réessayez dans quelques minutes.",
        )
    try:
        terminal = terminal_authentifier(numero_serie=_serie(request), jeton=_jeton(request))
    except ErreurMetier as erreur:
        if erreur.code in (CodeErreur.TOKEN_INVALIDE, CodeErreur.TERMINAL_NOT_FOUND):
            _compter_echec(cle)
        raise
    if marquer:
        terminal_marquer_synchro(terminal=terminal)
    request.magasin_terminal = terminal  # type: ignore[attr-defined]  # for the access log
    return terminal
