"""Create a back-office user with a role in one shop, without the admin."""

from __future__ import annotations

import getpass
import sys
from typing import Any

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from magasin.boutiques.models import Role
from magasin.boutiques.services import utilisateur_creer
from magasin.core.erreurs import ErreurMetier
from magasin.core.management.sortie import STATUT_USAGE, boutique_par_code, en_json


class Command(BaseCommand):
    help = (
        "Crée un utilisateur du back-office et son rôle dans une boutique. Le mot de passe est "
        "demandé au clavier, ou lu sur l'entrée standard avec --mot-de-passe-stdin ; jamais en "
        "argument (il resterait dans l'historique du shell et la liste des processus)."
    )
    stealth_options = ("stdin",)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--nom", required=True, help="Identifiant de connexion.")
        parser.add_argument("--boutique", help="Code de la boutique (obligatoire sauf --superuser).")
        parser.add_argument(
            "--role",
            choices=[r.value for r in Role],
            default=Role.CAISSIER.value,
            help="Rôle dans la boutique (CAISSIER par défaut).",
        )
        parser.add_argument("--email", default="")
        parser.add_argument("--superuser", action="store_true", help="Accès à l'administration.")
        parser.add_argument(
            "--mot-de-passe-stdin",
            action="store_true",
            help="Lire le mot de passe sur la première ligne de l'entrée standard.",
        )
        parser.add_argument("--json", action="store_true", help="Sortie JSON (pour les machines).")

    def _mot_de_passe(self, options: dict[str, Any]) -> str:
        entree = options.get("stdin") or sys.stdin
        if options["mot_de_passe_stdin"]:
            return entree.readline().rstrip("\r\n")
        if not entree.isatty():
            raise CommandError(
                "Pas de terminal pour saisir le mot de passe : utilisez --mot-de-passe-stdin.",
                returncode=STATUT_USAGE,
            )
        premier = getpass.getpass("Mot de passe : ")
        if getpass.getpass("Mot de passe (encore) : ") != premier:
            raise CommandError("Les deux mots de passe diffèrent.", returncode=STATUT_USAGE)
        return premier

    def handle(self, *args: Any, **options: Any) -> None:
        boutique = boutique_par_code(options["boutique"])
        if boutique is None and not options["superuser"]:
            raise CommandError(
                "--boutique est obligatoire : un utilisateur ne voit que ses boutiques.",
                returncode=STATUT_USAGE,
            )
        mot_de_passe = self._mot_de_passe(options)
        try:
            password_validation.validate_password(mot_de_passe)
        except ValidationError as exc:
            raise CommandError("Mot de passe refusé : " + " ".join(exc.messages), returncode=STATUT_USAGE) from exc
        try:
            utilisateur = utilisateur_creer(
                username=options["nom"].strip(),
                password=mot_de_passe,
                boutique=boutique,
                role=Role(options["role"]) if boutique else None,
                email=options["email"],
                superuser=options["superuser"],
            )
        except ErreurMetier as erreur:
            raise CommandError(erreur.message, returncode=STATUT_USAGE) from erreur
        resume = {
            "utilisateur_id": utilisateur.pk,
            "nom": utilisateur.get_username(),
            "boutique": boutique.code if boutique else None,
            "role": options["role"] if boutique else None,
            "superuser": options["superuser"],
        }
        if options["json"]:
            self.stdout.write(en_json(resume))
            return
        portee = f"{options['role']} de {boutique.code}" if boutique else "sans boutique"
        admin = ", administrateur" if options["superuser"] else ""
        self.stdout.write(f"Utilisateur créé : {resume['nom']} ({portee}{admin}).")
