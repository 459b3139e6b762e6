"""The ledger invariants, as one assertion every test can call after doing anything."""

from __future__ import annotations

from collections import defaultdict
from itertools import pairwise

from django.db.models import Sum

from magasin.stock.models import Article, MouvementStock


def verifier_registre(*articles: Article) -> None:
    """For each article: stock == sum of its movements, and the chain has no break."""
    qs = Article.objects.all()
    if articles:
        qs = qs.filter(pk__in=[a.pk for a in articles])
    stocks = dict(qs.values_list("pk", "quantite_stock"))
    sommes = dict(
        MouvementStock.objects.filter(article_id__in=stocks)
        .values("article_id")
        .annotate(s=Sum("quantite"))
        .values_list("article_id", "s")
    )
    for pk, stock in stocks.items():
        assert stock == (sommes.get(pk) or 0), f"article {pk}: stock {stock} != ledger {sommes.get(pk)}"
    chaines: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for article_id, avant, apres in (
        MouvementStock.objects.filter(article_id__in=stocks)
        .order_by("article_id", "pk")
        .values_list("article_id", "stock_avant", "stock_apres")
    ):
        chaines[article_id].append((avant, apres))
    for article_id, chaine in chaines.items():
        assert chaine[0][0] == 0, f"article {article_id}: ledger does not start at 0"
        for (_, apres), (avant, _) in pairwise(chaine):
            assert apres == avant, f"article {article_id}: chain broken ({apres} -> {avant})"
