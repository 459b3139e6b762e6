"""Summarise the closed days of every shop for the reports (run nightly, e.g. at 00:30)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from magasin.boutiques.models import Boutique
from magasin.ventes.agregats import agregats_calculer


class Command(BaseCommand):
    help = (
        "Calcule les agrégats journaliers des rapports pour les jours terminés (avant aujourd'hui, "
        "heure de Kinshasa) qui n'en ont pas encore. Sans risque à relancer : un jour déjà agrégé "
        "est laissé tel quel, un jour modifié par une vente tardive est recalculé."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--boutique", help="Code d'une seule boutique.")
        parser.add_argument("--jours", type=int, default=400, help="Profondeur en jours (400 par défaut).")

    def handle(self, *args: Any, **options: Any) -> None:
        boutiques = Boutique.objects.order_by("pk")
        if options["boutique"]:
            boutiques = boutiques.filter(code=options["boutique"])
            if not boutiques.exists():
                raise CommandError(f"Boutique inconnue : {options['boutique']}")
        fin: date = timezone.localdate() - timedelta(days=1)
        debut = fin - timedelta(days=max(options["jours"], 1) - 1)
        for boutique in boutiques:
            faits = agregats_calculer(boutique=boutique, debut=debut, fin=fin)
            self.stdout.write(f"{boutique.code} : {faits} jour(s) agrégé(s)")
