"""Goods received from a supplier (bon de réception), and the weighted average cost.

A receipt is recorded in one step, when the goods are on the shelf: one ENTREE ledger movement
per line (reference `BR-<id>`) and each article's `cout_moyen` recomputed from the quantity and
unit cost received. Incoming transfers (`magasin.stock.transferts`) recompute it the same way,
with `cout_moyen_pondere`; nothing else writes it (a sale reads it, a loss or a count leaves it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction

from magasin.boutiques.acces import Utilisateur, auteur_connu, exiger_role, nom_auteur
from magasin.boutiques.models import Boutique, Role
from magasin.boutiques.services import boutique_verrouiller
from magasin.core.db import reessayer_si_interblocage
from magasin.core.erreurs import CodeErreur, ErreurMetier
from magasin.stock.models import (
    FOURNISSEUR_NOM_MAX,
    Article,
    BonReception,
    Fournisseur,
    LigneReception,
    TypeMouvement,
)
from magasin.stock.services import RegistreStock, registre_ouvrir

CENTIME = Decimal("0.01")
# Bounds of one document line: what the columns hold and what makes sense in a shop.
QUANTITE_LIGNE_MAX = 1_000_000  # units of one article in one receipt or transfer
COUT_UNITAIRE_MAX = Decimal("999999999999")  # Decimal(14, 2) holds it; CDF have no cents
STOCK_MAX = 2**31 - 1  # Article.quantite_stock and the ledger's stock columns: 32-bit integers
LIGNES_MAX = 500  # lines of one document


def cout_moyen_pondere(*, stock_avant: int, cout_moyen: Decimal, quantite: int, cout_unitaire: Decimal) -> Decimal:
    """The average cost after receiving `quantite` units at `cout_unitaire`, to the centime:
    (stock × average + quantity × unit cost) / (stock + quantity).

    A stock at or below zero counts as zero: units sold below zero were already costed (at the
    average in force when each sale was recorded), so the goods received are the whole stock's
    cost basis and the new average is the receipt's unit cost.

    A cost of 0 means "not known" (every article starts at 0: opening stock, deliveries typed
    before receipts were kept, a transfer from a shop that never costed the article). Stock of
    unknown cost does not weigh in the average (the receipt's cost becomes the average), and
    units arriving at an unknown cost enter at the current average (it does not move): unknown
    costs never drag a known average towards zero.
    """
    if cout_unitaire == 0:
        return cout_moyen
    base = max(stock_avant, 0) if cout_moyen > 0 else 0
    total = base * cout_moyen + quantite * cout_unitaire
    return (total / (base + quantite)).quantize(CENTIME, rounding=ROUND_HALF_UP)


def recevoir_dans_registre(
    registre: RegistreStock,
    *,
    article_id: int,
    quantite: int,
    cout_unitaire: Decimal,
    type_mouvement: TypeMouvement,
    reference_document: str,
    commentaire: str,
) -> tuple[int, Decimal, Decimal]:
    """Plan the entry of `quantite` units and recompute the article's average (in memory; write
    it with `couts_ecrire`). Returns the stock and the average before, and the new average."""
    article = registre.articles[article_id]
    avant, cout_avant = article.quantite_stock, article.cout_moyen
    if avant + quantite > STOCK_MAX:
        raise ErreurMetier(
            CodeErreur.QUANTITE_INVALIDE,
            f"Le stock de « {article.nom} » dépasserait ce que la base peut enregistrer.",
        )
    article.cout_moyen = cout_moyen_pondere(
        stock_avant=avant, cout_moyen=cout_avant, quantite=quantite, cout_unitaire=cout_unitaire
    )
    registre.mouvement(
        article_id=article_id,
        quantite=quantite,
        type_mouvement=type_mouvement,
        reference_document=reference_document,
        commentaire=commentaire,
    )
    return avant, cout_avant, article.cout_moyen


def couts_ecrire(articles: Sequence[Article]) -> None:
    """Write the new average costs of articles locked by a registre: one statement."""
    if articles:
        Article.objects.bulk_update(list(articles), ["cout_moyen"], batch_size=500)


def exiger_quantite_ligne(quantite: object, *, minimum: int = 1) -> int:
    if isinstance(quantite, bool) or not isinstance(quantite, int) or not minimum <= quantite <= QUANTITE_LIGNE_MAX:
        raise ErreurMetier(
            CodeErreur.QUANTITE_INVALIDE, f"Quantité : un entier entre {minimum} et {QUANTITE_LIGNE_MAX} par ligne."
        )
    return quantite


def exiger_articles_uniques(article_ids: Sequence[int]) -> None:
    if not article_ids:
        raise ErreurMetier(CodeErreur.QUANTITE_INVALIDE, "Indiquez au moins une ligne.")
    if len(article_ids) > LIGNES_MAX:
        raise ErreurMetier(CodeErreur.QUANTITE_INVALIDE, f"{LIGNES_MAX} lignes au plus par document.")
    if len(set(article_ids)) != len(article_ids):
        raise ErreurMetier(CodeErreur.QUANTITE_INVALIDE, "Un même article figure sur deux lignes : regroupez-les.")


def exiger_articles_du_registre(registre: RegistreStock, article_ids: Sequence[int]) -> None:
    """Ids the registre did not lock are not the shop's (isolation is in its query)."""
    absents = [i for i in article_ids if i not in registre.articles]
    if absents:
        raise ErreurMetier(
            CodeErreur.ARTICLE_INTROUVABLE,
            f"Article introuvable dans la boutique {registre.boutique.nom}.",
            article_ids=absents,
        )


