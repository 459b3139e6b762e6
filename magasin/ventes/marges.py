"""Margin reads (selectors): revenue minus the cost of what was sold, per sale, article, shop and
period.

A sale line's cost is `LigneVente.cout_unitaire`, the article's average cost in force when the
server recorded the sale (a sale made offline and synchronised late is costed on arrival). Lines
without a known cost (NULL: recorded before costs were kept; 0: the article had never been
received with a cost) are counted apart, never as free goods.
Only validated sales count; a partial return takes its revenue (the refund) and its cost (the
returned units at the line's cost) off the sale it belongs to, in the sale's period.

A year of a busy owner is 1.1 M lines: the lines of closed days are read from the daily article
summaries (`AgregatArticlesJour.marge_*`; by month, `AgregatArticlesMois` for the months the
period covers mostly, minus the daily rows of their days outside it), the other days (today, a
day a late sale or a cancellation made forget, a period's partial first or last day) live,
under one snapshot (`lecture_coherente`). The summaries hold the lines only; returns are
always deducted live (a return does not make its sale's day forgotten; they are few). The
per-sale table is one page of the period's sales (`ventes_de_la_periode`, paginated in SQL),
its margins read for those sales only.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import DecimalField, ExpressionWrapper, F, IntegerField, Q, QuerySet, Sum, Value
from django.utils import timezone

from magasin.boutiques.models import Boutique
from magasin.stock.models import Article
from magasin.ventes.models import (
    AgregatArticlesJour,
    AgregatArticlesMois,
    AgregatVentesJour,
    LigneRetour,
    LigneVente,
    StatutVente,
    Vente,
)
from magasin.ventes.selectors import bornes_locales, fin_du_mois, jour_local, lecture_coherente, plages_non_agregees

ZERO = Decimal("0.00")
_MONTANT = DecimalField(max_digits=30, decimal_places=2)
# The sales listed when no page is asked for (the view asks for one page of its paginator).
VENTES_LISTEES = 25
# Beyond this many days the report is by month (and reads the monthly summaries).
JOURS_PAR_JOUR = 62


@dataclass
class Marge:
    """Revenue and cost of the lines whose cost is known; revenue of the others, apart."""

    chiffre: Decimal = ZERO
    cout: Decimal = ZERO
    quantite: int = 0
    chiffre_sans_cout: Decimal = ZERO
    quantite_sans_cout: int = 0

    @property
    def marge(self) -> Decimal:
        return self.chiffre - self.cout

    @property
    def taux(self) -> Decimal | None:
        """Margin as a percentage of the (costed) revenue, None without costed revenue."""
        if not self.chiffre:
            return None
        return (self.marge * 100 / self.chiffre).quantize(Decimal("0.1"))

    def ajouter(self, autre: Marge, signe: int = 1) -> None:
        self.chiffre += signe * autre.chiffre
        self.cout += signe * autre.cout
        self.quantite += signe * autre.quantite
        self.chiffre_sans_cout += signe * autre.chiffre_sans_cout
        self.quantite_sans_cout += signe * autre.quantite_sans_cout


@dataclass
class MargeVente:
    vente_id: int
    numero_facture: str
    date_vente: datetime
    boutique_id: int
    marge: Marge = field(default_factory=Marge)


@dataclass
class ArticleVendu:
    """What the table shows of an article (a year sells ~1,000 of them: whole `Article` rows,
    dates and shop, were a third of the page)."""

    pk: int
    nom: str
    code: str
    boutique: Boutique


@dataclass
class MargeArticle:
    article: ArticleVendu
    marge: Marge


@dataclass
class Marges:
    """A period's margins, every grouping the report shows (`par_vente`: the sales asked for)."""

    total: Marge
    par_boutique: list[tuple[Boutique, Marge]]
    par_periode: list[tuple[date, Marge]]
    periode_en_mois: bool
    par_vente: list[MargeVente]
    par_article: list[MargeArticle]


def _agreger(qs: QuerySet[Any], *, cles: Sequence[str], montant: str, cout_unitaire: str) -> Any:
    # A cost of 0 is the article's "never costed" (see stock.receptions.cout_moyen_pondere): apart too.
    connu = Q(**{f"{cout_unitaire}__gt": 0})
    inconnu = Q(**{f"{cout_unitaire}__isnull": True}) | Q(**{cout_unitaire: 0})
    return (
        qs.values(*cles)
        .annotate(
            chiffre=Sum(montant, filter=connu),
            cout=Sum(F("quantite") * F(cout_unitaire), filter=connu, output_field=_MONTANT),
            # Not named "quantite": an annotation may not shadow a field another aggregate reads.
            unites=Sum("quantite", filter=connu),
            chiffre_sans_cout=Sum(montant, filter=inconnu),
            unites_sans_cout=Sum("quantite", filter=inconnu),
        )
        .order_by()
    )


