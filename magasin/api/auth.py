"""Which terminal a request speaks for: serial header, then token; failures throttled.

The rule (issue 17): a terminal presenting valid credentials is never refused because of
failures, its own or anyone's. Failures (unknown serial, wrong or missing token) are counted
per serial and per client address (`magasin.core.limitation.adresse_client`: the real address
behind a trusted proxy); a failing request whose serial or address has failed too often gets
429 with `Retry-After` instead of 401/404. The credentials are checked first, so a terminal
that authenticates behind an address shared with a retired terminal retrying forever (every
terminal behind one nginx, one shop's NAT) is served, and an accepted request reads nothing
from the cache.

Why a blocked serial still gets in with its right token: the token is 256 random bits
(`boutiques.services.jeton_generer`), so guessing it is bounded by its entropy, not by a rate:
at a million guesses a second, the odds of a hit in a century are below 1 in 10^61. Refusing
the right token instead would let anyone who reads a serial off a device's label lock that
till out with 20 requests every 5 minutes, which is what the rule forbids. What the counters
bound is noise: a device with a stale token or a retired serial, told to back off for a while
with `Retry-After`. A serial-only terminal (`serie_seule`) has no secret but its serial; the
same rule lets it in, so guessing such serials is not bounded by this throttle (a wrong guess
gets 429, a right one 200): giving those terminals a token is the fix, not a lock-out.
"""

from __future__ import annotations

from django.http import HttpRequest

from magasin.boutiques.models import Terminal
from magasin.boutiques.services import terminal_authentifier, terminal_marquer_synchro
from magasin.core.erreurs import CodeErreur, ErreurMetier
from magasin.core.limitation import Limite, adresse_client, blocage_restant, echec_compter
from magasin.core.terminaux import serie_de_requete

FENETRE_ECHECS_S = 300
# 20 failures in 5 minutes: a terminal retrying every 15 s with a stale token is told to wait.
LIMITE_SERIE = Limite(espace="terminal-serie", maximum=20, fenetre_s=FENETRE_ECHECS_S)
LIMITE_ADRESSE = Limite(espace="terminal-adresse", maximum=20, fenetre_s=FENETRE_ECHECS_S)
ECHECS_COMPTES = (CodeErreur.TOKEN_INVALIDE, CodeErreur.TERMINAL_NOT_FOUND)


def _jeton(request: HttpRequest) -> str | None:
    autorisation = request.headers.get("Authorization", "")
    if autorisation[:7].lower() == "bearer ":
        return autorisation[7:].strip() or None
    return request.headers.get("X-Device-Token") or None


def _echec(request: HttpRequest, serie: str | None, erreur: ErreurMetier) -> ErreurMetier:
    """The error to answer for a failed authentication: 429 once its serial or address is
    blocked, otherwise the failure itself, counted."""
    compteurs = [(LIMITE_ADRESSE, adresse_client(request))]
    if serie is not None:
        compteurs.append((LIMITE_SERIE, serie))
    restant = max(blocage_restant(limite, cle) for limite, cle in compteurs)
    if restant:
        # Not counted again: a blocked client hammering on adds no write, and its window ends.
        return ErreurMetier(
            CodeErreur.TROP_DE_TENTATIVES,
            f"Trop d'échecs d'authentification pour ce terminal ou depuis cette adresse : réessayez dans {restant} s.",
            reessayer_dans_s=restant,
        )
    for limite, cle in compteurs:
        echec_compter(limite, cle)
    return erreur


ENTETES_VERSION = ("X-App-Version", "X-Client-Version", "App-Version", "X-Version")


def application_de_requete(request: HttpRequest) -> tuple[str, str]:
    """(User-Agent, version) as the terminal's app states them, printable characters only."""
    version = next((request.headers[e] for e in ENTETES_VERSION if request.headers.get(e)), "")
    return _imprimable(request.headers.get("User-Agent", "")), _imprimable(version)


def _imprimable(texte: str) -> str:
    return "".join(c for c in texte if c.isprintable())


def terminal_de_requete(request: HttpRequest, *, marquer: bool = True) -> Terminal:
    """Authenticate the terminal, update its derniere_synchro, or raise the API error.

    `marquer=False` leaves the update to the caller (the sync writes it in its own transaction,
    which saves a commit per batch).
    """
    serie = serie_de_requete(request)
    try:
        terminal = terminal_authentifier(numero_serie=serie, jeton=_jeton(request))
    except ErreurMetier as erreur:
        if erreur.code in ECHECS_COMPTES:
            raise _echec(request, serie, erreur) from None
        raise
    if marquer:
        user_agent, version = application_de_requete(request)
        terminal_marquer_synchro(terminal=terminal, user_agent=user_agent, version_app=version)
    request.magasin_terminal = terminal  # type: ignore[attr-defined]  # for the access log
    return terminal
