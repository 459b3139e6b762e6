"""The stock ledger: the one place where `Article.quantite_stock` changes.

Every change writes a `MouvementStock` row and the new stock together, on rows locked in primary
key order (so two transactions never wait on each other in opposite orders). Reads and writes are
batched: a whole sync batch opens one `RegistreStock`, which costs one locking query, one bulk
insert and one bulk update, whatever the number of lines.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from magasin.boutiques.acces import Utilisateur, auteur_connu, exiger_role, nom_auteur
from magasin.boutiques.models import Boutique, PolitiqueStock, Role
from magasin.boutiques.services import boutique_verrouiller
from magasin.core.db import exiger_transaction, reessayer_si_interblocage, verrouiller
from magasin.core.erreurs import CodeErreur, ErreurMetier
from magasin.stock.models import (
    CATEGORIE_NOM_MAX,
    Article,
    Categorie,
    Inventaire,
    LigneInventaire,
    MouvementStock,
    StatutInventaire,
    TypeMouvement,
)
from magasin.stock.requetes_sql import stocks_ecrire


class RegistreStock:
    """The locked stock of some articles of one shop, and the movements pending on them.

    Obtain it with `registre_ouvrir` inside a transaction; plan movements with `mouvement`
    (which updates the in-memory stock, so later checks see earlier movements), then `ecrire`.
    """

    def __init__(
        self,
        *,
        boutique: Boutique,
        articles: dict[int, Article],
        utilisateur: str,
        moment: datetime,
    ) -> None:
        self.boutique = boutique
        self.boutique_id = boutique.pk
        self.articles = articles
        self.utilisateur = utilisateur
        self.moment = moment
        self._en_attente: list[MouvementStock] = []
        self._touches: set[int] = set()

    def article(self, article_id: int) -> Article | None:
        return self.articles.get(article_id)

    def disponible(self, article_id: int) -> int:
        return self.articles[article_id].quantite_stock

    def verifier_sorties(self, quantites: dict[int, int]) -> None:
        """Refuse, under policy REFUSER, outgoing quantities that would take stock below zero."""
        if self.boutique.politique_stock != PolitiqueStock.REFUSER:
            return
        for article_id in sorted(quantites):
            demande = quantites[article_id]
            article = self.articles[article_id]
            if demande > article.quantite_stock:
                raise ErreurMetier(
                    CodeErreur.STOCK_INSUFFISANT,
                    f"Stock insuffisant pour « {article.nom} » : disponible "
                    f"{article.quantite_stock}, demandé {demande}.",
                    article_id=article.pk,
                    article_nom=article.nom,
                    disponible=article.quantite_stock,
                    demande=demande,
                )

    def mouvement(
        self,
        *,
        article_id: int,
        quantite: int,
        type_mouvement: TypeMouvement,
        reference_document: str = "",
        commentaire: str = "",
        utilisateur: str | None = None,
    ) -> MouvementStock:
        """Plan one movement and apply it to the in-memory stock. Returned unsaved."""
        if quantite == 0:
            raise ErreurMetier(CodeErreur.QUANTITE_INVALIDE, "Un mouvement de 0 n'a pas de sens.")
        article = self.articles[article_id]
        avant = article.quantite_stock
        article.quantite_stock = avant + quantite
        self._touches.add(article_id)
        mouvement = MouvementStock(
            article=article,
            boutique=self.boutique,
            type_mouvement=type_mouvement,
            quantite=quantite,
            stock_avant=avant,
            stock_apres=article.quantite_stock,
            reference_document=reference_document[:100],
            utilisateur=(utilisateur or self.utilisateur)[:150],
            commentaire=commentaire,
            date_mouvement=self.moment,
        )
        self._en_attente.append(mouvement)
        return mouvement

    def ecrire(self) -> list[MouvementStock]:
        """Write the pending movements and the new stocks: two statements for the whole batch
        (an INSERT of every row, in planning order so that ledger order is id order, and one
        UPDATE of the touched articles, `requetes_sql.stocks_ecrire`)."""
        exiger_transaction()
        mouvements = self._en_attente
        MouvementStock.objects.bulk_create(mouvements, batch_size=1000)
        stocks_ecrire([self.articles[i] for i in sorted(self._touches)], moment=self.moment)
        self._en_attente = []
        self._touches = set()
        return mouvements


def registre_ouvrir(
    *,
    boutique: Boutique,
    article_ids: Iterable[int],
    utilisateur: str,
    moment: datetime | None = None,
) -> RegistreStock:
    """Lock the shop's articles among `article_ids`, in pk order, and return their registre.

    Ids of other shops are simply absent from the registre: isolation is in the query.
    """
    exiger_transaction()
    ids = sorted({int(i) for i in article_ids})
    articles: dict[int, Article] = {}
    if ids:
        lus = verrouiller(Article.objects.filter(boutique=boutique, pk__in=ids).order_by("pk"))
        articles = {a.pk: a for a in lus.defer("date_creation", "date_modification")}
    return RegistreStock(
        boutique=boutique,
        articles=articles,
        utilisateur=utilisateur,
        moment=moment or timezone.now(),
    )


def _registre_d_un_article(*, article: Article, utilisateur: str) -> RegistreStock:
    """Lock the article's shop, then the article (the fixed order), for a one-article change."""
    boutique = boutique_verrouiller(article.boutique_id)
    registre = registre_ouvrir(boutique=boutique, article_ids=[article.pk], utilisateur=utilisateur)
    if article.pk not in registre.articles:
        raise ErreurMetier(CodeErreur.ARTICLE_INTROUVABLE, "Article introuvable.")
    return registre


