"""Shared helpers of the management commands: French text or JSON, exit status, `--help` layout.

Domain-free: a command that looks up a shop by its code uses
`magasin.exploitation.management.arguments.boutique_par_code`.
"""

from __future__ import annotations

import json
from argparse import RawDescriptionHelpFormatter
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

# Exit statuses: 0 nothing found, 1 problems found, 2 the command could not run as asked.
STATUT_PROBLEME = 1
STATUT_USAGE = 2


class CommandeAvecAide(BaseCommand):
    """A command whose `help` keeps its own line breaks and paragraphs in `--help`."""

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> Any:
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.formatter_class = RawDescriptionHelpFormatter
        return parser


def _par_defaut(valeur: Any) -> Any:
    if isinstance(valeur, datetime):
        return valeur.isoformat()
    if isinstance(valeur, Decimal):
        return f"{valeur:.2f}"
    return str(valeur)


def en_json(donnees: Any) -> str:
    return json.dumps(donnees, ensure_ascii=False, indent=2, default=_par_defaut)


def valeur_texte(valeur: Any) -> str:
    if valeur is None:
        return "—"
    if isinstance(valeur, bool):
        return "oui" if valeur else "non"
    if isinstance(valeur, datetime):
        return timezone.localtime(valeur).strftime("%d/%m/%Y %H:%M")
    if isinstance(valeur, Decimal):
        return f"{valeur:.2f}"
    if isinstance(valeur, list):
        return ", ".join(str(v) for v in valeur) or "—"
    return str(valeur)