def _marge(ligne: dict[str, Any]) -> Marge:
    return Marge(
        chiffre=ligne["chiffre"] or ZERO,
        cout=ligne["cout"] or ZERO,
        quantite=ligne["unites"] or 0,
        chiffre_sans_cout=ligne["chiffre_sans_cout"] or ZERO,
        quantite_sans_cout=ligne["unites_sans_cout"] or 0,
    )


def _sans_ligne(rangee: dict[str, Any]) -> bool:
    """A summary row of a day's refunds only (no line sold that day): no margin entry of its own."""
    return not (rangee["unites"] or rangee["unites_sans_cout"])


def lignes_marges(lignes: Q, cles: Sequence[str]) -> Any:
    """Margin sums of the validated sales' lines matched by `lignes`, grouped by `cles` (line
    fields; `jour` is the sale's local day). Keys `chiffre`, `cout`, `unites`,
    `chiffre_sans_cout`, `unites_sans_cout` (NULL over no line). Also what the daily summaries
    store (`ventes.agregats`): one rule for both."""
    qs = LigneVente.objects.filter(lignes, vente__statut=StatutVente.VALIDEE)
    if "jour" in cles:
        qs = qs.annotate(jour=jour_local("vente__date_vente"))
    return _agreger(qs, cles=cles, montant="total_ligne", cout_unitaire="cout_unitaire")


# The summary columns holding a `Marge` (`AgregatArticlesJour`, `AgregatArticlesMois`).
_COLONNES = {
    "chiffre": "marge_chiffre",
    "cout": "marge_cout",
    "unites": "marge_quantite",
    "chiffre_sans_cout": "marge_chiffre_sans_cout",
    "unites_sans_cout": "marge_quantite_sans_cout",
}


def _sommes_resumees(qs: QuerySet[Any], cles: Sequence[str], signe: int = 1) -> Any:
    if signe == 1:
        sommes: dict[str, Any] = {cle: Sum(colonne) for cle, colonne in _COLONNES.items()}
    else:
        sommes = {
            cle: ExpressionWrapper(
                Sum(colonne) * Value(signe),
                output_field=_MONTANT if cle.startswith("chiffre") or cle == "cout" else IntegerField(),
            )
            for cle, colonne in _COLONNES.items()
        }
    return qs.values(*cles).annotate(**sommes).order_by()


_SOMMES = ("chiffre", "cout", "unites", "chiffre_sans_cout", "unites_sans_cout")


def _par_article(sources: list[QuerySet[Any]]) -> list[tuple[Any, ...]]:
    """Per article, the five margin sums of `sources` (querysets of `article_id` and the five
    sums, by any grouping) added up, with the article's name, code and shop (one more query)."""
    sommes: dict[int, list[Any]] = {}
    for qs in sources:
        for rangee in qs:
            cumul = sommes.setdefault(rangee["article_id"], [ZERO, ZERO, 0, ZERO, 0])
            for i, cle in enumerate(_SOMMES):
                cumul[i] += rangee[cle] or 0
    articles = Article.objects.filter(pk__in=list(sommes)).values_list("pk", "nom", "code", "boutique_id")
    return [(pk, nom, code, boutique_id, *sommes[pk]) for pk, nom, code, boutique_id in articles]


def ventes_de_la_periode(
    *, boutiques: Iterable[Boutique] | QuerySet[Boutique], date_debut: datetime, date_fin: datetime
) -> QuerySet[Vente]:
    """The validated sales of the period, latest first: the per-sale table pages through them."""
    return (
        Vente.objects.filter(
            boutique_id__in=[b.pk for b in boutiques],
            statut=StatutVente.VALIDEE,
            date_vente__gte=date_debut,
            date_vente__lte=date_fin,
        )
        .only("pk", "numero_facture", "date_vente", "boutique_id", "statut")
        .order_by("-date_vente", "-pk")
    )


