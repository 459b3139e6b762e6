"""Turn sales, movements and sync results into the JSON the terminals already read."""

from __future__ import annotations

from datetime import UTC
from decimal import Decimal
from typing import Any

from magasin.boutiques.models import Boutique, Terminal
from magasin.core.formats import montant_chaine
from magasin.stock.models import MouvementStock
from magasin.ventes.models import LigneVente
from magasin.ventes.services import MESSAGE_DOUBLON, ResultatLot, ResultatVente


def ligne_json(
    *,
    article_id: int,
    article_nom: str,
    article_code: str,
    quantite: int,
    prix_unitaire: Decimal,
    total_ligne: Decimal,
) -> dict[str, Any]:
    """A sale line as the terminals read it, from a `LigneVente` (`_ligne_de_modele`) or from
    the plain values of `ventes_avec_lignes`."""
    return {
        "article_id": article_id,
        "article_nom": article_nom,
        "article_code": article_code,
        "quantite": quantite,
        "prix_unitaire": montant_chaine(prix_unitaire),
        "total_ligne": montant_chaine(total_ligne),
    }


def _ligne_de_modele(ligne: LigneVente) -> dict[str, Any]:
    return ligne_json(
        article_id=ligne.article_id,
        article_nom=ligne.article.nom,
        article_code=ligne.article.code,
        quantite=ligne.quantite,
        prix_unitaire=ligne.prix_unitaire,
        total_ligne=ligne.total_ligne,
    )


def boutique_json(boutique: Boutique) -> dict[str, Any]:
    return {"id": boutique.pk, "nom": boutique.nom, "code": boutique.code}


def terminal_json(terminal: Terminal) -> dict[str, Any]:
    return {"id": terminal.pk, "nom": terminal.nom_terminal, "numero_serie": terminal.numero_serie}


def _creee_json(resultat: ResultatVente, boutique: Boutique) -> dict[str, Any]:
    vente = resultat.vente
    assert vente is not None
    lignes = resultat.lignes
    entree: dict[str, Any] = {
        "index": resultat.index,
        "numero_facture": vente.numero_facture,
        "status": resultat.statut,
        "id": vente.pk,
        "uuid": vente.uuid,
        "boutique_id": boutique.pk,
        "boutique_nom": boutique.nom,
        "montant_total": montant_chaine(vente.montant_total),
        "date_vente": vente.date_vente.astimezone(UTC).isoformat(),
        "lignes_count": len(lignes),
        "lignes": [_ligne_de_modele(lg) for lg in lignes],
        "avertissements": resultat.avertissements,
    }
    if resultat.statut == "already_exists":
        entree["message"] = MESSAGE_DOUBLON
    return entree


def _erreur_json(resultat: ResultatVente) -> dict[str, Any]:
    erreur = resultat.erreur
    assert erreur is not None
    return {
        "index": resultat.index,
        "numero_facture": resultat.lue.numero_facture or "N/A",
        "code": erreur.code.value,
        "erreur": erreur.message,
        "details": erreur.details,
        "quarantaine_id": resultat.quarantaine_id,
    }


def synchro_json(lot: ResultatLot) -> dict[str, Any]:
    creees = [_creee_json(r, lot.boutique) for r in lot.acceptees]
    erreurs = [_erreur_json(r) for r in lot.refusees]
    assert lot.terminal is not None
    return {
        "success": True,
        "message": f"{len(creees)} vente(s) synchronisée(s) avec succès",
        "ventes_creees": len(creees),
        "ventes_erreurs": len(erreurs),
        "details": {"creees": creees, "erreurs": erreurs},
        "boutique": boutique_json(lot.boutique),
        "terminal": terminal_json(lot.terminal),
        "statistiques": {
            "total_envoyees": len(lot.resultats),
            "reussies": len(creees),
            "erreurs": len(erreurs),
            "nouvelles": lot.nouvelles,
            "doublons": lot.doublons,
            "articles_stock_bas": lot.statistiques.articles_stock_bas,
            "articles_stock_zero": lot.statistiques.articles_stock_zero,
            "alerte_stock": lot.statistiques.alerte_stock,
        },
    }


def article_json(a: dict[str, Any]) -> dict[str, Any]:
    """An article as the terminals read it, from the values of `stock.selectors.articles_de_boutique`."""
    return {
        "id": a["id"],
        "code": a["code"],
        "code_barres": a["code_barres"],
        "nom": a["nom"],
        "prix_vente": montant_chaine(a["prix_vente"]),
        "quantite_stock": a["quantite_stock"],
        "seuil_alerte": a["seuil_alerte"],
        "est_actif": a["est_actif"],
        "date_modification": a["date_modification"].isoformat(),
        # Added after the app shipped: a field its reader ignores; null for an article without one.
        "categorie": a["categorie__nom"],
    }


def mouvement_json(m: MouvementStock) -> dict[str, Any]:
    return {
        "id": m.pk,
        "article_id": m.article_id,
        "article_nom": m.article.nom,
        "article_code": m.article.code,
        "type_mouvement": m.type_mouvement,
        "quantite": m.quantite,
        "stock_avant": m.stock_avant,
        "stock_apres": m.stock_apres,
        "reference_document": m.reference_document,
        "commentaire": m.commentaire,
        "date_mouvement": m.date_mouvement.isoformat(),
        "utilisateur": m.utilisateur,
    }


def vente_json(v: dict[str, Any], lignes: list[dict[str, Any]]) -> dict[str, Any]:
    """A recorded sale, from the plain values of `ventes_avec_lignes`."""
    return {
        "id": v["id"],
        "numero_facture": v["numero_facture"],
        "uuid": v["uuid"],
        "terminal_id": v["terminal_id"],
        "date_vente": v["date_vente"].isoformat(),
        "date_synchro": v["date_synchro"].isoformat(),
        "montant_total": montant_chaine(v["montant_total"]),
        "mode_paiement": v["mode_paiement"],
        "paye": v["paye"],
        "statut": v["statut"],
        "lignes_count": len(lignes),
        "lignes": [
            ligne_json(
                article_id=lg["article_id"],
                article_nom=lg["article__nom"],
                article_code=lg["article__code"],
                quantite=lg["quantite"],
                prix_unitaire=lg["prix_unitaire"],
                total_ligne=lg["total_ligne"],
            )
            for lg in lignes
        ],
    }