@dataclass(frozen=True)
class LigneRecue:
    """What a receipt line says: an article of the receiving shop, how many, at what unit cost."""

    article_id: int
    quantite: int
    cout_unitaire: Decimal


def fournisseur_obtenir(*, boutique: Boutique, nom: str) -> Fournisseur:
    """The shop's supplier of that name (case ignored, as MariaDB's collation does), created if
    new. Always looked up inside `boutique`."""
    nom = " ".join(nom.split())
    if not nom:
        raise ErreurMetier(CodeErreur.CHAMP_INVALIDE, "Indiquez le fournisseur.")
    if len(nom) > FOURNISSEUR_NOM_MAX or "\x00" in nom:
        raise ErreurMetier(
            CodeErreur.TEXTE_TROP_LONG, f"Fournisseur : {FOURNISSEUR_NOM_MAX} caractères au plus, sans caractère nul."
        )
    existant = Fournisseur.objects.filter(boutique=boutique, nom__iexact=nom).order_by("pk").first()
    if existant is not None:
        return existant
    fournisseur, _ = Fournisseur.objects.get_or_create(boutique=boutique, nom=nom)
    return fournisseur


def _exiger_cout(cout: object) -> Decimal:
    if not isinstance(cout, Decimal) or not cout.is_finite() or not Decimal(0) <= cout <= COUT_UNITAIRE_MAX:
        raise ErreurMetier(
            CodeErreur.MONTANT_HORS_LIMITES, f"Coût unitaire : un montant entre 0 et {COUT_UNITAIRE_MAX} CDF."
        )
    return cout.quantize(CENTIME, rounding=ROUND_HALF_UP)


@reessayer_si_interblocage
def reception_enregistrer(
    *,
    boutique: Boutique,
    fournisseur: str,
    lignes: Sequence[LigneRecue],
    acteur: Utilisateur | None,
    reference_fournisseur: str = "",
    commentaire: str = "",
) -> BonReception:
    """Record goods received from `fournisseur` (a name, the shop's supplier created if new):
    one ENTREE movement per line, and each article's average cost recomputed. A manager's."""
    exiger_role(acteur, boutique, Role.GERANT)
    exiger_articles_uniques([ligne.article_id for ligne in lignes])
    couts = {ligne.article_id: _exiger_cout(ligne.cout_unitaire) for ligne in lignes}
    for ligne in lignes:
        exiger_quantite_ligne(ligne.quantite)
    with transaction.atomic():
        verrouillee = boutique_verrouiller(boutique.pk)
        if not verrouillee.est_active:  # as for an invoice or a transfer: a closed shop takes nothing in
            raise ErreurMetier(CodeErreur.BOUTIQUE_INACTIVE, f"La boutique {verrouillee.nom} est inactive.")
        le_fournisseur = fournisseur_obtenir(boutique=verrouillee, nom=fournisseur)
        registre = registre_ouvrir(
            boutique=verrouillee, article_ids=[ligne.article_id for ligne in lignes], utilisateur=nom_auteur(acteur)
        )
        exiger_articles_du_registre(registre, [ligne.article_id for ligne in lignes])
        bon = BonReception.objects.create(
            boutique=verrouillee,
            fournisseur=le_fournisseur,
            reference_fournisseur=reference_fournisseur.strip()[:100],
            commentaire=commentaire.strip(),
            recu_le=registre.moment,
            recu_par=auteur_connu(acteur),
            montant_total=sum((ligne.quantite * couts[ligne.article_id] for ligne in lignes), Decimal("0.00")),
        )
        a_creer = []
        for ligne in lignes:
            avant, cout_avant, cout_apres = recevoir_dans_registre(
                registre,
                article_id=ligne.article_id,
                quantite=ligne.quantite,
                cout_unitaire=couts[ligne.article_id],
                type_mouvement=TypeMouvement.ENTREE,
                reference_document=bon.reference_registre,
                commentaire=f"Réception {bon.reference_registre} de {le_fournisseur.nom}",
            )
            a_creer.append(
                LigneReception(
                    reception=bon,
                    boutique=verrouillee,
                    article_id=ligne.article_id,
                    quantite=ligne.quantite,
                    cout_unitaire=couts[ligne.article_id],
                    stock_avant=avant,
                    cout_moyen_avant=cout_avant,
                    cout_moyen_apres=cout_apres,
                )
            )
        registre.ecrire()
        LigneReception.objects.bulk_create(a_creer)
        couts_ecrire([registre.articles[ligne.article_id] for ligne in lignes])
    return bon