def marges_des_ventes(ventes: Iterable[Vente]) -> list[MargeVente]:
    """The margins of these sales (a page of them), in their order: two aggregate queries."""
    ventes = list(ventes)
    ids = [v.pk for v in ventes]
    if not ids:
        return []
    marges: dict[int, Marge] = defaultdict(Marge)
    for ligne in lignes_marges(Q(vente_id__in=ids), ("vente_id",)):
        marges[ligne["vente_id"]].ajouter(_marge(ligne))
    retours = LigneRetour.objects.filter(ligne_vente__vente_id__in=ids, ligne_vente__vente__statut=StatutVente.VALIDEE)
    for ligne in _agreger(
        retours, cles=("ligne_vente__vente_id",), montant="montant", cout_unitaire="ligne_vente__cout_unitaire"
    ):
        marges[ligne["ligne_vente__vente_id"]].ajouter(_marge(ligne), signe=-1)
    return [
        MargeVente(
            vente_id=v.pk,
            numero_facture=v.numero_facture,
            date_vente=v.date_vente,
            boutique_id=v.boutique_id,
            marge=marges[v.pk],
        )
        for v in ventes
        if v.statut == StatutVente.VALIDEE
    ]


def _jours_entiers(date_debut: datetime, date_fin: datetime) -> tuple[date, date, date, date]:
    """The period's first and last local days, and the first and last days it covers whole
    (the only ones a summary may stand for)."""
    premier, dernier = timezone.localdate(date_debut), timezone.localdate(date_fin)
    entier_debut = premier if bornes_locales(premier, premier)[0] >= date_debut else premier + timedelta(days=1)
    # `date_fin` is inclusive: the day is whole when its last microsecond is in.
    entier_fin = (
        dernier
        if bornes_locales(dernier, dernier)[1] - timedelta(microseconds=1) <= date_fin
        else dernier - timedelta(days=1)
    )
    return premier, dernier, entier_debut, entier_fin


