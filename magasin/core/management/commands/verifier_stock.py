"""Stock against its ledger, and the ledger's chain; `--corriger` records the drifts."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError, CommandParser

from magasin.core.diagnostics import RapportStock, diagnostic_stock
from magasin.core.management.sortie import STATUT_PROBLEME, CommandeAvecAide, boutique_par_code, en_json
from magasin.stock.models import Article
from magasin.stock.services import stock_corriger_derive

AIDE = """\
Compare, pour chaque article, le stock affiché (quantite_stock) au registre (somme des
mouvements depuis l'ouverture à 0) et vérifie la chaîne du registre (chaque stock_apres est le
stock_avant du mouvement suivant). Sans --corriger, rien n'est écrit.

Avec --corriger, chaque dérive reçoit UN mouvement AJUSTEMENT (référence CORRECTION-DERIVE,
motif en commentaire) ; aucun stock ni mouvement n'est modifié sur place. Le registre fait foi
pour le point de départ : l'ajustement part de la somme du registre (stock_avant) et arrive au
stock affiché (stock_apres), de la valeur de l'écart. Aucun mouvement ne peut rapprocher stock
et registre (il les déplace tous deux de sa quantité) : corriger, c'est donc inscrire au
registre l'écart inexpliqué, pas déplacer le stock que les terminaux voient. Ensuite stock ==
registre, la chaîne repart du stock, et un comptage physique (inventaire) tranche si le rayon
ne correspond pas. Les ruptures de chaîne antérieures à une correction sont dites compensées.

Code de sortie 1 si une dérive ou une rupture non compensée est trouvée, 0 sinon.
"""


class Command(CommandeAvecAide):
    help = AIDE

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--boutique", help="Code de la boutique à vérifier.")
        parser.add_argument(
            "--corriger",
            action="store_true",
            help="Écrire un AJUSTEMENT par dérive (sinon : simulation, rien n'est écrit).",
        )
        parser.add_argument(
            "--motif",
            default="Réconciliation du stock (verifier_stock --corriger).",
            help="Motif inscrit sur chaque ajustement.",
        )
        parser.add_argument("--utilisateur", default="verifier_stock", help="Signature des ajustements.")
        parser.add_argument("--json", action="store_true", help="Sortie JSON (pour les machines).")

    def handle(self, *args: Any, **options: Any) -> None:
        boutique = boutique_par_code(options["boutique"])
        rapport = diagnostic_stock(boutique=boutique)
        corrections: list[dict[str, Any]] = []
        if options["corriger"] and rapport.derives:
            articles = Article.objects.in_bulk([d.article_id for d in rapport.derives])
            for derive in rapport.derives:
                mouvement = stock_corriger_derive(
                    article=articles[derive.article_id],
                    utilisateur=options["utilisateur"],
                    motif=options["motif"],
                )
                if mouvement is not None:
                    corrections.append(
                        {
                            "article_id": derive.article_id,
                            "code": derive.code,
                            "mouvement_id": mouvement.pk,
                            "quantite": mouvement.quantite,
                            "stock_avant": mouvement.stock_avant,
                            "stock_apres": mouvement.stock_apres,
                        }
                    )
        if options["json"]:
            self.stdout.write(
                en_json(
                    {
                        **rapport.en_json(),
                        "mode": "correction" if options["corriger"] else "simulation",
                        "corrections": corrections,
                    }
                )
            )
        else:
            self.stdout.write(self._texte(rapport, corrections, corriger=options["corriger"]))
        if rapport.probleme:
            raise CommandError(
                f"{len(rapport.derives)} dérive(s), {len(rapport.ruptures_ouvertes)} rupture(s) "
                "de chaîne non compensée(s).",
                returncode=STATUT_PROBLEME,
            )

    def _texte(self, rapport: RapportStock, corrections: list[dict[str, Any]], *, corriger: bool) -> str:
        portee = f"boutique {rapport.boutique}" if rapport.boutique else "toutes les boutiques"
        lignes = [
            f"Vérification du stock — {portee} — {rapport.articles_verifies} article(s)",
            "Mode : correction" if corriger else "Mode : simulation (rien n'est écrit ; --corriger pour écrire)",
            "",
            f"Dérives stock / registre : {len(rapport.derives)}",
        ]
        for d in rapport.derives:
            lignes.append(
                f"    - [{d.boutique}] {d.code} « {d.nom} » : stock {d.stock}, registre "
                f"{d.registre}, écart {d.ecart:+d}"
            )
        lignes.append(f"Ruptures de chaîne : {len(rapport.ruptures)}")
        for r in rapport.ruptures:
            etat = "compensée par une correction" if r.compensee else "ouverte"
            lignes.append(
                f"    - [{r.boutique}] {r.code} mouvement #{r.mouvement_id} : stock_avant "
                f"{r.stock_avant} après un stock_apres de {r.stock_apres_precedent} ({etat})"
            )
        if corriger:
            lignes.append(f"Ajustements écrits : {len(corrections)}")
            for c in corrections:
                lignes.append(
                    f"    - {c['code']} : mouvement #{c['mouvement_id']} AJUSTEMENT "
                    f"{c['quantite']:+d} ({c['stock_avant']} → {c['stock_apres']})"
                )
        elif rapport.derives:
            lignes.append(f"{len(rapport.derives)} ajustement(s) seraient écrits avec --corriger.")
        lignes.append("")
        if rapport.probleme:
            lignes.append("Résultat : problème trouvé.")
        else:
            lignes.append("Résultat : aucun problème trouvé.")
        return "\n".join(lignes)
