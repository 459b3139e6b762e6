"""The back-office's heavy reads on a streaming replica (DATABASE_REPLICA_URL), never at a cost.

A view opts in with `@lecture_replique` (dashboard, history and its exports, ledger, catalogue
export). During such a GET, `RouteurReplique` sends reads of the domain's tables to the
`replique` alias, unless:
- the request is inside a transaction (`in_atomic_block`): a transaction reads one snapshot,
  on the primary, like its writes;
- the request has written anything: its later reads stay on the primary;
- the user wrote recently: after any POST, `LectureDeSesEcritures` sets a signed cookie for
  MAGASIN_REPLIQUE_FRAICHEUR_S seconds and that browser's pages read the primary meanwhile
  (read-your-writes: a manager sees the invoice they have just made);
- the replica lags past MAGASIN_REPLIQUE_RETARD_MAX_S, is not streaming, or does not answer
  (measured at most every DUREE_MESURE_S per process): then everything reads the primary, and
  `/readyz` says why. A replica that fails never turns into a 500.
Sessions, users and Django's own tables always read the primary (login, permissions). Writes
always go to the primary. The terminals' API is never marked: the sync path never reads here.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import time
from collections.abc import Callable, Iterable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, ParamSpec, cast

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model
from django.http import HttpRequest, HttpResponse, HttpResponseBase, StreamingHttpResponse

logger = logging.getLogger("magasin.routage")

ALIAS_REPLIQUE = "replique"
COOKIE_ECRITURE = "magasin_ecriture"
_SEL = "magasin.core.routage"
DUREE_MESURE_S = 3.0
# Django's own tables stay on the primary: a session or a user just created must be found.
_APPS_PRIMAIRE = frozenset({"sessions", "auth", "contenttypes", "admin", "core"})

P = ParamSpec("P")


@dataclass
class _Demande:
    replique: bool


_demande: ContextVar[_Demande | None] = ContextVar("magasin_lecture_replique", default=None)


@dataclass(frozen=True)
class EtatReplique:
    disponible: bool
    motif: str  # ok | en_retard | deconnectee | promue | injoignable | non_configuree
    retard_s: float | None
    mesure_a: float

    def en_json(self) -> dict[str, Any]:
        return {
            "etat": self.motif,
            "retard_s": None if self.retard_s is None else round(self.retard_s, 3),
            "lectures": "replique" if self.disponible else "primaire",
        }


_derniere: EtatReplique | None = None

# One round trip: is it a standby, is its WAL receiver streaming, and how far behind is it.
# When everything received is replayed, it is as fresh as the primary (an idle primary writes
# no transaction, so the last replay timestamp alone would look like hours of lag).
_SQL_ETAT = """
SELECT pg_is_in_recovery(),
       (SELECT status FROM pg_stat_wal_receiver),
       CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
            ELSE EXTRACT(EPOCH FROM clock_timestamp() - pg_last_xact_replay_timestamp()) END
