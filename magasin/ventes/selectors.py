"""Reads of sales, quarantine and terminal sequence gaps, always scoped to shops."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db.models import F, Max, Prefetch, QuerySet, Value, Window
from django.db.models.functions import Lag

from magasin.boutiques.models import Boutique, Terminal
from magasin.ventes.models import (
    LigneVente,
    SequenceRecue,
    StatutQuarantaine,
    Vente,
    VenteQuarantaine,
)


def ventes_de_boutiques(
    *,
    boutiques: Iterable[Boutique] | QuerySet[Boutique],
    terminal_id: int | None = None,
    date_debut: datetime | None = None,
    date_fin: datetime | None = None,
    mode_paiement: str | None = None,
    statut: str | None = None,
    numero_facture: str | None = None,
    avec_lignes: bool = False,
) -> QuerySet[Vente]:
    qs = Vente.objects.filter(boutique__in=boutiques).select_related("boutique", "terminal")
    if terminal_id is not None:
        qs = qs.filter(terminal_id=terminal_id)
    if date_debut is not None:
        qs = qs.filter(date_vente__gte=date_debut)
    if date_fin is not None:
        qs = qs.filter(date_vente__lte=date_fin)
    if mode_paiement:
        qs = qs.filter(mode_paiement=mode_paiement)
    if statut:
        qs = qs.filter(statut=statut)
    if numero_facture:
        qs = qs.filter(numero_facture__icontains=numero_facture)
    if avec_lignes:
        qs = qs.prefetch_related(
            Prefetch("lignes", queryset=LigneVente.objects.select_related("article"))
        )
    return qs.order_by("-date_vente", "-pk")


def quarantaine_en_attente(*, boutiques: Iterable[Boutique] | QuerySet[Boutique]) -> QuerySet[VenteQuarantaine]:
    return (
        VenteQuarantaine.objects.filter(boutique__in=boutiques, statut=StatutQuarantaine.EN_ATTENTE)
        .select_related("boutique", "terminal")
        .order_by("-date_derniere_reception", "-pk")
    )


def sequences_manquantes(*, terminal: Terminal, limite: int = 1000) -> list[int]:
    """The terminal's sale counter values never received, between 1 and the highest received.

    Computed in the database with LAG over the received values, so only the gaps travel.
    """
    # LAG with a default of 0 makes "1 was never received" a gap like any other.
    trous = (
        SequenceRecue.objects.filter(terminal=terminal)
        .annotate(
            precedent=Window(
                expression=Lag("sequence", default=Value(0)), order_by=F("sequence").asc()
            )
        )
        .filter(sequence__gt=F("precedent") + 1)
        .values_list("precedent", "sequence")
        .order_by("sequence")
    )
    manquantes: list[int] = []
    for precedent, sequence in trous:
        for n in range(precedent + 1, sequence):
            manquantes.append(n)
            if len(manquantes) >= limite:
                return manquantes
    return manquantes


def sequence_max(*, terminal: Terminal) -> int | None:
    return SequenceRecue.objects.filter(terminal=terminal).aggregate(m=Max("sequence"))["m"]