def marges_de_boutiques(
    *,
    boutiques: Iterable[Boutique] | QuerySet[Boutique],
    date_debut: datetime,
    date_fin: datetime,
    ventes: Iterable[Vente] | None = None,
) -> Marges:
    """Margins of the shops' validated sales dated between the two moments (inclusive).

    `ventes`: the sales whose margins `par_vente` lists (one page of `ventes_de_la_periode`);
    by default the period's latest `VENTES_LISTEES`."""
    boutiques = list(boutiques)
    ids_boutiques = [b.pk for b in boutiques]
    en_mois = (date_fin - date_debut).days > JOURS_PAR_JOUR
    premier, dernier, entier_debut, entier_fin = _jours_entiers(date_debut, date_fin)

    total = Marge()
    par_boutique: dict[int, Marge] = defaultdict(Marge)
    par_periode: dict[date, Marge] = defaultdict(Marge)
    par_article: dict[int, Marge] = defaultdict(Marge)

    def periode(jour: date) -> date:
        return jour.replace(day=1) if en_mois else jour

    def par_jour(rangees: Iterable[dict[str, Any]], *, cle_jour: str, signe: int = 1) -> None:
        for r in rangees:
            if _sans_ligne(r):
                continue
            m = _marge(r)
            total.ajouter(m, signe)
            par_boutique[r["boutique_id"]].ajouter(m, signe)
            par_periode[periode(r[cle_jour])].ajouter(m, signe)

    # Per article: the summaries' and the live sums added up by the database, with the names.
    sources: list[QuerySet[Any]] = []

    with lecture_coherente():
        # The summarised days (a row each per shop, from the index), whole in the period.
        agreges: set[tuple[int, date]] = set()
        if entier_debut <= entier_fin:
            agreges = set(
                AgregatVentesJour.objects.filter(
                    boutique_id__in=ids_boutiques, jour__gte=entier_debut, jour__lte=entier_fin
                )
                .values_list("boutique_id", "jour")
                .distinct()
            )
        # By month: the closed months of the period from their monthly rows; a month the period
        # covers mostly, as its monthly rows minus the daily rows of its days outside the period
        # (a year's first month: 4 days of rows instead of 27). A month's rows exist only while
        # all its days' rows do (`ventes.agregats`).
        mois: list[tuple[int, date]] = []
        exclus = Q()
        if en_mois and agreges:
            for b, m in (
                AgregatArticlesMois.objects.filter(
                    boutique_id__in=ids_boutiques, mois__gte=entier_debut.replace(day=1), mois__lte=entier_fin
                )
                .values_list("boutique_id", "mois")
                .distinct()
            ):
                dedans = (min(fin_du_mois(m), entier_fin) - max(m, entier_debut)).days + 1
                if 2 * dedans > (fin_du_mois(m) - m).days + 1:
                    mois.append((b, m))
                    if m < entier_debut:
                        exclus |= Q(boutique_id=b, jour__gte=m, jour__lt=entier_debut)
                    if fin_du_mois(m) > entier_fin:
                        exclus |= Q(boutique_id=b, jour__gt=entier_fin, jour__lte=fin_du_mois(m))
        couverts = {
            (b, m + timedelta(days=i))
            for b, m in mois
            for i in range((fin_du_mois(m) - m).days + 1)
            if entier_debut <= m + timedelta(days=i) <= entier_fin
        }
        if mois:
            dans_les_mois = Q()
            for b, m in mois:
                dans_les_mois |= Q(boutique_id=b, mois=m)
            resumes = AgregatArticlesMois.objects.filter(dans_les_mois)
            par_jour(_sommes_resumees(resumes, ("boutique_id", "mois")), cle_jour="mois")
            sources.append(_sommes_resumees(resumes, ("article_id",)))
        if exclus:
            hors_periode = AgregatArticlesJour.objects.filter(exclus)
            par_jour(_sommes_resumees(hors_periode, ("boutique_id", "jour")), cle_jour="jour", signe=-1)
            sources.append(_sommes_resumees(hors_periode, ("article_id",), signe=-1))
        # The summarised days outside those months, from their daily rows.
        jours_resumes = plages_non_agregees(
            ids_boutiques,
            entier_debut,
            entier_fin,
            couverts,
            boutique="boutique_id",
            moment="jour",
            jours=True,
        )
        if agreges - couverts and jours_resumes is not None:
            resumes_jour = AgregatArticlesJour.objects.filter(jours_resumes)
            par_jour(_sommes_resumees(resumes_jour, ("boutique_id", "jour")), cle_jour="jour")
            sources.append(_sommes_resumees(resumes_jour, ("article_id",)))
        # Live: every other day of the period (today, forgotten days, partial first/last days).
        vivants = plages_non_agregees(
            ids_boutiques,
            premier,
            dernier,
            agreges | couverts,
            boutique="vente__boutique_id",
            moment="vente__date_vente",
        )
        if vivants is not None:
            dans = vivants & Q(vente__date_vente__gte=date_debut, vente__date_vente__lte=date_fin)
            par_jour(lignes_marges(dans, ("boutique_id", "jour")), cle_jour="jour")
            sources.append(lignes_marges(dans, ("article_id",)))
        # Returns of the period's sales, always live, on their sale's day.
        retours = LigneRetour.objects.filter(
            ligne_vente__vente__boutique_id__in=ids_boutiques,
            ligne_vente__vente__statut=StatutVente.VALIDEE,
            ligne_vente__vente__date_vente__gte=date_debut,
            ligne_vente__vente__date_vente__lte=date_fin,
        ).annotate(jour=jour_local("ligne_vente__vente__date_vente"))
        rendus = list(
            _agreger(
                retours,
                cles=("boutique_id", "jour", "ligne_vente__article_id"),
                montant="montant",
                cout_unitaire="ligne_vente__cout_unitaire",
            )
        )
        par_jour(rendus, cle_jour="jour", signe=-1)
        noms = {b.pk: b for b in boutiques}
        articles: dict[int, ArticleVendu] = {}
        for pk, nom, code, boutique_id, *sommes in _par_article(sources):
            if boutique_id in noms and (sommes[2] or sommes[4]):
                articles[pk] = ArticleVendu(pk=pk, nom=nom, code=code, boutique=noms[boutique_id])
                par_article[pk] = Marge(
                    chiffre=sommes[0],
                    cout=sommes[1],
                    quantite=int(sommes[2] or 0),
                    chiffre_sans_cout=sommes[3],
                    quantite_sans_cout=int(sommes[4] or 0),
                )
        for r in rendus:
            if r["ligne_vente__article_id"] in par_article:
                par_article[r["ligne_vente__article_id"]].ajouter(_marge(r), -1)

        if ventes is None:
            ventes = ventes_de_la_periode(boutiques=boutiques, date_debut=date_debut, date_fin=date_fin)[
                :VENTES_LISTEES
            ]
        par_vente = marges_des_ventes(ventes)

    return Marges(
        total=total,
        par_boutique=sorted(((noms[pk], m) for pk, m in par_boutique.items() if pk in noms), key=lambda bm: bm[0].nom),
        par_periode=sorted(par_periode.items(), reverse=True),
        periode_en_mois=en_mois,
        par_vente=par_vente,
        par_article=sorted(
            (MargeArticle(article=articles[pk], marge=m) for pk, m in par_article.items() if pk in articles),
            key=lambda a: (-(a.marge.marge), a.article.nom, a.article.pk),
        ),
    )
