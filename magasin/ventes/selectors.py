"""Reads of sales, quarantine and terminal sequence gaps, always scoped to shops."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, cast

from django.db.models import Count, F, Max, Prefetch, Q, QuerySet, Sum, Value, Window
from django.db.models.functions import Coalesce, Lag
from django.utils import timezone

from magasin.boutiques.models import Boutique, Terminal
from magasin.ventes.models import (
    LigneRetour,
    LigneVente,
    SequenceRecue,
    StatutQuarantaine,
    StatutVente,
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
    return qs.order_by("-date_vente", "-pk")


CHAMPS_VENTE_LUE = (
    "id",
    "numero_facture",
    "uuid",
    "terminal_id",
    "date_vente",
    "date_synchro",
    "montant_total",
    "mode_paiement",
    "paye",
    "statut",
)
CHAMPS_LIGNE_LUE = (
    "vente_id",
    "article_id",
    "article__nom",
    "article__code",
    "quantite",
    "prix_unitaire",
    "total_ligne",
)


def ventes_avec_lignes(ventes: QuerySet[Vente], *, limite: int) -> list[tuple[dict[str, Any], list[dict[str, Any]]]]:
    """The first `limite` sales of `ventes` with their lines (and each line's article name and
    code), as plain values: two queries and no model instance. Built as instances, a page of
    100 sales, 300 lines and their articles was most of the terminal API's /ventes/ time, and
    of its garbage-collector pauses."""
    lues = list(ventes.values(*CHAMPS_VENTE_LUE)[:limite])
    par_vente: dict[int, list[dict[str, Any]]] = {v["id"]: [] for v in lues}
    if par_vente:
        lignes = LigneVente.objects.filter(vente_id__in=list(par_vente)).order_by("id").values(*CHAMPS_LIGNE_LUE)
        for ligne in lignes:
            par_vente[ligne["vente_id"]].append(ligne)
    return [(v, par_vente[v["id"]]) for v in lues]


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
    # A missing predecessor counts as 0, so "1 was never received" is a gap like any other
    # (COALESCE rather than LAG's default argument, which MariaDB does not accept).
    trous = (
        SequenceRecue.objects.filter(terminal=terminal)
        .annotate(precedent=Coalesce(Window(expression=Lag("sequence"), order_by=F("sequence").asc()), Value(0)))
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


# --- Back-office reads (dashboard, history, terminals) ------------------------------------------


@dataclass(frozen=True)
class ChiffresVentes:
    nombre: int
    montant: Decimal


def chiffres_ventes(
    *,
    boutiques: Iterable[Boutique] | QuerySet[Boutique],
    date_debut: datetime,
    date_fin: datetime | None = None,
) -> ChiffresVentes:
    """Count and revenue of the validated sales between two moments (cancelled ones excluded)."""
    qs = Vente.objects.filter(boutique__in=boutiques, statut=StatutVente.VALIDEE, date_vente__gte=date_debut)
    if date_fin is not None:
        qs = qs.filter(date_vente__lt=date_fin)
    agregats = qs.aggregate(nombre=Count("pk"), montant=Sum("montant_total"))
    return ChiffresVentes(nombre=agregats["nombre"] or 0, montant=agregats["montant"] or Decimal("0.00"))


def chiffres_par_boutique(
    *, boutiques: Iterable[Boutique] | QuerySet[Boutique], date_debut: datetime
) -> dict[int, ChiffresVentes]:
    """Per shop id: count and revenue of the validated sales since `date_debut`."""
    lignes = (
        Vente.objects.filter(boutique__in=boutiques, statut=StatutVente.VALIDEE, date_vente__gte=date_debut)
        .values("boutique_id")
        .annotate(nombre=Count("pk"), montant=Sum("montant_total"))
        .order_by()
    )
    return {
        ligne["boutique_id"]: ChiffresVentes(nombre=ligne["nombre"], montant=ligne["montant"] or Decimal("0"))
        for ligne in lignes
    }


def chiffre_affaires_par_jour(
    *,
    boutiques: Iterable[Boutique] | QuerySet[Boutique],
    jours: int = 30,
    jusqu_au: date | None = None,
) -> list[tuple[date, Decimal]]:
    """Revenue of validated sales for each of the last `jours` local days (Kinshasa), oldest first.

    Grouped in Python on the local date: MariaDB without time-zone tables cannot convert in SQL,
    and only two columns of one month of sales travel.
    """
    fin = jusqu_au or timezone.localdate()
    debut = fin - timedelta(days=jours - 1)
    debut_moment = timezone.make_aware(datetime.combine(debut, time.min))
    totaux: dict[date, Decimal] = {debut + timedelta(days=i): Decimal("0.00") for i in range(jours)}
    for moment, montant in Vente.objects.filter(
        boutique__in=boutiques, statut=StatutVente.VALIDEE, date_vente__gte=debut_moment
    ).values_list("date_vente", "montant_total"):
        jour = timezone.localdate(moment)
        if jour in totaux:
            totaux[jour] += montant
    return sorted(totaux.items())


def meilleures_ventes(
    *, boutiques: Iterable[Boutique] | QuerySet[Boutique], depuis: datetime, limite: int = 10
) -> list[dict[str, Any]]:
    """Best-selling articles by quantity over validated sales since `depuis`."""
    lignes = (
        LigneVente.objects.filter(
            boutique__in=boutiques, vente__statut=StatutVente.VALIDEE, vente__date_vente__gte=depuis
        )
        .values("article_id", "article__nom", "article__code", "boutique__code")
        .annotate(quantite=Sum("quantite"), montant=Sum("total_ligne"))
        .order_by("-quantite", "article__nom")[:limite]
    )
    return cast(list[dict[str, Any]], list(lignes))


def ventes_par_categorie(
    *, boutiques: Iterable[Boutique] | QuerySet[Boutique], depuis: datetime
) -> list[dict[str, Any]]:
    """Validated sales since `depuis` by article category (one aggregate query).

    Grouped by the category's name, so "Boissons" of two shops adds up; articles without a
    category come as one row whose `categorie` is None. Largest amount first.
    """
    lignes = (
        LigneVente.objects.filter(
            boutique__in=boutiques, vente__statut=StatutVente.VALIDEE, vente__date_vente__gte=depuis
        )
        .values(categorie=F("article__categorie__nom"))
        .annotate(quantite=Sum("quantite"), montant=Sum("total_ligne"), ventes=Count("vente_id", distinct=True))
        .order_by("-montant", "categorie")
    )
    return cast(list[dict[str, Any]], list(lignes))


def ventes_detaillees(*, boutiques: Iterable[Boutique] | QuerySet[Boutique]) -> QuerySet[Vente]:
    """The shops' sales with everything a sale's page or invoice shows (lines, people)."""
    return (
        Vente.objects.filter(boutique__in=boutiques)
        .select_related("boutique", "terminal", "cree_par", "annulee_par")
        .prefetch_related(Prefetch("lignes", queryset=LigneVente.objects.select_related("article")))
    )


def quarantaine_de_boutiques(
    *, boutiques: Iterable[Boutique] | QuerySet[Boutique], statut: str | None = None
) -> QuerySet[VenteQuarantaine]:
    qs = VenteQuarantaine.objects.filter(boutique__in=boutiques).select_related(
        "boutique", "terminal", "vente", "traite_par"
    )
    if statut:
        qs = qs.filter(statut=statut)
    return qs.order_by("-date_derniere_reception", "-pk")


def quarantaine_compte_par_boutique(*, boutiques: Iterable[Boutique] | QuerySet[Boutique]) -> dict[int, int]:
    return dict(
        VenteQuarantaine.objects.filter(boutique__in=boutiques, statut=StatutQuarantaine.EN_ATTENTE)
        .values("boutique_id")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("boutique_id", "n")
    )


@dataclass(frozen=True)
class EtatTerminal:
    terminal: Terminal
    quarantaine: int
    sequence_max: int | None
    manquantes: list[int]


def terminaux_etat(
    *, boutiques: Iterable[Boutique] | QuerySet[Boutique], limite_manquantes: int = 50
) -> list[EtatTerminal]:
    """The shops' terminals with last sync, pending quarantine, missing sequence numbers, and
    the fields beyond the contract that their app sends (`terminal.champs_inconnus.all`)."""
    terminaux = list(
        Terminal.objects.filter(boutique__in=boutiques)
        .select_related("boutique")
        .prefetch_related("champs_inconnus")
        .annotate(
            n_quarantaine=Count("quarantaine", filter=Q(quarantaine__statut=StatutQuarantaine.EN_ATTENTE)),
            seq_max=Max("sequences__sequence"),
        )
        .order_by("boutique__nom", "nom_terminal")
    )
    return [
        EtatTerminal(
            terminal=t,
            quarantaine=t.n_quarantaine,
            sequence_max=t.seq_max,
            manquantes=sequences_manquantes(terminal=t, limite=limite_manquantes) if t.seq_max else [],
        )
        for t in terminaux
    ]


def quantites_retournees(*, vente: Vente) -> dict[int, int]:
    """Per line of the sale (by id), the quantity its returns already brought back."""
    return dict(
        LigneRetour.objects.filter(ligne_vente__vente=vente)
        .values("ligne_vente_id")
        .annotate(total=Sum("quantite"))
        .values_list("ligne_vente_id", "total")
    )
