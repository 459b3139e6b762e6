"""Helpers for the operations tests: record sales the way terminals do, run a command."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from io import StringIO
from typing import Any

from django.core.management import call_command
from django.core.management.base import CommandError

from magasin.boutiques.models import Terminal
from magasin.stock.models import Article
from magasin.ventes.entrees import VenteEntree, VenteLue
from magasin.ventes.services import ResultatLot, ventes_synchroniser

SYNC = "/api/v2/simple/ventes/sync"


def vendre(
    terminal: Terminal,
    article: Article,
    *,
    numero: str | None = None,
    sequence: int | None = None,
    quantite: int = 1,
    date_vente: datetime | None = None,
    article_id: int | None = None,
) -> ResultatLot:
    facultatifs = {"numero_facture": numero, "sequence": sequence, "date_vente": date_vente}
    entree = VenteEntree(
        **{cle: valeur for cle, valeur in facultatifs.items() if valeur is not None},
        lignes=[
            {
                "article_id": article_id or article.pk,
                "quantite": quantite,
                "prix_unitaire": Decimal(article.prix_vente),
            }
        ],
    )
    return ventes_synchroniser(terminal=terminal, ventes=[VenteLue.de_entree(entree)])


def commande(nom: str, *args: str, **options: Any) -> tuple[int, str]:
    """Run a management command as an operator would: (exit status, stdout)."""
    sortie = StringIO()
    try:
        call_command(nom, *args, stdout=sortie, stderr=StringIO(), **options)
    except CommandError as erreur:
        return erreur.returncode, sortie.getvalue()
    return 0, sortie.getvalue()


def commande_json(nom: str, *args: str, **options: Any) -> tuple[int, Any]:
    statut, sortie = commande(nom, *args, "--json", **options)
    return statut, json.loads(sortie)


def constats(rapport: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["cle"]: c for c in rapport["constats"]}
