"""The catalogue and its stock ledger.

`Article.quantite_stock` is a cache of the ledger: it only ever changes through
`magasin.stock.services` together with a `MouvementStock` row, so that for every article
quantite_stock == sum(mouvements.quantite) and each movement's stock_apres is the next one's
stock_avant (ledger order is the primary key).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from magasin.boutiques.models import Boutique

CATEGORIE_NOM_MAX = 100


class Categorie(models.Model):
    """A shop's article family ("Boissons", "Pagnes"...), for filters and sales by category.

    Per shop, like the catalogue: an article's category always belongs to the article's shop
    (the services resolve a category by name inside that shop, never by an id from a request).
    """

    boutique = models.ForeignKey(Boutique, on_delete=models.PROTECT, related_name="categories")
    nom = models.CharField(max_length=CATEGORIE_NOM_MAX)

    class Meta:
        ordering = ["nom"]
        verbose_name = "catégorie"
        constraints = [
            models.UniqueConstraint(fields=["boutique", "nom"], name="categorie_nom_par_boutique"),
        ]

    def __str__(self) -> str:
        return self.nom


class Article(models.Model):
    boutique = models.ForeignKey(Boutique, on_delete=models.PROTECT, related_name="articles")
    code = models.CharField(max_length=50)
    nom = models.CharField(max_length=200)
    prix_vente = models.DecimalField(max_digits=14, decimal_places=2)
    quantite_stock = models.IntegerField(default=0, editable=False)
    seuil_alerte = models.PositiveIntegerField(default=5)
    est_actif = models.BooleanField(default=True)
    code_barres = models.CharField(max_length=64, blank=True, default="")
    categorie = models.ForeignKey(
        Categorie, on_delete=models.PROTECT, related_name="articles", null=True, blank=True, verbose_name="catégorie"
    )
    date_creation = models.DateTimeField(auto_now_add=True)
    # Delta sync key for terminals; bumped by every stock change as well as by edits.
    # Weighted average unit cost (CDF) of the goods in stock: recomputed only when goods are
    # received, read by a sale when it is recorded (LigneVente.cout_unitaire).
    cout_moyen = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0"), editable=False)
    # Deliberately not indexed: it changes with every sale, and an index on it would forbid
    # PostgreSQL's in-place (HOT) updates of this hot row. The delta query filters a shop's
    # catalogue (a few thousand rows at most) through the boutique index instead.
    date_modification = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["nom"]
        verbose_name = "article"
        constraints = [
            models.UniqueConstraint(fields=["boutique", "code"], name="article_code_par_boutique"),
            models.CheckConstraint(condition=Q(prix_vente__gte=0), name="article_prix_positif"),
            models.CheckConstraint(condition=Q(cout_moyen__gte=0), name="article_cout_positif"),
            # The target of the composite foreign keys (boutique_id, article_id) of sale lines
            # and ledger rows: a row's shop is its article's shop (PostgreSQL and MariaDB).
            models.UniqueConstraint(fields=["boutique", "id"], name="article_boutique_id"),
        ]
        indexes = [
            models.Index(fields=["boutique", "code_barres"], name="article_btq_barres_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.nom} [{self.code}]"

    def clean(self) -> None:
        # The services resolve categories inside the article's shop; this guards model forms (admin).
        categorie = self.categorie if self.categorie_id is not None else None
        if categorie is not None and categorie.boutique_id != self.boutique_id:
            raise ValidationError({"categorie": "Cette catégorie appartient à une autre boutique."})

    @property
    def est_en_alerte(self) -> bool:
        return self.quantite_stock <= self.seuil_alerte


class TypeMouvement(models.TextChoices):
    ENTREE = "ENTREE", "Entrée de stock"
    SORTIE = "SORTIE", "Sortie de stock"
    AJUSTEMENT = "AJUSTEMENT", "Ajustement"
    VENTE = "VENTE", "Vente"
    RETOUR = "RETOUR", "Retour client"
    # Between two shops (magasin.stock.transferts): out of the source when sent, into the
    # destination when received.
    TRANSFERT_SORTIE = "TRANSFERT_SORTIE", "Transfert envoyé"
    TRANSFERT_ENTREE = "TRANSFERT_ENTREE", "Transfert reçu"


class MouvementStock(models.Model):
    """Append-only ledger row. Never updated, never deleted: corrections are new rows."""

    # Foreign keys enforced by the database; on PostgreSQL and MariaDB also the composite
    # (boutique_id, article_id) -> article (boutique_id, id), so that a movement's shop is its
    # article's shop (migration stock 0007). Indexed by (article, date) and (boutique, date).
    article = models.ForeignKey(Article, on_delete=models.PROTECT, related_name="mouvements", db_index=False)
    # Denormalised: isolation filters and future sharding by shop need it on the row itself.
    boutique = models.ForeignKey(Boutique, on_delete=models.PROTECT, related_name="mouvements", db_index=False)
    type_mouvement = models.CharField(max_length=20, choices=TypeMouvement.choices)
    quantite = models.IntegerField(help_text="Négatif pour une sortie, positif pour une entrée")
    stock_avant = models.IntegerField()
    stock_apres = models.IntegerField()
    reference_document = models.CharField(max_length=100, blank=True, default="")
    utilisateur = models.CharField(max_length=150, blank=True, default="")
    commentaire = models.TextField(blank=True, default="")
    date_mouvement = models.DateTimeField()

    class Meta:
        ordering = ["-date_mouvement", "-id"]
        verbose_name = "mouvement de stock"
        verbose_name_plural = "mouvements de stock"
        constraints = [
            models.CheckConstraint(
                condition=Q(stock_apres=models.F("stock_avant") + models.F("quantite")),
                name="mouvement_chaine_coherente",
            ),
            models.CheckConstraint(condition=~Q(quantite=0), name="mouvement_quantite_non_nulle"),
        ]
        indexes = [
            models.Index(fields=["article", "date_mouvement"], name="mouvement_article_date_idx"),
            models.Index(fields=["boutique", "date_mouvement"], name="mouvement_btq_date_idx"),
            models.Index(fields=["type_mouvement"], name="mouvement_type_idx"),
            models.Index(fields=["reference_document"], name="mouvement_ref_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.type_mouvement} {self.quantite:+d} — {self.article_id}"


class StatutInventaire(models.TextChoices):
    EN_COURS = "EN_COURS", "En cours"
    CONFIRME = "CONFIRME", "Confirmé"
    ABANDONNE = "ABANDONNE", "Abandonné"


class Inventaire(models.Model):
    """A stock count session of one shop: articles counted over time (scanned or typed), the
    differences reviewed, then confirmed once — one AJUSTEMENT movement per difference — or
    abandoned without touching the stock."""

    boutique = models.ForeignKey(Boutique, on_delete=models.PROTECT, related_name="inventaires")
    statut = models.CharField(max_length=12, choices=StatutInventaire.choices, default=StatutInventaire.EN_COURS)
    ouvert_le = models.DateTimeField()
    ouvert_par = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    clos_le = models.DateTimeField(null=True, blank=True)
    clos_par = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-ouvert_le", "-id"]
        verbose_name = "inventaire"
        indexes = [models.Index(fields=["boutique", "statut"], name="inventaire_btq_statut_idx")]

    def __str__(self) -> str:
        return f"Inventaire n° {self.pk} ({self.get_statut_display()})"


class LigneInventaire(models.Model):
    """What was counted of one article in a session (several scans add up)."""

    inventaire = models.ForeignKey(Inventaire, on_delete=models.PROTECT, related_name="lignes")
    boutique = models.ForeignKey(Boutique, on_delete=models.PROTECT, related_name="+")
    article = models.ForeignKey(Article, on_delete=models.PROTECT, related_name="+")
    quantite_comptee = models.IntegerField()
    compte_le = models.DateTimeField()

    class Meta:
        ordering = ["article__nom", "id"]
        verbose_name = "ligne d'inventaire"
        verbose_name_plural = "lignes d'inventaire"
        constraints = [
            models.UniqueConstraint(fields=["inventaire", "article"], name="ligne_inventaire_unique"),
            models.CheckConstraint(condition=Q(quantite_comptee__gte=0), name="ligne_inventaire_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.article_id} : {self.quantite_comptee}"


# --- Goods received: from suppliers, and between shops ---------------------------------------------
# Both move stock through the ledger only (ENTREE for a receipt, TRANSFERT_SORTIE/TRANSFERT_ENTREE
# for a transfer, each referencing its document) and are the only writers of `Article.cout_moyen`.
# Documents are never edited or deleted: a mistake is corrected by a new document or a count.

COUT_MAX_DIGITS = 14  # as Article.cout_moyen and LigneVente.prix_unitaire
FOURNISSEUR_NOM_MAX = 150


class Fournisseur(models.Model):
    """A supplier of one shop, typed by name on a receipt and created on first use (as categories):
    a supplier of another shop can never be attached to this shop's receipts."""

    boutique = models.ForeignKey(Boutique, on_delete=models.PROTECT, related_name="fournisseurs")
    nom = models.CharField(max_length=FOURNISSEUR_NOM_MAX)
    telephone = models.CharField(max_length=40, blank=True, default="")

    class Meta:
        ordering = ["nom"]
        verbose_name = "fournisseur"
        constraints = [
            models.UniqueConstraint(fields=["boutique", "nom"], name="fournisseur_nom_par_boutique"),
            # Target of the receipts' composite key (boutique_id, fournisseur_id).
            models.UniqueConstraint(fields=["boutique", "id"], name="fournisseur_boutique_id"),
        ]

    def __str__(self) -> str:
        return self.nom


