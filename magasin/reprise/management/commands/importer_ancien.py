"""Bring the old system's data over from its `dumpdata` export (issue 18)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError, CommandParser

from magasin.core.commandes import CommandeAvecAide, en_json
from magasin.reprise.services import TAILLE_LOT, Rapport, importer_ancien

AIDE = """\
Importe l'export de l'ancien système (`python manage.py dumpdata -o FICHIER.json` sur l'ancien
serveur) : boutiques, terminaux (en « série seule »), articles sous leurs anciens identifiants
avec leur stock d'ouverture, historique des ventes et de leurs lignes, anciens mouvements de
stock (en historique, hors du registre vérifié), compteurs de factures.

Le fichier est lu en flux (plusieurs passages), écrit par lots validés un à un : une reprise
interrompue se relance telle quelle, rien n'est importé deux fois.

Avec --dry-run, tout est lu, vérifié et écrit dans une transaction annulée à la fin : rien
n'est écrit, le rapport est le même.

Code de sortie : 0 importé, 1 importé avec des anomalies à traiter par quelqu'un, 2 rien n'a
pu être importé (fichier illisible, aucun modèle connu, base déjà occupée par d'autres données).
"""


class Command(CommandeAvecAide):
    help = AIDE

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("fichier", help="L'export JSON de l'ancien système (dumpdata).")
        parser.add_argument(
            "--dry-run", action="store_true", help="Essai : tout vérifier, ne rien écrire, même rapport."
        )
        parser.add_argument("--json", action="store_true", help="Rapport en JSON (pour les machines).")
        parser.add_argument(
            "--taille-lot", type=int, default=TAILLE_LOT, help=f"Lignes par transaction (défaut {TAILLE_LOT})."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["taille_lot"] < 1:
            raise CommandError("--taille-lot doit être positif.", returncode=2)
        progression = None
        if options["verbosity"] > 0:

            def progression(texte: str) -> None:
                self.stderr.write(texte)
                self.stderr.flush()

        rapport = importer_ancien(
            chemin=options["fichier"],
            essai=options["dry_run"],
            taille_lot=options["taille_lot"],
            progression=progression,
        )
        if options["json"]:
            self.stdout.write(en_json(rapport.en_json()))
        else:
            self.stdout.write(texte_du_rapport(rapport))
        code = rapport.code_sortie
        if code:
            message = rapport.erreur or "Import terminé avec des anomalies à traiter (voir le rapport)."
            raise CommandError(message, returncode=code)


def _nombre(n: int) -> str:
    return f"{n:,}".replace(",", " ")


def texte_du_rapport(rapport: Rapport) -> str:
    donnees = rapport.en_json()
    lignes = [
        f"Reprise des données de l'ancien système — {rapport.fichier}",
        "Mode : essai (--dry-run), rien n'est écrit" if rapport.essai else "Mode : import",
        "",
    ]
    if rapport.erreur:
        lignes += [f"Rien n'a été importé : {rapport.erreur}", ""]
    else:
        lignes.append(f"{'modèle':<16} {'lus':>10} {'importés':>10} {'déjà là':>10} {'rejetés':>10}")
        for nom, compte in rapport.modeles.items():
            lignes.append(
                f"{nom:<16} {_nombre(compte.lus):>10} {_nombre(compte.importes):>10} "
                f"{_nombre(compte.deja_presents):>10} {_nombre(compte.rejetes):>10}"
            )
        lignes.append("")
        ignores = donnees["ignores"]
        if ignores["modeles_inconnus"]:
            lignes.append("Modèles inconnus, ignorés :")
            lignes += [f"    - {m} : {_nombre(n)}" for m, n in ignores["modeles_inconnus"].items()]
        if ignores["champs_inconnus"]:
            lignes.append("Champs inconnus, ignorés :")
            lignes += [f"    - {c} : {_nombre(n)}" for c, n in ignores["champs_inconnus"].items()]
        if donnees["anomalies"]:
            lignes.append("Anomalies :")
            for constat in donnees["anomalies"].values():
                marque = "à traiter" if constat["a_traiter"] else "pour information"
                lignes.append(f"  {constat['titre']} : {_nombre(constat['nombre'])} ({marque})")
                for element in constat["elements"][:10]:
                    lignes.append("    - " + ", ".join(f"{k}={v}" for k, v in element.items()))
                if constat["nombre"] > 10:
                    lignes.append(f"    … et {_nombre(constat['nombre'] - 10)} autre(s) (--json pour 50 exemples)")
        else:
            lignes.append("Aucune anomalie.")
        if rapport.sequences:
            lignes.append("Compteurs de factures (prochain numéro = dernier + 1) :")
            lignes += [f"    - {s['boutique']} {s['periode']} : {s['dernier_numero']}" for s in rapport.sequences]
        lignes.append("")
        lignes.append(
            "Lignes non importées : gardées entières dans « Lignes non importées » (admin, reprise.RejetImport)."
            if sum(c.rejetes for c in rapport.modeles.values())
            else "Aucune ligne rejetée."
        )
    resultat = (
        {
            0: "Résultat : tout est importable.",
            1: "Résultat : importable, avec des anomalies à traiter.",
            2: "Résultat : rien ne peut être importé.",
        }
        if rapport.essai
        else {
            0: "Résultat : importé.",
            1: "Résultat : importé, avec des anomalies à traiter.",
            2: "Résultat : rien n'a pu être importé.",
        }
    )
    lignes.append(f"Durée : {rapport.duree_s:.1f} s")
    lignes.append(resultat[rapport.code_sortie])
    return "\n".join(lignes)
