"""The catalogue and its stock ledger.

`Article.quantite_stock` is a cache of the ledger: it only ever changes through
`magasin.stock.services` together with a `MouvementStock` row, so that for every article
quantite_stock == sum(mouvements.quantite) and each movement's stock_apres is the next one's
stock_avant (ledger order is the primary key).
"""

from __future__ import annotations

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


class MouvementStock(models.Model):
    """Append-only ledger row. Never updated, never deleted: corrections are new rows."""

    # No foreign-key constraint in the database for the ledger's references (Django still knows
    # the relations, and PROTECT still guards deletes through the ORM). Measured: per-row checks
    # against the hot article row cut sync throughput by about 3 under concurrency (see
    # docs/PERFORMANCE.md). Rows are only written by the ledger service, with parents it has
    # locked in the same transaction; `verifier_ventes` reports any orphan or cross-shop row.
    # Indexed by the composite (article, date) and (boutique, date) indexes, as Vente.boutique.
    article = models.ForeignKey(
        Article, on_delete=models.PROTECT, related_name="mouvements", db_constraint=False, db_index=False
    )
    # Denormalised: isolation filters and future sharding by shop need it on the row itself.
    boutique = models.ForeignKey(
        Boutique, on_delete=models.PROTECT, related_name="mouvements", db_constraint=False, db_index=False
    )
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
