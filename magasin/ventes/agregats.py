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

from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone

from magasin.boutiques.models import Boutique
from magasin.boutiques.services import boutique_verrouiller
from magasin.ventes.models import AgregatArticlesJour, AgregatArticlesMois, AgregatVentesJour, Retour, Vente
from magasin.ventes.selectors import (
    CHAMPS_AGREGAT,
    FiltreRapport,
    articles_groupes,
    bornes_locales,
    fin_du_mois,
    ventes_groupees,
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
    return supprimees + articles + mois_supprimes


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
    return faits


def _cumuler_mois(boutique_id: int, mois: date) -> None:
    """Add up a closed month's daily article rows, once all its days are summarised."""
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
            .annotate(q=Sum("quantite"), m=Sum("montant"), qr=Sum("quantite_retournee"), r=Sum("retours"))
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
                )
                for s in sommes
            ),
            batch_size=1000,
        )


def _calculer_lot(boutique_id: int, debut: date, fin: date) -> int:
    with transaction.atomic():
        boutique_verrouiller(boutique_id)
        deja = set(
            AgregatVentesJour.objects.filter(boutique_id=boutique_id, jour__gte=debut, jour__lte=fin)
            .values_list("jour", flat=True)
            .distinct()
        )
        jours = [debut + timedelta(days=i) for i in range((fin - debut).days + 1)]
        jours = [j for j in jours if j not in deja]
        if not jours:
            return 0
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

        articles: dict[tuple[object, ...], AgregatArticlesJour] = {}
        lignes, retournees = articles_groupes(
            filtre,
            ["jour"],
            lignes=Q(vente__date_vente__gte=bas, vente__date_vente__lt=haut),
            retours=Q(retour__date_retour__gte=bas, retour__date_retour__lt=haut),
        )
        for rangee, est_retour in [*((v, False) for v in lignes), *((r, True) for r in retournees)]:
            if rangee["jour"] not in a_faire:
                continue
            cle = (rangee["jour"], rangee["article_id"])
            agregat_article = articles.get(cle)
            if agregat_article is None:
                agregat_article = articles[cle] = AgregatArticlesJour(
                    boutique_id=boutique_id, jour=rangee["jour"], article_id=rangee["article_id"]
                )
            if est_retour:
                agregat_article.quantite_retournee += rangee["q"] or 0
                agregat_article.retours += rangee["m"] or Decimal("0")
            else:
                agregat_article.quantite += rangee["q"] or 0
                agregat_article.montant += rangee["m"] or Decimal("0")
        AgregatArticlesJour.objects.bulk_create(articles.values(), batch_size=1000)
        return len(jours)
