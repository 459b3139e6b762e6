"""The fleet simulator in the suite: a small flaky fleet against a live server, exactly once."""

from __future__ import annotations

import json
import random
from decimal import Decimal
from typing import Any

import pytest

from bench.commun import peupler
from bench.simulateur import FAUTES, FORMES, Config, forme_applicable, reformuler, simuler, verifier
from magasin.stock.models import Article
from magasin.ventes.entrees import lire_vente
from magasin.ventes.models import Vente

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(120)]

CONFIG = Config(terminaux=3, boutiques=2, ventes=30, lot=7, fautes=0.5, graine=11, duree_max_s=60)


def _port(live_server: Any) -> int:
    return int(live_server.thread.port)


@pytest.fixture
def flotte(live_server: Any) -> dict[str, Any]:
    terminaux = peupler(prefixe="TST", boutiques=CONFIG.boutiques, terminaux=CONFIG.terminaux, articles_par_boutique=12)
    journaux, ouvertures, _ = simuler(port=_port(live_server), terminaux=terminaux, config=CONFIG)
    return {"terminaux": terminaux, "journaux": journaux, "ouvertures": ouvertures}


def test_flotte_capricieuse_chaque_vente_une_fois(live_server: Any, flotte: dict[str, Any]) -> None:
    resultat = verifier(port=_port(live_server), **flotte)
    assert resultat["problemes"] == []
    assert resultat["ventes_faites"] == CONFIG.terminaux * CONFIG.ventes
    assert resultat["ventes_enregistrees"] == resultat["ventes_faites"]
    # The faults really happened, and resends of committed batches were recognised.
    assert sum(resultat["fautes"].values()) > 0
    assert set(resultat["fautes"]) <= set(FAUTES)
    assert resultat["envois"] > sum(resultat["fautes"].values())
    # Sales numbered by the server, and resends written every other way, recognised as such.
    assert 0 < resultat["ventes_par_sequence"] < resultat["ventes_faites"]
    assert set(resultat["formes_renvoi"]) == set(FORMES)
    assert resultat["renvois_reformules"] == sum(resultat["formes_renvoi"].values())
    assert 0 < resultat["renvois_reformules_reconnus"] <= resultat["renvois_reconnus"]
    assert resultat["renvois_par_sequence_reconnus"] > 0
    numerotees = Vente.objects.filter(terminal__numero_serie__in=[t.serie for t in flotte["terminaux"]])
    assert numerotees.filter(numero_attribue=True).count() == resultat["ventes_par_sequence"]


@pytest.mark.parametrize("par_sequence", [False, True], ids=["numerotee", "par_sequence"])
def test_chaque_forme_de_renvoi_change_l_ecriture_pas_la_vente(par_sequence: bool) -> None:
    corps: dict[str, Any] = (
        {} if par_sequence else {"numero_facture": "T-000001", "uuid": "0f4c1d3e-3b1a-4c2d-9e8f-5a6b7c8d9e0f"}
    )
    corps |= {
        "sequence": 1,
        "date_vente": "2026-11-04T10:15:30.123456+01:00",
        "montant_total": 9500,
        "mode_paiement": "CASH",
        "lignes": [
            {"article_id": 12, "quantite": 2, "prix_unitaire": 4500},
            {"article_id": 7, "quantite": 1, "prix_unitaire": 500},
        ],
    }
    original = lire_vente(corps).entree
    assert original is not None
    rng = random.Random(3)
    formes = [f for f in FORMES if forme_applicable(f, corps)]
    assert ("uuid_casse" in formes) is not par_sequence
    assert ("identite_null" in formes) is par_sequence
    for forme in formes:
        renvoi = json.loads(json.dumps(reformuler(corps, forme, total=Decimal(9500), rng=rng)))
        assert json.dumps(renvoi) != json.dumps(corps), forme
        lu = lire_vente(renvoi).entree
        assert lu is not None, forme
        assert (lu.numero_facture, lu.uuid, lu.sequence) == (original.numero_facture, original.uuid, 1), forme
        assert lu.empreinte() == original.empreinte(), forme


def test_la_verification_voit_une_vente_perdue_et_un_stock_faux(live_server: Any, flotte: dict[str, Any]) -> None:
    vente = Vente.objects.filter(terminal__numero_serie=flotte["terminaux"][0].serie, numero_attribue=False).first()
    assert vente is not None
    Vente.objects.filter(pk=vente.pk).update(numero_facture="RENOMMEE-1")
    article = Article.objects.filter(boutique_id=flotte["terminaux"][0].boutique_id).first()
    assert article is not None
    Article.objects.filter(pk=article.pk).update(quantite_stock=article.quantite_stock + 1)

    problemes = verifier(port=_port(live_server), **flotte)["problemes"]
    texte = "\n".join(problemes)
    assert "1 ventes manquantes" in texte
    assert "1 ventes inconnues" in texte
    assert f"article {article.pk}: stock" in texte
    assert "registre" in texte


def test_la_verification_voit_une_vente_par_sequence_enregistree_deux_fois(
    live_server: Any, flotte: dict[str, Any]
) -> None:
    # What a server that failed to recognise a resend by (terminal, sequence) would leave: the
    # same sale a second time, under the next server number.
    serie = flotte["terminaux"][0].serie
    vente = Vente.objects.filter(terminal__numero_serie=serie, numero_attribue=True).first()
    assert vente is not None
    lignes = list(vente.lignes.all())
    vente.pk = None
    vente.numero_facture = f"{vente.numero_facture}-BIS"
    vente.save()
    for ligne in lignes:
        ligne.pk = None
        ligne.vente = vente
        ligne.save()

    problemes = verifier(port=_port(live_server), **flotte)["problemes"]
    texte = "\n".join(problemes)
    assert f"1 ventes en double, ex. ['{serie}#{vente.sequence_terminal}']" in texte
    assert "inconnues" not in texte
    assert "manquantes" not in texte
