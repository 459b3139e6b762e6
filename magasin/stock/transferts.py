"""Stock sent from one shop to another, in two steps.

1. `transfert_envoyer`: the source's manager, who must also be a manager of the destination,
   sends some articles. Each leaves the source's ledger (TRANSFERT_SORTIE, reference `TR-<id>`)
   and travels valued at the source article's average cost (`LigneTransfert.cout_unitaire`).
   Each is matched to the destination's article of the same `code` when it is sent: an article
   the destination does not have is refused (create it there first, or import the catalogue),
   so that its price and category stay the destination's decision.
2. `transfert_recevoir`: a manager of the destination confirms what arrived, line by line. What
   arrived enters the destination's ledger (TRANSFERT_ENTREE) and its average cost (as a
   receipt at the travelling cost); what did not is the line's shortfall, kept and shown.

The source's average cost does not move when sending (goods leave at the average). A transfer is
never edited or cancelled once sent: send the goods back with another transfer.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from magasin.boutiques.acces import Utilisateur, auteur_connu, exiger_role, nom_auteur
from magasin.boutiques.models import Boutique, Role
from magasin.boutiques.services import boutique_verrouiller
from magasin.core.db import reessayer_si_interblocage, verrouiller
from magasin.core.erreurs import CodeErreur, ErreurMetier
from magasin.stock.models import Article, LigneTransfert, StatutTransfert, Transfert, TypeMouvement
from magasin.stock.receptions import (
    couts_ecrire,
    exiger_articles_du_registre,
    exiger_articles_uniques,
    exiger_quantite_ligne,
    recevoir_dans_registre,
)
from magasin.stock.services import registre_ouvrir


@dataclass(frozen=True)
class LigneAEnvoyer:
    """An article of the source shop and how many units are sent."""

    article_id: int
    quantite: int


def _articles_de_destination(destination: Boutique, sources: Sequence[Article]) -> dict[int, Article]:
    """For each source article id, the destination's article of the same code (exact, on every
    backend: MariaDB's collation would also match another case). Refused if one is missing."""
    codes = {a.code for a in sources}
    par_code = {a.code: a for a in Article.objects.filter(boutique=destination, code__in=codes)}
    absents = sorted(a.code for a in sources if a.code not in par_code)
    if absents:
        raise ErreurMetier(
            CodeErreur.TRANSFERT_INVALIDE,
            f"{destination.nom} n'a pas d'article de code {', '.join(absents)} : créez-le d'abord dans "
            "cette boutique (même code), ou importez son catalogue.",
            codes=absents,
        )
    return {a.pk: par_code[a.code] for a in sources}


@reessayer_si_interblocage
def transfert_envoyer(
    *,
    source: Boutique,
    destination: Boutique,
    lignes: Sequence[LigneAEnvoyer],
    acteur: Utilisateur | None,
    commentaire: str = "",
) -> Transfert:
    """Send articles of `source` to `destination`: out of the source's ledger, in transit.

    The actor must be a manager of both shops. Under the REFUSER policy the source cannot send
    more than it holds."""
    if source.pk == destination.pk:
        raise ErreurMetier(CodeErreur.TRANSFERT_INVALIDE, "La boutique de destination doit être une autre boutique.")
    exiger_role(acteur, source, Role.GERANT)
    exiger_role(acteur, destination, Role.GERANT)
    exiger_articles_uniques([ligne.article_id for ligne in lignes])
    for ligne in lignes:
        exiger_quantite_ligne(ligne.quantite)
    with transaction.atomic():
        # Both shops in pk order (the fixed order of every writer), then the source's articles.
        verrouillees = {pk: boutique_verrouiller(pk) for pk in sorted((source.pk, destination.pk))}
        depart, arrivee = verrouillees[source.pk], verrouillees[destination.pk]
        if not arrivee.est_active:
            raise ErreurMetier(CodeErreur.BOUTIQUE_INACTIVE, f"La boutique {arrivee.nom} est inactive.")
        registre = registre_ouvrir(
            boutique=depart, article_ids=[ligne.article_id for ligne in lignes], utilisateur=nom_auteur(acteur)
        )
        exiger_articles_du_registre(registre, [ligne.article_id for ligne in lignes])
        registre.verifier_sorties({ligne.article_id: ligne.quantite for ligne in lignes})
        correspondances = _articles_de_destination(arrivee, [registre.articles[ligne.article_id] for ligne in lignes])
        transfert = Transfert.objects.create(
            boutique_source=depart,
            boutique_destination=arrivee,
            commentaire=commentaire.strip(),
            envoye_le=registre.moment,
            envoye_par=auteur_connu(acteur),
        )
        for ligne in lignes:
            registre.mouvement(
                article_id=ligne.article_id,
                quantite=-ligne.quantite,
                type_mouvement=TypeMouvement.TRANSFERT_SORTIE,
                reference_document=transfert.reference_registre,
                commentaire=f"Transfert {transfert.reference_registre} vers {arrivee.nom}",
            )
        registre.ecrire()
        LigneTransfert.objects.bulk_create(
            LigneTransfert(
                transfert=transfert,
                boutique_source=depart,
                boutique_destination=arrivee,
                article_source_id=ligne.article_id,
                article_destination=correspondances[ligne.article_id],
                quantite_envoyee=ligne.quantite,
                cout_unitaire=registre.articles[ligne.article_id].cout_moyen,
            )
            for ligne in lignes
        )
    return transfert


