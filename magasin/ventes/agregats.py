"""Daily summaries of closed days for the reports (`AgregatVentesJour`, `AgregatArticlesJour`).

A year of one busy owner is ~370,000 sales and 1.1 M lines: summed live, a year's report takes
seconds. A day that is over rarely changes, so its sums are kept per shop and day, and the
reports (`ventes.selectors.rapport_ventes`) read them for the summarised days and compute the
others live. Two rules keep them never wrong:

- only days before today (Kinshasa) are summarised (`agregats_calculer`), under the shop's row
  lock, the lock every writer of the shop takes first: a sale being written is either seen or
  waits;
- whatever changes a summarised day deletes its rows in the writer's own transaction
  (`agregats_mettre_a_jour`): a sale arriving late from an offline terminal, the cancellation
  of an old sale (and the days of its earlier returns, which stop counting). The day is then
  computed live until the next `agregats_calculer` (the command `agreger_ventes`, nightly).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, cast

from django.db import transaction
from django.db.models import F, Q, Sum
from django.utils import timezone

from magasin.boutiques.models import Boutique
from magasin.boutiques.services import boutique_verrouiller
from magasin.ventes.marges import lignes_marges
from magasin.ventes.models import (
    AgregatArticlesJour,
    AgregatArticlesMois,
    AgregatArticlesMoisDetail,
    AgregatVentesJour,
    LigneRetour,
    LigneVente,
    Retour,
    StatutVente,
    Vente,
)
from magasin.ventes.selectors import (
    CHAMPS_AGREGAT,
    FiltreRapport,
    articles_groupes,
    bornes_locales,
    fin_du_mois,
    premier_trou,
    ventes_groupees,
)

# The margin columns of the article summaries (`ventes.marges`), summed into the month's rows.
_COLONNES_MARGE = (
    "marge_chiffre",
    "marge_cout",
    "marge_quantite",
    "marge_chiffre_sans_cout",
    "marge_quantite_sans_cout",
)

# Days summarised per transaction (the shop's lock is held that long: ~0.1 s a month measured).
JOURS_PAR_LOT = 31


def agregats_mettre_a_jour(ventes: Iterable[Vente]) -> int:
    """Forget the summaries of the days these sales belong to (and of their returns' days).

    To be called by every writer of sales, in its transaction, after its writes: new sales
    (`_enregistrer_lot`), a cancellation (`vente_annuler`), a return (`vente_retourner`). Costs
    nothing for today's sales (today is never summarised): no query at all. Returns the number
    of summary rows deleted."""
    aujourd_hui = timezone.localdate()
    cles: set[tuple[int, date]] = set()
    anciennes: list[int] = []
    for vente in ventes:
        jour = timezone.localdate(vente.date_vente)
        if jour < aujourd_hui:
            cles.add((vente.boutique_id, jour))
            if vente.pk is not None:
                anciennes.append(vente.pk)
    if not cles:
        return 0
    # A cancelled sale's returns stop counting on the days they were made.
    for boutique_id, moment in Retour.objects.filter(vente_id__in=anciennes).values_list("boutique_id", "date_retour"):
        cles.add((boutique_id, timezone.localdate(moment)))
    q = Q()
    for boutique_id, jour in cles:
        q |= Q(boutique_id=boutique_id, jour=jour)
    supprimees, _ = AgregatVentesJour.objects.filter(q).delete()
    articles, _ = AgregatArticlesJour.objects.filter(q).delete()
    q_mois = Q()
    for boutique_id, mois in {(b, j.replace(day=1)) for b, j in cles}:
        q_mois |= Q(boutique_id=boutique_id, mois=mois)
    mois_supprimes, _ = AgregatArticlesMois.objects.filter(q_mois).delete()
    details, _ = AgregatArticlesMoisDetail.objects.filter(q_mois).delete()
    return supprimees + articles + mois_supprimes + details


def agregats_calculer(*, boutique: Boutique, debut: date, fin: date) -> int:
    """Summarise the shop's days of [debut, fin] that are over and not summarised yet.

    Returns the number of days summarised. Each batch of days is read and written under the
    shop's row lock, taken as the transaction's first statement."""
    fin = min(fin, timezone.localdate() - timedelta(days=1))
    faits = 0
    lot_debut = debut
    while lot_debut <= fin:
        lot_fin = min(fin, lot_debut + timedelta(days=JOURS_PAR_LOT - 1))
        faits += _calculer_lot(boutique.pk, lot_debut, lot_fin)
        lot_debut = lot_fin + timedelta(days=1)
    mois = debut.replace(day=1)
    while mois <= fin:
        if fin_du_mois(mois) <= fin:
            _cumuler_mois(boutique.pk, mois)
        mois = fin_du_mois(mois) + timedelta(days=1)
    sequences_marquer(boutique)
    return faits


def sequences_marquer(boutique: Boutique) -> None:
    """Move each of the shop's terminals' mark (`SequencesContinues`) up to its first gap.

    No lock needed: received values are only ever added, so a mark read from any snapshot
    stays true; it only saves the gap check counting a year of values."""
    from magasin.boutiques.models import Terminal
    from magasin.ventes.models import SequencesContinues

    marques = dict(SequencesContinues.objects.filter(terminal__boutique=boutique).values_list("terminal_id", "jusqu_a"))
    for terminal in Terminal.objects.filter(boutique=boutique):
        avant = marques.get(terminal.pk, 0)
        jusqu_a = premier_trou(terminal=terminal, depuis=avant)
        if jusqu_a != avant or terminal.pk not in marques:
            SequencesContinues.objects.update_or_create(
                terminal=terminal, defaults={"boutique": boutique, "jusqu_a": jusqu_a}
            )


def _cumuler_mois(boutique_id: int, mois: date) -> None:
    """Add up a closed month's daily article rows, once all its days are summarised; and its
    rows per article, terminal, web cashier and mode (`AgregatArticlesMoisDetail`), summed from
    the lines under the same lock: the two kinds of rows are written, and exist, together."""
    fin = fin_du_mois(mois)
    with transaction.atomic():
        boutique_verrouiller(boutique_id)
        if AgregatArticlesMois.objects.filter(boutique_id=boutique_id, mois=mois).exists():
            return
        jours = (
            AgregatVentesJour.objects.filter(boutique_id=boutique_id, jour__gte=mois, jour__lte=fin)
            .values("jour")
            .distinct()
            .count()
        )
        if jours != (fin - mois).days + 1:
            return
        sommes = (
            AgregatArticlesJour.objects.filter(boutique_id=boutique_id, jour__gte=mois, jour__lte=fin)
            .values("article_id")
            .annotate(
                q=Sum("quantite"),
                m=Sum("montant"),
                qr=Sum("quantite_retournee"),
                r=Sum("retours"),
                **{c: Sum(c) for c in _COLONNES_MARGE},
            )
            .order_by()
        )
        AgregatArticlesMois.objects.bulk_create(
            (
                AgregatArticlesMois(
                    boutique_id=boutique_id,
                    mois=mois,
                    article_id=s["article_id"],
                    quantite=s["q"],
                    montant=s["m"],
                    quantite_retournee=s["qr"],
                    retours=s["r"],
                    **{c: s[c] for c in _COLONNES_MARGE},
                )
                for s in cast(Iterable[dict[str, Any]], sommes)
            ),
            batch_size=1000,
        )
        AgregatArticlesMoisDetail.objects.bulk_create(_detail_du_mois(boutique_id, mois), batch_size=1000)


def _detail_du_mois(boutique_id: int, mois: date) -> list[AgregatArticlesMoisDetail]:
    """The month's lines of validated sales, and its refunded lines (by refund day, of sales
    still validated), per article and the sale's terminal, web cashier and mode."""
    bas, haut = bornes_locales(mois, fin_du_mois(mois))
    cles = ("article_id", "terminal_id", "cree_par_id", "mode_paiement")
    vendues = (
        LigneVente.objects.filter(
            vente__boutique_id=boutique_id,
            vente__statut=StatutVente.VALIDEE,
            vente__date_vente__gte=bas,
            vente__date_vente__lt=haut,
        )
        .values("article_id", terminal_id=F("vente__terminal_id"), cree_par_id=F("vente__cree_par_id"))
        .annotate(mode_paiement=F("vente__mode_paiement"), q=Sum("quantite"), m=Sum("total_ligne"))
        .order_by()
    )
    rendues = (
        LigneRetour.objects.filter(
            retour__vente__boutique_id=boutique_id,
            retour__vente__statut=StatutVente.VALIDEE,
            retour__date_retour__gte=bas,
            retour__date_retour__lt=haut,
        )
        .values(
            article_id=F("ligne_vente__article_id"),
            terminal_id=F("retour__vente__terminal_id"),
            cree_par_id=F("retour__vente__cree_par_id"),
            mode_paiement=F("retour__vente__mode_paiement"),
        )
        .annotate(q=Sum("quantite"), m=Sum("montant"))
        .order_by()
    )
    lignes: dict[tuple[object, ...], AgregatArticlesMoisDetail] = {}
    rangees = [(cast(dict[str, Any], v), False) for v in vendues] + [(cast(dict[str, Any], r), True) for r in rendues]
    for rangee, est_retour in rangees:
        cle = tuple(rangee[c] for c in cles)
        detail = lignes.get(cle)
        if detail is None:
            detail = lignes[cle] = AgregatArticlesMoisDetail(
                boutique_id=boutique_id,
                mois=mois,
                article_id=rangee["article_id"],
                terminal_id=rangee["terminal_id"],
                cree_par_id=rangee["cree_par_id"],
                mode_paiement=rangee["mode_paiement"] or "",
            )
        if est_retour:
            detail.quantite_retournee += rangee["q"] or 0
            detail.retours += rangee["m"] or Decimal("0")
        else:
            detail.quantite += rangee["q"] or 0
            detail.montant += rangee["m"] or Decimal("0")
    return list(lignes.values())


