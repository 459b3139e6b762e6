"""Reads of the catalogue and the ledger, always scoped to one shop."""

from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet

from magasin.boutiques.models import Boutique
from magasin.stock.models import Article, MouvementStock


def articles_de_boutique(
    *, boutique: Boutique, modifie_depuis: datetime | None = None
) -> QuerySet[Article]:
    qs = Article.objects.filter(boutique=boutique)
    if modifie_depuis is not None:
        qs = qs.filter(date_modification__gt=modifie_depuis)
    return qs.order_by("date_modification", "pk")


def mouvements_de_boutique(
    *,
    boutique: Boutique,
    article_id: int | None = None,
    type_mouvement: str | None = None,
    date_debut: datetime | None = None,
    date_fin: datetime | None = None,
    reference_document: str | None = None,
) -> QuerySet[MouvementStock]:
    qs = MouvementStock.objects.filter(boutique=boutique).select_related("article")
    if article_id is not None:
        qs = qs.filter(article_id=article_id)
    if type_mouvement:
        qs = qs.filter(type_mouvement=type_mouvement)
    if date_debut is not None:
        qs = qs.filter(date_mouvement__gte=date_debut)
    if date_fin is not None:
        qs = qs.filter(date_mouvement__lte=date_fin)
    if reference_document:
        qs = qs.filter(reference_document=reference_document)
    return qs.order_by("-date_mouvement", "-pk")
