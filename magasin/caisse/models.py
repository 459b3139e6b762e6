"""The till: exchange rates, payments as documents, receivables, cash movements and closings.

Everything here is a document written once: a rate, a payment, a movement or a closing is never
edited; a correction is a new document (a newer rate for the day, a closing that supersedes
another). Sales (`ventes.Vente`) are referenced, never changed.

A till ("caisse") is a terminal, or a web cashier (a user invoicing from the back-office):
exactly one of `terminal` and `caissier` is set, and `caisse` spells it ("T12", "U5") so that
unique constraints can include it (NULLs would be distinct in a unique index).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from magasin.boutiques.models import Boutique, Terminal
from magasin.ventes.canaux import Canal  # with the sales: one rule for the till and the reports
from magasin.ventes.models import Vente


class Devise(models.TextChoices):
    CDF = "CDF", "Franc congolais (CDF)"
    USD = "USD", "Dollar américain (USD)"


UTILISATEUR = settings.AUTH_USER_MODEL
CAISSE_MAX = 24
CLE_MAX = 64


def caisse_exactement_une(prefixe: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=Q(terminal__isnull=False, caissier__isnull=True) | Q(terminal__isnull=True, caissier__isnull=False),
        name=f"{prefixe}_une_caisse",
    )


class TauxChange(models.Model):
    """CDF for one USD in a shop on a business day, as the manager set it.

    Never edited: a second rate for the same day supersedes the first (the latest by id is in
    force), both are kept with who set them and why. A day without a rate of its own uses the
    latest earlier day's rate (a shop open on Sunday keeps Saturday's rate).
    """

    boutique = models.ForeignKey(Boutique, on_delete=models.PROTECT, related_name="taux_change")
    jour = models.DateField()
    taux = models.DecimalField(max_digits=12, decimal_places=4, help_text="Francs congolais pour 1 USD")
    motif = models.CharField(max_length=200, blank=True, default="")
    saisi_par = models.ForeignKey(UTILISATEUR, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    saisi_le = models.DateTimeField()

    class Meta:
        ordering = ["boutique", "-jour", "-id"]
        verbose_name = "taux de change"
        verbose_name_plural = "taux de change"
        constraints = [models.CheckConstraint(condition=Q(taux__gt=0), name="taux_change_positif")]
        indexes = [models.Index(fields=["boutique", "jour"], name="taux_btq_jour_idx")]

    def __str__(self) -> str:
        return f"{self.boutique_id} {self.jour}: {self.taux}"


class Client(models.Model):
    """A customer who buys on credit, as sales name them: keyed per shop by the normalised
    phone number (last 9 digits), or by the normalised name when the sale has no phone."""

    boutique = models.ForeignKey(Boutique, on_delete=models.PROTECT, related_name="clients")
    cle = models.CharField(max_length=160)
    nom = models.CharField(max_length=150, blank=True, default="")
    telephone = models.CharField(max_length=40, blank=True, default="")
    cree_le = models.DateTimeField()

    class Meta:
        ordering = ["nom", "id"]
        verbose_name = "client"
        constraints = [models.UniqueConstraint(fields=["boutique", "cle"], name="client_cle_par_boutique")]

    def __str__(self) -> str:
        return self.nom or self.telephone or "Client sans nom"


class Creance(models.Model):
    """The debit a sale recorded unpaid (`paye=False` or mode CREDIT) puts on its customer.

    What is owed is read, not stored: the sale's total, less its refunds, nothing once it is
    cancelled, less the payments allocated to it (`Affectation`)."""

    vente = models.OneToOneField(Vente, on_delete=models.PROTECT, related_name="creance")
    boutique = models.ForeignKey(Boutique, on_delete=models.PROTECT, related_name="creances")
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="creances")
    jour = models.DateField(help_text="Jour de la vente (Kinshasa)")
    montant = models.DecimalField(max_digits=16, decimal_places=2)
    # What the sale owes now (negative: owed to the customer), kept so that the balances of a
    # year of receivables are one sum. Computed only by `caisse.selectors.soldes_des_creances`
    # and written only by `caisse.services.creances_resolder`, in every transaction that changes
    # it (a repayment, a return or a cancellation of the sale).
    solde = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    cree_le = models.DateTimeField()

    class Meta:
        ordering = ["jour", "id"]
        verbose_name = "créance"
        constraints = [
            models.CheckConstraint(condition=Q(montant__gte=0), name="creance_montant_positif"),
            models.CheckConstraint(condition=Q(solde__lte=F("montant")), name="creance_solde_au_plus_montant"),
        ]
        indexes = [models.Index(fields=["boutique", "client", "jour"], name="creance_btq_client_idx")]

    def __str__(self) -> str:
        return f"{self.vente_id}: {self.montant}"


class DocumentCaisse(models.Model):
    """What every till document holds: shop, till, business day, author, idempotency key."""

    boutique = models.ForeignKey(Boutique, on_delete=models.PROTECT, related_name="+")
    terminal = models.ForeignKey(Terminal, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    caissier = models.ForeignKey(UTILISATEUR, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    caisse = models.CharField(max_length=CAISSE_MAX)
    jour = models.DateField(help_text="Jour ouvré (Kinshasa)")
    # A key made when the form was shown: the same submission twice is one document.
    cle = models.CharField(max_length=CLE_MAX)
    auteur = models.ForeignKey(UTILISATEUR, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    cree_le = models.DateTimeField()

    class Meta:
        abstract = True


class ObjetPaiement(models.TextChoices):
    VENTE = "VENTE", "Paiement d'une vente"
    CREDIT = "CREDIT", "Remboursement de crédit"


class Paiement(DocumentCaisse):
    """Money received: in one currency, through one channel. A USD payment keeps the rate it was
    taken at, its CDF value, and the change given back in CDF (cash)."""

    objet = models.CharField(max_length=10, choices=ObjetPaiement.choices)
    canal = models.CharField(max_length=20, choices=Canal.choices, default=Canal.CASH)
    devise = models.CharField(max_length=3, choices=Devise.choices, default=Devise.CDF)
    montant = models.DecimalField(max_digits=16, decimal_places=2, help_text="Dans la devise du paiement")
    taux = models.DecimalField(max_digits=12, decimal_places=4, null=True, blank=True)
    taux_change = models.ForeignKey(TauxChange, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    montant_cdf = models.DecimalField(max_digits=16, decimal_places=2)
    monnaie_rendue_cdf = models.DecimalField(max_digits=16, decimal_places=2, default=Decimal("0.00"))
    vente = models.ForeignKey(Vente, null=True, blank=True, on_delete=models.PROTECT, related_name="paiements")
    client = models.ForeignKey(Client, null=True, blank=True, on_delete=models.PROTECT, related_name="paiements")

    class Meta:
        ordering = ["-cree_le", "-id"]
        verbose_name = "paiement"
        constraints = [
            models.UniqueConstraint(fields=["boutique", "cle"], name="paiement_cle_par_boutique"),
            caisse_exactement_une("paiement"),
            models.CheckConstraint(condition=Q(montant__gt=0), name="paiement_montant_positif"),
            models.CheckConstraint(
                condition=Q(monnaie_rendue_cdf__gte=0) & Q(monnaie_rendue_cdf__lte=F("montant_cdf")),
                name="paiement_monnaie_bornee",
            ),
            models.CheckConstraint(
                condition=Q(devise="CDF", taux__isnull=True, montant_cdf=F("montant"))
                | Q(devise="USD", taux__isnull=False, taux__gt=0),
                name="paiement_devise_taux",
            ),
            models.CheckConstraint(
                condition=Q(objet="VENTE", vente__isnull=False) | Q(objet="CREDIT", client__isnull=False),
                name="paiement_objet_reference",
            ),
        ]
        indexes = [models.Index(fields=["boutique", "caisse", "jour"], name="paiement_caisse_jour_idx")]

    def __str__(self) -> str:
        return f"{self.montant} {self.devise} ({self.get_canal_display()})"

    @property
    def net_cdf(self) -> Decimal:
        return self.montant_cdf - self.monnaie_rendue_cdf


class Affectation(models.Model):
    """The part of a credit repayment that settles one unpaid sale."""

    # Every shop-owned row carries its shop (isolation filters, distribution by shop).
    boutique = models.ForeignKey(Boutique, on_delete=models.PROTECT, related_name="+")
    paiement = models.ForeignKey(Paiement, on_delete=models.PROTECT, related_name="affectations")
    creance = models.ForeignKey(Creance, on_delete=models.PROTECT, related_name="affectations")
    montant_cdf = models.DecimalField(max_digits=16, decimal_places=2)

    class Meta:
        ordering = ["id"]
        verbose_name = "affectation"
        constraints = [
            models.CheckConstraint(condition=Q(montant_cdf__gt=0), name="affectation_montant_positif"),
            models.UniqueConstraint(fields=["paiement", "creance"], name="affectation_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.paiement_id} → {self.creance_id}: {self.montant_cdf}"


class TypeMouvementCaisse(models.TextChoices):
    FOND = "FOND", "Fond de caisse (ouverture)"
    APPORT = "APPORT", "Apport"
    SORTIE = "SORTIE", "Sortie (dépense)"


class MouvementCaisse(DocumentCaisse):
    """Cash put into or taken out of the drawer outside sales: the opening float, pay-ins, and
    pay-outs (an expense paid from the drawer, with its reason and who made it)."""

    type_mouvement = models.CharField(max_length=10, choices=TypeMouvementCaisse.choices)
    devise = models.CharField(max_length=3, choices=Devise.choices, default=Devise.CDF)
    montant = models.DecimalField(max_digits=16, decimal_places=2)
    motif = models.CharField(max_length=200, blank=True, default="")

    class Meta:
        ordering = ["-cree_le", "-id"]
        verbose_name = "mouvement de caisse"
        verbose_name_plural = "mouvements de caisse"
        constraints = [
            models.UniqueConstraint(fields=["boutique", "cle"], name="mvt_caisse_cle_par_boutique"),
            caisse_exactement_une("mvt_caisse"),
            models.CheckConstraint(condition=Q(montant__gt=0), name="mvt_caisse_montant_positif"),
            models.CheckConstraint(condition=~Q(type_mouvement="SORTIE", motif=""), name="mvt_caisse_sortie_motif"),
        ]
        indexes = [models.Index(fields=["boutique", "caisse", "jour"], name="mvt_caisse_jour_idx")]

    def __str__(self) -> str:
        return f"{self.get_type_mouvement_display()} {self.montant} {self.devise}"


class Cloture(DocumentCaisse):
    """The count of one till for one business day, frozen: what was expected per channel and
    currency when it was recorded (`LigneCloture`), what was counted, and whether every sale the
    terminal numbered was on the server. Never edited: a correction is a new closing (`version`
    + 1) that names the one it supersedes (`remplace`); the current one is the one nobody
    supersedes."""

    version = models.PositiveIntegerField(default=1)
    remplace = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="remplacee_par"
    )
    motif = models.CharField(max_length=200, blank=True, default="")
    # The business day's bounds, as instants: what "sold that day" and "arrived afterwards" mean.
    debut = models.DateTimeField()
    fin = models.DateTimeField()
    nombre_ventes = models.PositiveIntegerField(default=0)
    credit_cdf = models.DecimalField(max_digits=16, decimal_places=2, default=Decimal("0.00"))
    # Completeness (terminals only): the last number checked, as the terminal showed it if the
    # manager typed it, the count still missing then and their first numbers.
    sequence_declaree = models.BigIntegerField(null=True, blank=True)
    sequence_derniere = models.BigIntegerField(null=True, blank=True)
    nombre_manquantes = models.PositiveIntegerField(default=0)
    manquantes = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-jour", "caisse", "-version"]
        verbose_name = "clôture de caisse"
        verbose_name_plural = "clôtures de caisse"
        constraints = [
            models.UniqueConstraint(fields=["boutique", "cle"], name="cloture_cle_par_boutique"),
            models.UniqueConstraint(fields=["boutique", "caisse", "jour", "version"], name="cloture_version_unique"),
            caisse_exactement_une("cloture"),
            models.CheckConstraint(condition=Q(version__gte=1), name="cloture_version_positive"),
        ]
        indexes = [models.Index(fields=["boutique", "jour"], name="cloture_btq_jour_idx")]

    def __str__(self) -> str:
        return f"Clôture {self.caisse} {self.jour} v{self.version}"

    @property
    def est_complete(self) -> bool | None:
        """None when the till does not number its sales (web cashier, terminal without counter)."""
        if self.terminal_id is None or self.sequence_derniere is None:
            return None
        return self.nombre_manquantes == 0


class LigneCloture(models.Model):
    boutique = models.ForeignKey(Boutique, on_delete=models.PROTECT, related_name="+")
    cloture = models.ForeignKey(Cloture, on_delete=models.PROTECT, related_name="lignes")
    canal = models.CharField(max_length=20, choices=Canal.choices)
    devise = models.CharField(max_length=3, choices=Devise.choices)
    attendu = models.DecimalField(max_digits=16, decimal_places=2)
    compte = models.DecimalField(max_digits=16, decimal_places=2)
    ecart = models.DecimalField(max_digits=16, decimal_places=2)

    class Meta:
        ordering = ["id"]
        verbose_name = "ligne de clôture"
        verbose_name_plural = "lignes de clôture"
        constraints = [
            # No check that ecart = compte - attendu: SQLite may compare the two as floats.
            models.UniqueConstraint(fields=["cloture", "canal", "devise"], name="ligne_cloture_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.canal} {self.devise}: {self.ecart}"


class PriseEnCompte(models.Model):
    """A manager saw what arrived after a closing's count (late sales, payments): the day is
    no longer flagged for what arrived up to `jusqu_a`."""

    boutique = models.ForeignKey(Boutique, on_delete=models.PROTECT, related_name="+")
    cloture = models.ForeignKey(Cloture, on_delete=models.PROTECT, related_name="prises_en_compte")
    jusqu_a = models.DateTimeField()
    vue_par = models.ForeignKey(UTILISATEUR, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    vue_le = models.DateTimeField()

    class Meta:
        ordering = ["-vue_le", "-id"]
        verbose_name = "prise en compte d'une révision"
        verbose_name_plural = "prises en compte de révisions"

    def __str__(self) -> str:
        return f"{self.cloture_id} vu jusqu'à {self.jusqu_a}"
