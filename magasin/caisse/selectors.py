"""Reads of the till: rates in force, what a till should hold, completeness, late arrivals,
closings and unclosed days, receivables. Always scoped to a shop the caller may see."""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import (
    BooleanField,
    Case,
    Count,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce, Lag
from django.utils import timezone

from magasin.boutiques.acces import filtre_boutiques
from magasin.boutiques.models import Boutique, Terminal
from magasin.caisse.models import (
    Affectation,
    Canal,
    Client,
    Cloture,
    Creance,
    Devise,
    MouvementCaisse,
    ObjetPaiement,
    Paiement,
    PriseEnCompte,
    TauxChange,
    TypeMouvementCaisse,
)
from magasin.ventes.canaux import canal_de, cle_de_rapport, libelle_canal
from magasin.ventes.facture_pdf import PartReglement
from magasin.ventes.models import ModePaiement, Retour, SequenceRecue, StatutVente, Vente
from magasin.ventes.selectors import FiltreRapport, LigneRapport, Rapport, bornes_locales, rapport_ventes

ZERO = Decimal("0.00")
MANQUANTES_GARDEES = 200  # numbers listed on a closing; the count is always exact

# --- Tills and business days ---------------------------------------------------------------


@dataclass(frozen=True)
class Caisse:
    """A till: a terminal, or a web cashier (the user who invoiced from the back-office)."""

    boutique: Boutique
    terminal: Terminal | None = None
    caissier: Any = None

    def __post_init__(self) -> None:
        if (self.terminal is None) == (self.caissier is None):
            raise ValueError("Une caisse est un terminal ou un caissier web, pas les deux.")

    @property
    def cle(self) -> str:
        return f"T{self.terminal.pk}" if self.terminal is not None else f"U{self.caissier.pk}"

    @property
    def libelle(self) -> str:
        if self.terminal is not None:
            return self.terminal.nom_terminal
        return f"Caisse web de {self.caissier.get_username()}"

    def champs(self) -> dict[str, Any]:
        """The till's columns of a document (`DocumentCaisse`)."""
        return {"boutique": self.boutique, "terminal": self.terminal, "caissier": self.caissier, "caisse": self.cle}


def caisse_de_vente(vente: Vente) -> Caisse | None:
    """The till that took a sale: its terminal, or the web user who invoiced it."""
    if vente.terminal_id is not None:
        return Caisse(boutique=vente.boutique, terminal=vente.terminal)
    if vente.cree_par_id is not None:
        return Caisse(boutique=vente.boutique, caissier=vente.cree_par)
    return None


def bornes_du_jour(jour: date) -> tuple[datetime, datetime]:
    """A business day (Kinshasa) as [first instant, first instant of the next day)."""
    debut = timezone.make_aware(datetime.combine(jour, time.min))
    return debut, timezone.make_aware(datetime.combine(jour + timedelta(days=1), time.min))


def jour_de(moment: datetime) -> date:
    return timezone.localdate(moment)


# --- Exchange rates --------------------------------------------------------------------------


def taux_en_vigueur(*, boutique: Boutique, jour: date) -> TauxChange | None:
    """The rate in force on `jour`: the latest set for that day, else for the latest day before."""
    return TauxChange.objects.filter(boutique=boutique, jour__lte=jour).order_by("-jour", "-pk").first()


def taux_par_jour(*, boutique: Boutique, debut: date, fin: date) -> dict[date, Decimal]:
    """The rate in force on each day from `debut` to `fin` (days before the first rate are left
    out): what a report needs to show CDF amounts with their USD equivalent. Two queries."""
    taux: dict[date, Decimal] = {}
    avant = taux_en_vigueur(boutique=boutique, jour=debut)
    courant = avant.taux if avant else None
    saisis = dict(
        TauxChange.objects.filter(boutique=boutique, jour__gt=debut, jour__lte=fin)
        .order_by("jour", "pk")
        .values_list("jour", "taux")
    )  # the latest of a day wins: later rows overwrite earlier ones in the dict
    jour = debut
    while jour <= fin:
        courant = saisis.get(jour, courant)
        if courant is not None:
            taux[jour] = courant
        jour += timedelta(days=1)
    return taux


def taux_de_boutiques(*, boutiques: Iterable[Boutique] | QuerySet[Boutique]) -> QuerySet[TauxChange]:
    return TauxChange.objects.filter(boutique__in=boutiques).select_related("boutique", "saisi_par")


# --- Channels (the rule itself: magasin.ventes.canaux.canal_de) ------------------------------


def vente_est_a_credit(vente: Vente) -> bool:
    return not vente.paye or vente.mode_paiement == ModePaiement.CREDIT


# Sales that brought money into the till when they were made.
PAYEES = Q(paye=True) & ~Q(mode_paiement=ModePaiement.CREDIT)


# --- What a till should hold -----------------------------------------------------------------

Cle = tuple[str, str]  # (canal, devise)
LIGNES_TOUJOURS: tuple[Cle, ...] = ((Canal.CASH.value, Devise.CDF.value), (Canal.CASH.value, Devise.USD.value))


@dataclass
class Attendu:
    """What a till should hold at the end of a day, per (channel, currency), and where it comes
    from. Sales are in CDF; USD comes only from payments and cash movements."""

    montants: dict[Cle, Decimal] = field(default_factory=lambda: defaultdict(lambda: ZERO))
    nombre_ventes: int = 0
    ventes_cdf: Decimal = ZERO
    credit_cdf: Decimal = ZERO
    retours_cdf: Decimal = ZERO
    annulations_cdf: Decimal = ZERO
    paiements: list[dict[str, Any]] = field(default_factory=list)
    mouvements: list[dict[str, Any]] = field(default_factory=list)

    def ajouter(self, canal: str, devise: str, montant: Decimal) -> None:
        self.montants[(canal, devise)] += montant

    def lignes(self) -> list[tuple[Cle, Decimal]]:
        cles = set(self.montants) | set(LIGNES_TOUJOURS)
        ordre = {c.value: i for i, c in enumerate(Canal)}
        return [(c, self.montants.get(c, ZERO)) for c in sorted(cles, key=lambda c: (ordre.get(c[0], 99), c[1]))]


def _ventes_de_caisse(caisse: Caisse) -> QuerySet[Vente]:
    qs = Vente.objects.filter(boutique=caisse.boutique)
    if caisse.terminal is not None:
        return qs.filter(terminal=caisse.terminal)
    return qs.filter(terminal__isnull=True, cree_par=caisse.caissier)


def ventes_du_jour(*, caisse: Caisse, jour: date) -> QuerySet[Vente]:
    debut, fin = bornes_du_jour(jour)
    return _ventes_de_caisse(caisse).filter(date_vente__gte=debut, date_vente__lt=fin)


def _documents(modele: type[Paiement] | type[MouvementCaisse], caisse: Caisse, jour: date) -> QuerySet[Any]:
    return modele.objects.filter(boutique=caisse.boutique, caisse=caisse.cle, jour=jour)


def attendu_caisse(*, caisse: Caisse, jour: date) -> Attendu:
    """Expected takings of a till for a business day, per channel and per currency.

    + sales dated that day that were paid (by their mode; a sale whose payment was recorded as
      documents, e.g. partly in USD, counts by those documents instead);
    - refunds and cancellations made that day of the till's paid sales (by the sale's channel);
    + payments received that day (credit repayments, USD payments), - the CDF change given;
    + opening float and pay-ins, - pay-outs.
    Sales on credit are shown, not expected: they bring no money until they are paid.
    """
    attendu = Attendu()
    debut, fin = bornes_du_jour(jour)
    boutique_payees = Paiement.objects.filter(boutique=caisse.boutique, vente__isnull=False).values("vente_id")
    ventes = ventes_du_jour(caisse=caisse, jour=jour)
    for ligne in (
        ventes.values("mode_paiement", "mode_paiement_libelle", "paye")
        .annotate(n=Count("pk"), total=Sum("montant_total"))
        .order_by()
    ):
        attendu.nombre_ventes += ligne["n"]
        attendu.ventes_cdf += ligne["total"]
        if not ligne["paye"] or ligne["mode_paiement"] == ModePaiement.CREDIT:
            attendu.credit_cdf += ligne["total"]
    par_mode = (
        ventes.filter(PAYEES)
        .exclude(pk__in=boutique_payees)
        .values("mode_paiement", "mode_paiement_libelle")
        .annotate(total=Sum("montant_total"))
        .order_by()
    )
    for groupe in par_mode:
        attendu.ajouter(canal_de(groupe["mode_paiement"], groupe["mode_paiement_libelle"]), Devise.CDF, groupe["total"])
    _retours_et_annulations(attendu, caisse, debut, fin)
    _paiements(attendu, caisse, jour)
    _mouvements(attendu, caisse, jour)
    return attendu


def _retours_et_annulations(attendu: Attendu, caisse: Caisse, debut: datetime, fin: datetime) -> None:
    payees = _ventes_de_caisse(caisse).filter(PAYEES)
    retours = (
        Retour.objects.filter(boutique=caisse.boutique, date_retour__gte=debut, date_retour__lt=fin)
        .filter(vente__in=payees)
        .values("vente__mode_paiement", "vente__mode_paiement_libelle")
        .annotate(total=Sum("montant"))
        .order_by()
    )
    for ligne in retours:
        canal = canal_de(ligne["vente__mode_paiement"], ligne["vente__mode_paiement_libelle"])
        attendu.ajouter(canal, Devise.CDF, -ligne["total"])
        attendu.retours_cdf += ligne["total"]
    annulees = payees.filter(statut=StatutVente.ANNULEE, annulee_le__gte=debut, annulee_le__lt=fin)
    deja_rendu = {
        (r["vente__mode_paiement"], r["vente__mode_paiement_libelle"]): r["total"]
        for r in Retour.objects.filter(vente__in=annulees)
        .values("vente__mode_paiement", "vente__mode_paiement_libelle")
        .annotate(total=Sum("montant"))
        .order_by()
    }
    for annulee in (
        annulees.values("mode_paiement", "mode_paiement_libelle").annotate(total=Sum("montant_total")).order_by()
    ):
        cle = (annulee["mode_paiement"], annulee["mode_paiement_libelle"])
        rendu = annulee["total"] - deja_rendu.get(cle, ZERO)  # partial returns were refunded already
        attendu.ajouter(canal_de(*cle), Devise.CDF, -rendu)
        attendu.annulations_cdf += rendu


def _paiements(attendu: Attendu, caisse: Caisse, jour: date) -> None:
    for ligne in (
        _documents(Paiement, caisse, jour)
        .values("objet", "canal", "devise")
        .annotate(total=Sum("montant"), monnaie=Sum("monnaie_rendue_cdf"), cdf=Sum("montant_cdf"), n=Count("pk"))
        .order_by()
    ):
        attendu.ajouter(ligne["canal"], ligne["devise"], ligne["total"])
        if ligne["monnaie"]:
            attendu.ajouter(Canal.CASH, Devise.CDF, -ligne["monnaie"])
        attendu.paiements.append(ligne)


def _mouvements(attendu: Attendu, caisse: Caisse, jour: date) -> None:
    for ligne in (
        _documents(MouvementCaisse, caisse, jour)
        .values("type_mouvement", "devise")
        .annotate(total=Sum("montant"), n=Count("pk"))
        .order_by()
    ):
        signe = -1 if ligne["type_mouvement"] == TypeMouvementCaisse.SORTIE else 1
        attendu.ajouter(Canal.CASH, ligne["devise"], signe * ligne["total"])
        attendu.mouvements.append(ligne)


# --- Completeness ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Completude:
    """Whether every sale a terminal numbered up to `derniere` is on the server."""

    derniere: int | None
    nombre_manquantes: int
    manquantes: list[int]

    @property
    def complete(self) -> bool | None:
        return None if self.derniere is None else self.nombre_manquantes == 0


def completude(*, caisse: Caisse, jour: date, declaree: int | None = None) -> Completude:
    """Sales the terminal numbered up to its last one of `jour` (or the number the manager read
    on the terminal, if higher) that the server never received. A web cashier's sales are made
    on the server: nothing can be missing, and nothing is said (`derniere` None)."""
    if caisse.terminal is None:
        return Completude(derniere=None, nombre_manquantes=0, manquantes=[])
    derniere_du_jour = ventes_du_jour(caisse=caisse, jour=jour).aggregate(m=Max("sequence_terminal"))["m"]
    candidates = [n for n in (derniere_du_jour, declaree) if n is not None and n > 0]
    if not candidates:
        return Completude(derniere=None, nombre_manquantes=0, manquantes=[])
    derniere = max(candidates)
    recues = SequenceRecue.objects.filter(terminal=caisse.terminal, sequence__gte=1, sequence__lte=derniere)
    nombre = derniere - recues.count()
    manquantes: list[int] = []
    if nombre:
        # Gaps computed in the database (LAG over the received numbers): only gaps travel.
        trous = (
            recues.annotate(
                precedent=Coalesce(Window(expression=Lag("sequence"), order_by=F("sequence").asc()), Value(0))
            )
            .values_list("precedent", "sequence")
            .order_by("sequence")
        )
        fin_connue = 0
        for precedent, sequence in trous:
            fin_connue = sequence
            if sequence > precedent + 1:
                manquantes.extend(range(precedent + 1, min(sequence, precedent + 1 + MANQUANTES_GARDEES)))
            if len(manquantes) >= MANQUANTES_GARDEES:
                break
        if len(manquantes) < MANQUANTES_GARDEES:
            manquantes.extend(range(fin_connue + 1, min(derniere, fin_connue + MANQUANTES_GARDEES) + 1))
    return Completude(derniere=derniere, nombre_manquantes=nombre, manquantes=manquantes[:MANQUANTES_GARDEES])


# --- Closings --------------------------------------------------------------------------------


def cloture_courante(*, caisse: Caisse, jour: date) -> Cloture | None:
    """The closing in force for a till and day: the one no other supersedes."""
    return (
        Cloture.objects.filter(boutique=caisse.boutique, caisse=caisse.cle, jour=jour, remplacee_par__isnull=True)
        .select_related("boutique", "terminal", "caissier", "auteur")
        .first()
    )


def caisse_de_cloture(cloture: Cloture) -> Caisse:
    return Caisse(boutique=cloture.boutique, terminal=cloture.terminal, caissier=cloture.caissier)


def _seuil_revision(cloture: Cloture) -> datetime:
    vue = cloture.prises_en_compte.aggregate(m=Max("jusqu_a"))["m"]
    return max(cloture.cree_le, vue) if vue else cloture.cree_le


@dataclass
class Revision:
    """What arrived for a closed day after its count, and the day's expected takings now."""

    cloture: Cloture
    ventes: list[Vente]
    paiements: list[Paiement]
    mouvements: list[MouvementCaisse]
    attendu: Attendu
    completude: Completude
    lignes: list[dict[str, Any]]
    a_voir: bool  # arrivals a manager has not acknowledged yet
    jusqu_a: datetime | None  # the latest arrival


def revision(*, cloture: Cloture) -> Revision:
    caisse = caisse_de_cloture(cloture)
    ventes = list(
        ventes_du_jour(caisse=caisse, jour=cloture.jour)
        .filter(date_synchro__gt=cloture.cree_le)
        .order_by("date_synchro", "pk")[:500]
    )
    paiements = list(_documents(Paiement, caisse, cloture.jour).filter(cree_le__gt=cloture.cree_le).order_by("pk"))
    mouvements = list(
        _documents(MouvementCaisse, caisse, cloture.jour).filter(cree_le__gt=cloture.cree_le).order_by("pk")
    )
    attendu = attendu_caisse(caisse=caisse, jour=cloture.jour)
    comptees = {(lg.canal, lg.devise): lg for lg in cloture.lignes.all()}
    nouveaux = dict(attendu.lignes())
    lignes = []
    for cle in list(comptees) + [c for c in nouveaux if c not in comptees]:
        frozen = comptees.get(cle)
        maintenant = nouveaux.get(cle, ZERO)
        compte = frozen.compte if frozen else ZERO
        lignes.append(
            {
                "canal": Canal(cle[0]).label if cle[0] in Canal.values else cle[0],
                "devise": cle[1],
                "attendu_alors": frozen.attendu if frozen else ZERO,
                "attendu": maintenant,
                "compte": compte,
                "ecart": compte - maintenant,
                "change": (frozen.attendu if frozen else ZERO) != maintenant,
            }
        )
    moments = [v.date_synchro for v in ventes] + [d.cree_le for d in [*paiements, *mouvements]]
    jusqu_a = max(moments) if moments else None
    return Revision(
        cloture=cloture,
        ventes=ventes,
        paiements=paiements,
        mouvements=mouvements,
        attendu=attendu,
        completude=completude(caisse=caisse, jour=cloture.jour, declaree=cloture.sequence_declaree),
        lignes=lignes,
        a_voir=jusqu_a is not None and jusqu_a > _seuil_revision(cloture),
        jusqu_a=jusqu_a,
    )


def _arrivees_apres(seuil: Any) -> Q:
    """Closings for whose till and day something arrived after `seuil` (an expression)."""
    ventes = Vente.objects.filter(
        boutique=OuterRef("boutique"),
        date_vente__gte=OuterRef("debut"),
        date_vente__lt=OuterRef("fin"),
        date_synchro__gt=seuil,
    )
    documents = {"boutique": OuterRef("boutique"), "caisse": OuterRef("caisse"), "jour": OuterRef("jour")}
    return (
        Q(Exists(ventes.filter(terminal=OuterRef("terminal"))))
        | Q(Exists(ventes.filter(terminal__isnull=True, cree_par=OuterRef("caissier"))))
        | Q(Exists(Paiement.objects.filter(**documents, cree_le__gt=seuil)))
        | Q(Exists(MouvementCaisse.objects.filter(**documents, cree_le__gt=seuil)))
    )


def clotures_de_boutiques(
    *,
    boutiques: Iterable[Boutique] | QuerySet[Boutique],
    depuis: date | None = None,
    jusqu_a: date | None = None,
    courantes: bool = True,
) -> QuerySet[Cloture]:
    """Closings of the shops, the ones in force only unless `courantes=False`, each annotated
    with `a_reviser`: something arrived after its count that no manager acknowledged."""
    qs = Cloture.objects.filter(boutique__in=boutiques)
    if courantes:
        qs = qs.filter(remplacee_par__isnull=True)
    if depuis is not None:
        qs = qs.filter(jour__gte=depuis)
    if jusqu_a is not None:
        qs = qs.filter(jour__lte=jusqu_a)
    # What a manager acknowledged always arrived after the count: the latest acknowledgement,
    # else the count itself, is the moment after which arrivals flag the day.
    vue = PriseEnCompte.objects.filter(cloture=OuterRef("pk")).order_by("-jusqu_a").values("jusqu_a")[:1]
    return (
        qs.annotate(seuil=Coalesce(Subquery(vue), F("cree_le")))
        .annotate(a_reviser=ExpressionWrapper(_arrivees_apres(OuterRef("seuil")), output_field=BooleanField()))
        .select_related("boutique", "terminal", "caissier", "auteur")
        .order_by("-jour", "boutique__nom", "caisse")
    )


def revisions_a_voir(*, boutiques: Iterable[Boutique] | QuerySet[Boutique], jours: int = 31) -> list[Cloture]:
    """The closed days the dashboard flags: something arrived after the count, not acknowledged."""
    depuis = timezone.localdate() - timedelta(days=jours)
    return [c for c in clotures_de_boutiques(boutiques=boutiques, depuis=depuis) if c.a_reviser]  # type: ignore[attr-defined]


@dataclass(frozen=True)
class JourNonClos:
    boutique: Boutique
    caisse: Caisse
    jour: date
    nombre_ventes: int


def jours_non_clos(*, boutiques: Iterable[Boutique] | QuerySet[Boutique], jours: int = 14) -> list[JourNonClos]:
    """Tills that sold on one of the last `jours` days (today excluded) with no closing: one
    grouped query per day, on the (boutique, date_vente) index."""
    boutiques = list(boutiques)
    aujourd_hui = timezone.localdate()
    premier = aujourd_hui - timedelta(days=jours)
    closes = set(
        Cloture.objects.filter(boutique__in=boutiques, jour__gte=premier).values_list("boutique_id", "caisse", "jour")
    )
    par_id = {b.pk: b for b in boutiques}
    terminaux = {t.pk: t for t in Terminal.objects.filter(boutique__in=boutiques)}
    vus: list[tuple[int, int | None, int | None, date, int]] = []
    for decalage in range(jours, 0, -1):
        jour = aujourd_hui - timedelta(days=decalage)
        debut, fin = bornes_du_jour(jour)
        for ligne in (
            Vente.objects.filter(boutique__in=boutiques, date_vente__gte=debut, date_vente__lt=fin)
            .values("boutique_id", "terminal_id", "cree_par_id")
            .annotate(n=Count("pk"))
            .order_by()
        ):
            if ligne["terminal_id"] is None and ligne["cree_par_id"] is None:
                continue  # imported sales without a till
            cle = f"T{ligne['terminal_id']}" if ligne["terminal_id"] else f"U{ligne['cree_par_id']}"
            if (ligne["boutique_id"], cle, jour) not in closes:
                vus.append((ligne["boutique_id"], ligne["terminal_id"], ligne["cree_par_id"], jour, ligne["n"]))
    utilisateurs = get_user_model().objects.in_bulk({u for _, t, u, _, _ in vus if t is None and u is not None})
    resultat = []
    for boutique_id, terminal_id, caissier_id, jour, n in vus:
        boutique = par_id[boutique_id]
        if terminal_id is not None and terminal_id in terminaux:
            caisse = Caisse(boutique=boutique, terminal=terminaux[terminal_id])
        elif caissier_id in utilisateurs:
            caisse = Caisse(boutique=boutique, caissier=utilisateurs[caissier_id])
        else:
            continue
        resultat.append(JourNonClos(boutique=boutique, caisse=caisse, jour=jour, nombre_ventes=n))
    return sorted(resultat, key=lambda j: (j.jour, j.boutique.nom, j.caisse.cle), reverse=True)


def caisses_de_boutique(*, boutique: Boutique, jour: date | None = None) -> list[Caisse]:
    """The shop's terminals, and the web cashiers who invoiced (on `jour`, or in the last 31
    days): the tills a closing or a movement can be recorded for."""
    caisses = [Caisse(boutique=boutique, terminal=t) for t in Terminal.objects.filter(boutique=boutique)]
    if jour is not None:
        debut, fin = bornes_du_jour(jour)
    else:
        fin = timezone.now()
        debut = fin - timedelta(days=31)
    ids = set(
        Vente.objects.filter(boutique=boutique, terminal__isnull=True, cree_par__isnull=False)
        .filter(date_vente__gte=debut, date_vente__lt=fin)
        .values_list("cree_par_id", flat=True)
        .distinct()
    )
    # A web till that only took payments or cash movements that day is a till too.
    jours = {"jour": jour} if jour is not None else {"jour__gte": timezone.localdate(debut)}
    for modele in (Paiement, MouvementCaisse):
        ids.update(
            modele.objects.filter(boutique=boutique, caissier__isnull=False, **jours)
            .values_list("caissier_id", flat=True)
            .distinct()
        )
    for u in get_user_model().objects.filter(pk__in=ids).order_by("username"):
        caisses.append(Caisse(boutique=boutique, caissier=u))
    return caisses


# --- Receivables -----------------------------------------------------------------------------


def telephone_normalise(telephone: str) -> str:
    """The last 9 digits of a Congolese number (`+243 81 234 5678`, `0812345678` → `812345678`)."""
    chiffres = "".join(c for c in telephone if c.isdigit())
    return chiffres[-9:] if len(chiffres) >= 9 else chiffres


def nom_normalise(nom: str) -> str:
    sans_accents = unicodedata.normalize("NFKD", nom).encode("ascii", "ignore").decode()
    return " ".join(sans_accents.casefold().split())


def client_cle(*, nom: str, telephone: str) -> str:
    """How a customer is recognised in a shop: phone first, else name, else "anonyme"."""
    tel = telephone_normalise(telephone)
    if tel:
        return f"tel:{tel}"
    n = nom_normalise(nom)
    return f"nom:{n[:150]}" if n else "anonyme"


def soldes_des_creances(creances: QuerySet[Creance]) -> QuerySet[Creance]:
    """The rule: each receivable with `du`, what its sale owes now (nothing once cancelled, else
    its total less refunds) and `regle`, what payments settled of it. `Creance.solde` keeps
    `du - regle` (`caisse.services.creances_resolder`); the allocation of a repayment and the
    customer's page compute it here, exactly, instead."""
    montant = DecimalField(max_digits=16, decimal_places=2)
    rendus = Retour.objects.filter(vente=OuterRef("vente")).values("vente").annotate(s=Sum("montant")).values("s")
    regles = (
        Affectation.objects.filter(creance=OuterRef("pk")).values("creance").annotate(s=Sum("montant_cdf")).values("s")
    )
    return creances.annotate(
        du=Case(
            When(vente__statut=StatutVente.ANNULEE, then=Value(ZERO, output_field=montant)),
            default=F("montant") - Coalesce(Subquery(rendus, output_field=montant), Value(ZERO, output_field=montant)),
            output_field=montant,
        ),
        regle=Coalesce(Subquery(regles, output_field=montant), Value(ZERO, output_field=montant)),
    )


def _creances_du_client(client: Client) -> list[Creance]:
    """Every receivable of the customer, oldest first, each with `du`, `regle` and `solde`."""
    creances = list(
        soldes_des_creances(
            Creance.objects.filter(boutique_id=client.boutique_id, client=client).select_related("vente")
        ).order_by("jour", "pk")
    )
    for c in creances:
        c.solde = c.du - c.regle  # type: ignore[attr-defined]
    return creances


def creances_ouvertes(*, client: Client) -> list[Creance]:
    """The customer's unpaid sales, oldest first, each with `du`, `regle` and `solde`."""
    return [c for c in _creances_du_client(client) if c.solde > 0]  # type: ignore[attr-defined]


def creances_en_avoir(*, client: Client) -> list[Creance]:
    """The customer's sales the shop was paid more for than is owed now (a credit sale
    cancelled, or refunded, after a repayment), each with `avoir` = paid - owed: money the shop
    owes the customer, to give back or to deduct by hand. Shown, never allocated by itself to
    another sale (`credit_rembourser` allocates to what is owed only)."""
    en_avoir = [c for c in _creances_du_client(client) if c.solde < 0]  # type: ignore[attr-defined]
    for c in en_avoir:
        c.avoir = -c.solde  # type: ignore[attr-defined]
    return en_avoir


@dataclass(frozen=True)
class SoldeClient:
    client: Client
    solde: Decimal  # owed to the shop
    nombre: int  # unpaid sales
    plus_ancienne: date | None
    avoir: Decimal = ZERO  # owed to the customer (`creances_en_avoir`), never netted with `solde`

    @property
    def age_jours(self) -> int | None:
        return None if self.plus_ancienne is None else (timezone.localdate() - self.plus_ancienne).days


def soldes_clients(*, boutique: Boutique, recherche: str = "", limite: int = 200) -> list[SoldeClient]:
    """Customers who owe the shop something, the largest balance first, with the age of their
    oldest unpaid sale; then customers the shop owes (an `avoir`: paid for a sale since cancelled
    or refunded). One aggregate query over the kept balances (`Creance.solde`): a year of
    receivables is summed by the database, not recomputed from its sales, returns and payments."""
    creances = Creance.objects.filter(boutique=boutique).exclude(solde=0)
    if recherche:
        creances = creances.filter(Q(client__nom__icontains=recherche) | Q(client__telephone__icontains=recherche))
    du, avoir = Q(solde__gt=0), Q(solde__lt=0)
    par_client = list(
        creances.values("client_id")
        .annotate(
            solde_du=Coalesce(Sum("solde", filter=du), Value(ZERO)),
            nombre=Count("pk", filter=du),
            plus_ancienne=Min("jour", filter=du),
            avoir=Coalesce(-Sum("solde", filter=avoir), Value(ZERO)),
        )
        .order_by()
    )
    clients = Client.objects.in_bulk([c["client_id"] for c in par_client])
    soldes = [
        SoldeClient(
            client=clients[c["client_id"]],
            solde=c["solde_du"],
            nombre=c["nombre"],
            plus_ancienne=c["plus_ancienne"],
            avoir=c["avoir"],
        )
        for c in par_client
    ]
    return sorted(soldes, key=lambda s: (-s.solde, -s.avoir, s.client.nom, s.client.pk))[:limite]


def clients_de_boutiques(*, boutiques: Iterable[Boutique] | QuerySet[Boutique]) -> QuerySet[Client]:
    return Client.objects.filter(boutique__in=boutiques).select_related("boutique")


def paiements_de_client(*, client: Client) -> QuerySet[Paiement]:
    return (
        Paiement.objects.filter(boutique_id=client.boutique_id, client=client)
        .select_related("auteur", "terminal", "caissier")
        .prefetch_related("affectations__creance__vente")
        .order_by("-cree_le", "-pk")
    )


def paiements_de_vente(*, vente: Vente) -> list[Paiement]:
    return list(Paiement.objects.filter(boutique_id=vente.boutique_id, vente=vente).order_by("pk"))


def reglement_de_vente(*, vente: Vente) -> list[PartReglement]:
    """How the till recorded the sale was settled (USD at a rate, CDF part, change), as the
    invoice PDF shows it; empty when the sale was paid by its mode alone."""
    return [
        PartReglement(
            devise=p.devise,
            montant=p.montant,
            taux=p.taux,
            montant_cdf=p.montant_cdf,
            monnaie_rendue_cdf=p.monnaie_rendue_cdf,
        )
        for p in paiements_de_vente(vente=vente)
    ]


def mouvements_de_boutiques(
    *, boutiques: Iterable[Boutique] | QuerySet[Boutique], jour: date | None = None
) -> QuerySet[MouvementCaisse]:
    qs = MouvementCaisse.objects.filter(boutique__in=boutiques).select_related(
        "boutique", "terminal", "caissier", "auteur"
    )
    if jour is not None:
        qs = qs.filter(jour=jour)
    return qs.order_by("-cree_le", "-pk")


# --- The report by channel: sales counted by their payment documents ---------------------------


def _paiements_du_rapport(filtre: FiltreRapport, *, terminal: str, caissier: str) -> Q:
    """The report's filters (shops, terminal, web cashier) on payment documents: through their
    sale's fields for a sale's documents, the till's own for repayments."""
    q = filtre_boutiques(filtre.boutiques, "boutique_id")
    if filtre.terminal_id is not None:
        q &= Q(**{terminal: filtre.terminal_id})
    if filtre.caissier_id is not None:
        q &= Q(**{caissier: filtre.caissier_id})
    return q


def rapport_par_canal(filtre: FiltreRapport) -> Rapport:
    """The period's sales by channel and currency: each sale under its mode's channel
    (`rapport_ventes(par="canal")`, credit sales under "Crédit"), except a sale whose settlement
    was recorded as payment documents (e.g. partly in USD): that one counts by its documents,
    each under its channel and currency ("Espèces (USD)") for its CDF value net of the change
    given back. The documents of a sale add up to its total, so the total is unchanged.

    Keys are (channel, currency). Returns and cancellations stay on the sale's mode (a refund is
    paid back in CDF through the sale's channel, as the closing counts it). A sale settled in two
    currencies counts in both rows' number of sales, once in the total. One aggregate query over
    the documents of the filtered sales, besides the report's own."""
    base = rapport_ventes(filtre, par="canal")
    lignes: dict[tuple[str, str], LigneRapport] = {}
    for ligne in base.lignes:
        cle = (ligne.cle, Devise.CDF.value)
        lignes[cle] = LigneRapport(cle=cle, libelle=libelle_canal(*cle))
        lignes[cle].ajouter(ligne)
    debut, fin = bornes_locales(filtre.debut, filtre.fin)
    ventes = Q(vente__statut=StatutVente.VALIDEE, vente__date_vente__gte=debut, vente__date_vente__lt=fin)
    if filtre.mode_paiement:
        ventes &= Q(vente__mode_paiement=filtre.mode_paiement)
    # The sales the report counted (same filters, on the sale): only their amounts move.
    dans_le_rapport = _paiements_du_rapport(filtre, terminal="vente__terminal_id", caissier="vente__cree_par_id")
    documents = Paiement.objects.filter(dans_le_rapport, ventes, objet=ObjetPaiement.VENTE)
    # A sale's first document (by id) stands for the sale when it leaves its mode's row.
    plus_tot = Paiement.objects.filter(objet=ObjetPaiement.VENTE, vente=OuterRef("vente"), pk__lt=OuterRef("pk"))
    premier = ~Exists(plus_tot)
    montant = DecimalField(max_digits=18, decimal_places=2)
    for groupe in (
        documents.annotate(premier=ExpressionWrapper(premier, output_field=BooleanField()))
        .values("vente__mode_paiement", "vente__mode_paiement_libelle", "vente__paye", "canal", "devise")
        .annotate(
            ventes=Count("vente_id", distinct=True),
            premiers=Count("pk", filter=Q(premier=True)),
            net=Sum(ExpressionWrapper(F("montant_cdf") - F("monnaie_rendue_cdf"), output_field=montant)),
        )
        .order_by()
    ):
        mode = cle_de_rapport(
            groupe["vente__mode_paiement"], groupe["vente__mode_paiement_libelle"] or "", paye=groupe["vente__paye"]
        )
        cle_mode = (mode, Devise.CDF.value)
        depuis = lignes.setdefault(cle_mode, LigneRapport(cle=cle_mode, libelle=libelle_canal(*cle_mode)))
        depuis.nombre -= groupe["premiers"]
        depuis.montant -= groupe["net"]
        cle = (groupe["canal"], groupe["devise"])
        vers = lignes.setdefault(cle, LigneRapport(cle=cle, libelle=libelle_canal(*cle)))
        vers.nombre += groupe["ventes"]
        vers.montant += groupe["net"]
    gardees = [lg for lg in lignes.values() if lg.nombre or lg.montant or lg.retours or lg.annulees]
    ordre = sorted(gardees, key=lambda ligne: (-ligne.net, ligne.cle))
    return Rapport(par=base.par, lignes=ordre, total=base.total)


def rapport_de_caisse(filtre: FiltreRapport, *, par: str) -> Rapport:
    """The owner's report (`rapport_ventes`), except by channel: counted from the payment
    documents where there are some (`rapport_par_canal`)."""
    return rapport_par_canal(filtre) if par == "canal" else rapport_ventes(filtre, par=par)


@dataclass(frozen=True)
class RemboursementsCanal:
    """Credit repayments a period's tills received through one channel, in one currency."""

    canal: str
    devise: str
    libelle: str
    nombre: int
    montant: Decimal  # in the payment's currency
    net_cdf: Decimal  # CDF value, less the change given back in CDF


def remboursements_par_canal(filtre: FiltreRapport) -> list[RemboursementsCanal]:
    """Credit repayments received in the period (the day the till took them), per channel and
    currency: cash in the tills that is not a sale of the period. Honours the shops and the
    till (terminal, web cashier); a repayment has no sale mode, so a report narrowed to a
    payment mode shows none. One aggregate query."""
    if filtre.mode_paiement:
        return []
    lignes = (
        Paiement.objects.filter(
            _paiements_du_rapport(filtre, terminal="terminal_id", caissier="caissier_id"),
            objet=ObjetPaiement.CREDIT,
            jour__gte=filtre.debut,
            jour__lte=filtre.fin,
        )
        .values("canal", "devise")
        .annotate(n=Count("pk"), total=Sum("montant"), cdf=Sum("montant_cdf"), monnaie=Sum("monnaie_rendue_cdf"))
        .order_by()
    )
    ordre = {c.value: i for i, c in enumerate(Canal)}
    return [
        RemboursementsCanal(
            canal=lg["canal"],
            devise=lg["devise"],
            libelle=libelle_canal(lg["canal"], lg["devise"]),
            nombre=lg["n"],
            montant=lg["total"],
            net_cdf=lg["cdf"] - lg["monnaie"],
        )
        for lg in sorted(lignes, key=lambda lg: (ordre.get(lg["canal"], 99), lg["devise"]))
    ]


# --- USD equivalents in the reports -----------------------------------------------------------


@dataclass(frozen=True)
class EquivalentsUsd:
    """CDF amounts converted at each day's rate: per period, and for the whole report."""

    par_periode: dict[date, Decimal | None]  # None: a day of the period has no rate
    total: Decimal | None


def equivalents_usd(
    *, boutique: Boutique, montants_par_jour: dict[date, Decimal], periode_de: Callable[[date], date]
) -> EquivalentsUsd:
    """Each day's CDF amount at that day's rate (`taux_par_jour`), summed per period
    (`periode_de(jour)`: the day itself, its week or its month). A period with an amount on a
    day that has no rate yet has no equivalent (None), rather than a partial one."""
    if not montants_par_jour:
        return EquivalentsUsd(par_periode={}, total=Decimal("0.00"))
    jours = sorted(montants_par_jour)
    taux = taux_par_jour(boutique=boutique, debut=jours[0], fin=jours[-1])
    par_periode: dict[date, Decimal | None] = {}
    for jour in jours:
        cle = periode_de(jour)
        montant = montants_par_jour[jour]
        courant = par_periode.get(cle, Decimal("0"))
        if courant is None or (montant and jour not in taux):
            par_periode[cle] = None
        elif montant:
            par_periode[cle] = courant + montant / taux[jour]
        else:
            par_periode.setdefault(cle, courant)
    arrondis = {cle: None if v is None else v.quantize(Decimal("0.01")) for cle, v in par_periode.items()}
    valeurs = list(arrondis.values())
    total = None if any(v is None for v in valeurs) else sum((v for v in valeurs if v is not None), Decimal("0.00"))
    return EquivalentsUsd(par_periode=arrondis, total=total)