"""


def replique_configuree() -> bool:
    return ALIAS_REPLIQUE in settings.DATABASES


def _mesurer() -> EtatReplique:
    maintenant = time.monotonic()
    try:
        with connections[ALIAS_REPLIQUE].cursor() as curseur:
            curseur.execute(_SQL_ETAT)
            en_recuperation, statut, retard = curseur.fetchone()
    except Exception as exc:  # whatever the replica does, reads go to the primary
        with contextlib.suppress(Exception):  # a connection that cannot even close is dropped
            connections[ALIAS_REPLIQUE].close()
        logger.debug("replique injoignable", extra={"erreur": str(exc)[:200]})
        return EtatReplique(False, "injoignable", None, maintenant)
    if not en_recuperation:
        return EtatReplique(False, "promue", None, maintenant)
    if statut != "streaming":
        return EtatReplique(False, "deconnectee", None if retard is None else float(retard), maintenant)
    if retard is None or float(retard) > settings.MAGASIN_REPLIQUE_RETARD_MAX_S:
        return EtatReplique(False, "en_retard", None if retard is None else float(retard), maintenant)
    return EtatReplique(True, "ok", float(retard), maintenant)


def etat_replique(*, mesurer: bool = False) -> EtatReplique:
    """The replica's state as last measured in this process (measured again when older than
    DUREE_MESURE_S, or with `mesurer`)."""
    global _derniere
    if not replique_configuree():
        return EtatReplique(False, "non_configuree", None, time.monotonic())
    precedente = _derniere
    if not mesurer and precedente is not None and time.monotonic() - precedente.mesure_a < DUREE_MESURE_S:
        return precedente
    etat = _mesurer()
    if precedente is None or precedente.motif != etat.motif:
        niveau = logging.INFO if etat.disponible else logging.WARNING
        logger.log(niveau, "replique: %s", etat.motif, extra={"retard_s": etat.retard_s})
    _derniere = etat
    return etat


def oublier_mesure() -> None:
    """Forget the last measurement (tests; after the replica was restarted)."""
    global _derniere
    _derniere = None


def alias_de_lecture() -> str:
    """Where a marked request's reads go now: the replica, or the primary (`default`) inside a
    transaction on the primary, after a write, outside a marked view, or when the replica lags
    or is away. For a report that reads one snapshot in several queries: open its transaction
    here, `transaction.atomic(using=alias_de_lecture())`, and its reads follow."""
    demande = _demande.get()
    if demande is None or not demande.replique or not replique_configuree():
        return DEFAULT_DB_ALIAS
    if connections[ALIAS_REPLIQUE].in_atomic_block:
        return ALIAS_REPLIQUE
    if connections[DEFAULT_DB_ALIAS].in_atomic_block or not etat_replique().disponible:
        return DEFAULT_DB_ALIAS
    return ALIAS_REPLIQUE


class RouteurReplique:
    """Django database router: reads of a marked request on the replica when that is safe."""

    def db_for_read(self, model: type[Model], **hints: Any) -> str | None:
        demande = _demande.get()
        if demande is None or not demande.replique or model._meta.app_label in _APPS_PRIMAIRE:
            return None
        if connections[ALIAS_REPLIQUE].in_atomic_block:
            return ALIAS_REPLIQUE  # a snapshot opened on the replica (alias_de_lecture)
        alias = alias_de_lecture()
        return None if alias == DEFAULT_DB_ALIAS else alias

    def db_for_write(self, model: type[Model], **hints: Any) -> str | None:
        demande = _demande.get()
        if demande is not None:
            demande.replique = False  # this request's later reads must see what it wrote
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Model, obj2: Model, **hints: Any) -> bool | None:
        return True  # the replica holds the primary's very rows

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool | None:
        return False if db == ALIAS_REPLIQUE else None


def a_ecrit_recemment(request: HttpRequest) -> bool:
    return (
        request.get_signed_cookie(
            COOKIE_ECRITURE, default=None, salt=_SEL, max_age=timedelta(seconds=settings.MAGASIN_REPLIQUE_FRAICHEUR_S)
        )
        is not None
    )


def _flux_sur_replique(demande: _Demande, contenu: Iterable[Any]) -> Iterator[Any]:
    """A streamed export is read while it is sent, after the view returned: each chunk is
    produced with the view's routing in force."""
    morceaux = iter(contenu)
    while True:
        jeton = _demande.set(demande)
        try:
            morceau = next(morceaux)
        except StopIteration:
            return
        finally:
            _demande.reset(jeton)
        yield morceau


def lecture_replique(vue: Callable[P, HttpResponseBase]) -> Callable[P, HttpResponseBase]:
    """Mark a back-office view whose GET reads may go to the replica (see the module)."""

    @functools.wraps(vue)
    def enveloppe(*args: P.args, **kwargs: P.kwargs) -> HttpResponseBase:
        request = args[0]
        assert isinstance(request, HttpRequest)
        if request.method not in ("GET", "HEAD") or not replique_configuree() or a_ecrit_recemment(request):
            return vue(*args, **kwargs)
        demande = _Demande(replique=True)
        jeton = _demande.set(demande)
        try:
            reponse = vue(*args, **kwargs)
        finally:
            _demande.reset(jeton)
        if isinstance(reponse, StreamingHttpResponse) and demande.replique and not reponse.is_async:
            contenu = cast(Iterable[bytes], reponse.streaming_content)
            reponse.streaming_content = _flux_sur_replique(demande, contenu)
        return reponse

    return enveloppe


class LectureDeSesEcritures:
    """After a user's POST (or any unsafe method) in the back-office, a signed cookie keeps that
    browser's next pages on the primary for MAGASIN_REPLIQUE_FRAICHEUR_S seconds."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        reponse = self.get_response(request)
        if (
            request.method not in ("GET", "HEAD", "OPTIONS", "TRACE")
            and replique_configuree()
            and not request.path.startswith("/api/")
        ):
            reponse.set_signed_cookie(
                COOKIE_ECRITURE,
                "1",
                salt=_SEL,
                max_age=int(settings.MAGASIN_REPLIQUE_FRAICHEUR_S) + 1,
                httponly=True,
                samesite="Lax",
                secure=settings.SESSION_COOKIE_SECURE,
            )
        return reponse
