"""Register a point-of-sale terminal without the admin; its token is printed once."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from magasin.boutiques.models import Terminal
from magasin.boutiques.services import terminal_creer
from magasin.core.management.sortie import STATUT_USAGE, boutique_par_code, en_json


class Command(BaseCommand):
    help = (
        "Crée un terminal (caisse) et affiche son jeton une seule fois : le serveur n'en garde "
        "qu'une empreinte. À saisir dans l'application du terminal."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--serie", required=True, help="Numéro de série de l'appareil.")
        parser.add_argument("--nom", required=True, help="Nom affiché (ex. « Caisse 2 »).")
        parser.add_argument("--boutique", help="Code de la boutique (sans : terminal non associé).")
        parser.add_argument(
            "--serie-seule",
            action="store_true",
            help="Ancienne application : accepté sur son seul numéro de série (déconseillé).",
        )
        parser.add_argument("--json", action="store_true", help="Sortie JSON (pour les machines).")

    def handle(self, *args: Any, **options: Any) -> None:
        boutique = boutique_par_code(options["boutique"])
        serie = options["serie"].strip()
        if not serie or not options["nom"].strip():
            raise CommandError("Numéro de série et nom sont obligatoires.", returncode=STATUT_USAGE)
        if Terminal.objects.filter(numero_serie=serie).exists():
            raise CommandError(
                f"Un terminal porte déjà le numéro de série « {serie} » "
                "(rotation_jeton pour lui donner un nouveau jeton).",
                returncode=STATUT_USAGE,
            )
        terminal, jeton = terminal_creer(
            numero_serie=serie,
            nom_terminal=options["nom"],
            boutique=boutique,
            serie_seule=options["serie_seule"],
        )
        if options["json"]:
            self.stdout.write(
                en_json(
                    {
                        "terminal_id": terminal.pk,
                        "numero_serie": terminal.numero_serie,
                        "boutique": boutique.code if boutique else None,
                        "jeton": jeton,
                    }
                )
            )
            return
        self.stdout.write(f"Terminal créé : {terminal.nom_terminal} ({terminal.numero_serie})")
        self.stdout.write(f"Boutique : {boutique.code if boutique else 'aucune (à associer)'}")
        self.stdout.write(f"Jeton (affiché une seule fois) : {jeton}")
