"""The seed-style baseline does what the original's notes say, so the comparison is fair."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from bench.commun import centile
from magasin.boutiques.tests.factories import BoutiqueFactory, creer_terminal
from magasin.stock.models import MouvementStock
from magasin.stock.tests.factories import creer_article
from magasin.stock.tests.invariants import verifier_registre
from magasin.ventes.models import LigneVente, Vente

pytestmark = [pytest.mark.django_db, pytest.mark.urls("bench.urls")]


def _envoyer(client: Client, serie: str, ventes: list[dict[str, object]]) -> dict[str, object]:
    reponse = client.post(
        "/bench/baseline/ventes/sync",
        json.dumps(ventes),
        content_type="application/json",
        HTTP_X_DEVICE_SERIAL=serie,
    )
    assert reponse.status_code == 201
    return reponse.json()  # type: ignore[no-any-return]


def test_baseline_ligne_par_ligne_et_doublon_par_numero() -> None:
    boutique = BoutiqueFactory()
    terminal, _ = creer_terminal(boutique)
    a, b = creer_article(boutique, stock=10), creer_article(boutique, stock=5)
    vente = {
        "numero_facture": "FAC-1",
        "montant_total": 3000,
        "lignes": [
            {"article_id": a.pk, "quantite": 2, "prix_unitaire": 1000},
            {"article_id": b.pk, "quantite": 1, "prix_unitaire": 1000},
        ],
    }
    client = Client()
    corps = _envoyer(client, terminal.numero_serie, [vente])
    assert corps["ventes_creees"] == 1
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.quantite_stock, b.quantite_stock) == (8, 4)
    assert LigneVente.objects.count() == 2
    assert MouvementStock.objects.filter(type_mouvement="VENTE").count() == 2
    verifier_registre(a, b)

    again = _envoyer(client, terminal.numero_serie, [vente])
    assert again["details"]["creees"][0]["message"] == "Vente déjà synchronisée (doublon évité)"
    assert Vente.objects.count() == 1

    trop = {**vente, "numero_facture": "FAC-2", "lignes": [vente["lignes"][1] | {"quantite": 99}]}  # type: ignore[index]
    refus = _envoyer(client, terminal.numero_serie, [trop])
    assert refus["ventes_erreurs"] == 1
    assert "Stock insuffisant" in refus["details"]["erreurs"][0]["erreur"]


def test_centile_rang_le_plus_proche() -> None:
    valeurs = [float(x) for x in range(1, 101)]
    assert centile(valeurs, 50) == 50.0
    assert centile(valeurs, 99) == 99.0
    assert centile(valeurs, 100) == 100.0
    assert centile([], 95) == 0.0
