"""Give a terminal a new token; the old one stops working at once."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from magasin.boutiques.models import Terminal
from magasin.boutiques.services import terminal_rotation_jeton
from magasin.core.management.sortie import STATUT_USAGE, en_json


class Command(BaseCommand):
    help = (
        "Remplace le jeton d'un terminal (appareil perdu, jeton divulgué) : l'ancien cesse de "
        "fonctionner immédiatement. Le nouveau est affiché une seule fois."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--serie", required=True, help="Numéro de série du terminal.")
        parser.add_argument("--json", action="store_true", help="Sortie JSON (pour les machines).")

    def handle(self, *args: Any, **options: Any) -> None:
        terminal = Terminal.objects.filter(numero_serie=options["serie"].strip()).first()
        if terminal is None:
            raise CommandError(
                f"Aucun terminal de numéro de série « {options['serie']} ».",
                returncode=STATUT_USAGE,
            )
        jeton = terminal_rotation_jeton(terminal=terminal)
        if options["json"]:
            self.stdout.write(
                en_json(
                    {
                        "terminal_id": terminal.pk,
                        "numero_serie": terminal.numero_serie,
                        "jeton": jeton,
                    }
                )
            )
            return
        self.stdout.write(f"Nouveau jeton pour {terminal.nom_terminal} ({terminal.numero_serie}).")
        self.stdout.write(f"Jeton (affiché une seule fois) : {jeton}")
        self.stdout.write("L'ancien jeton ne fonctionne plus : saisissez celui-ci sur l'appareil.")