def _un_mouvement(
    *,
    article: Article,
    quantite: int,
    type_mouvement: TypeMouvement,
    utilisateur: str,
    reference_document: str,
    commentaire: str,
    verifier: bool,
) -> MouvementStock:
    with transaction.atomic():
        registre = _registre_d_un_article(article=article, utilisateur=utilisateur)
        if verifier and quantite < 0:
            registre.verifier_sorties({article.pk: -quantite})
        mouvement = registre.mouvement(
            article_id=article.pk,
            quantite=quantite,
            type_mouvement=type_mouvement,
            reference_document=reference_document,
            commentaire=commentaire,
        )
        registre.ecrire()
    article.quantite_stock = registre.articles[article.pk].quantite_stock
    return mouvement


def _exiger_positive(quantite: int) -> None:
    if isinstance(quantite, bool) or not isinstance(quantite, int) or quantite <= 0:
        raise ErreurMetier(CodeErreur.QUANTITE_INVALIDE, "La quantité doit être un entier strictement positif.")


@reessayer_si_interblocage
def stock_entree(
    *,
    article: Article,
    quantite: int,
    acteur: Utilisateur | None,
    reference_document: str = "",
    commentaire: str = "",
) -> MouvementStock:
    """A delivery (a manager's): stock goes up by `quantite`."""
    exiger_role(acteur, article.boutique_id, Role.GERANT)
    _exiger_positive(quantite)
    return _un_mouvement(
        article=article,
        quantite=quantite,
        type_mouvement=TypeMouvement.ENTREE,
        utilisateur=nom_auteur(acteur),
        reference_document=reference_document,
        commentaire=commentaire or "Livraison",
        verifier=False,
    )


@reessayer_si_interblocage
def stock_sortie(
    *,
    article: Article,
    quantite: int,
    acteur: Utilisateur | None,
    motif: str,
    reference_document: str = "",
) -> MouvementStock:
    """A loss or breakage (a manager's). Under REFUSER it cannot take stock below zero (count it instead)."""
    exiger_role(acteur, article.boutique_id, Role.GERANT)
    _exiger_positive(quantite)
    if not motif.strip():
        raise ErreurMetier(CodeErreur.MOTIF_REQUIS, "Indiquez le motif de la sortie.")
    return _un_mouvement(
        article=article,
        quantite=-quantite,
        type_mouvement=TypeMouvement.SORTIE,
        utilisateur=nom_auteur(acteur),
        reference_document=reference_document,
        commentaire=motif.strip(),
        verifier=True,
    )


@reessayer_si_interblocage
def stock_ajuster(
    *, article: Article, quantite_comptee: int, acteur: Utilisateur | None, motif: str
) -> MouvementStock | None:
    """An inventory count (a manager's): one AJUSTEMENT movement to the counted quantity (none if equal)."""
    exiger_role(acteur, article.boutique_id, Role.GERANT)
    if isinstance(quantite_comptee, bool) or not isinstance(quantite_comptee, int):
        raise ErreurMetier(CodeErreur.QUANTITE_INVALIDE, "La quantité comptée doit être un entier.")
    if quantite_comptee < 0:
        raise ErreurMetier(CodeErreur.QUANTITE_INVALIDE, "Une quantité comptée n'est pas négative.")
    if not motif.strip():
        raise ErreurMetier(CodeErreur.MOTIF_REQUIS, "Indiquez le motif de l'ajustement.")
    with transaction.atomic():
        registre = _registre_d_un_article(article=article, utilisateur=nom_auteur(acteur))
        ecart = quantite_comptee - registre.disponible(article.pk)
        mouvement = None
        if ecart:
            mouvement = registre.mouvement(
                article_id=article.pk,
                quantite=ecart,
                type_mouvement=TypeMouvement.AJUSTEMENT,
                commentaire=f"Inventaire : compté {quantite_comptee}. {motif.strip()}",
            )
            registre.ecrire()
    article.quantite_stock = quantite_comptee
    return mouvement


