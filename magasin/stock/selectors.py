"""Reads of the catalogue and the ledger, always scoped to one shop."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db.models import Count, DecimalField, F, Q, QuerySet, Sum

from magasin.boutiques.acces import filtre_boutiques
from magasin.boutiques.models import Boutique
from magasin.stock.models import (
    Article,
    BonReception,
    Categorie,
    Fournisseur,
    Inventaire,
    LigneInventaire,
    LigneReception,
    LigneTransfert,
    MouvementStock,
    StatutTransfert,
    Transfert,
)

# What a terminal's catalogue reads of each article.
CHAMPS_ARTICLE_LU = (
    "id",
    "code",
    "code_barres",
    "nom",
    "prix_vente",
    "quantite_stock",
    "seuil_alerte",
    "est_actif",
    "date_modification",
    "categorie__nom",  # one LEFT JOIN, no query per article
)


def articles_de_boutique(*, boutique: Boutique, modifie_depuis: datetime | None = None) -> QuerySet[Any]:
    """The shop's articles (those changed after `modifie_depuis`), oldest change first, as the
    plain values of `CHAMPS_ARTICLE_LU`: a full catalogue is hundreds of articles, and building
    an `Article` per row was most of that request's time."""
    qs = Article.objects.filter(boutique=boutique)
    if modifie_depuis is not None:
        qs = qs.filter(date_modification__gt=modifie_depuis)
    return qs.order_by("date_modification", "pk").values(*CHAMPS_ARTICLE_LU)


def mouvements_de_boutique(
    *,
    boutique: Boutique,
    article_id: int | None = None,
    type_mouvement: str | None = None,
    date_debut: datetime | None = None,
    date_fin: datetime | None = None,
    reference_document: str | None = None,
) -> QuerySet[MouvementStock]:
    """One shop's ledger (the terminal API's /mouvements-stock/)."""
    return mouvements_de_boutiques(
        boutiques=[boutique],
        article_id=article_id,
        type_mouvement=type_mouvement,
        date_debut=date_debut,
        date_fin=date_fin,
        reference_document=reference_document,
    )


# --- Back-office reads ----------------------------------------------------------------------------

STATUTS_STOCK = {
    "zero": "En rupture (0 ou moins)",
    "alerte": "Sous le seuil d'alerte",
    "ok": "Stock suffisant",
}


def articles_de_boutiques(
    *,
    boutiques: Iterable[Boutique] | QuerySet[Boutique],
    recherche: str | None = None,
    statut_stock: str | None = None,
    actifs_seulement: bool = False,
    categorie_id: int | None = None,
) -> QuerySet[Article]:
    """The shops' catalogue, searched by name, code or barcode and filtered by stock status.

    `categorie_id` only ever narrows the shops' own articles: another shop's category finds none.
    """
    qs = Article.objects.filter(boutique__in=boutiques).select_related("boutique", "categorie")
    if categorie_id is not None:
        qs = qs.filter(categorie_id=categorie_id)
    if recherche:
        recherche = recherche.strip()
        qs = qs.filter(Q(nom__icontains=recherche) | Q(code__icontains=recherche) | Q(code_barres=recherche))
    if statut_stock == "zero":
        qs = qs.filter(quantite_stock__lte=0)
    elif statut_stock == "alerte":
        qs = qs.filter(quantite_stock__gt=0, quantite_stock__lte=F("seuil_alerte"))
    elif statut_stock == "ok":
        qs = qs.filter(quantite_stock__gt=F("seuil_alerte"))
    if actifs_seulement:
        qs = qs.filter(est_actif=True)
    return qs.order_by("boutique__nom", "nom", "pk")