class BonReception(models.Model):
    """Goods received from a supplier (bon de réception), recorded in one step when they arrive:
    one ENTREE movement per line, reference `reference_registre`, and the average cost updated."""

    boutique = models.ForeignKey(Boutique, on_delete=models.PROTECT, related_name="receptions")
    fournisseur = models.ForeignKey(Fournisseur, on_delete=models.PROTECT, related_name="receptions")
    # The supplier's own delivery note or invoice number, as printed on the paper.
    reference_fournisseur = models.CharField(max_length=100, blank=True, default="")
    commentaire = models.TextField(blank=True, default="")
    recu_le = models.DateTimeField()
    recu_par = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    montant_total = models.DecimalField(max_digits=16, decimal_places=2)

    class Meta:
        ordering = ["-recu_le", "-id"]
        verbose_name = "bon de réception"
        verbose_name_plural = "bons de réception"
        constraints = [
            models.CheckConstraint(condition=Q(montant_total__gte=0), name="reception_montant_positif"),
            # Target of the lines' composite key (boutique_id, reception_id).
            models.UniqueConstraint(fields=["boutique", "id"], name="reception_boutique_id"),
        ]
        indexes = [models.Index(fields=["boutique", "recu_le"], name="reception_btq_date_idx")]

    def __str__(self) -> str:
        return self.reference_registre

    @property
    def reference_registre(self) -> str:
        """What the ledger rows of this receipt carry in `reference_document`."""
        return f"BR-{self.pk}"


