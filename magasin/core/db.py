"""Database helpers that must behave the same on SQLite, PostgreSQL and MariaDB/MySQL."""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

from django.db import DatabaseError, connection, migrations, models, transaction

logger = logging.getLogger("magasin.db")

P = ParamSpec("P")
R = TypeVar("R")
M = TypeVar("M", bound=models.Model)

# PostgreSQL: deadlock_detected, serialization_failure. MySQL/MariaDB: deadlock, lock wait timeout.
_SQLSTATES_REESSAYABLES = {"40P01", "40001"}
_ERRNOS_MYSQL_REESSAYABLES = {1213, 1205}
TENTATIVES_MAX = 4


def est_interblocage(exc: BaseException) -> bool:
    cause = exc.__cause__ or exc
    sqlstate = getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None)
    if sqlstate in _SQLSTATES_REESSAYABLES:
        return True
    args: tuple[object, ...] = getattr(cause, "args", ())
    return bool(args) and isinstance(args[0], int) and args[0] in _ERRNOS_MYSQL_REESSAYABLES


def reessayer_si_interblocage(fn: Callable[P, R]) -> Callable[P, R]:
    """Run `fn` (which opens its own transaction) again when the database reports a deadlock.

    Bounded: after TENTATIVES_MAX attempts the error propagates. Inside an outer transaction
    nothing can be retried (the outer one is already aborted), so it just runs once.
    """

    @functools.wraps(fn)
    def enveloppe(*args: P.args, **kwargs: P.kwargs) -> R:
        if connection.in_atomic_block:
            return fn(*args, **kwargs)
        for tentative in range(1, TENTATIVES_MAX + 1):
            try:
                return fn(*args, **kwargs)
            except DatabaseError as exc:
                if tentative == TENTATIVES_MAX or not est_interblocage(exc):
                    raise
                logger.warning(
                    "interblocage, nouvelle tentative",
                    extra={"fonction": fn.__qualname__, "tentative": tentative},
                )
                time.sleep(0.01 * tentative)
        raise AssertionError("unreachable")

    return enveloppe


def exiger_transaction() -> None:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("must be called inside transaction.atomic()")


def verrouiller(requete: models.QuerySet[M]) -> models.QuerySet[M]:
    """The rows of `requete` locked for update until the end of the transaction.

    PostgreSQL: `FOR NO KEY UPDATE`, which does not block the `FOR KEY SHARE` that a foreign-key
    check takes on the parent row: a sale line inserted elsewhere for this shop or article
    does not wait for us. MariaDB/MySQL: `FOR UPDATE` (it has no weaker mode; its foreign-key
    checks take shared locks that wait either way). SQLite: no clause, the IMMEDIATE
    transaction already holds the database's write lock.
    """
    exiger_transaction()
    return requete.select_for_update(no_key=connection.features.has_select_for_no_key_update)


def plans_generiques() -> None:
    """For the rest of this transaction, PostgreSQL plans each statement once for any parameter
    values (`plan_cache_mode = force_generic_plan`); other backends have no such choice.

    For the sync batch's statements, whose plans do not depend on the values (a shop, a list
    of ids or invoice numbers): otherwise PostgreSQL plans them again for each batch's values,
    and for a shop created since the last ANALYZE it believed the shop held no sale and probed
    the known-sales query through the uuid index for numbers, reading every sale of the shop
    (0.8 ms at 3,000 sales, growing with the shop; 0.35 ms for any shop with the generic plan).
    """
    exiger_transaction()
    if connection.vendor == "postgresql":
        with connection.cursor() as curseur:
            curseur.execute("SET LOCAL plan_cache_mode = force_generic_plan")


def cle_etrangere_composite(
    nom: str, table: str, colonnes: tuple[str, ...], table_cible: str, colonnes_cible: tuple[str, ...]
) -> migrations.RunPython:
    """A migration operation adding a composite foreign key on PostgreSQL and MariaDB/MySQL.

    Django declares only single-column foreign keys; a composite one such as
    (boutique_id, article_id) -> article (boutique_id, id) makes a row of one shop pointing at
    another shop's parent impossible. SQLite is left out (adding a constraint there means
    rebuilding the table, and Django would drop it at its next rebuild): its single-column keys
    still hold, and the services check the shop.
    """
    cols, cibles = ", ".join(colonnes), ", ".join(colonnes_cible)

    def ajouter(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor in ("postgresql", "mysql"):
            schema_editor.execute(
                f"ALTER TABLE {table} ADD CONSTRAINT {nom} FOREIGN KEY ({cols}) REFERENCES {table_cible} ({cibles})"
            )

    def retirer(apps: Any, schema_editor: Any) -> None:
        vendor = schema_editor.connection.vendor
        if vendor == "postgresql":
            schema_editor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {nom}")
        elif vendor == "mysql":
            schema_editor.execute(f"ALTER TABLE {table} DROP FOREIGN KEY {nom}")

    # Not atomic: MariaDB cannot run DDL inside a transaction.
    return migrations.RunPython(ajouter, retirer, atomic=False)