def articles_a_vendre(*, boutique: Boutique, recherche: str, limite: int = 10) -> list[Article]:
    """Active articles of one shop for the invoice form: exact code or barcode first, then names."""
    recherche = recherche.strip()
    if not recherche:
        return []
    actifs = Article.objects.filter(boutique=boutique, est_actif=True)
    exacts = list(actifs.filter(Q(code__iexact=recherche) | Q(code_barres=recherche)).order_by("pk"))
    autres = list(
        actifs.filter(Q(nom__icontains=recherche) | Q(code__icontains=recherche))
        .exclude(pk__in=[a.pk for a in exacts])
        .order_by("nom", "pk")[: max(limite - len(exacts), 0)]
    )
    return exacts + autres


def articles_en_alerte(
    *, boutiques: Iterable[Boutique] | QuerySet[Boutique], limite: int = 50
) -> tuple[list[Article], list[Article]]:
    """Active articles at zero (or below), and those above zero but at or under their threshold."""
    actifs = Article.objects.filter(boutique__in=boutiques, est_actif=True).select_related("boutique")
    a_zero = list(actifs.filter(quantite_stock__lte=0).order_by("boutique__nom", "nom")[:limite])
    sous_seuil = list(
        actifs.filter(quantite_stock__gt=0, quantite_stock__lte=F("seuil_alerte")).order_by("quantite_stock", "nom")[
            :limite
        ]
    )
    return a_zero, sous_seuil


@dataclass(frozen=True)
class StatistiquesStock:
    articles_stock_bas: int
    articles_stock_zero: int

    @property
    def alerte_stock(self) -> bool:
        return self.articles_stock_bas > 0 or self.articles_stock_zero > 0


def statistiques_stock(*, boutique: Boutique) -> StatistiquesStock:
    """How many active articles of the shop are at or under their threshold, and at or under
    zero (every sync answer carries these). One aggregate query."""
    compte = Article.objects.filter(boutique=boutique, est_actif=True).aggregate(
        bas=Count("pk", filter=Q(quantite_stock__lte=F("seuil_alerte"))),
        zero=Count("pk", filter=Q(quantite_stock__lte=0)),
    )
    return StatistiquesStock(articles_stock_bas=compte["bas"], articles_stock_zero=compte["zero"])


def mouvements_de_boutiques(
    *,
    boutiques: Iterable[Boutique] | QuerySet[Boutique],
    article_id: int | None = None,
    type_mouvement: str | None = None,
    date_debut: datetime | None = None,
    date_fin: datetime | None = None,
    reference_document: str | None = None,
) -> QuerySet[MouvementStock]:
    """Ledger rows of some shops, newest first, with the filters the API and the web offer."""
    qs = MouvementStock.objects.filter(filtre_boutiques(boutiques)).select_related("article", "boutique")
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


def categories_de_boutiques(*, boutiques: Iterable[Boutique] | QuerySet[Boutique]) -> QuerySet[Categorie]:
    return Categorie.objects.filter(boutique__in=boutiques).select_related("boutique").order_by("nom", "boutique__nom")


def catalogue_a_exporter(*, boutique: Boutique) -> Iterator[list[object]]:
    """The shop's catalogue as rows of the import's columns (`COLONNES_EXPORT`), by code.

    Read as plain values in one query: re-importing these rows changes nothing.
    """
    valeurs = (
        Article.objects.filter(boutique=boutique)
        .order_by("code", "pk")
        .values_list(
            "code", "nom", "prix_vente", "quantite_stock", "seuil_alerte", "code_barres", "est_actif", "categorie__nom"
        )
    )
    for code, nom, prix, stock, seuil, code_barres, actif, categorie in valeurs.iterator(chunk_size=1000):
        yield [code, nom, prix, stock, seuil, code_barres, "oui" if actif else "non", categorie or ""]


@dataclass(frozen=True)
class EcartInventaire:
    article: Article
    compte: int
    en_stock: int

    @property
    def ecart(self) -> int:
        return self.compte - self.en_stock


