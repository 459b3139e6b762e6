"""The fleet simulator in the suite: a small flaky fleet against a live server, exactly once."""

from __future__ import annotations

from typing import Any

import pytest

from bench.commun import peupler
from bench.simulateur import FAUTES, Config, simuler, verifier
from magasin.stock.models import Article
from magasin.ventes.models import Vente

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(120)]

CONFIG = Config(terminaux=3, boutiques=2, ventes=30, lot=7, fautes=0.3, graine=11, duree_max_s=60)


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


def test_la_verification_voit_une_vente_perdue_et_un_stock_faux(live_server: Any, flotte: dict[str, Any]) -> None:
    vente = Vente.objects.filter(terminal__numero_serie=flotte["terminaux"][0].serie).first()
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
