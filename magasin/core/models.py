"""Operational records kept by the core app (not business data)."""

from __future__ import annotations

from django.db import models

from magasin.boutiques.models import Boutique, Terminal


class MotifRefusTerminal(models.TextChoices):
    INACTIF = "INACTIF", "Terminal désactivé"
    SANS_BOUTIQUE = "SANS_BOUTIQUE", "Terminal sans boutique"


class TentativeTerminalRefusee(models.Model):
    """A known terminal that keeps calling the API although it cannot sync (inactive, no shop).

    One row per (terminal, motif), bumped on each refused call: bounded by the number of
    terminals, whatever an attacker sends. Read by `verifier_ventes`.
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