def inventaires_de_boutiques(*, boutiques: Iterable[Boutique] | QuerySet[Boutique]) -> QuerySet[Inventaire]:
    return Inventaire.objects.filter(boutique__in=boutiques).select_related("boutique", "ouvert_par", "clos_par")


def inventaire_ecarts(*, inventaire: Inventaire) -> list[EcartInventaire]:
    """Each counted article against its stock now, in one query: what confirming would adjust."""
    lignes = LigneInventaire.objects.filter(inventaire=inventaire).select_related("article").order_by("article__nom")
    return [
        EcartInventaire(article=ligne.article, compte=ligne.quantite_comptee, en_stock=ligne.article.quantite_stock)
        for ligne in lignes
    ]


def article_par_code(*, boutique: Boutique, code: str) -> Article | None:
    """The shop's article with this code or barcode (what a scanner types), or None."""
    code = code.strip()
    if not code:
        return None
    return Article.objects.filter(boutique=boutique).filter(Q(code=code) | Q(code_barres=code)).order_by("pk").first()


def articles_par_codes(*, boutique: Boutique, codes: Iterable[str]) -> dict[str, Article]:
    """The shop's articles for each code or barcode among `codes` (a code wins over another
    article's barcode), in one query. Codes of other shops find nothing."""
    cherches = {c.strip() for c in codes if c.strip()}
    if not cherches:
        return {}
    trouves = Article.objects.filter(boutique=boutique).filter(Q(code__in=cherches) | Q(code_barres__in=cherches))
    resultat: dict[str, Article] = {}
    for article in trouves.order_by("-pk"):
        if article.code_barres in cherches:
            resultat[article.code_barres] = article
    for article in trouves.order_by("pk"):
        if article.code in cherches:
            resultat[article.code] = article
    return resultat


# --- Receipts from suppliers and transfers between shops -------------------------------------------


def receptions_de_boutiques(*, boutiques: Iterable[Boutique] | QuerySet[Boutique]) -> QuerySet[BonReception]:
    return BonReception.objects.filter(boutique__in=boutiques).select_related("boutique", "fournisseur", "recu_par")


def reception_lignes(*, reception: BonReception) -> QuerySet[LigneReception]:
    return LigneReception.objects.filter(reception=reception).select_related("article").order_by("pk")


def fournisseurs_de_boutiques(*, boutiques: Iterable[Boutique] | QuerySet[Boutique]) -> QuerySet[Fournisseur]:
    return Fournisseur.objects.filter(boutique__in=boutiques).order_by("nom", "pk")


def transferts_de_boutiques(
    *, boutiques: Iterable[Boutique] | QuerySet[Boutique], statut: str | None = None
) -> QuerySet[Transfert]:
    """Transfers sent or received by the shops: a member of either end sees it."""
    ids = [b.pk for b in boutiques]
    qs = Transfert.objects.filter(Q(boutique_source_id__in=ids) | Q(boutique_destination_id__in=ids))
    if statut:
        qs = qs.filter(statut=statut)
    return qs.select_related("boutique_source", "boutique_destination", "envoye_par", "recu_par").order_by(
        "-envoye_le", "-pk"
    )


def transfert_lignes(*, transfert: Transfert) -> QuerySet[LigneTransfert]:
    return (
        LigneTransfert.objects.filter(transfert=transfert)
        .select_related("article_source", "article_destination")
        .order_by("pk")
    )


def valeur_en_transit(*, boutiques: Iterable[Boutique] | QuerySet[Boutique]) -> Decimal:
    """Value (at the sources' average cost) of the goods the shops have sent and that are not
    received yet."""
    total = LigneTransfert.objects.filter(
        boutique_source__in=boutiques, transfert__statut=StatutTransfert.EN_TRANSIT
    ).aggregate(
        v=Sum(F("quantite_envoyee") * F("cout_unitaire"), output_field=DecimalField(max_digits=30, decimal_places=2))
    )["v"]
    return total or Decimal("0.00")