class LigneReception(models.Model):
    """One article received: quantity, unit cost paid, and the article's average cost before and
    after (so the computation can be read back).

    On PostgreSQL and MariaDB composite foreign keys hold the line, its receipt and its article in
    one shop (migration stock 0008); on SQLite the service checks it."""

    reception = models.ForeignKey(BonReception, on_delete=models.PROTECT, related_name="lignes")
    boutique = models.ForeignKey(Boutique, on_delete=models.PROTECT, related_name="+")
    article = models.ForeignKey(Article, on_delete=models.PROTECT, related_name="+")
    quantite = models.IntegerField()
    cout_unitaire = models.DecimalField(max_digits=COUT_MAX_DIGITS, decimal_places=2)
    stock_avant = models.IntegerField()
    cout_moyen_avant = models.DecimalField(max_digits=COUT_MAX_DIGITS, decimal_places=2)
    cout_moyen_apres = models.DecimalField(max_digits=COUT_MAX_DIGITS, decimal_places=2)

    class Meta:
        ordering = ["id"]
        verbose_name = "ligne de réception"
        verbose_name_plural = "lignes de réception"
        constraints = [
            models.UniqueConstraint(fields=["reception", "article"], name="ligne_reception_article_unique"),
            models.CheckConstraint(condition=Q(quantite__gt=0), name="ligne_reception_quantite_positive"),
            models.CheckConstraint(condition=Q(cout_unitaire__gte=0), name="ligne_reception_cout_positif"),
        ]
        indexes = [models.Index(fields=["boutique", "article"], name="ligne_reception_btq_art_idx")]

    def __str__(self) -> str:
        return f"{self.quantite} × {self.article_id} à {self.cout_unitaire}"

    @property
    def montant(self) -> Decimal:
        return self.quantite * self.cout_unitaire


class StatutTransfert(models.TextChoices):
    EN_TRANSIT = "EN_TRANSIT", "En transit"
    RECU = "RECU", "Reçu"


