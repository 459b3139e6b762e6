"""Hand-written SQL for the few statements every sync request runs, on all three backends.

Why: building and compiling an ORM query costs ~0.5-1 ms of Python, and a sync request runs
about eight of them; measured (`bench/profil.py`), that was half of a request's fixed CPU.
These statements are plain SQL (no FILTER, no RETURNING, no ON CONFLICT) so one text runs on
SQLite, PostgreSQL and MariaDB/MySQL; only `dans` words an IN list differently on PostgreSQL.
Table and column names come from the models' `_meta`. Instances read back get each backend's
value converters, as the ORM's do (`tests/test_sql.py` checks it on the three backends); only
the compiling is skipped. Everything else uses the ORM.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import cache
from typing import Any, TypeVar, cast

from django.db import DEFAULT_DB_ALIAS, connection, connections, models
from django.db.models.base import ModelState
from django.db.models.sql import Query

M = TypeVar("M", bound=models.Model)


def table(modele: type[models.Model]) -> str:
    return _nom_cite(connection.vendor, modele._meta.db_table)


def colonne(modele: type[models.Model], champ: str) -> str:
    return _colonne(connection.vendor, modele, champ)


# Memoised per backend: a sync request names some sixty columns, and each name went through
# `_meta.get_field` and the backend's quoting again.
@cache
def _nom_cite(vendor: str, nom: str) -> str:
    return connection.ops.quote_name(nom)


@cache
def _colonne(vendor: str, modele: type[models.Model], champ: str) -> str:
    return _nom_cite(vendor, str(modele._meta.get_field(champ).column))  # type: ignore[union-attr]


def marques(n: int) -> str:
    """`%s, %s, …` for an IN list of n values (n >= 1)."""
    if n < 1:
        raise ValueError("an IN list needs at least one value")
    return ", ".join(["%s"] * n)


def dans(colonne_sql: str, valeurs: Sequence[Any]) -> tuple[str, list[Any]]:
    """`colonne IN (…)` as (SQL fragment, params). On PostgreSQL `colonne = ANY(%s)` with one
    array parameter: the statement stays short, so psycopg does not re-parse a long text
    with hundreds of placeholders at every batch."""
    if connection.vendor == "postgresql":
        if all(type(v) is int for v in valeurs):
            return f"{colonne_sql} = ANY(%s::bigint[])", [tableau_entiers(valeurs)]
        if all(type(v) is str for v in valeurs):
            return f"{colonne_sql} = ANY(%s::text[])", [tableau_textes(valeurs)]
        return f"{colonne_sql} = ANY(%s)", [list(valeurs)]
    return f"{colonne_sql} IN ({marques(len(valeurs))})", list(valeurs)


def tableau_entiers(valeurs: Iterable[int]) -> str:
    """A PostgreSQL array literal (`{1,2,3}`) of integers, passed as one text parameter and cast
    in the statement: psycopg renders a Python list element by element in Python, which on a
    batch's few hundred ids cost more than the statement itself."""
    return "{" + ",".join(map(str, valeurs)) + "}"


def tableau_textes(valeurs: Iterable[str]) -> str:
    """A PostgreSQL array literal of strings (`{"a","b\\"c"}`), for the same reason: every
    element double-quoted, its backslashes and double quotes escaped. A batch's fifty invoice
    numbers and uuids cost 0.14 ms as a list, 0.06 ms as one literal (measured)."""
    return "{" + ",".join('"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"' for v in valeurs) + "}"


def pour_mise_a_jour() -> str:
    """` FOR UPDATE` where the backend locks rows; SQLite locks the whole database when the
    transaction begins (IMMEDIATE), so it needs none and has no such clause."""
    return " FOR UPDATE" if connection.features.has_select_for_update else ""


