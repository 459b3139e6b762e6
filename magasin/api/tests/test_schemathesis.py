"""Property-based fuzzing of every API operation against the app's own OpenAPI schema.

schemathesis generates requests (valid and invalid) from /api/openapi.json, sends them to the
WSGI app over the test database, and checks that no response is a 5xx and that every response
matches the schema (status code documented, body shape, content type). Bounded and
deterministic: a few dozen examples per operation, derandomized.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from magasin.boutiques.tests.factories import BoutiqueFactory, creer_terminal
from magasin.stock.tests.factories import creer_article
from magasin.stock.tests.invariants import verifier_registre
from magasin.wsgi import application


@pytest.fixture
def schema_api(db):  # type: ignore[no-untyped-def]
    # As Django's test client does: a request must not close the test's transaction.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/openapi.json", application)
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


CONTROLES = [
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
    content_type_conformance,
]


@pytest.fixture
def identites(db):  # type: ignore[no-untyped-def]
    boutique = BoutiqueFactory()
    for stock in (0, 5, 1000):
        creer_article(boutique, stock=stock)
    terminal, jeton = creer_terminal(boutique)
    autre, _ = creer_terminal(BoutiqueFactory())
    cache.clear()
    yield {
        "valides": {"X-Device-Serial": terminal.numero_serie, "Authorization": f"Bearer {jeton}"},
        "jeton_faux": {"X-Device-Serial": terminal.numero_serie, "Authorization": "Bearer mgs_faux"},
        "jeton_d_un_autre": {"X-Device-Serial": autre.numero_serie, "Authorization": f"Bearer {jeton}"},
        "aucune": {},
    }
    cache.clear()


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=["valides", "invalides"])
def test_api_conforme_a_son_schema_et_jamais_de_5xx(schema_api, identites, mode):  # type: ignore[no-untyped-def]
    operations = [resultat.ok() for resultat in schema_api.get_all_operations()]
    assert len(operations) >= 6  # every endpoint of the router is in the schema

    essayees = 0
    for operation in operations:

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=20,
            derandomize=True,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def essai(case):  # type: ignore[no-untyped-def]
            # Each generated request is sent with valid credentials, a wrong token, another
            # terminal's serial, and none at all.
            for entetes in identites.values():
                # Throttling would turn later answers into 429: judge each request on its own.
                cache.clear()
                case.call_and_validate(headers={**(case.headers or {}), **entetes}, checks=CONTROLES)

        try:
            essai()
        except Unsatisfiable:
            # An operation without parameters or body has no invalid variant to generate.
            assert mode == GenerationMode.NEGATIVE
            continue
        essayees += 1
    assert essayees >= (len(operations) if mode == GenerationMode.POSITIVE else 3)
    verifier_registre()
