"""Margin reads (selectors): revenue minus the cost of what was sold, per sale, article, shop and
period.

A sale line's cost is `LigneVente.cout_unitaire`, the article's average cost in force when the
server recorded the sale (a sale made offline and synchronised late is costed on arrival). Lines
without a known cost (NULL: recorded before costs were kept; 0: the article had never been
received with a cost) are counted apart, never as free goods.
Only validated sales count; a partial return takes its revenue (the refund) and its cost (the
returned units at the line's cost) off the sale it belongs to, in the sale's period.

Four aggregate queries whatever the period: lines and returns grouped by sale, then by article;
shops, days and months are summed in Python from the per-sale figures (MariaDB without time-zone
tables cannot group by a Kinshasa day in SQL).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db.models import DecimalField, F, Q, QuerySet, Sum
from django.utils import timezone

from magasin.boutiques.models import Boutique
from magasin.stock.models import Article
from magasin.ventes.models import LigneRetour, LigneVente, StatutVente

ZERO = Decimal("0.00")
_MONTANT = DecimalField(max_digits=30, decimal_places=2)


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
class MargeArticle:
    article: Article
    marge: Marge


@dataclass
class Marges:
    """A period's margins, every grouping the report shows."""

    total: Marge
    par_boutique: list[tuple[Boutique, Marge]]
    par_periode: list[tuple[date, Marge]]
    periode_en_mois: bool
    par_vente: list[MargeVente]
    par_article: list[MargeArticle]


def _agreger(qs: QuerySet[Any], *, cle: str, montant: str, cout_unitaire: str, extras: tuple[str, ...] = ()) -> Any:
    # A cost of 0 is the article's "never costed" (see stock.receptions.cout_moyen_pondere): apart too.
    connu = Q(**{f"{cout_unitaire}__gt": 0})
    inconnu = Q(**{f"{cout_unitaire}__isnull": True}) | Q(**{cout_unitaire: 0})
    return (
        qs.values(cle, *extras)
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


def marges_de_boutiques(
    *,
    boutiques: Iterable[Boutique] | QuerySet[Boutique],
    date_debut: datetime,
    date_fin: datetime,
) -> Marges:
    """Margins of the shops' validated sales dated between the two moments (inclusive)."""
    boutiques = list(boutiques)
    periode = Q(vente__statut=StatutVente.VALIDEE, vente__date_vente__gte=date_debut, vente__date_vente__lte=date_fin)
    lignes = LigneVente.objects.filter(periode, boutique__in=boutiques)
    retours = LigneRetour.objects.filter(
        Q(
            ligne_vente__vente__statut=StatutVente.VALIDEE,
            ligne_vente__vente__date_vente__gte=date_debut,
            ligne_vente__vente__date_vente__lte=date_fin,
        ),
        boutique__in=boutiques,
    )

    # Per sale (then shops, periods and the total from these).
    ventes: dict[int, MargeVente] = {}
    for ligne in _agreger(
        lignes,
        cle="vente_id",
        montant="total_ligne",
        cout_unitaire="cout_unitaire",
        extras=("vente__numero_facture", "vente__date_vente", "boutique_id"),
    ):
        ventes[ligne["vente_id"]] = MargeVente(
            vente_id=ligne["vente_id"],
            numero_facture=ligne["vente__numero_facture"],
            date_vente=ligne["vente__date_vente"],
            boutique_id=ligne["boutique_id"],
            marge=_marge(ligne),
        )
    for ligne in _agreger(
        retours, cle="ligne_vente__vente_id", montant="montant", cout_unitaire="ligne_vente__cout_unitaire"
    ):
        if ligne["ligne_vente__vente_id"] in ventes:
            ventes[ligne["ligne_vente__vente_id"]].marge.ajouter(_marge(ligne), signe=-1)

    total = Marge()
    par_boutique: dict[int, Marge] = defaultdict(Marge)
    en_mois = (date_fin - date_debut).days > 62
    par_periode: dict[date, Marge] = defaultdict(Marge)
    for vente in ventes.values():
        total.ajouter(vente.marge)
        par_boutique[vente.boutique_id].ajouter(vente.marge)
        jour = timezone.localdate(vente.date_vente)
        par_periode[jour.replace(day=1) if en_mois else jour].ajouter(vente.marge)

    # Per article.
    par_article: dict[int, Marge] = {}
    for ligne in _agreger(lignes, cle="article_id", montant="total_ligne", cout_unitaire="cout_unitaire"):
        par_article[ligne["article_id"]] = _marge(ligne)
    for ligne in _agreger(
        retours, cle="ligne_vente__article_id", montant="montant", cout_unitaire="ligne_vente__cout_unitaire"
    ):
        if ligne["ligne_vente__article_id"] in par_article:
            par_article[ligne["ligne_vente__article_id"]].ajouter(_marge(ligne), signe=-1)
    articles = Article.objects.filter(pk__in=par_article).select_related("boutique").in_bulk()

    noms = {b.pk: b for b in boutiques}
    return Marges(
        total=total,
        par_boutique=sorted(((noms[pk], m) for pk, m in par_boutique.items() if pk in noms), key=lambda bm: bm[0].nom),
        par_periode=sorted(par_periode.items(), reverse=True),
        periode_en_mois=en_mois,
        par_vente=sorted(ventes.values(), key=lambda v: (v.date_vente, v.vente_id), reverse=True),
        par_article=sorted(
            (MargeArticle(article=articles[pk], marge=m) for pk, m in par_article.items() if pk in articles),
            key=lambda a: (-(a.marge.marge), a.article.nom, a.article.pk),
        ),
    )
