"""Reads of sales, quarantine and terminal sequence gaps, always scoped to shops."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, cast

from django.db import connections, transaction
from django.db.models import (
    BigIntegerField,
    Count,
    DateTimeField,
    ExpressionWrapper,
    F,
    Max,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    Window,
)
from django.db.models.functions import Coalesce, Lag, TruncDate
from django.utils import timezone

from magasin.boutiques.acces import filtre_boutiques
from magasin.boutiques.models import Boutique, Terminal
from magasin.core.routage import alias_de_lecture
from magasin.ventes.canaux import cle_de_rapport, libelle_canal
from magasin.ventes.models import (
    LigneRetour,
    LigneVente,
    Retour,
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
    qs = Vente.objects.filter(filtre_boutiques(boutiques)).select_related("boutique", "terminal")
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

    Computed in the database with LAG over the received values, so only the gaps travel; and
    only above the terminal's mark (`SequencesContinues`: every value up to it was received),
    so a year of a busy terminal (~125,000 values) is not counted on every dashboard.
    """
    from magasin.ventes.models import SequencesContinues

    marque_sql = Coalesce(
        Subquery(SequencesContinues.objects.filter(terminal=terminal).values("jusqu_a")[:1]),
        Value(0),
        output_field=BigIntegerField(),
    )
    # Counter values are unique and start at 1: as many received above the mark as the highest
    # minus the mark means no gap, read from the index alone. The mark comes in the same query
    # (count + mark, less the count).
    compte = SequenceRecue.objects.filter(terminal=terminal, sequence__gt=marque_sql).aggregate(
        n=Count("sequence"),
        n_et_marque=ExpressionWrapper(Count("sequence") + marque_sql, output_field=BigIntegerField()),
        m=Max("sequence"),
    )
    if compte["m"] is None or compte["n_et_marque"] == compte["m"]:
        return []
    marque = compte["n_et_marque"] - compte["n"]
    return _trous(SequenceRecue.objects.filter(terminal=terminal, sequence__gt=marque), marque, limite)


