"""Bulk writes for the sync hot path, without Django's per-value preparation.

`bulk_create` and `bulk_update` spend most of a 500-sale batch in Python (preparing ~35,000
values one by one, and a CASE WHEN per article). On PostgreSQL these helpers send the same
rows as column arrays in one `INSERT … SELECT FROM unnest(…)` / `UPDATE … FROM unnest(…)`;
other backends use Django's bulk methods unchanged. Only for models whose fields need no
`pre_save` (no auto_now): the callers set every value themselves.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from enum import Enum
from typing import TypeVar

from django.db import connection, models

from magasin.stock.models import Article

M = TypeVar("M", bound=models.Model)


def inserer_en_masse(objets: Sequence[M], *, batch_size: int = 1000) -> None:
    """Insert `objets` (all of one model) and set their primary keys, like `bulk_create`."""
    if not objets:
        return
    modele = type(objets[0])
    if connection.vendor != "postgresql":
        modele._default_manager.bulk_create(objets, batch_size=batch_size)
        return
    meta = modele._meta
    champs = [f for f in meta.concrete_fields if not f.primary_key]
    qn = connection.ops.quote_name
    colonnes = ", ".join(qn(f.column) for f in champs)
    tableaux = ", ".join(f"%s::{f.db_type(connection)}[]" for f in champs)
    sql = (
        f"INSERT INTO {qn(meta.db_table)} ({colonnes}) SELECT * FROM unnest({tableaux}) RETURNING {qn(meta.pk.column)}"
    )
    valeurs = []
    for f in champs:
        colonne = [getattr(o, f.attname) for o in objets]
        if f.choices:
            colonne = [v.value if isinstance(v, Enum) else v for v in colonne]
        valeurs.append(colonne)
    with connection.cursor() as curseur:
        curseur.execute(sql, valeurs)
        ids = [ligne[0] for ligne in curseur.fetchall()]
    for objet, pk in zip(objets, ids, strict=True):
        objet.pk = pk
        objet._state.adding = False
        objet._state.db = connection.alias


def stocks_ecrire(articles: Sequence[Article], *, moment: datetime) -> None:
    """Write `quantite_stock` and `date_modification = moment` of locked articles."""
    if not articles:
        return
    for article in articles:
        article.date_modification = moment
    if connection.vendor != "postgresql":
        Article.objects.bulk_update(articles, ["quantite_stock", "date_modification"], batch_size=1000)
        return
    table = connection.ops.quote_name(Article._meta.db_table)
    with connection.cursor() as curseur:
        curseur.execute(
            f"UPDATE {table} SET quantite_stock = v.q, date_modification = %s "
            "FROM unnest(%s::bigint[], %s::integer[]) AS v(id, q) "
            f"WHERE {table}.id = v.id",
            [moment, [a.pk for a in articles], [a.quantite_stock for a in articles]],
        )
