"""The five acceptance tests of the original contract (seeds/002), through HTTP, to the letter."""

from __future__ import annotations

from decimal import Decimal

from magasin.stock.models import MouvementStock
from magasin.ventes.models import Vente

from .conftest import Monde, vente


def test_1_vente_simple(monde: Monde):
    a = monde.article
    r = monde.poste.sync(
        [
            {
                "numero_facture": "FAC-TEST-001",
                "montant_total": 50000.00,
                "mode_paiement": "CASH",
                "paye": True,
                "lignes": [{"article_id": a.pk, "quantite": 2, "prix_unitaire": 25000.00}],
            }
        ]
    )
    assert r.status_code == 201
    d = r.json()
    assert d["success"] is True
    assert d["message"] == "1 vente(s) synchronisée(s) avec succès"
    assert (d["ventes_creees"], d["ventes_erreurs"]) == (1, 0)
    (creee,) = d["details"]["creees"]
    assert creee["numero_facture"] == "FAC-TEST-001"
    assert creee["status"] == "created"
    assert creee["boutique_id"] == monde.boutique.pk
    assert creee["boutique_nom"] == "Ma Boutique"
    assert creee["montant_total"] == "50000.00"
    assert creee["lignes_count"] == 1
    assert creee["lignes"][0]["article_id"] == a.pk
    assert d["details"]["erreurs"] == []
    assert d["boutique"] == {"id": monde.boutique.pk, "nom": "Ma Boutique", "code": "BTQ-009"}
    assert d["terminal"] == {
        "id": monde.poste.terminal.pk,
        "nom": "Terminal MAUI",
        "numero_serie": monde.poste.terminal.numero_serie,
    }
    assert {"total_envoyees": 1, "reussies": 1, "erreurs": 0}.items() <= d["statistiques"].items()
    assert {"articles_stock_bas", "articles_stock_zero", "alerte_stock"} <= d["statistiques"].keys()

    v = Vente.objects.get(pk=creee["id"])
    assert v.boutique_id == monde.boutique.pk and v.terminal_id == monde.poste.terminal.pk
    assert v.montant_total == Decimal("50000.00")
    a.refresh_from_db()
    assert a.quantite_stock == 98
    m = MouvementStock.objects.filter(article=a, type_mouvement="VENTE").get()
    assert (m.quantite, m.stock_avant, m.stock_apres) == (-2, 100, 98)
    assert m.reference_document == "FAC-TEST-001"
    assert m.utilisateur == "Terminal MAUI"
    assert m.commentaire == "Vente #FAC-TEST-001 - Prix: 25000.00 CDF"
    assert m.boutique_id == monde.boutique.pk


def test_2_article_d_une_autre_boutique_refuse(monde: Monde):
    r = monde.poste.sync([vente("FAC-TEST-002", (monde.article_autre.pk, 1, 50000.00))])
    assert r.status_code == 201
    d = r.json()
    assert (d["success"], d["ventes_creees"], d["ventes_erreurs"]) == (True, 0, 1)
    (err,) = d["details"]["erreurs"]
    assert err["index"] == 1 and err["numero_facture"] == "FAC-TEST-002"
    assert err["code"] == "ARTICLE_INTROUVABLE"
    # Same message as for an id that exists nowhere: no hint that the article lives elsewhere.
    r2 = monde.poste.sync([vente("FAC-TEST-002b", (999999, 1, 50000.00))])
    assert r2.json()["details"]["erreurs"][0]["erreur"].replace("999999", "X") == err["erreur"].replace(
        str(monde.article_autre.pk), "X"
    )
    monde.article_autre.refresh_from_db()
    assert monde.article_autre.quantite_stock == 50
    assert not Vente.objects.filter(numero_facture__startswith="FAC-TEST-002").exists()


def test_3_stock_insuffisant(monde: Monde):
    a = monde.article
    r = monde.poste.sync([vente("FAC-TEST-003", (a.pk, 1000, 25000.00))])
    d = r.json()
    assert (d["ventes_creees"], d["ventes_erreurs"]) == (0, 1)
    (err,) = d["details"]["erreurs"]
    assert err["code"] == "STOCK_INSUFFISANT"
    assert err["erreur"].startswith("Stock insuffisant pour")
    assert err["details"] == {"article_id": a.pk, "article_nom": a.nom, "disponible": 100, "demande": 1000}
    a.refresh_from_db()
    assert a.quantite_stock == 100
    assert not MouvementStock.objects.filter(article=a, type_mouvement="VENTE").exists()


