"""The system Magasin replaces, as its notes show it (seed 002): row by row, for comparison only.

Per sale: one transaction, a duplicate check by numero_facture, `Vente.objects.create`; per line:
`Article.objects.get`, `quantite_stock -= q; save()`, a `LigneVente` and a `MouvementStock`
create. No row lock (the original took none), so under concurrency it can lose stock updates:
that is the original's bug, kept here on purpose. Same schema and data as Magasin.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from magasin.boutiques.models import Boutique, Terminal
from magasin.stock.models import Article, MouvementStock, TypeMouvement
from magasin.ventes.models import LigneVente, Vente


def synchroniser_baseline(*, terminal: Terminal, ventes_data: list[dict[str, Any]]) -> dict[str, Any]:
    """The seed's `sync_ventes_simple` loop, on Magasin's models."""
    boutique = terminal.boutique
    assert isinstance(boutique, Boutique)
    ventes_creees: list[dict[str, Any]] = []
    ventes_erreurs: list[dict[str, Any]] = []
    for index, vente_data in enumerate(ventes_data):
        numero_facture: Any = vente_data.get("numero_facture")
        try:
            with transaction.atomic():
                if Vente.objects.filter(numero_facture=numero_facture, boutique=boutique).exists():
                    ventes_creees.append(
                        {
                            "numero_facture": numero_facture,
                            "id": Vente.objects.get(numero_facture=numero_facture, boutique=boutique).id,
                            "message": "Vente déjà synchronisée (doublon évité)",
                        }
                    )
                    continue
                maintenant = timezone.now()
                vente = Vente.objects.create(
                    numero_facture=numero_facture,
                    montant_total=Decimal(str(vente_data.get("montant_total", 0))),
                    mode_paiement=vente_data.get("mode_paiement", "CASH"),
                    paye=vente_data.get("paye", True),
                    boutique=boutique,
                    terminal=terminal,
                    date_vente=maintenant,
                    date_synchro=maintenant,
                )
                lignes_creees = []
                for ligne_data in vente_data.get("lignes", []):
                    quantite = int(ligne_data["quantite"])
                    prix_unitaire = Decimal(str(ligne_data["prix_unitaire"]))
                    article = Article.objects.get(id=ligne_data["article_id"], boutique=boutique, est_actif=True)
                    if article.quantite_stock < quantite:
                        raise Exception(  # the original's own words
                            f"Stock insuffisant pour {article.nom}. "
                            f"Disponible: {article.quantite_stock}, Demandé: {quantite}"
                        )
                    stock_avant = article.quantite_stock
                    article.quantite_stock -= quantite
                    article.save(update_fields=["quantite_stock"])
                    ligne = LigneVente.objects.create(
                        vente=vente,
                        article=article,
                        boutique=boutique,
                        quantite=quantite,
                        prix_unitaire=prix_unitaire,
                        total_ligne=prix_unitaire * quantite,
                    )
                    MouvementStock.objects.create(
                        article=article,
                        boutique=boutique,
                        type_mouvement=TypeMouvement.VENTE,
                        quantite=-quantite,
                        stock_avant=stock_avant,
                        stock_apres=article.quantite_stock,
                        reference_document=numero_facture,
                        utilisateur=terminal.nom_terminal,
                        commentaire=f"Vente #{numero_facture} - Prix: {prix_unitaire} CDF",
                        date_mouvement=maintenant,
                    )
                    lignes_creees.append(
                        {
                            "article_id": article.id,
                            "article_nom": article.nom,
                            "quantite": ligne.quantite,
                            "prix_unitaire": str(ligne.prix_unitaire),
                            "total_ligne": str(ligne.total_ligne),
                        }
                    )
                ventes_creees.append(
                    {
                        "numero_facture": vente.numero_facture,
                        "id": vente.id,
                        "boutique_id": boutique.id,
                        "boutique_nom": boutique.nom,
                        "montant_total": str(vente.montant_total),
                        "lignes_count": len(lignes_creees),
                        "lignes": lignes_creees,
                    }
                )
        except Exception as e:
            ventes_erreurs.append({"index": index + 1, "numero_facture": numero_facture, "erreur": str(e)})
    return {
        "success": True,
        "message": f"{len(ventes_creees)} vente(s) synchronisée(s) avec succès",
        "ventes_creees": len(ventes_creees),
        "ventes_erreurs": len(ventes_erreurs),
        "details": {"creees": ventes_creees, "erreurs": ventes_erreurs},
        "boutique": {"id": boutique.id, "nom": boutique.nom, "code": boutique.code},
        "terminal": {
            "id": terminal.id,
            "nom": terminal.nom_terminal,
            "numero_serie": terminal.numero_serie,
        },
        "statistiques": {
            "total_envoyees": len(ventes_data),
            "reussies": len(ventes_creees),
            "erreurs": len(ventes_erreurs),
        },
    }


@csrf_exempt
def vue_baseline(request: HttpRequest) -> JsonResponse:
    """The seed's view: terminal by its serial header, a JSON array of sales, 201."""
    if request.method != "POST":
        return JsonResponse({"success": False, "error": "POST attendu"}, status=405)
    numero_serie = request.headers.get("X-Device-Serial")
    try:
        terminal = Terminal.objects.select_related("boutique").get(numero_serie=numero_serie, est_actif=True)
    except Terminal.DoesNotExist:
        return JsonResponse({"success": False, "error": "Terminal non trouvé"}, status=404)
    ventes_data = json.loads(request.body)
    if isinstance(ventes_data, dict):
        ventes_data = ventes_data.get("ventes", [])
    corps = synchroniser_baseline(terminal=terminal, ventes_data=ventes_data)
    return JsonResponse(corps, status=201)