@reessayer_si_interblocage
def categorie_obtenir(*, boutique: Boutique, nom: str | Categorie, acteur: Utilisateur | None) -> Categorie | None:
    """The shop's category of that name (case ignored, as MariaDB's collation does), created if new
    (a manager's).

    None for an empty name. The lookup is always inside `boutique`: a category of another shop
    can never be attached to this shop's articles. A `Categorie` already resolved (the import
    resolves each name once) is checked to be the shop's.
    """
    exiger_role(acteur, boutique, Role.GERANT)
    if isinstance(nom, Categorie):
        if nom.boutique_id != boutique.pk:
            raise ErreurMetier(CodeErreur.ACCES_REFUSE, "Cette catégorie appartient à une autre boutique.")
        return nom
    nom = " ".join(nom.split())
    if not nom:
        return None
    if len(nom) > CATEGORIE_NOM_MAX or "\x00" in nom:
        raise ErreurMetier(
            CodeErreur.TEXTE_TROP_LONG, f"Catégorie : {CATEGORIE_NOM_MAX} caractères au plus, sans caractère nul."
        )
    existante = Categorie.objects.filter(boutique=boutique, nom__iexact=nom).order_by("pk").first()
    if existante is not None:
        return existante
    categorie, _ = Categorie.objects.get_or_create(boutique=boutique, nom=nom)
    return categorie


@reessayer_si_interblocage
def categorie_renommer(*, categorie: Categorie, nom: str, acteur: Utilisateur | None) -> Categorie:
    """Rename a shop's category (a manager's). Its articles count as modified: the terminals'
    catalogue delta (`modifie_depuis`) brings them back with the new name."""
    exiger_role(acteur, categorie.boutique_id, Role.GERANT)
    nom = " ".join(nom.split())
    if not nom or len(nom) > CATEGORIE_NOM_MAX or "\x00" in nom:
        raise ErreurMetier(
            CodeErreur.CHAMP_INVALIDE, f"Catégorie : un nom de 1 à {CATEGORIE_NOM_MAX} caractères, sans caractère nul."
        )
    with transaction.atomic():
        boutique_verrouiller(categorie.boutique_id)  # the shop first, then its articles
        categorie.nom = nom
        categorie.save(update_fields=["nom"])
        Article.objects.filter(categorie=categorie).update(date_modification=timezone.now())
    return categorie


def article_creer(
    *,
    boutique: Boutique,
    code: str,
    nom: str,
    prix_vente: Decimal,
    acteur: Utilisateur | None,
    stock_initial: int = 0,
    seuil_alerte: int = 5,
    code_barres: str = "",
    est_actif: bool = True,
    categorie: str | Categorie = "",
) -> Article:
    """A new article (a manager's); its opening stock enters through the ledger like any delivery.

    `categorie` is a category name of the article's shop, created if new; empty for none.
    The one place that says a code is taken (`CODE_ARTICLE_PRIS`): the web form and the
    catalogue import show this error. The database's unique (boutique, code) decides, so two
    managers creating the same code at once get one article and one refusal.
    """
    exiger_role(acteur, boutique, Role.GERANT)
    if stock_initial < 0:
        raise ErreurMetier(CodeErreur.QUANTITE_INVALIDE, "Le stock initial ne peut être négatif.")
    code = code.strip()
    with transaction.atomic():
        try:
            with transaction.atomic():  # a savepoint: the refusal below leaves the transaction usable
                article = Article.objects.create(
                    boutique=boutique,
                    code=code,
                    nom=nom,
                    prix_vente=prix_vente,
                    seuil_alerte=seuil_alerte,
                    code_barres=code_barres,
                    est_actif=est_actif,
                    # The role is checked above: the category is resolved as a trusted call.
                    categorie=categorie_obtenir(boutique=boutique, nom=categorie, acteur=None),
                )
        except IntegrityError as erreur:
            # PostgreSQL and MariaDB name the constraint; SQLite does not, so look the code up
            # (MariaDB's repeatable read may not see a row committed since: the name is the proof).
            if (
                "article_code_par_boutique" in str(erreur)
                or Article.objects.filter(boutique=boutique, code=code).exists()
            ):
                raise ErreurMetier(
                    CodeErreur.CODE_ARTICLE_PRIS,
                    f"Ce code existe déjà dans cette boutique : « {code} ».",
                    code_article=code,
                ) from None
            raise
        if stock_initial:
            registre = registre_ouvrir(boutique=boutique, article_ids=[article.pk], utilisateur=nom_auteur(acteur))
            registre.mouvement(
                article_id=article.pk,
                quantite=stock_initial,
                type_mouvement=TypeMouvement.ENTREE,
                commentaire="Stock initial",
            )
            registre.ecrire()
            article.refresh_from_db()
    return article