class Transfert(models.Model):
    """Goods sent from one shop to another, in two steps: sent (out of the source's ledger, in
    transit at the source's average cost), then received by the destination, line by line (what
    did not arrive is a shortfall, kept on the line)."""

    boutique_source = models.ForeignKey(Boutique, on_delete=models.PROTECT, related_name="transferts_envoyes")
    boutique_destination = models.ForeignKey(Boutique, on_delete=models.PROTECT, related_name="transferts_recus")
    statut = models.CharField(max_length=12, choices=StatutTransfert.choices, default=StatutTransfert.EN_TRANSIT)
    commentaire = models.TextField(blank=True, default="")
    envoye_le = models.DateTimeField()
    envoye_par = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recu_le = models.DateTimeField(null=True, blank=True)
    recu_par = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-envoye_le", "-id"]
        verbose_name = "transfert"
        constraints = [
            models.CheckConstraint(
                condition=~Q(boutique_source=models.F("boutique_destination")), name="transfert_deux_boutiques"
            ),
            # Received exactly when it has a reception date.
            models.CheckConstraint(
                condition=Q(statut=StatutTransfert.EN_TRANSIT, recu_le__isnull=True)
                | Q(statut=StatutTransfert.RECU, recu_le__isnull=False),
                name="transfert_statut_date_coherents",
            ),
            # Target of the lines' composite key (transfert_id, boutique_source_id, boutique_destination_id).
            models.UniqueConstraint(
                fields=["id", "boutique_source", "boutique_destination"], name="transfert_id_boutiques"
            ),
        ]
        indexes = [
            models.Index(fields=["boutique_source", "statut"], name="transfert_source_statut_idx"),
            models.Index(fields=["boutique_destination", "statut"], name="transfert_dest_statut_idx"),
        ]

    def __str__(self) -> str:
        return self.reference_registre

    @property
    def reference_registre(self) -> str:
        """What the ledger rows of this transfer (both shops) carry in `reference_document`."""
        return f"TR-{self.pk}"


class LigneTransfert(models.Model):
    """One article sent: the source's article and the destination's (same code), the quantity
    sent at the source's average cost, and the quantity received (NULL until received).

    The two shops are repeated on the line so that, on PostgreSQL and MariaDB, composite foreign
    keys hold them equal to the transfer's and each article in its shop (migration stock 0008)."""

    transfert = models.ForeignKey(Transfert, on_delete=models.PROTECT, related_name="lignes")
    boutique_source = models.ForeignKey(Boutique, on_delete=models.PROTECT, related_name="+")
    boutique_destination = models.ForeignKey(Boutique, on_delete=models.PROTECT, related_name="+")
    article_source = models.ForeignKey(Article, on_delete=models.PROTECT, related_name="+")
    article_destination = models.ForeignKey(Article, on_delete=models.PROTECT, related_name="+")
    quantite_envoyee = models.IntegerField()
    quantite_recue = models.IntegerField(null=True, blank=True)
    cout_unitaire = models.DecimalField(max_digits=COUT_MAX_DIGITS, decimal_places=2)
    # The destination article's average cost around the reception (NULL until received).
    cout_moyen_avant = models.DecimalField(max_digits=COUT_MAX_DIGITS, decimal_places=2, null=True, blank=True)
    cout_moyen_apres = models.DecimalField(max_digits=COUT_MAX_DIGITS, decimal_places=2, null=True, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = "ligne de transfert"
        verbose_name_plural = "lignes de transfert"
        constraints = [
            models.UniqueConstraint(fields=["transfert", "article_source"], name="ligne_transfert_article_unique"),
            models.CheckConstraint(condition=Q(quantite_envoyee__gt=0), name="ligne_transfert_envoyee_positive"),
            models.CheckConstraint(
                condition=Q(quantite_recue__isnull=True)
                | Q(quantite_recue__gte=0, quantite_recue__lte=models.F("quantite_envoyee")),
                name="ligne_transfert_recue_bornee",
            ),
            models.CheckConstraint(condition=Q(cout_unitaire__gte=0), name="ligne_transfert_cout_positif"),
        ]

    def __str__(self) -> str:
        return f"{self.quantite_envoyee} × {self.article_source_id}"

    @property
    def manquant(self) -> int | None:
        """Units sent that did not arrive (None until received)."""
        return None if self.quantite_recue is None else self.quantite_envoyee - self.quantite_recue

    @property
    def valeur_envoyee(self) -> Decimal:
        return self.quantite_envoyee * self.cout_unitaire

    @property
    def valeur_manquante(self) -> Decimal | None:
        manquant = self.manquant
        return None if manquant is None else manquant * self.cout_unitaire