def _quantites_lues(lignes: Sequence[LigneTransfert], quantites_recues: Mapping[int, int]) -> dict[int, int]:
    """One received quantity per line of the transfer, between 0 and what was sent."""
    attendues = {ligne.pk for ligne in lignes}
    if set(quantites_recues) != attendues:
        raise ErreurMetier(CodeErreur.QUANTITE_INVALIDE, "Indiquez la quantité reçue de chaque ligne du transfert.")
    for ligne in lignes:
        recue = exiger_quantite_ligne(quantites_recues[ligne.pk], minimum=0)
        if recue > ligne.quantite_envoyee:
            raise ErreurMetier(
                CodeErreur.QUANTITE_INVALIDE,
                f"« {ligne.article_destination.nom} » : reçu {recue}, plus que les {ligne.quantite_envoyee} envoyés.",
                ligne_id=ligne.pk,
            )
    return {pk: quantites_recues[pk] for pk in attendues}


@reessayer_si_interblocage
def transfert_recevoir(
    *, transfert: Transfert, quantites_recues: Mapping[int, int], acteur: Utilisateur | None
) -> Transfert:
    """Confirm what arrived: `quantites_recues` maps each line's id to the units received (0 to
    what was sent; less is a shortfall). Once only, by a manager of the destination."""
    exiger_role(acteur, transfert.boutique_destination_id, Role.GERANT)
    with transaction.atomic():
        arrivee = boutique_verrouiller(transfert.boutique_destination_id)
        verrouille = verrouiller(Transfert.objects.all()).get(pk=transfert.pk)
        if verrouille.statut != StatutTransfert.EN_TRANSIT:
            raise ErreurMetier(
                CodeErreur.TRANSFERT_DEJA_RECU, f"Le transfert {verrouille.reference_registre} a déjà été reçu."
            )
        lignes = list(verrouille.lignes.select_related("article_destination").order_by("pk"))
        recues = _quantites_lues(lignes, quantites_recues)
        registre = registre_ouvrir(
            boutique=arrivee,
            article_ids=[ligne.article_destination_id for ligne in lignes],
            utilisateur=nom_auteur(acteur),
        )
        exiger_articles_du_registre(registre, [ligne.article_destination_id for ligne in lignes])
        for ligne in lignes:
            ligne.quantite_recue = recues[ligne.pk]
            article = registre.articles[ligne.article_destination_id]
            ligne.cout_moyen_avant = ligne.cout_moyen_apres = article.cout_moyen
            if ligne.quantite_recue:
                manque = ligne.quantite_envoyee - ligne.quantite_recue
                _, _, ligne.cout_moyen_apres = recevoir_dans_registre(
                    registre,
                    article_id=article.pk,
                    quantite=ligne.quantite_recue,
                    cout_unitaire=ligne.cout_unitaire,
                    type_mouvement=TypeMouvement.TRANSFERT_ENTREE,
                    reference_document=verrouille.reference_registre,
                    commentaire=f"Transfert {verrouille.reference_registre} reçu"
                    + (f" ({manque} manquant(s) sur {ligne.quantite_envoyee})" if manque else ""),
                )
        registre.ecrire()
        LigneTransfert.objects.bulk_update(lignes, ["quantite_recue", "cout_moyen_avant", "cout_moyen_apres"])
        couts_ecrire([registre.articles[ligne.article_destination_id] for ligne in lignes if ligne.quantite_recue])
        verrouille.statut = StatutTransfert.RECU
        verrouille.recu_le = timezone.now()
        verrouille.recu_par = auteur_connu(acteur)
        verrouille.save(update_fields=["statut", "recu_le", "recu_par"])
    return verrouille
