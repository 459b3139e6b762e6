"""Shops, their point-of-sale terminals, and who may see which shop."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class PolitiqueStock(models.TextChoices):
    REFUSER = "REFUSER", "Refuser la vente si le stock devient négatif"
    AUTORISER_NEGATIF = "AUTORISER_NEGATIF", "Autoriser le stock négatif (alerte)"


class Boutique(models.Model):
    nom = models.CharField(max_length=120)
    code = models.CharField(max_length=20, unique=True, help_text="Ex. BTQ-009")
    devise = models.CharField(max_length=3, default="CDF")
    adresse = models.CharField(max_length=255, blank=True)
    telephone = models.CharField(max_length=40, blank=True)
    est_active = models.BooleanField(default=True)
    politique_stock = models.CharField(max_length=20, choices=PolitiqueStock.choices, default=PolitiqueStock.REFUSER)
    prefixe_facture = models.CharField(
        max_length=10,
        default="FAC",
        help_text="Début des numéros de facture : <préfixe>-<code>-<AAAAMM>-<n>",
    )
    date_creation = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["nom"]
        verbose_name = "boutique"

    def __str__(self) -> str:
        return f"{self.nom} ({self.code})"


class Terminal(models.Model):
    """A point-of-sale device. The original system called it `Client` (a sale's `client_maui`)."""

    numero_serie = models.CharField(max_length=100, unique=True)
    nom_terminal = models.CharField(max_length=120)
    # Nullable on purpose: an unassigned device exists and the API refuses it with NO_BOUTIQUE.
    boutique = models.ForeignKey(Boutique, null=True, blank=True, on_delete=models.PROTECT, related_name="terminaux")
    est_actif = models.BooleanField(default=True)
    derniere_synchro = models.DateTimeField(null=True, blank=True)
    # Device credentials: only a SHA-256 of the token is kept; the token is shown once.
    serie_seule = models.BooleanField(
        default=False,
        help_text="Ancienne application : accepté sur son seul numéro de série (risque).",
    )
    jeton_hash = models.CharField(max_length=64, blank=True, default="")
    jeton_prefixe = models.CharField(max_length=8, blank=True, default="")
    jeton_cree_le = models.DateTimeField(null=True, blank=True)
    # What the app says it is, from its last request (User-Agent and any version header).
    user_agent = models.CharField(max_length=255, blank=True, default="")
    version_app = models.CharField(max_length=100, blank=True, default="")
    date_creation = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["nom_terminal"]
        verbose_name = "terminal"
        verbose_name_plural = "terminaux"

    def __str__(self) -> str:
        return f"{self.nom_terminal} ({self.numero_serie})"

    @property
    def a_un_jeton(self) -> bool:
        return bool(self.jeton_hash)


class ChampInconnu(models.Model):
    """A field a terminal sends that the contract does not know, and since when.

    The terminal team learns what the app in the field sends without reading logs.
    `chemin` is where it was seen: "enveloppe.x", "vente.x" or "ligne.x".
    """

    terminal = models.ForeignKey(Terminal, on_delete=models.CASCADE, related_name="champs_inconnus")
    chemin = models.CharField(max_length=150)
    exemple = models.CharField(max_length=200, blank=True, default="")
    premiere_vue = models.DateTimeField()
    derniere_vue = models.DateTimeField()

    class Meta:
        ordering = ["terminal", "chemin"]
        verbose_name = "champ inconnu"
        verbose_name_plural = "champs inconnus"
        constraints = [models.UniqueConstraint(fields=["terminal", "chemin"], name="champ_inconnu_unique")]

    def __str__(self) -> str:
        return f"{self.terminal_id} {self.chemin}"


class MotifRefusTerminal(models.TextChoices):
    INACTIF = "INACTIF", "Terminal désactivé"
    SANS_BOUTIQUE = "SANS_BOUTIQUE", "Terminal sans boutique"


class TentativeTerminalRefusee(models.Model):
    """A known terminal that keeps calling the API although it cannot sync (inactive, no shop).

    One row per (terminal, motif), bumped on each refused call: bounded by the number of
    terminals, whatever an attacker sends. Written by `services.tentative_refusee_noter`, read by
    `verifier_ventes`. It moved here from the core app with its rows (migrations boutiques 0003–0004).
    """

    terminal = models.ForeignKey(Terminal, on_delete=models.CASCADE, related_name="+")
    # The terminal's shop when it called (NULL for a terminal without shop).
    boutique = models.ForeignKey(Boutique, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    motif = models.CharField(max_length=20, choices=MotifRefusTerminal.choices)
    nombre = models.PositiveIntegerField(default=1)
    premiere_tentative = models.DateTimeField()
    derniere_tentative = models.DateTimeField()

    class Meta:
        verbose_name = "tentative de terminal refusée"
        verbose_name_plural = "tentatives de terminaux refusées"
        constraints = [
            models.UniqueConstraint(fields=["terminal", "motif"], name="tentative_terminal_motif"),
        ]

    def __str__(self) -> str:
        return f"{self.terminal_id} {self.motif} ×{self.nombre}"


class Role(models.TextChoices):
    CAISSIER = "CAISSIER", "Caissier"
    GERANT = "GERANT", "Gérant"
    PROPRIETAIRE = "PROPRIETAIRE", "Propriétaire"


# Higher rank includes the rights of the lower ones.
RANG_ROLE = {Role.CAISSIER: 1, Role.GERANT: 2, Role.PROPRIETAIRE: 3}


class Membre(models.Model):
    """A web user's role in one shop. Users see only the shops they are members of."""

    utilisateur = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="adhesions")
    boutique = models.ForeignKey(Boutique, on_delete=models.CASCADE, related_name="membres")
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.CAISSIER)

    class Meta:
        verbose_name = "membre"
        constraints = [
            models.UniqueConstraint(fields=["utilisateur", "boutique"], name="membre_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.utilisateur} — {self.boutique.code} ({self.role})"
