"""Quarantine: see why, fix, replay or dismiss with a trace. Terminals: tokens, deactivation."""

from __future__ import annotations

import pytest

from magasin.boutiques.services import jeton_valide
from magasin.ventes.models import StatutQuarantaine, Vente, VenteQuarantaine
from magasin.web.tests.outils import synchroniser

pytestmark = pytest.mark.django_db


def _refusee(monde, numero="T1-0001", quantite=25):  # type: ignore[no-untyped-def]
    corps = synchroniser(
        monde.terminal,
        monde.jeton,
        [
            {
                "numero_facture": numero,
                "lignes": [{"article_id": monde.article.pk, "quantite": quantite, "prix_unitaire": 1250000}],
            }
        ],
    )
    assert corps["success"] is True
    return VenteQuarantaine.objects.get(numero_facture=numero)


def test_gerant_voit_la_raison_saisit_la_livraison_et_rejoue(monde, client_gerant):
    q = _refusee(monde)
    assert "STOCK_INSUFFISANT" in client_gerant.get("/quarantaine/").content.decode()
    page = client_gerant.get(f"/quarantaine/{q.pk}/").content.decode()
    assert "disponible 20, demandé 25" in page
    assert "Saisir la livraison manquante" in page
    r = client_gerant.post(f"/quarantaine/{q.pk}/rejouer/")
    assert r.status_code == 422  # still short: stays pending with the reason
    q.refresh_from_db()
    assert q.statut == StatutQuarantaine.EN_ATTENTE
    client_gerant.post("/stock/livraison/", {"article": monde.article.pk, "quantite": 10})
    r = client_gerant.post(f"/quarantaine/{q.pk}/rejouer/")
    assert r.status_code == 302
    q.refresh_from_db()
    assert q.statut == StatutQuarantaine.REJOUEE
    assert q.traite_par == monde.gerant
    assert q.vente.numero_facture == "T1-0001"
    monde.article.refresh_from_db()
    assert monde.article.quantite_stock == 5
    assert "T1-0001" in client_gerant.get("/ventes/").content.decode()
    assert client_gerant.post(f"/quarantaine/{q.pk}/rejouer/").status_code == 409


def test_conflit_de_numero_rejoue_avec_un_numero_du_serveur(monde, client_gerant):
    synchroniser(
        monde.terminal,
        monde.jeton,
        [{"numero_facture": "DUP-1", "lignes": [{"article_id": monde.article.pk, "quantite": 1, "prix_unitaire": 1}]}],
    )
    q = _refusee(monde, numero="DUP-1", quantite=2)
    assert q.code == "NUMERO_FACTURE_CONFLIT"
    assert "Rejouer avec un numéro du serveur" in client_gerant.get(f"/quarantaine/{q.pk}/").content.decode()
    r = client_gerant.post(f"/quarantaine/{q.pk}/rejouer/", {"renumeroter": "1"})
    assert r.status_code == 302
    q.refresh_from_db()
    assert q.statut == StatutQuarantaine.REJOUEE
    assert q.vente.numero_facture.startswith("FAC-BTQ-009-")
    assert Vente.objects.count() == 2


def test_ecarter_exige_un_motif_et_garde_la_trace(monde, client_gerant):
    q = _refusee(monde)
    r = client_gerant.post(f"/quarantaine/{q.pk}/ecarter/", {"motif": ""})
    assert r.status_code == 400
    assert "Indiquez pourquoi" in r.content.decode()
    q.refresh_from_db()
    assert q.statut == StatutQuarantaine.EN_ATTENTE
    client_gerant.post(f"/quarantaine/{q.pk}/ecarter/", {"motif": "Vente de test du technicien"})
    q.refresh_from_db()
    assert q.statut == StatutQuarantaine.ECARTEE
    assert q.motif_traitement == "Vente de test du technicien"
    assert "T1-0001" not in client_gerant.get("/quarantaine/").content.decode()
    tout = client_gerant.get("/quarantaine/", {"statut": ""}).content.decode()
    assert "T1-0001" in tout
    assert "Vente de test du technicien" in client_gerant.get(f"/quarantaine/{q.pk}/").content.decode()


def test_caissier_ne_peut_ni_rejouer_ni_ecarter(monde, client_caissier):
    q = _refusee(monde, quantite=1 + 20)
    assert "Rejouer la vente" not in client_caissier.get(f"/quarantaine/{q.pk}/").content.decode()
    assert client_caissier.post(f"/quarantaine/{q.pk}/ecarter/", {"motif": "non"}).status_code == 403
    assert client_caissier.post(f"/quarantaine/{q.pk}/rejouer/").status_code == 403
    q.refresh_from_db()
    assert q.statut == StatutQuarantaine.EN_ATTENTE


def test_rotation_du_jeton_l_affiche_une_fois_et_invalide_l_ancien(monde, client_gerant):
    r = client_gerant.post(f"/terminaux/{monde.terminal.pk}/rotation/", follow=True)
    assert r.status_code == 200
    assert r["Cache-Control"] == "no-store"
    nouveau = r.content.decode().split('id="jeton">')[1].split("<")[0]
    monde.terminal.refresh_from_db()
    assert jeton_valide(monde.terminal, nouveau)
    assert not jeton_valide(monde.terminal, monde.jeton)
    assert nouveau not in client_gerant.get("/terminaux/").content.decode()


def test_desactivation_et_revocation_d_un_terminal(monde, client_gerant):
    client_gerant.post(f"/terminaux/{monde.terminal.pk}/revoquer/")
    monde.terminal.refresh_from_db()
    assert not monde.terminal.a_un_jeton
    client_gerant.post(f"/terminaux/{monde.terminal.pk}/desactiver/")
    monde.terminal.refresh_from_db()
    assert not monde.terminal.est_actif
    assert "Désactivé" in client_gerant.get("/terminaux/").content.decode()
    assert client_gerant.post(f"/terminaux/{monde.terminal.pk}/inconnue/").status_code == 404
