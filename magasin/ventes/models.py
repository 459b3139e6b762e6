"""Sales, their lines, invoice numbering, the quarantine of refused sales, and gap tracking."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from magasin.boutiques.models import Boutique, Terminal
from magasin.stock.models import Article


class ModePaiement(models.TextChoices):
    CASH = "CASH", "Espèces"
    MOBILE_MONEY = "MOBILE_MONEY", "Mobile money"
    CARTE = "CARTE", "Carte"
    CREDIT = "CREDIT", "Crédit"
    # A label the server does not know: the sale is recorded, the label kept as sent.
    AUTRE = "AUTRE", "Autre"


class StatutVente(models.TextChoices):
    VALIDEE = "VALIDEE", "Validée"
    ANNULEE = "ANNULEE", "Annulée"


class OrigineVente(models.TextChoices):
    TERMINAL = "TERMINAL", "Terminal (synchronisation)"
    WEB = "WEB", "Facturation web"
    IMPORT = "IMPORT", "Reprise de l'ancien système"


class Vente(models.Model):
    # NOT NULL: the original system's "ventes orphelines" cannot exist here.
    # No single-column index on boutique or terminal: the composite indexes below start with
    # them and serve the same lookups; every index is one more write per sale (measured: the
    # five redundant ones on sales, lines and ledger cost 15% of sync throughput).
    boutique = models.ForeignKey(Boutique, on_delete=models.PROTECT, related_name="ventes", db_index=False)
    terminal = models.ForeignKey(
        Terminal, null=True, blank=True, on_delete=models.PROTECT, related_name="ventes", db_index=False
    )
    numero_facture = models.CharField(max_length=100)
    # NULL, not "": the (boutique, uuid) unique constraint must let sales without uuid coexist.
    uuid = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001
    origine = models.CharField(max_length=10, choices=OrigineVente.choices, default=OrigineVente.TERMINAL)
    montant_total = models.DecimalField(max_digits=16, decimal_places=2)
    # What the terminal declared when it differs from the lines by more than 0.01.
    montant_declare = models.DecimalField(max_digits=16, decimal_places=2, null=True, blank=True)
    mode_paiement = models.CharField(max_length=20, choices=ModePaiement.choices, default=ModePaiement.CASH)
    # The payment label exactly as the terminal sent it (ESPECES, M-PESA, ...), "" when none.
    mode_paiement_libelle = models.CharField(max_length=40, blank=True, default="")
    paye = models.BooleanField(default=True)
    date_vente = models.DateTimeField(help_text="Quand la vente a eu lieu (hors ligne possible)")
    date_synchro = models.DateTimeField(help_text="Quand le serveur l'a enregistrée")
    statut = models.CharField(max_length=10, choices=StatutVente.choices, default=StatutVente.VALIDEE)
    # SHA-256 of the sale's content as sent: tells a resend from a conflicting reuse of a number.
    empreinte = models.CharField(max_length=64, blank=True, default="")
    sequence_terminal = models.BigIntegerField(null=True, blank=True)
    # True when the sale came without numero_facture and the server numbered it.
    numero_attribue = models.BooleanField(default=False)
    # Fields the terminal sent that the contract does not know, kept as sent:
    # {"vente": {...}, "lignes": {"<index>": {...}}}; NULL when there were none.
    champs_inconnus = models.JSONField(null=True, blank=True)
    client_nom = models.CharField(max_length=150, blank=True, default="")
    client_telephone = models.CharField(max_length=40, blank=True, default="")
    # The two user references are NULL on every terminal sale: indexed by the partial indexes
    # below, which leave NULLs out. A plain index takes every sale's NULL on one hot right-hand
    # page (measured: -25% sync throughput with 8 terminals).
    cree_par = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ventes_creees",
        db_index=False,
    )
    annulee_le = models.DateTimeField(null=True, blank=True)
    annulee_par = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ventes_annulees",
        db_index=False,
    )
    motif_annulation = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["-date_vente", "-id"]
        verbose_name = "vente"
        constraints = [
            models.UniqueConstraint(fields=["boutique", "numero_facture"], name="vente_numero_par_boutique"),
            # NULLs are distinct on all three backends, so sales without uuid never collide.
            models.UniqueConstraint(fields=["boutique", "uuid"], name="vente_uuid_par_boutique"),
            models.CheckConstraint(condition=Q(montant_total__gte=0), name="vente_montant_positif"),
            # The target of the lines' composite foreign key (boutique_id, vente_id): a line's
            # shop is its sale's shop (PostgreSQL and MariaDB).
            models.UniqueConstraint(fields=["boutique", "id"], name="vente_boutique_id"),
        ]
        indexes = [
            models.Index(fields=["boutique", "date_vente"], name="vente_btq_date_idx"),
            models.Index(fields=["terminal", "date_vente"], name="vente_terminal_date_idx"),
            # Resends of sales identified only by the terminal's own counter.
            models.Index(fields=["terminal", "sequence_terminal"], name="vente_terminal_sequence_idx"),
            models.Index(fields=["boutique", "statut", "date_vente"], name="vente_btq_statut_idx"),
            models.Index(fields=["boutique", "mode_paiement", "date_vente"], name="vente_btq_mode_idx"),
            # PROTECT checks when a user is deleted. MariaDB/MySQL have no partial index: there
            # the foreign key's own index stands in (W037 silenced in settings for that reason).
            models.Index(fields=["cree_par"], condition=Q(cree_par__isnull=False), name="vente_cree_par_idx"),
            models.Index(fields=["annulee_par"], condition=Q(annulee_par__isnull=False), name="vente_annulee_par_idx"),
        ]

    def __str__(self) -> str:
        return self.numero_facture


class LigneVente(models.Model):
    # Foreign keys enforced by the database; on PostgreSQL and MariaDB also the composite keys
    # (boutique_id, vente_id) and (boutique_id, article_id), so that a line belongs to its sale's
    # shop and sells an article of that shop (migration ventes 0006).
    # Indexed by ligne_vente_couvrante_idx (vente, with what the reports and margins sum).
    vente = models.ForeignKey(Vente, on_delete=models.PROTECT, related_name="lignes", db_index=False)
    article = models.ForeignKey(Article, on_delete=models.PROTECT, related_name="lignes_vente")
    # Indexed by ligne_btq_article_idx (boutique, article), like Vente.boutique.
    boutique = models.ForeignKey(Boutique, on_delete=models.PROTECT, related_name="lignes_vente", db_index=False)
    quantite = models.IntegerField()
    prix_unitaire = models.DecimalField(max_digits=14, decimal_places=2)
    total_ligne = models.DecimalField(max_digits=16, decimal_places=2)
    # The article's average cost when the sale was recorded (a late offline sale is costed on
    # arrival); NULL when unknown (lines recorded before costs were kept).
    cout_unitaire = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = "ligne de vente"
        verbose_name_plural = "lignes de vente"
        constraints = [
            models.CheckConstraint(condition=Q(quantite__gt=0), name="ligne_quantite_positive"),
            models.CheckConstraint(condition=Q(prix_unitaire__gte=0), name="ligne_prix_positif"),
            models.CheckConstraint(condition=Q(cout_unitaire__gte=0), name="ligne_cout_positif"),
        ]
        indexes = [
            models.Index(fields=["boutique", "article"], name="ligne_btq_article_idx"),
            # PostgreSQL: the lines of a set of sales read from the index alone (best sellers of
            # a terminal for a month: 250 -> 50 ms at a year of data); elsewhere on vente only.
            models.Index(
                fields=["vente"],
                include=["article", "quantite", "total_ligne", "cout_unitaire"],
                name="ligne_vente_couvrante_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantite} × {self.article_id}"


class Retour(models.Model):
    """Goods brought back from a sale, some lines, some quantities: the sale itself is never
    edited; the stock comes back through RETOUR ledger movements, the refund is `montant`."""

    vente = models.ForeignKey(Vente, on_delete=models.PROTECT, related_name="retours")
    boutique = models.ForeignKey(Boutique, on_delete=models.PROTECT, related_name="retours")
    numero = models.PositiveIntegerField(help_text="1 pour le premier retour de la vente, puis 2…")
    date_retour = models.DateTimeField()
    motif = models.TextField()
    montant = models.DecimalField(max_digits=16, decimal_places=2)
    cree_par = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT)

    class Meta:
        ordering = ["vente", "numero"]
        verbose_name = "retour"
        constraints = [
            models.UniqueConstraint(fields=["vente", "numero"], name="retour_numero_par_vente"),
            models.CheckConstraint(condition=Q(montant__gte=0), name="retour_montant_positif"),
        ]
        indexes = [models.Index(fields=["boutique", "date_retour"], name="retour_btq_date_idx")]

    def __str__(self) -> str:
        return f"{self.vente_id} R{self.numero}"


class LigneRetour(models.Model):
    retour = models.ForeignKey(Retour, on_delete=models.PROTECT, related_name="lignes")
    ligne_vente = models.ForeignKey(LigneVente, on_delete=models.PROTECT, related_name="retours")
    boutique = models.ForeignKey(Boutique, on_delete=models.PROTECT, related_name="+")
    quantite = models.IntegerField()
    montant = models.DecimalField(max_digits=16, decimal_places=2)

    class Meta:
        ordering = ["id"]
        verbose_name = "ligne de retour"
        verbose_name_plural = "lignes de retour"
        constraints = [models.CheckConstraint(condition=Q(quantite__gt=0), name="ligne_retour_quantite_positive")]

    def __str__(self) -> str:
        return f"{self.quantite} × ligne {self.ligne_vente_id}"


class SequenceFacture(models.Model):
    """One counter per shop and month. Unique on exactly (boutique, annee, mois)."""

    boutique = models.ForeignKey(Boutique, on_delete=models.PROTECT, related_name="sequences")
    annee = models.PositiveSmallIntegerField()
    mois = models.PositiveSmallIntegerField()
    dernier_numero = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["boutique", "-annee", "-mois"]
        verbose_name = "séquence de factures"
        verbose_name_plural = "séquences de factures"
        constraints = [
            models.UniqueConstraint(fields=["boutique", "annee", "mois"], name="sequence_boutique_annee_mois"),
            models.CheckConstraint(condition=Q(mois__gte=1) & Q(mois__lte=12), name="sequence_mois_valide"),
        ]

    def __str__(self) -> str:
        return f"{self.boutique.code} {self.annee}-{self.mois:02d}: {self.dernier_numero}"


class StatutQuarantaine(models.TextChoices):
    EN_ATTENTE = "EN_ATTENTE", "En attente"
    REJOUEE = "REJOUEE", "Rejouée"
    ECARTEE = "ECARTEE", "Écartée"


class VenteQuarantaine(models.Model):
    """A sale the server refused. Kept whole so that nothing a terminal sent is ever lost."""

    boutique = models.ForeignKey(Boutique, on_delete=models.PROTECT, related_name="quarantaine")
    terminal = models.ForeignKey(Terminal, null=True, blank=True, on_delete=models.PROTECT, related_name="quarantaine")
    numero_facture = models.CharField(max_length=100, blank=True, default="")
    uuid = models.CharField(max_length=64, blank=True, default="")
    payload = models.JSONField()
    empreinte = models.CharField(max_length=64)
    code = models.CharField(max_length=40)
    message = models.TextField()
    date_reception = models.DateTimeField()
    date_derniere_reception = models.DateTimeField()
    nombre_receptions = models.PositiveIntegerField(default=1)
    statut = models.CharField(max_length=12, choices=StatutQuarantaine.choices, default=StatutQuarantaine.EN_ATTENTE)
    vente = models.ForeignKey(Vente, null=True, blank=True, on_delete=models.PROTECT, related_name="quarantaines")
    # A manager's correction of what was sent, replayed instead of it; `payload` stays as sent.
    payload_corrige = models.JSONField(null=True, blank=True)
    corrige_par = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    corrige_le = models.DateTimeField(null=True, blank=True)
    traite_par = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT)
    traite_le = models.DateTimeField(null=True, blank=True)
    motif_traitement = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["-date_derniere_reception", "-id"]
        verbose_name = "vente en quarantaine"
        verbose_name_plural = "ventes en quarantaine"
        indexes = [
            models.Index(fields=["boutique", "statut", "date_reception"], name="quar_btq_statut_idx"),
            models.Index(fields=["terminal", "empreinte"], name="quar_terminal_empreinte_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.numero_facture or '(sans numéro)'} — {self.code}"


class SequenceRecue(models.Model):
    """A terminal's own sale counter values the server has received (for gap detection)."""

    terminal = models.ForeignKey(Terminal, on_delete=models.CASCADE, related_name="sequences")
    boutique = models.ForeignKey(Boutique, on_delete=models.PROTECT, related_name="+")
    sequence = models.BigIntegerField()
    date_reception = models.DateTimeField()

    class Meta:
        verbose_name = "séquence reçue"
        verbose_name_plural = "séquences reçues"
        constraints = [
            models.UniqueConstraint(fields=["terminal", "sequence"], name="sequence_recue_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.terminal_id} #{self.sequence}"


class SequencesContinues(models.Model):
    """Per terminal, the counter value up to which every value from 1 has been received.

    The gap check (`ventes.selectors.sequences_manquantes`) then counts only the values above
    it: a year of a busy terminal is ~125,000 values, counted on every dashboard. Written by the
    nightly summary (`ventes.agregats.sequences_marquer`); `SequenceRecue` rows are never
    deleted, so a mark, once true, stays true. `boutique` is the terminal's shop when written
    (rewritten the next night after a move); the mark belongs to the terminal."""

    boutique = models.ForeignKey(Boutique, on_delete=models.CASCADE, related_name="+", db_index=False)
    terminal = models.OneToOneField(Terminal, on_delete=models.CASCADE, related_name="+")
    jusqu_a = models.BigIntegerField()

    class Meta:
        verbose_name = "séquences continues d'un terminal"
        verbose_name_plural = "séquences continues des terminaux"

    def __str__(self) -> str:
        return f"terminal {self.terminal_id}: 1..{self.jusqu_a}"


class AgregatVentesJour(models.Model):
    """One closed day's sales of a shop, per terminal, web cashier, payment label and paid or not
    (reports).

    Kept only for days before today (Kinshasa), written by `ventes.agregats.agregats_calculer`;
    a day always has at least one row once summarised (zeros when nothing was sold), so the rows
    themselves tell which days are summarised. A sale or cancellation touching a summarised day
    deletes that day's rows in its own transaction (`agregats_mettre_a_jour`): the reports then
    compute it live until it is summarised again. Returns count on the day of the refund, under
    the dimensions of the sale they refund."""

    boutique = models.ForeignKey(Boutique, on_delete=models.CASCADE, related_name="+", db_index=False)
    jour = models.DateField()
    terminal = models.ForeignKey(Terminal, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    cree_par = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    mode_paiement = models.CharField(max_length=20, blank=True, default="")
    mode_paiement_libelle = models.CharField(max_length=40, blank=True, default="")
    paye = models.BooleanField(default=True)  # an unpaid sale is credit in the reports by channel
    nombre = models.IntegerField(default=0)
    montant = models.DecimalField(max_digits=18, decimal_places=2, default=0)
    annulees = models.IntegerField(default=0)
    montant_annule = models.DecimalField(max_digits=18, decimal_places=2, default=0)
    nombre_retours = models.IntegerField(default=0)
    retours = models.DecimalField(max_digits=18, decimal_places=2, default=0)

    class Meta:
        verbose_name = "agrégat de ventes du jour"
        verbose_name_plural = "agrégats de ventes du jour"
        indexes = [models.Index(fields=["boutique", "jour"], name="agregat_ventes_btq_jour_idx")]

    def __str__(self) -> str:
        return f"{self.boutique_id} {self.jour}: {self.nombre} vente(s)"


class SommesArticle(models.Model):
    """What a day's or a month's summary keeps per article: quantities and amounts sold and
    returned, and the margin figures (`ventes.marges`) of the lines of the validated sales:
    revenue, cost and units of the lines whose cost is known, revenue and units of the others.
    Returns are not deducted from the `marge_*` columns (a return does not forget its sale's
    day): `ventes.marges` deducts them live, they are few."""

    quantite = models.IntegerField(default=0)
    montant = models.DecimalField(max_digits=18, decimal_places=2, default=0)
    quantite_retournee = models.IntegerField(default=0)
    retours = models.DecimalField(max_digits=18, decimal_places=2, default=0)
    marge_chiffre = models.DecimalField(max_digits=18, decimal_places=2, default=0)
    marge_cout = models.DecimalField(max_digits=18, decimal_places=2, default=0)
    marge_quantite = models.IntegerField(default=0)
    marge_chiffre_sans_cout = models.DecimalField(max_digits=18, decimal_places=2, default=0)
    marge_quantite_sans_cout = models.IntegerField(default=0)

    class Meta:
        abstract = True


class AgregatArticlesJour(SommesArticle):
    """One closed day's quantities and amounts per article of a shop (best sellers); kept and
    invalidated together with `AgregatVentesJour`."""

    boutique = models.ForeignKey(Boutique, on_delete=models.CASCADE, related_name="+", db_index=False)
    jour = models.DateField()
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = "agrégat d'articles du jour"
        verbose_name_plural = "agrégats d'articles du jour"
        indexes = [models.Index(fields=["boutique", "jour"], name="agregat_articles_btq_jour_idx")]

    def __str__(self) -> str:
        return f"{self.boutique_id} {self.jour} article {self.article_id}: {self.quantite}"


class AgregatArticlesMois(SommesArticle):
    """A whole closed month of `AgregatArticlesJour` added up (a year's best sellers read 12
    rows per article instead of 365; a year's margins too); written once every day of the month
    is summarised, deleted with any of its days."""

    boutique = models.ForeignKey(Boutique, on_delete=models.CASCADE, related_name="+", db_index=False)
    mois = models.DateField(help_text="Premier jour du mois")
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = "agrégat d'articles du mois"
        verbose_name_plural = "agrégats d'articles du mois"
        indexes = [models.Index(fields=["boutique", "mois"], name="agregat_articles_btq_mois_idx")]

    def __str__(self) -> str:
        return f"{self.boutique_id} {self.mois:%Y-%m} article {self.article_id}: {self.quantite}"


class AgregatArticlesMoisDetail(models.Model):
    """A closed month's quantities and amounts per article and per terminal, web cashier and
    payment mode: the best sellers narrowed to a terminal, a cashier or a mode over months (a
    year of one terminal read from ~50,000 rows, not 370,000 lines). Written with, and deleted
    with, the month's `AgregatArticlesMois` rows (`ventes.agregats`): they exist together.
    Returns count in the month of the refund, under the dimensions of the sale they refund."""

    boutique = models.ForeignKey(Boutique, on_delete=models.CASCADE, related_name="+", db_index=False)
    mois = models.DateField(help_text="Premier jour du mois")
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="+")
    terminal = models.ForeignKey(Terminal, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    cree_par = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    mode_paiement = models.CharField(max_length=20, blank=True, default="")
    quantite = models.IntegerField(default=0)
    montant = models.DecimalField(max_digits=18, decimal_places=2, default=0)
    quantite_retournee = models.IntegerField(default=0)
    retours = models.DecimalField(max_digits=18, decimal_places=2, default=0)

    class Meta:
        verbose_name = "agrégat d'articles du mois par terminal, caissier et mode"
        verbose_name_plural = "agrégats d'articles du mois par terminal, caissier et mode"
        indexes = [models.Index(fields=["boutique", "mois"], name="agregat_detail_btq_mois_idx")]

    def __str__(self) -> str:
        return f"{self.boutique_id} {self.mois:%Y-%m} article {self.article_id} ({self.mode_paiement}): {self.quantite}"