def _calculer_lot(boutique_id: int, debut: date, fin: date) -> int:
    """Summarise the days of [debut, fin] not summarised yet, under the shop's lock."""
    with transaction.atomic():
        boutique_verrouiller(boutique_id)
        deja = set(
            AgregatVentesJour.objects.filter(boutique_id=boutique_id, jour__gte=debut, jour__lte=fin)
            .values_list("jour", flat=True)
            .distinct()
        )
        jours = [debut + timedelta(days=i) for i in range((fin - debut).days + 1)]
        jours = [j for j in jours if j not in deja]
        if jours:
            _agreger_ventes(boutique_id, jours)
            _agreger_articles(boutique_id, jours)
        return len(jours)


def _agreger_ventes(boutique_id: int, jours: list[date]) -> None:
    """`AgregatVentesJour` rows of these days (consecutive or not, sorted): one per key of
    `CHAMPS_AGREGAT`, and an empty one for a day without any sale."""
    bas, haut = bornes_locales(jours[0], jours[-1])
    filtre = FiltreRapport(boutiques=[Boutique(pk=boutique_id)], debut=jours[0], fin=jours[-1])
    a_faire = set(jours)
    ventes: dict[tuple[object, ...], AgregatVentesJour] = {}
    vendues, rendues = ventes_groupees(
        filtre,
        CHAMPS_AGREGAT,
        ventes=Q(date_vente__gte=bas, date_vente__lt=haut),
        retours=Q(date_retour__gte=bas, date_retour__lt=haut),
    )
    for rangee, est_retour in [*((v, False) for v in vendues), *((r, True) for r in rendues)]:
        if rangee["jour"] not in a_faire:
            continue
        cle = tuple(rangee[c] for c in CHAMPS_AGREGAT)
        agregat = ventes.get(cle)
        if agregat is None:
            agregat = ventes[cle] = AgregatVentesJour(
                boutique_id=boutique_id,
                jour=rangee["jour"],
                terminal_id=rangee["terminal_id"],
                cree_par_id=rangee["cree_par_id"],
                mode_paiement=rangee["mode_paiement"],
                mode_paiement_libelle=rangee["mode_paiement_libelle"] or "",
                paye=rangee["paye"],
            )
        if est_retour:
            agregat.nombre_retours += rangee["n"]
            agregat.retours += rangee["m"] or Decimal("0")
        else:
            agregat.nombre += rangee["n"]
            agregat.montant += rangee["m"] or Decimal("0")
            agregat.annulees += rangee["na"]
            agregat.montant_annule += rangee["ma"] or Decimal("0")
    # A day without any sale still gets its row: the rows tell which days are summarised.
    vus = {a.jour for a in ventes.values()}
    vides = [AgregatVentesJour(boutique_id=boutique_id, jour=j) for j in jours if j not in vus]
    AgregatVentesJour.objects.bulk_create([*ventes.values(), *vides], batch_size=1000)