def lignes(sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as curseur:
        curseur.execute(sql, list(params))
        return list(curseur.fetchall())


def executer(sql: str, params: Sequence[Any]) -> int:
    """Run one write statement; the number of rows it touched."""
    with connection.cursor() as curseur:
        curseur.execute(sql, list(params))
        return int(curseur.rowcount)


def colonnes(modele: type[models.Model], champs: Sequence[str], *, qualifiees: bool = False) -> str:
    """`"a", "b", …`: the columns of `champs`, for a SELECT read by `instances`; `qualifiees`
    prefixes the table (`"t"."a"`) for a join."""
    prefixe = f"{table(modele)}." if qualifiees else ""
    return ", ".join(prefixe + colonne(modele, champ) for champ in champs)


def instance_sans_init(
    modele: type[M],
    valeurs: Iterable[tuple[str, Any]] | dict[str, Any],
    *,
    depuis_base: bool = False,
    lies: dict[str, models.Model | None] | None = None,
) -> M:
    """An instance of `modele` with `valeurs` (by attname) put straight into it, without
    `Model.__init__` and its per-field descriptors (the bulk of a sync batch's Python, measured).

    `depuis_base`: the values were read from the database (`adding=False`, as `from_db` sets).
    `lies` pre-fills the related-object cache (`{"article": article}`). No `pre_init`/`post_init`
    signal is sent: none of our models has a receiver. Fields not given are deferred, as with
    `.only()`: callers give every field they need (`stock.insertion.construire` fills defaults).
    """
    objet = modele.__new__(modele)
    objet.__dict__.update(valeurs)
    etat = ModelState()
    if depuis_base:
        etat.adding = False
        etat.db = connection.alias
    if lies:
        etat.fields_cache = dict(lies)
    objet.__dict__["_state"] = etat
    return objet


class _Lecteur:
    """Turns a slice of a row into an instance of one model: the backend's converters, then the
    values put straight into the instance (no `Model.__init__`)."""

    def __init__(self, modele: type[models.Model], champs: Sequence[str]) -> None:
        self.modele = modele
        champs_modele = [cast("models.Field[Any, Any]", modele._meta.get_field(c)) for c in champs]
        self.attnames = [f.attname for f in champs_modele]
        self.position_pk = self.attnames.index(modele._meta.pk.attname)  # type: ignore[union-attr]
        compilateur = connection.ops.compiler("SQLCompiler")(Query(modele), connection, connection.alias)
        self.convertisseurs = compilateur.get_converters([f.get_col(modele._meta.db_table) for f in champs_modele])

    def instance(self, valeurs: Sequence[Any]) -> models.Model | None:
        """None when the primary key is NULL (nothing matched a LEFT JOIN)."""
        if valeurs[self.position_pk] is None:
            return None
        if self.convertisseurs:
            valeurs = list(valeurs)
            for i, (fonctions, expression) in self.convertisseurs.items():
                for fonction in fonctions:
                    valeurs[i] = fonction(valeurs[i], expression, connection)
        return instance_sans_init(self.modele, zip(self.attnames, valeurs, strict=True), depuis_base=True)


def memo_de_connexion(nom: str) -> dict[Any, Any]:
    """A dict kept on this thread's connection, for what is worked out once per connection
    (values bound to its backend, or read from its database)."""
    memos: dict[Any, Any] = connections[DEFAULT_DB_ALIAS].__dict__.setdefault(f"_magasin_{nom}", {})
    return memos


def _lecteur(modele: type[models.Model], champs: tuple[str, ...]) -> _Lecteur:
    # Per connection: its converters are bound to that connection's backend.
    lecteurs = memo_de_connexion("lecteurs")
    if (modele, champs) not in lecteurs:
        lecteurs[(modele, champs)] = _Lecteur(modele, champs)
    return cast(_Lecteur, lecteurs[(modele, champs)])


def instances_par_ligne(
    sql: str, params: Sequence[Any], *modeles: tuple[type[models.Model], Sequence[str]]
) -> list[tuple[models.Model | None, ...]]:
    """Each row of a SELECT of several models' columns side by side (for each `(modele, champs)`,
    the columns of `champs` in that order), as one instance per model (None where a LEFT JOIN
    found nothing).

    Like `raw()`: each backend's converters are applied (SQLite and MySQL hand back ints for
    booleans, text for decimals), the instances are "from the database" (`adding=False`), and
    fields left out are deferred (read on first access). Unlike `raw()`, no `Model.__init__`
    per row: a sync batch locks a hundred articles, and building them was a tenth of its CPU.
    """
    lecteurs = [_lecteur(modele, tuple(champs)) for modele, champs in modeles]
    bornes = []
    debut = 0
    for lecteur in lecteurs:
        bornes.append((lecteur, debut, debut + len(lecteur.attnames)))
        debut += len(lecteur.attnames)
    return [tuple(lecteur.instance(ligne[d:f]) for lecteur, d, f in bornes) for ligne in lignes(sql, params)]


def instances(modele: type[M], sql: str, params: Sequence[Any], *, champs: Sequence[str]) -> list[M]:
    """`instances_par_ligne` for a SELECT of one model's columns."""
    return [cast(M, objet) for (objet,) in instances_par_ligne(sql, params, (modele, champs))]
