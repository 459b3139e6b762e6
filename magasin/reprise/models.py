"""What the import of the old system's data keeps besides the domain rows it writes.

- `ImportAncien`: one row per real run (a dry run leaves none), with its final report.
- `MouvementAncien`: the old stock ledger, read-only history under its old ids. The old ledger
  is known to be inconsistent, so it stays out of `MouvementStock`, whose chain `verifier_stock`
  checks: each article opens there with one movement to its old `quantite_stock` instead.
- `RejetImport`: every old row that could not be imported, whole, with the reason. Nothing of
  the old export is lost: what does not fit the books waits here for a human.

References to the domain are plain integers (old ids, which are also the new ones): this is an
archive, and it must not stop a shop or an article from being managed.
"""

from __future__ import annotations

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models


class StatutImport(models.TextChoices):
    EN_COURS = "EN_COURS", "En cours (ou interrompu)"
    TERMINE = "TERMINE", "Terminé"
    ECHEC = "ECHEC", "Rien n'a pu être importé"


class ImportAncien(models.Model):
    fichier = models.CharField(max_length=500)
    taille_octets = models.BigIntegerField(default=0)
    debut = models.DateTimeField()
    fin = models.DateTimeField(null=True, blank=True)
    statut = models.CharField(max_length=10, choices=StatutImport.choices, default=StatutImport.EN_COURS)
    code_sortie = models.PositiveSmallIntegerField(null=True, blank=True)
    rapport = models.JSONField(null=True, blank=True, encoder=DjangoJSONEncoder)

    class Meta:
        ordering = ["-debut", "-id"]
        verbose_name = "import de l'ancien système"
        verbose_name_plural = "imports de l'ancien système"

    def __str__(self) -> str:
        return f"{self.fichier} — {self.debut:%Y-%m-%d %H:%M} ({self.statut})"


class MouvementAncien(models.Model):
    """A row of the old `MouvementStock`, as it was (its id is the old id)."""

    article_id_ancien = models.BigIntegerField()
    boutique_id_ancien = models.BigIntegerField(null=True, blank=True)
    type_mouvement = models.CharField(max_length=20, blank=True, default="")
    quantite = models.IntegerField()
    stock_avant = models.IntegerField(null=True, blank=True)
    stock_apres = models.IntegerField(null=True, blank=True)
    reference_document = models.CharField(max_length=100, blank=True, default="")
    utilisateur = models.CharField(max_length=150, blank=True, default="")
    commentaire = models.TextField(blank=True, default="")
    date_mouvement = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-date_mouvement", "-id"]
        verbose_name = "mouvement de l'ancien système"
        verbose_name_plural = "mouvements de l'ancien système"
        indexes = [models.Index(fields=["article_id_ancien", "date_mouvement"], name="mvt_ancien_article_idx")]

    def __str__(self) -> str:
        return f"{self.type_mouvement} {self.quantite:+d} — article {self.article_id_ancien} (ancien)"


class RejetImport(models.Model):
    """An old row left out of the books, kept whole with why."""

    modele = models.CharField(max_length=100, help_text="Nom du modèle dans l'export (ex. vente)")
    ancien_pk = models.CharField(max_length=100)
    raison = models.TextField()
    donnees = models.JSONField(encoder=DjangoJSONEncoder)
    date_rejet = models.DateTimeField()

    class Meta:
        ordering = ["modele", "id"]
        verbose_name = "ligne non importée"
        verbose_name_plural = "lignes non importées"
        constraints = [models.UniqueConstraint(fields=["modele", "ancien_pk"], name="rejet_import_unique")]

    def __str__(self) -> str:
        return f"{self.modele} {self.ancien_pk} : {self.raison}"