def article_modifier(
    *,
    article: Article,
    acteur: Utilisateur | None,
    nom: str | None = None,
    prix_vente: Decimal | None = None,
    seuil_alerte: int | None = None,
    code_barres: str | None = None,
    est_actif: bool | None = None,
    categorie: str | Categorie | None = None,
) -> Article:
    """Edit catalogue fields (a manager's). Stock is not a field here: it moves only through the ledger.

    `categorie`: None leaves it, "" removes it, a name sets that category of the article's shop.
    """
    exiger_role(acteur, article.boutique_id, Role.GERANT)
    champs: list[str] = []
    if categorie is not None:
        # The role is checked above: the category is resolved as a trusted call.
        nouvelle = categorie_obtenir(boutique=article.boutique, nom=categorie, acteur=None)
        if (nouvelle.pk if nouvelle else None) != article.categorie_id:
            article.categorie = nouvelle
            champs.append("categorie")
    for nom_champ, valeur in (
        ("nom", nom),
        ("prix_vente", prix_vente),
        ("seuil_alerte", seuil_alerte),
        ("code_barres", code_barres),
        ("est_actif", est_actif),
    ):
        if valeur is not None:
            setattr(article, nom_champ, valeur)
            champs.append(nom_champ)
    if champs:
        article.save(update_fields=[*champs, "date_modification"])
    return article


# Marks the AJUSTEMENT rows written by `stock_corriger_derive` (and read by the stock diagnostic).
REFERENCE_CORRECTION_DERIVE = "CORRECTION-DERIVE"


@reessayer_si_interblocage
def stock_corriger_derive(*, article: Article, acteur: Utilisateur | None, motif: str) -> MouvementStock | None:
    """Make the ledger explain the article's stock again, with one AJUSTEMENT (none if it does);
    a manager's (`verifier_stock --corriger` calls it as a trusted caller).

    A drift is `quantite_stock != sum(mouvements)`. No movement can move the two apart, so the
    correction cannot bring the stock to the ledger: it records the unexplained difference.
    The movement starts from what the ledger says (stock_avant = ledger sum) and ends at the
    stock the terminals have been selling against (stock_apres = quantite_stock, unchanged).
    Afterwards stock == ledger sum, the chain continues from the stock, and nothing written
    before is touched. A physical count (`stock_ajuster`) is the next step if the shelf
    disagrees.
    """
    exiger_role(acteur, article.boutique_id, Role.GERANT)
    if not motif.strip():
        raise ErreurMetier(CodeErreur.MOTIF_REQUIS, "Indiquez le motif de la correction.")
    with transaction.atomic():
        registre = _registre_d_un_article(article=article, utilisateur=nom_auteur(acteur))
        # Read under the locks: no writer of this shop can add a movement meanwhile.
        somme = MouvementStock.objects.filter(article_id=article.pk).aggregate(s=Sum("quantite"))["s"] or 0
        stock = registre.disponible(article.pk)
        if stock == somme:
            return None
        # The movement's stock_avant is the ledger's figure, not the drifted cache.
        registre.articles[article.pk].quantite_stock = somme
        mouvement = registre.mouvement(
            article_id=article.pk,
            quantite=stock - somme,
            type_mouvement=TypeMouvement.AJUSTEMENT,
            reference_document=REFERENCE_CORRECTION_DERIVE,
            commentaire=(
                f"Correction de dérive : stock {stock}, registre {somme}, écart {stock - somme:+d}. {motif.strip()}"
            ),
        )
        registre.ecrire()
    article.quantite_stock = stock
    return mouvement


# --- Stock count sessions -------------------------------------------------------------------------

COMPTAGE_MAX = 1_000_000  # of one article in one session: more is a typo