def _trous(recues: QuerySet[SequenceRecue], marque: int, limite: int) -> list[int]:
    """The values missing among `recues` (a terminal's values above `marque`), at most `limite`."""
    # A missing predecessor counts as the mark, so "mark + 1 was never received" is a gap like
    # any other (COALESCE rather than LAG's default argument, which MariaDB does not accept).
    trous = (
        recues.annotate(
            precedent=Coalesce(Window(expression=Lag("sequence"), order_by=F("sequence").asc()), Value(marque))
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


def premier_trou(*, terminal: Terminal, depuis: int) -> int:
    """The highest value v ≥ `depuis` such that every value in 1..v was received, given that
    every value in 1..`depuis` was (the nightly mark, `ventes.agregats.sequences_marquer`)."""
    recues = SequenceRecue.objects.filter(terminal=terminal, sequence__gt=depuis)
    trou = _trous(recues, depuis, 1)
    if trou:
        return trou[0] - 1
    return recues.aggregate(m=Max("sequence"))["m"] or depuis


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

    The reports' daily sums (`rapport_ventes`): summarised days read from their aggregates,
    the others (today) summed live.
    """
    fin = jusqu_au or timezone.localdate()
    debut = fin - timedelta(days=jours - 1)
    rapport = rapport_ventes(FiltreRapport(boutiques=boutiques, debut=debut, fin=fin), par="jour")
    return [(ligne.cle, ligne.montant) for ligne in rapport.lignes]


def articles_vendus(*, boutiques: Iterable[Boutique] | QuerySet[Boutique], depuis: datetime) -> dict[Any, Any] | None:
    """Per article id, what was sold since `depuis` (a local midnight; else None): the reports'
    sums, summarised days from their aggregates and today live. Read once, it serves both
    `meilleures_ventes` and `ventes_par_categorie` of the dashboard (`quantites=`)."""
    periode = _jours_depuis(depuis)
    if periode is None:
        return None
    return _par_article(FiltreRapport(boutiques=boutiques, debut=periode[0], fin=periode[1]))


def meilleures_ventes(
    *,
    boutiques: Iterable[Boutique] | QuerySet[Boutique],
    depuis: datetime,
    limite: int = 10,
    quantites: dict[Any, Any] | None = None,
    articles: dict[int, dict[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    """Best-selling articles by quantity over validated sales since `depuis` (`quantites` and
    `articles`, from `articles_vendus` and `articles_lus`, when the caller already read them)."""
    if quantites is None:
        quantites = articles_vendus(boutiques=boutiques, depuis=depuis)
    if quantites is not None:
        articles = articles if articles is not None else articles_lus(quantites)
        meilleurs = sorted(
            (ligne for ligne in quantites.values() if ligne.nombre),
            key=lambda ligne: (-ligne.nombre, articles[ligne.cle]["article__nom"]),
        )[:limite]
        return [{**articles[x.cle], "quantite": x.nombre, "montant": x.montant} for x in meilleurs]
    lignes = (
        LigneVente.objects.filter(
            boutique__in=boutiques, vente__statut=StatutVente.VALIDEE, vente__date_vente__gte=depuis
        )
        .values("article_id", "article__nom", "article__code", "boutique__code")
        .annotate(quantite=Sum("quantite"), montant=Sum("total_ligne"))
        .order_by("-quantite", "article__nom")[:limite]
    )
    return cast(list[dict[str, Any]], list(lignes))


def _jours_depuis(depuis: datetime) -> tuple[date, date] | None:
    """[the local day of `depuis`, today] when `depuis` starts a local day, else None."""
    local = timezone.localtime(depuis)
    if local.time() != time.min:
        return None
    return local.date(), max(local.date(), timezone.localdate())


def articles_lus(lignes: dict[Any, Any]) -> dict[int, dict[str, Any]]:
    """Name, code, shop code and category name of these articles, in one query."""
    from magasin.stock.models import Article

    return {
        pk: {"article_id": pk, "article__nom": nom, "article__code": code, "boutique__code": btq, "categorie": cat}
        for pk, nom, code, btq, cat in Article.objects.filter(pk__in=list(lignes)).values_list(
            "pk", "nom", "code", "boutique__code", "categorie__nom"
        )
    }


def ventes_par_categorie(
    *,
    boutiques: Iterable[Boutique] | QuerySet[Boutique],
    depuis: datetime,
    quantites: dict[Any, Any] | None = None,
    articles: dict[int, dict[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    """Validated sales since `depuis` by article category (one aggregate query).

    Grouped by the category's name, so "Boissons" of two shops adds up; articles without a
    category come as one row whose `categorie` is None. Largest amount first.
    """
    if quantites is None:
        quantites = articles_vendus(boutiques=boutiques, depuis=depuis)
    if quantites is not None:
        # From the reports' per-article sums (summarised days + today live), by category name.
        articles = articles if articles is not None else articles_lus(quantites)
        categories: dict[str | None, dict[str, Any]] = {}
        for ligne in quantites.values():
            if ligne.nombre:
                nom = articles[ligne.cle]["categorie"]
                somme = categories.setdefault(nom, {"categorie": nom, "quantite": 0, "montant": Decimal("0")})
                somme["quantite"] += ligne.nombre
                somme["montant"] += ligne.montant
        return sorted(categories.values(), key=lambda c: (-c["montant"], c["categorie"] or ""))
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
        # Subqueries, not joins: joined together, a terminal's quarantine rows were counted once
        # per received sequence number (and a year of them, ~125,000, was read per terminal).
        .annotate(
            n_quarantaine=Coalesce(
                Subquery(
                    VenteQuarantaine.objects.filter(terminal=OuterRef("pk"), statut=StatutQuarantaine.EN_ATTENTE)
                    .order_by()
                    .values("terminal")
                    .annotate(n=Count("pk"))
                    .values("n")
                ),
                Value(0),
            ),
            seq_max=Subquery(
                SequenceRecue.objects.filter(terminal=OuterRef("pk")).order_by("-sequence").values("sequence")[:1]
            ),
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


# --- Reports (rapports): any period, by day/week/month, shop, terminal, cashier, channel, article -
#
# What the reports count, everywhere the same (and said on the page):
# - sales: VALIDATED sales dated (`date_vente`, Kinshasa day) inside the period, so a sale that
#   arrives late from an offline terminal lands on its own day;
# - cancelled sales: left out of the takings, counted apart on the day of the sale;
# - returns (`Retour`): refunds deducted on the day of the refund (`date_retour`), attributed
#   to the shop, terminal, cashier, channel and articles of the sale they refund; the returns of
#   a sale cancelled afterwards are not deducted (the whole sale is already left out).

PAR_PERIODE = ("jour", "semaine", "mois")
REGROUPEMENTS = {
    "jour": "Jour",
    "semaine": "Semaine",
    "mois": "Mois",
    "boutique": "Boutique",
    "terminal": "Terminal",
    "caissier": "Caissier",
    "canal": "Mode de paiement",
    "article": "Article (meilleures ventes)",
}
_MOIS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)


@dataclass(frozen=True)
class FiltreRapport:
    boutiques: Any  # Iterable[Boutique] | QuerySet[Boutique]: the user's shops, already narrowed
    debut: date  # first local (Kinshasa) day, inclusive
    fin: date  # last local day, inclusive
    terminal_id: int | None = None
    caissier_id: int | None = None
    mode_paiement: str | None = None


@dataclass
class LigneRapport:
    cle: Any
    libelle: str
    nombre: int = 0  # validated sales (for articles: quantity sold)
    montant: Decimal = Decimal("0")
    retours: Decimal = Decimal("0")  # refunded in the period
    nombre_retours: int = 0  # returns (for articles: quantity brought back)
    annulees: int = 0
    montant_annule: Decimal = Decimal("0")

    @property
    def net(self) -> Decimal:
        return self.montant - self.retours

    def ajouter(self, autre: LigneRapport) -> None:
        self.nombre += autre.nombre
        self.montant += autre.montant
        self.retours += autre.retours
        self.nombre_retours += autre.nombre_retours
        self.annulees += autre.annulees
        self.montant_annule += autre.montant_annule


@dataclass
class Rapport:
    par: str
    lignes: list[LigneRapport]
    total: LigneRapport


def _decalage_local() -> timedelta:
    """The business time zone's offset from UTC. Africa/Kinshasa is UTC+1 all year (no summer
    time), so a local day is a UTC day shifted by one hour on every backend, MariaDB without
    time-zone tables included."""
    decalage = timezone.get_current_timezone().utcoffset(datetime(2026, 1, 1))  # noqa: DTZ001
    return decalage or timedelta(0)


def jour_local(champ: str) -> TruncDate:
    """The Kinshasa day of a datetime column, computed by the database."""
    return TruncDate(ExpressionWrapper(F(champ) + Value(_decalage_local()), output_field=DateTimeField()), tzinfo=UTC)


def bornes_locales(debut: date, fin: date) -> tuple[datetime, datetime]:
    """[first instant of `debut`, first instant of the day after `fin`) in Kinshasa time."""
    return (
        timezone.make_aware(datetime.combine(debut, time.min)),
        timezone.make_aware(datetime.combine(fin + timedelta(days=1), time.min)),
    )


def _ventes_du_rapport(filtre: FiltreRapport, *, prefixe: str = "") -> Q:
    """The filter on sales (through `prefixe`, e.g. `vente__` from lines or returns)."""
    q = filtre_boutiques(filtre.boutiques, f"{prefixe}boutique_id")
    if filtre.terminal_id is not None:
        q &= Q(**{f"{prefixe}terminal_id": filtre.terminal_id})
    if filtre.caissier_id is not None:
        q &= Q(**{f"{prefixe}cree_par_id": filtre.caissier_id})
    if filtre.mode_paiement:
        q &= Q(**{f"{prefixe}mode_paiement": filtre.mode_paiement})
    return q


def cle_periode(jour: date, par: str) -> date:
    """The first day of the day, week (Monday) or month `jour` belongs to."""
    if par == "semaine":
        return jour - timedelta(days=jour.weekday())
    if par == "mois":
        return jour.replace(day=1)
    return jour


def _libelle_periode(cle: date, par: str) -> str:
    if par == "semaine":
        return f"Semaine du {cle:%d/%m/%Y}"
    if par == "mois":
        return f"{_MOIS[cle.month - 1]} {cle.year}"
    return f"{cle:%d/%m/%Y}"


def _periodes(filtre: FiltreRapport, par: str) -> list[date]:
    """Every day, week or month of the period (so a day without a sale shows as a zero)."""
    cles: list[date] = []
    jour = filtre.debut
    while jour <= filtre.fin and len(cles) < 5000:
        cle = cle_periode(jour, par)
        if not cles or cles[-1] != cle:
            cles.append(cle)
        jour += timedelta(days=1)
    return cles


def _champs_groupe(par: str) -> list[str]:
    return {
        "boutique": ["boutique_id"],
        "terminal": ["terminal_id"],
        "caissier": ["cree_par_id", "terminal_id"],
        "canal": ["mode_paiement", "mode_paiement_libelle", "paye"],
    }.get(par, ["jour"])


def _cle_groupe(par: str, valeurs: dict[str, Any]) -> Any:
    if par in PAR_PERIODE:
        return cle_periode(valeurs["jour"], par)
    if par == "canal":
        return cle_de_rapport(valeurs["mode_paiement"], valeurs["mode_paiement_libelle"] or "", paye=valeurs["paye"])
    if par == "caissier":
        return ("U", valeurs["cree_par_id"]) if valeurs["cree_par_id"] else ("T", valeurs["terminal_id"])
    return valeurs[_champs_groupe(par)[0]]


# Everything a summarised day's row (`AgregatVentesJour`) is keyed by, besides the shop.
CHAMPS_AGREGAT = ["jour", "terminal_id", "cree_par_id", "mode_paiement", "mode_paiement_libelle", "paye"]


def ventes_groupees(
    filtre: FiltreRapport, champs: list[str], *, ventes: Q, retours: Q
) -> tuple[list[dict], list[dict]]:  # type: ignore[type-arg]
    """Live sums over the sales matched by `ventes` (count and amount, validated and cancelled)
    and over the refunds matched by `retours` (of sales still validated), grouped by `champs`
    (sale fields, `jour` being the local day of the sale, or of the refund)."""
    validee, annulee = Q(statut=StatutVente.VALIDEE), Q(statut=StatutVente.ANNULEE)
    lues = (
        Vente.objects.filter(_ventes_du_rapport(filtre), ventes)
        .annotate(jour=jour_local("date_vente"))
        .values(*champs)
        .annotate(
            n=Count("pk", filter=validee),
            m=Sum("montant_total", filter=validee),
            na=Count("pk", filter=annulee),
            ma=Sum("montant_total", filter=annulee),
        )
        .order_by()
    )
    rendues = (
        Retour.objects.filter(_ventes_du_rapport(filtre, prefixe="vente__"), retours, vente__statut=StatutVente.VALIDEE)
        .annotate(jour=jour_local("date_retour"))
        .values(*[c if c in ("jour", "boutique_id") else f"vente__{c}" for c in champs])
        .annotate(n=Count("pk"), m=Sum("montant"))
        .order_by()
    )
    return list(lues), [{k.removeprefix("vente__"): val for k, val in r.items()} for r in rendues]


def articles_groupes(
    filtre: FiltreRapport, champs: list[str], *, lignes: Q, retours: Q
) -> tuple[list[dict], list[dict]]:  # type: ignore[type-arg]
    """Live quantities and amounts per article (and `champs`: `jour`, `boutique_id`) of the
    validated sales' lines matched by `lignes`, and of the returned lines matched by `retours`."""
    vendues = (
        LigneVente.objects.filter(
            _ventes_du_rapport(filtre, prefixe="vente__"), lignes, vente__statut=StatutVente.VALIDEE
        )
        .annotate(jour=jour_local("vente__date_vente"))
        .values("article_id", *champs)
        .annotate(q=Sum("quantite"), m=Sum("total_ligne"))
        .order_by()
    )
    rendues = (
        LigneRetour.objects.filter(
            _ventes_du_rapport(filtre, prefixe="retour__vente__"), retours, retour__vente__statut=StatutVente.VALIDEE
        )
        .annotate(jour=jour_local("retour__date_retour"), article_id=F("ligne_vente__article_id"))
        .values("article_id", *champs)
        .annotate(q=Sum("quantite"), m=Sum("montant"))
        .order_by()
    )
    return list(vendues), list(rendues)


def fin_du_mois(jour: date) -> date:
    suivant = (jour.replace(day=28) + timedelta(days=4)).replace(day=1)
    return suivant - timedelta(days=1)


def _ids_boutiques(boutiques: Any) -> list[int]:
    if isinstance(boutiques, QuerySet):
        return list(boutiques.values_list("pk", flat=True))
    return [b.pk for b in boutiques]


def plages_non_agregees(
    boutiques: list[int],
    debut: date,
    fin: date,
    agreges: set[tuple[int, date]],
    *,
    boutique: str,
    moment: str,
    jours: bool = False,
) -> Q | None:
    """The days of [debut, fin] not in `agreges`, per shop, as ranges of `moment` (a datetime
    column, or a date column when `jours`); None when there are none."""
    q: Q | None = None
    for b in boutiques:
        jour, plage_debut = debut, None
        while jour <= fin + timedelta(days=1):
            libre = jour <= fin and (b, jour) not in agreges
            if libre and plage_debut is None:
                plage_debut = jour
            elif not libre and plage_debut is not None:
                if jours:
                    plage = Q(**{boutique: b, f"{moment}__gte": plage_debut, f"{moment}__lt": jour})
                else:
                    bas, haut = bornes_locales(plage_debut, jour - timedelta(days=1))
                    plage = Q(**{boutique: b, f"{moment}__gte": bas, f"{moment}__lt": haut})
                q = plage if q is None else q | plage
                plage_debut = None
            jour += timedelta(days=1)
    return q


def _ajouter(lignes: dict[Any, LigneRapport], cle: Any, **valeurs: Any) -> None:
    # In place: a year's best sellers add ~3,000 rows, two objects each were a tenth of the page.
    ligne = lignes.get(cle)
    if ligne is None:
        ligne = lignes[cle] = LigneRapport(cle=cle, libelle="")
    for champ, valeur in valeurs.items():
        setattr(ligne, champ, getattr(ligne, champ) + valeur)


def _par_vente(filtre: FiltreRapport, par: str) -> dict[Any, LigneRapport]:
    """Summarised days from `AgregatVentesJour` (read whole: a few thousand rows a year, which
    also tell which days are summarised), the other days live."""
    from magasin.ventes.models import AgregatVentesJour

    boutiques = _ids_boutiques(filtre.boutiques)
    lignes: dict[Any, LigneRapport] = {}
    agreges: set[tuple[int, date]] = set()
    resumes = AgregatVentesJour.objects.filter(boutique_id__in=boutiques, jour__gte=filtre.debut, jour__lte=filtre.fin)
    sommes = ("nombre", "montant", "annulees", "montant_annule", "nombre_retours", "retours")
    if par in PAR_PERIODE or par == "boutique":
        # Summed by the database per shop and day (every summarised day comes back, the
        # filters applied inside the sums): a year is 365 rows per shop, not ~15 per day.
        dans = Q()
        if filtre.terminal_id is not None:
            dans &= Q(terminal_id=filtre.terminal_id)
        if filtre.caissier_id is not None:
            dans &= Q(cree_par_id=filtre.caissier_id)
        if filtre.mode_paiement:
            dans &= Q(mode_paiement=filtre.mode_paiement)
        lues: Iterable[dict[str, Any]] = cast(
            Iterable[dict[str, Any]],
            resumes.values("boutique_id", "jour")
            .annotate(**{c: Sum(c, filter=dans or None) for c in sommes})
            .order_by(),
        )
    else:
        # Which days are summarised (a row each, from the index), then the sums grouped by the
        # database by what the report groups by: a year by payment label is ~20 rows a day, and
        # read whole they were most of the page's time.
        agreges = set(resumes.values_list("boutique_id", "jour").distinct())
        champs = [c for c in CHAMPS_AGREGAT if c != "jour"]
        lues = (
            resumes.filter(_ventes_du_rapport(filtre))
            .values(*champs)
            .annotate(**{c: Sum(c) for c in sommes})
            .order_by()
        )
    for lue in lues:
        # A filtered sum over no row is NULL.
        rangee: dict[str, Any] = {k: 0 if v is None and k in sommes else v for k, v in lue.items()}
        if "jour" in rangee:
            agreges.add((rangee["boutique_id"], rangee["jour"]))
        if rangee["nombre"] or rangee["annulees"] or rangee["nombre_retours"]:
            _ajouter(
                lignes,
                _cle_groupe(par, rangee),
                nombre=rangee["nombre"],
                montant=rangee["montant"],
                annulees=rangee["annulees"],
                montant_annule=rangee["montant_annule"],
                retours=rangee["retours"],
                nombre_retours=rangee["nombre_retours"],
            )
    q_ventes = plages_non_agregees(
        boutiques, filtre.debut, filtre.fin, agreges, boutique="boutique_id", moment="date_vente"
    )
    if q_ventes is None:
        return lignes
    q_retours = plages_non_agregees(
        boutiques, filtre.debut, filtre.fin, agreges, boutique="boutique_id", moment="date_retour"
    )
    vendues, rendues = ventes_groupees(filtre, _champs_groupe(par), ventes=q_ventes, retours=q_retours or Q())
    for v in vendues:
        _ajouter(
            lignes,
            _cle_groupe(par, v),
            nombre=v["n"],
            montant=v["m"] or Decimal("0"),
            annulees=v["na"],
            montant_annule=v["ma"] or Decimal("0"),
        )
    for r in rendues:
        _ajouter(lignes, _cle_groupe(par, r), retours=r["m"] or Decimal("0"), nombre_retours=r["n"])
    return lignes


def _par_article(filtre: FiltreRapport) -> dict[Any, LigneRapport]:
    """Summarised days from `AgregatArticlesJour` (summed by the database), the other days live.
    Narrowed to a terminal, a cashier or a payment mode, whole closed months come from
    `AgregatArticlesMoisDetail` and every other day is live (the daily rows do not keep those)."""
    from magasin.ventes.models import AgregatArticlesJour, AgregatArticlesMois, AgregatVentesJour

    boutiques = _ids_boutiques(filtre.boutiques)
    lignes: dict[Any, LigneRapport] = {}
    sommes = {"q": Sum("quantite"), "m": Sum("montant"), "qr": Sum("quantite_retournee"), "r": Sum("retours")}
    retreint = filtre.terminal_id is not None or filtre.caissier_id is not None or bool(filtre.mode_paiement)
    agreges: set[tuple[int, date]] = set()
    if not retreint:
        agreges = set(
            AgregatVentesJour.objects.filter(boutique_id__in=boutiques, jour__gte=filtre.debut, jour__lte=filtre.fin)
            .values_list("boutique_id", "jour")
            .distinct()
        )
    # Whole closed months inside the period, read from their monthly rows.
    mois = (
        [
            (b, m)
            for b, m in AgregatArticlesMois.objects.filter(
                boutique_id__in=boutiques, mois__gte=filtre.debut, mois__lte=filtre.fin
            )
            .values_list("boutique_id", "mois")
            .distinct()
            if fin_du_mois(m) <= filtre.fin
        ]
        if agreges or retreint
        else []
    )
    couverts = {(b, m + timedelta(days=i)) for b, m in mois for i in range((fin_du_mois(m) - m).days + 1)}
    lus: list[QuerySet[Any]] = []
    if mois:
        dans_les_mois = Q()
        for b, m in mois:
            dans_les_mois |= Q(boutique_id=b, mois=m)
        if retreint:
            from magasin.ventes.models import AgregatArticlesMoisDetail

            lus.append(AgregatArticlesMoisDetail.objects.filter(dans_les_mois, _ventes_du_rapport(filtre)))
        else:
            lus.append(AgregatArticlesMois.objects.filter(dans_les_mois))
    if agreges:
        # The daily rows of the summarised days outside those months, as ranges.
        hors_des_mois = plages_non_agregees(
            boutiques, filtre.debut, filtre.fin, couverts, boutique="boutique_id", moment="jour", jours=True
        )
        if hors_des_mois is not None:
            lus.append(AgregatArticlesJour.objects.filter(hors_des_mois))
    for qs in lus:
        for a in qs.values("article_id").annotate(**sommes).order_by():
            _ajouter(lignes, a["article_id"], nombre=a["q"], montant=a["m"], nombre_retours=a["qr"], retours=a["r"])
    # Live: the days neither summarised nor in a month read above.
    faits = agreges | couverts
    # The sale's shop, not the line's (the same, by the composite key): the lines are then read
    # from their covering index on `vente` (PostgreSQL), never scanned whole.
    q_lignes = plages_non_agregees(
        boutiques, filtre.debut, filtre.fin, faits, boutique="vente__boutique_id", moment="vente__date_vente"
    )
    if q_lignes is None:
        return lignes
    q_retours = plages_non_agregees(
        boutiques, filtre.debut, filtre.fin, faits, boutique="boutique_id", moment="retour__date_retour"
    )
    vendues, rendues = articles_groupes(filtre, [], lignes=q_lignes, retours=q_retours or Q())
    for v in vendues:
        _ajouter(lignes, v["article_id"], nombre=v["q"], montant=v["m"])
    for r in rendues:
        _ajouter(lignes, r["article_id"], nombre_retours=r["q"], retours=r["m"] or Decimal("0"))
    return lignes


def _libelles(par: str, cles: Iterable[Any]) -> dict[Any, str]:
    """Names of the groups, read once per report (never a query per row)."""
    cles = list(cles)
    if par == "boutique":
        return {b.pk: f"{b.nom} ({b.code})" for b in Boutique.objects.filter(pk__in=cles)}
    if par == "terminal":
        noms = dict(Terminal.objects.filter(pk__in=[c for c in cles if c]).values_list("pk", "nom_terminal"))
        return {c: noms.get(c, "?") if c else "Web (facturation)" for c in cles}
    if par == "caissier":
        from django.contrib.auth import get_user_model

        utilisateurs = {
            u.pk: (u.get_full_name() or u.get_username())
            for u in get_user_model().objects.filter(pk__in=[i for t, i in cles if t == "U"])
        }
        terminaux = dict(
            Terminal.objects.filter(pk__in=[i for t, i in cles if t == "T" and i]).values_list("pk", "nom_terminal")
        )
        return {
            (t, i): (
                f"{utilisateurs.get(i, '?')} (web)" if t == "U" else f"Terminal {terminaux[i]}" if i else "Reprise"
            )
            for t, i in cles
        }
    if par == "canal":
        return {c: libelle_canal(c) for c in cles}
    if par == "article":
        from magasin.stock.models import Article

        return {
            pk: f"{nom} ({code})"
            for pk, nom, code in Article.objects.filter(pk__in=cles).values_list("pk", "nom", "code")
        }
    return {c: _libelle_periode(c, par) for c in cles}


@contextmanager
def lecture_coherente() -> Iterator[None]:
    """Several reads seeing one snapshot: the summarised days and their rows, then the live rest
    (a day invalidated by a late sale in between is then neither lost nor counted twice).
    PostgreSQL and MariaDB: a REPEATABLE READ transaction; SQLite: as is (IMMEDIATE transactions
    there would take the write lock for a read)."""
    # On the replica when the view reads there (magasin.core.routage): the snapshot is its own.
    alias = alias_de_lecture()
    cx = connections[alias]
    if cx.in_atomic_block or cx.vendor not in ("postgresql", "mysql"):
        yield
        return
    with transaction.atomic(using=alias):
        with cx.cursor() as curseur:
            curseur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        yield


def rapport_ventes(filtre: FiltreRapport, *, par: str) -> Rapport:
    """The period's sales grouped `par` (a key of REGROUPEMENTS), every group, and their total.

    Periods come in order, with empty days, weeks or months as zeros; other groups by net
    amount, largest first; articles (the best sellers) by quantity sold. Two aggregate queries
    and one for the names, whatever the period."""
    if par not in REGROUPEMENTS:
        raise ValueError(par)
    with lecture_coherente():
        lignes = _par_article(filtre) if par == "article" else _par_vente(filtre, par)
    if par in PAR_PERIODE:
        for cle in _periodes(filtre, par):
            lignes.setdefault(cle, LigneRapport(cle=cle, libelle=""))
        ordre = sorted(lignes.values(), key=lambda ligne: ligne.cle)
    elif par == "article":
        ordre = sorted(lignes.values(), key=lambda ligne: (-ligne.nombre, -ligne.montant, ligne.cle))
    else:
        ordre = sorted(lignes.values(), key=lambda ligne: (-ligne.net, str(ligne.cle)))
    noms = _libelles(par, lignes)
    total = LigneRapport(cle=None, libelle="Total")
    for ligne in ordre:
        ligne.libelle = noms.get(ligne.cle, str(ligne.cle))
        total.ajouter(ligne)
    return Rapport(par=par, lignes=ordre, total=total)


@dataclass(frozen=True)
class TotauxVentes:
    nombre: int  # every sale of the list
    validees: int
    montant: Decimal  # of the validated ones
    annulees: int
    montant_annule: Decimal


def totaux_ventes(ventes: QuerySet[Vente]) -> TotauxVentes:
    """Count and amounts of a filtered list of sales, in one aggregate query."""
    validee, annulee = Q(statut=StatutVente.VALIDEE), Q(statut=StatutVente.ANNULEE)
    a = ventes.order_by().aggregate(
        n=Count("pk"),
        nv=Count("pk", filter=validee),
        m=Sum("montant_total", filter=validee),
        na=Count("pk", filter=annulee),
        ma=Sum("montant_total", filter=annulee),
    )
    return TotauxVentes(
        nombre=a["n"],
        validees=a["nv"],
        montant=a["m"] or Decimal("0"),
        annulees=a["na"],
        montant_annule=a["ma"] or Decimal("0"),
    )


def totaux_historique(
    *,
    boutiques: Iterable[Boutique] | QuerySet[Boutique],
    terminal_id: int | None = None,
    date_debut: datetime | None = None,
    date_fin: datetime | None = None,
    mode_paiement: str | None = None,
    statut: str | None = None,
    numero_facture: str | None = None,
) -> TotauxVentes:
    """The totals of `ventes_de_boutiques` with the same filters.

    Whole days (or no period at all) are read from the reports' sums, summarised days from
    their aggregates (a year of sales: milliseconds, not a count over 370,000 rows); a search
    by number or a period cut inside a day is summed live."""
    jour_entier = all(
        m is None or timezone.localtime(m).time() == t for m, t in ((date_debut, time.min), (date_fin, time.max))
    )
    if numero_facture or not jour_entier:
        return totaux_ventes(
            ventes_de_boutiques(
                boutiques=boutiques,
                terminal_id=terminal_id,
                date_debut=date_debut,
                date_fin=date_fin,
                mode_paiement=mode_paiement,
                statut=statut,
                numero_facture=numero_facture,
            )
        )
    bornes = Vente.objects.filter(filtre_boutiques(boutiques)).aggregate(
        premiere=Min("date_vente"), derniere=Max("date_vente")
    )
    if bornes["premiere"] is None:
        return TotauxVentes(nombre=0, validees=0, montant=Decimal("0"), annulees=0, montant_annule=Decimal("0"))
    debut = timezone.localdate(date_debut) if date_debut else timezone.localdate(bornes["premiere"])
    fin = (
        timezone.localdate(date_fin) if date_fin else max(timezone.localdate(bornes["derniere"]), timezone.localdate())
    )
    if debut > fin:
        return TotauxVentes(nombre=0, validees=0, montant=Decimal("0"), annulees=0, montant_annule=Decimal("0"))
    if (fin - debut).days > 3660 or fin > timezone.localdate() + timedelta(days=366):
        # A bound far away (year 9999 typed in the form): counted live, never walked day by day.
        return totaux_ventes(
            ventes_de_boutiques(
                boutiques=boutiques,
                terminal_id=terminal_id,
                date_debut=date_debut,
                date_fin=date_fin,
                mode_paiement=mode_paiement,
                statut=statut,
            )
        )
    filtre = FiltreRapport(
        boutiques=boutiques, debut=debut, fin=fin, terminal_id=terminal_id, mode_paiement=mode_paiement
    )
    total = rapport_ventes(filtre, par="boutique").total
    validees, montant = (total.nombre, total.montant) if statut != StatutVente.ANNULEE else (0, Decimal("0"))
    annulees, annule = (total.annulees, total.montant_annule) if statut != StatutVente.VALIDEE else (0, Decimal("0"))
    return TotauxVentes(
        nombre=validees + annulees, validees=validees, montant=montant, annulees=annulees, montant_annule=annule
    )
