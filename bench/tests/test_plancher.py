"""The stack's floor authenticates as the API does, reads the body, and writes one row."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import connection
from django.test import Client

from bench.commun import TABLE_PLANCHER
from bench.plancher import creer_table_plancher
from magasin.boutiques.tests.factories import BoutiqueFactory, creer_terminal

pytestmark = [pytest.mark.django_db, pytest.mark.urls("bench.urls")]

PLANCHER = "/bench/plancher/ventes/sync"
SYNC = "/api/v2/simple/ventes/sync"


@pytest.fixture(scope="module", autouse=True)
def table_plancher(django_db_setup: Any, django_db_blocker: Any) -> None:
    # Outside the tests' transactions: MariaDB would commit them on a CREATE TABLE.
    with django_db_blocker.unblock():
        creer_table_plancher()


def _lignes(terminal_id: int) -> list[tuple[int, str]]:
    with connection.cursor() as curseur:
        curseur.execute(f"SELECT ventes, corps FROM {TABLE_PLANCHER} WHERE terminal_id = %s", [terminal_id])
        return [(int(n), str(corps)) for n, corps in curseur.fetchall()]


def _poster(chemin: str, corps: str, **entetes: str) -> Any:
    return Client().post(chemin, corps, content_type="application/json", **entetes)


def test_le_plancher_ecrit_une_ligne_par_envoi() -> None:
    terminal, jeton = creer_terminal(BoutiqueFactory())
    corps = json.dumps([{"numero_facture": f"F-{i}", "lignes": []} for i in range(5)])
    reponse = _poster(PLANCHER, corps, HTTP_X_DEVICE_SERIAL=terminal.numero_serie, HTTP_AUTHORIZATION=f"Bearer {jeton}")
    assert reponse.status_code == 201
    assert reponse.json()["ventes_creees"] == 5 and reponse.json()["ventes_erreurs"] == 0
    assert _lignes(terminal.pk) == [(5, corps)]

    enveloppe = json.dumps({"ventes": [{"numero_facture": "F-9"}]})
    _poster(PLANCHER, enveloppe, HTTP_X_DEVICE_SERIAL=terminal.numero_serie, HTTP_AUTHORIZATION=f"Bearer {jeton}")
    assert _lignes(terminal.pk) == [(5, corps), (1, enveloppe)]


@pytest.mark.parametrize("cas", ["jeton faux", "série inconnue", "sans jeton", "json invalide"])
def test_le_plancher_refuse_comme_l_api(cas: str) -> None:
    terminal, jeton = creer_terminal(BoutiqueFactory())
    serie, autorisation, corps = terminal.numero_serie, f"Bearer {jeton}", "[]"
    if cas == "jeton faux":
        autorisation = "Bearer faux"
    elif cas == "série inconnue":
        serie = "INCONNU-0001"
    elif cas == "sans jeton":
        autorisation = ""
    else:
        corps = "[{"
    entetes = {"HTTP_X_DEVICE_SERIAL": serie, "HTTP_AUTHORIZATION": autorisation}
    api, plancher = _poster(SYNC, corps, **entetes), _poster(PLANCHER, corps, **entetes)
    # The API's own authentication: the same answer, and nothing written.
    assert plancher.status_code == api.status_code and plancher.status_code >= 400
    assert plancher.json()["code"] == api.json()["code"]
    assert _lignes(terminal.pk) == []
