"""Everything that can make a sale invisible or wrong in the back-office, in one report."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from magasin.core.diagnostics import LIMITE_EXEMPLES, Rapport, diagnostic_ventes
from magasin.core.management.sortie import (
    STATUT_PROBLEME,
    boutique_par_code,
    en_json,
    valeur_texte,
)


class Command(BaseCommand):
    help = (
        "Vérifie tout ce qui peut rendre une vente invisible ou fausse : terminaux sans boutique, "
        "terminaux désactivés qui appellent encore, ventes sans lignes ou au total faux, numéros "
        "en double, compteurs en retard, quarantaine, trous de séquence, terminaux silencieux ; et, pour "
        "information, les champs hors contrat que chaque terminal envoie (avec son User-Agent). "
        "Code de sortie 1 si un problème est trouvé, 0 sinon."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--boutique", help="Code de la boutique à vérifier (ex. BTQ-009).")
        parser.add_argument(
            "--jours",
            type=int,
            default=3,
            help="Un terminal actif est « silencieux » après ce nombre de jours sans synchro (3).",
        )
        parser.add_argument("--limite", type=int, default=LIMITE_EXEMPLES, help="Exemples affichés par constat.")
        parser.add_argument("--json", action="store_true", help="Sortie JSON (pour les machines).")

    def handle(self, *args: Any, **options: Any) -> None:
        boutique = boutique_par_code(options["boutique"])
        rapport = diagnostic_ventes(boutique=boutique, jours_silence=options["jours"], limite=options["limite"])
        if options["json"]:
            self.stdout.write(en_json(rapport.en_json()))
        else:
            self.stdout.write(self._texte(rapport))
        if rapport.problemes:
            raise CommandError(
                f"{len(rapport.problemes)} type(s) de problème trouvé(s).",
                returncode=STATUT_PROBLEME,
            )

    def _texte(self, rapport: Rapport) -> str:
        portee = f"boutique {rapport.boutique}" if rapport.boutique else "toutes les boutiques"
        lignes = [
            f"{rapport.titre} — {portee} — {valeur_texte(rapport.genere_le)}",
            "",
        ]
        for constat in rapport.constats:
            etat = "info" if constat.information else ("PROBLÈME" if constat.probleme else "ok")
            lignes.append(f"[{etat}] {constat.titre} : {constat.nombre}")
            if constat.impossible_par_construction:
                lignes.append(f"    impossible par construction ({constat.impossible_par_construction})")
            for element in constat.elements:
                lignes.append("    - " + " ; ".join(f"{k} : {valeur_texte(v)}" for k, v in element.items()))
            if constat.nombre > len(constat.elements):
                lignes.append(f"    … et {constat.nombre - len(constat.elements)} autre(s)")
            if constat.conseil and (constat.probleme or (constat.information and constat.nombre)):
                lignes.append(f"    → {constat.conseil}")
        lignes.append("")
        if rapport.problemes:
            lignes.append(f"Résultat : {len(rapport.problemes)} type(s) de problème.")
        else:
            lignes.append("Résultat : aucun problème trouvé.")
        return "\n".join(lignes)