def test_4_doublon_evite(monde: Monde):
    a = monde.article
    corps = [vente("FAC-TEST-004", (a.pk, 1, 25000.00))]
    premier = monde.poste.sync(corps).json()["details"]["creees"][0]
    d = monde.poste.sync(corps).json()
    assert d["ventes_creees"] == 1
    (creee,) = d["details"]["creees"]
    assert creee["numero_facture"] == "FAC-TEST-004"
    assert creee["id"] == premier["id"]
    assert creee["status"] == "already_exists"
    assert creee["message"] == "Vente déjà synchronisée (doublon évité)"
    a.refresh_from_db()
    assert a.quantite_stock == 99
    assert Vente.objects.filter(numero_facture="FAC-TEST-004").count() == 1


def test_5_lot_de_trois(monde: Monde):
    a = monde.article
    corps = [
        {
            "numero_facture": "FAC-BATCH-001",
            "montant_total": 50000.00,
            "lignes": [{"article_id": a.pk, "quantite": 1, "prix_unitaire": 50000.00}],
        },
        {
            "numero_facture": "FAC-BATCH-002",
            "montant_total": 75000.00,
            "lignes": [{"article_id": a.pk, "quantite": 1, "prix_unitaire": 75000.00}],
        },
        {
            "numero_facture": "FAC-BATCH-003",
            "montant_total": 100000.00,
            "lignes": [{"article_id": a.pk, "quantite": 1, "prix_unitaire": 100000.00}],
        },
    ]
    d = monde.poste.sync(corps).json()
    assert (d["success"], d["ventes_creees"], d["ventes_erreurs"]) == (True, 3, 0)
    assert {"total_envoyees": 3, "reussies": 3, "erreurs": 0}.items() <= d["statistiques"].items()
    a.refresh_from_db()
    assert a.quantite_stock == 97
    chaine = list(
        MouvementStock.objects.filter(article=a, type_mouvement="VENTE")
        .order_by("pk")
        .values_list("stock_avant", "stock_apres")
    )
    assert chaine == [(100, 99), (99, 98), (98, 97)]


def test_alias_batch_et_enveloppe_ventes(monde: Monde):
    a = monde.article
    r = monde.poste.sync(
        {
            "boutique_id": monde.boutique.pk,
            "device_serial": monde.poste.terminal.numero_serie,
            "ventes": [vente("FAC-ALIAS-1", (a.pk, 1, 25000))],
        },
        url="/api/v2/simple/ventes/sync/batch",
    )
    assert r.status_code == 201
    assert r.json()["details"]["creees"][0]["status"] == "created"


def test_catalogue_de_la_boutique_et_son_delta(monde: Monde):
    """The terminal's catalogue: its own shop's articles only, every field in the shape the app
    reads, and with `modifie_depuis` only what changed since (here, the article just sold)."""
    from datetime import datetime

    d = monde.poste.get("/api/v2/simple/articles/").json()
    assert (d["success"], d["boutique_id"], d["boutique_nom"], d["count"]) == (
        True,
        monde.boutique.pk,
        "Ma Boutique",
        2,
    )
    sucre = next(a for a in d["articles"] if a["id"] == monde.article.pk)
    assert sucre.keys() == {
        "id",
        "code",
        "code_barres",
        "nom",
        "prix_vente",
        "quantite_stock",
        "seuil_alerte",
        "est_actif",
        "date_modification",
        "categorie",
    }
    assert (sucre["nom"], sucre["prix_vente"], sucre["quantite_stock"]) == ("Sucre Kwilu 1 kg", "25000.00", 100)
    assert sucre["est_actif"] is True and isinstance(sucre["seuil_alerte"], int)
    assert datetime.fromisoformat(sucre["date_modification"]).utcoffset() is not None
    assert monde.article_autre.pk not in {a["id"] for a in d["articles"]}

    monde.poste.sync([vente("CAT-1", (monde.article.pk, 3, 25000))])
    delta = monde.poste.get("/api/v2/simple/articles/", modifie_depuis=d["heure_serveur"]).json()
    assert [(a["id"], a["quantite_stock"]) for a in delta["articles"]] == [(monde.article.pk, 97)]