def _agreger_articles(boutique_id: int, jours: list[date]) -> None:
    """`AgregatArticlesJour` rows of these days: quantities and amounts sold and returned per
    article, and the margin figures of the day's lines (`ventes.marges`; returns deducted
    there, live)."""
    bas, haut = bornes_locales(jours[0], jours[-1])
    filtre = FiltreRapport(boutiques=[Boutique(pk=boutique_id)], debut=jours[0], fin=jours[-1])
    a_faire = set(jours)
    articles: dict[tuple[object, ...], AgregatArticlesJour] = {}

    def agregat_de(rangee: dict[str, Any]) -> AgregatArticlesJour:
        cle = (rangee["jour"], rangee["article_id"])
        if cle not in articles:
            articles[cle] = AgregatArticlesJour(
                boutique_id=boutique_id, jour=rangee["jour"], article_id=rangee["article_id"]
            )
        return articles[cle]

    lignes, retournees = articles_groupes(
        filtre,
        ["jour"],
        lignes=Q(vente__date_vente__gte=bas, vente__date_vente__lt=haut),
        retours=Q(retour__date_retour__gte=bas, retour__date_retour__lt=haut),
    )
    for rangee, est_retour in [*((v, False) for v in lignes), *((r, True) for r in retournees)]:
        if rangee["jour"] not in a_faire:
            continue
        agregat = agregat_de(rangee)
        if est_retour:
            agregat.quantite_retournee += rangee["q"] or 0
            agregat.retours += rangee["m"] or Decimal("0")
        else:
            agregat.quantite += rangee["q"] or 0
            agregat.montant += rangee["m"] or Decimal("0")
    for rangee in lignes_marges(
        Q(vente__boutique_id=boutique_id, vente__date_vente__gte=bas, vente__date_vente__lt=haut),
        ("jour", "article_id"),
    ):
        if rangee["jour"] not in a_faire:
            continue
        agregat = agregat_de(rangee)
        agregat.marge_chiffre = rangee["chiffre"] or Decimal("0")
        agregat.marge_cout = rangee["cout"] or Decimal("0")
        agregat.marge_quantite = rangee["unites"] or 0
        agregat.marge_chiffre_sans_cout = rangee["chiffre_sans_cout"] or Decimal("0")
        agregat.marge_quantite_sans_cout = rangee["unites_sans_cout"] or 0
    AgregatArticlesJour.objects.bulk_create(articles.values(), batch_size=1000)
