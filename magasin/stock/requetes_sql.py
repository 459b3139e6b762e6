"""The one hand-written statement of the stock ledger: the new stocks of a batch's articles.

Why not `bulk_update`: it builds a Django `Case(When(pk=…, then=Value(…)))` expression per
article and per field, which measured 43 % of a 50-sale batch's Python time (bench/profil.py,
docs/PERFORMANCE.md). This statement is the same `UPDATE … CASE` that `bulk_update` would send,
written once as text with parameters (no value is ever formatted into the SQL), and it runs
unchanged on SQLite, PostgreSQL and MariaDB/MySQL.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.db import connection

from magasin.stock.models import Article


def stocks_ecrire(articles: Sequence[Article], *, moment: datetime, par_requete: int = 1000) -> None:
    """Write `quantite_stock` of locked articles of one shop, and `date_modification = moment`
    (the terminals' catalogue delta reads it)."""
    if not articles:
        return
    boutique_id = articles[0].boutique_id
    if any(a.boutique_id != boutique_id for a in articles):
        raise ValueError("stocks_ecrire: articles of several shops")
    # Three parameters an article: 1,000 stays well under every backend's limit on parameters.
    for debut in range(0, len(articles), par_requete):
        _ecrire(articles[debut : debut + par_requete], boutique_id, moment)
    for article in articles:
        article.date_modification = moment


def _ecrire(articles: Sequence[Article], boutique_id: int, moment: datetime) -> None:
    qn = connection.ops.quote_name
    table, pk, stock = qn(Article._meta.db_table), qn("id"), qn("quantite_stock")
    cas = " ".join(["WHEN %s THEN %s"] * len(articles))
    parmi = ", ".join(["%s"] * len(articles))
    with connection.cursor() as curseur:
        curseur.execute(
            f"UPDATE {table} SET {stock} = CASE {pk} {cas} END, {qn('date_modification')} = %s "
            # The shop bounds the rows: an id of another shop can never be written here.
            f"WHERE {qn('boutique_id')} = %s AND {pk} IN ({parmi})",
            [*(v for a in articles for v in (a.pk, a.quantite_stock)), moment, boutique_id, *(a.pk for a in articles)],
        )