def inventaire_ouvrir(*, boutique: Boutique, acteur: Utilisateur | None) -> Inventaire:
    """Open a count session for the shop (a manager's)."""
    exiger_role(acteur, boutique, Role.GERANT)
    return Inventaire.objects.create(boutique=boutique, ouvert_le=timezone.now(), ouvert_par=auteur_connu(acteur))


def _en_cours(inventaire: Inventaire) -> Inventaire:
    """The session's row, locked; refused once it is confirmed or abandoned."""
    verrouille = verrouiller(Inventaire.objects.all()).get(pk=inventaire.pk)
    if verrouille.statut != StatutInventaire.EN_COURS:
        raise ErreurMetier(CodeErreur.INVENTAIRE_CLOS, f"L'inventaire n° {verrouille.pk} est déjà clos.")
    return verrouille


def inventaire_compter(
    *, inventaire: Inventaire, acteur: Utilisateur | None, article: Article, quantite: int, ajouter: bool = True
) -> LigneInventaire:
    """Count an article: `ajouter` adds to what was already counted (each scan is one more),
    otherwise the count is replaced (a correction). Cashiers count; the stock does not move."""
    exiger_role(acteur, inventaire.boutique_id, Role.CAISSIER)
    if article.boutique_id != inventaire.boutique_id:
        raise ErreurMetier(CodeErreur.ARTICLE_INTROUVABLE, "Article introuvable dans cette boutique.")
    if isinstance(quantite, bool) or not isinstance(quantite, int) or not 0 <= quantite <= COMPTAGE_MAX:
        raise ErreurMetier(CodeErreur.QUANTITE_INVALIDE, f"Quantité comptée entre 0 et {COMPTAGE_MAX}.")
    with transaction.atomic():
        verrouille = _en_cours(inventaire)
        ligne = LigneInventaire.objects.filter(inventaire=verrouille, article=article).first()
        total = (ligne.quantite_comptee if ligne and ajouter else 0) + quantite
        if total > COMPTAGE_MAX:
            raise ErreurMetier(CodeErreur.QUANTITE_INVALIDE, f"Quantité comptée entre 0 et {COMPTAGE_MAX}.")
        if ligne is None:
            ligne = LigneInventaire(inventaire=verrouille, boutique_id=verrouille.boutique_id, article=article)
        ligne.quantite_comptee = total
        ligne.compte_le = timezone.now()
        ligne.save()
    return ligne


@reessayer_si_interblocage
def inventaire_confirmer(*, inventaire: Inventaire, acteur: Utilisateur | None) -> list[MouvementStock]:
    """Bring every counted article to its count: one AJUSTEMENT movement per difference, all in
    one transaction, against the stock as it is now (sales since the count are in it)."""
    exiger_role(acteur, inventaire.boutique_id, Role.GERANT)
    with transaction.atomic():
        boutique = boutique_verrouiller(inventaire.boutique_id)
        verrouille = _en_cours(inventaire)
        lignes = list(verrouille.lignes.all())
        registre = registre_ouvrir(
            boutique=boutique, article_ids=[ligne.article_id for ligne in lignes], utilisateur=nom_auteur(acteur)
        )
        for ligne in lignes:
            ecart = ligne.quantite_comptee - registre.disponible(ligne.article_id)
            if ecart:
                registre.mouvement(
                    article_id=ligne.article_id,
                    quantite=ecart,
                    type_mouvement=TypeMouvement.AJUSTEMENT,
                    reference_document=f"INV-{verrouille.pk}",
                    commentaire=f"Inventaire n° {verrouille.pk} : compté {ligne.quantite_comptee}",
                )
        mouvements = registre.ecrire()
        _clore(verrouille, acteur, StatutInventaire.CONFIRME)
    return mouvements


def inventaire_abandonner(*, inventaire: Inventaire, acteur: Utilisateur | None) -> Inventaire:
    """Close the session without touching the stock; its counts stay on record."""
    exiger_role(acteur, inventaire.boutique_id, Role.GERANT)
    with transaction.atomic():
        verrouille = _en_cours(inventaire)
        _clore(verrouille, acteur, StatutInventaire.ABANDONNE)
    return verrouille


def _clore(inventaire: Inventaire, acteur: Utilisateur | None, statut: StatutInventaire) -> None:
    inventaire.statut = statut
    inventaire.clos_le = timezone.now()
    inventaire.clos_par = auteur_connu(acteur)
    inventaire.save(update_fields=["statut", "clos_le", "clos_par"])
