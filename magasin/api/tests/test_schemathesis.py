"""Property-based fuzzing of every API operation against the app's own OpenAPI schema.

schemathesis generates requests (valid and invalid) from /api/openapi.json, sends them to the
WSGI app over the test database, and runs every check it has (`call_and_validate` without a
check list: not a 5xx, status code, content type, headers and body as documented, valid data
accepted, invalid data rejected, missing required header, undeclared methods (405 with Allow),
authentication...). Its fuzzing phase sends each request with valid credentials, a wrong token,
another terminal's serial with our token, and none at all; its coverage phase (every boundary,
type, enum and missing value once) with valid credentials. Bounded and deterministic.

Adapted to the documented contract, each for what schemathesis cannot know:

- Invalid data sent to the sync endpoints. A sale that breaks the schema does not sink its batch
  (issue 17): it is refused alone, and the answer is 201 with that sale in `details.erreurs`.
  So for those endpoints a 201 counts as a rejection when every sale of the body that the
  schema's `VenteEntree` refuses is reported in `details.erreurs`; any other answer is judged by
  schemathesis's own `negative_data_rejection`. A 413 (more sales than the schema allows) is a
  rejection too: schemathesis's default list of rejecting statuses lacks it.
- Bad credentials. `positive_data_acceptance` would call their refusal a failure, and
  `ignored_auth` stands aside (the bearer token is optional: serial-only terminals); instead
  `authentification_refusee` requires the documented refusal (400 MISSING_SERIAL, 401
  TOKEN_INVALIDE, 404 TERMINAL_NOT_FOUND) for every identity but the valid one.
- A case whose serial header was generated invalid keeps it (the identity's serial would make
  it valid again, and the check would blame the server for accepting it).
- Answers are asked for uncompressed: schemathesis sends requests' `Accept-Encoding: gzip,
  deflate` but its WSGI transport does not decode gzip (the server is right to compress; over
  real HTTP a live run decodes it; compression itself is tested in test_bords.py).
"""

from __future__ import annotations

import json
from typing import Any

import jsonschema_rs
import pytest
import schemathesis
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.core.parameters import ParameterLocation
from schemathesis.specs.openapi.checks import (
    negative_data_rejection,
    positive_data_acceptance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from magasin.boutiques.tests.factories import BoutiqueFactory, creer_terminal
from magasin.stock.tests.factories import creer_article
from magasin.stock.tests.invariants import verifier_registre
from magasin.wsgi import application

CHEMINS_SYNC = ("/api/v2/simple/ventes/sync", "/api/v2/simple/ventes/sync/batch")


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
        # Empty values: the generated serial and token replaced by nothing (read as absent).
        "aucune": {"X-Device-Serial": "", "Authorization": ""},
    }
    cache.clear()


def _ventes_envoyees(corps: Any) -> list[Any] | None:
    if isinstance(corps, dict):
        corps = corps.get("ventes")
    return corps if isinstance(corps, list) else None


def _validateur_vente(schema: Any) -> Any:
    composants = schema.raw_schema["components"]
    return jsonschema_rs.validator_for(
        {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$ref": "#/components/schemas/VenteEntree",
            "components": composants,
        },
        validate_formats=True,
    )


def rejet_des_donnees_invalides(ctx, response, case):  # type: ignore[no-untyped-def]
    """negative_data_rejection, with the sync endpoints' per-sale refusals (see the docstring)."""
    if case.meta is not None and case.meta.generation.mode.is_negative and case.operation.path in CHEMINS_SYNC:
        if response.status_code == 413:
            return None
        ventes = _ventes_envoyees(case.body)
        if response.status_code == 201 and ventes is not None:
            validateur = _validateur_vente(case.operation.schema)
            invalides = {i for i, vente in enumerate(ventes, 1) if not validateur.is_valid(vente)}
            if invalides:
                signalees = {e["index"] for e in response.json()["details"]["erreurs"]}
                assert invalides <= signalees, (
                    f"ventes hors schéma {sorted(invalides - signalees)} acceptées : "
                    f"{json.dumps(case.body, ensure_ascii=False)[:2000]}"
                )
                return None
    return negative_data_rejection(ctx, response, case)


def authentification_refusee(ctx, response, case):  # type: ignore[no-untyped-def]
    """Bad credentials get the documented refusal: 400 MISSING_SERIAL without a serial, 401
    TOKEN_INVALIDE with a token that is not the serial's, 404 TERMINAL_NOT_FOUND for a serial
    that is no terminal's."""
    refus = (response.status_code, response.json().get("code"))
    if (response.request.headers.get("X-Device-Serial") or "").strip():
        assert refus in {(401, "TOKEN_INVALIDE"), (404, "TERMINAL_NOT_FOUND")}, response.text
    else:
        assert refus == (400, "MISSING_SERIAL"), response.text


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=["valides", "invalides"])
def test_api_conforme_a_son_schema_et_jamais_de_5xx(schema_api, identites, mode):  # type: ignore[no-untyped-def]
    operations = [resultat.ok() for resultat in schema_api.get_all_operations()]
    assert len(operations) >= 6  # every endpoint of the router is in the schema

    essayees = 0
    for operation in operations:

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=40,
            derandomize=True,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def essai(case):  # type: ignore[no-untyped-def]
            # The identity's headers replace the generated serial and token, except a serial
            # generated invalid on purpose: that one is what the case tests.
            serie_invalide = case.meta is not None and case.meta.is_negative_at(ParameterLocation.HEADER)
            for nom, identite in identites.items():
                # Throttling would turn later answers into 429: judge each request on its own.
                cache.clear()
                entetes = {**identite, "Accept-Encoding": "identity"}
                if serie_invalide:
                    del entetes["X-Device-Serial"]
                if nom == "valides" and not serie_invalide:
                    case.call_and_validate(
                        headers=entetes,
                        excluded_checks=[negative_data_rejection],
                        additional_checks=[rejet_des_donnees_invalides],
                    )
                    continue
                case.call_and_validate(
                    headers=entetes,
                    excluded_checks=[positive_data_acceptance, negative_data_rejection],
                    additional_checks=[authentification_refusee, rejet_des_donnees_invalides],
                )

        try:
            essai()
        except Unsatisfiable:
            # An operation without parameters or body has no invalid variant to generate.
            assert mode == GenerationMode.NEGATIVE
            continue
        essayees += 1
    assert essayees >= (len(operations) if mode == GenerationMode.POSITIVE else 3)
    verifier_registre()


DOCUMENTATION = [status_code_conformance, response_headers_conformance, response_schema_conformance]


def test_les_refus_de_toute_la_requete_sont_documentes(schema_api, identites):
    """What the fuzzing does not reach (limits, encodings, throttling) answers as documented."""
    sync = schema_api[CHEMINS_SYNC[0]]["POST"]
    articles = schema_api["/api/v2/simple/articles/"]["GET"]
    valides = {**identites["valides"], "Accept-Encoding": "identity"}
    vente = {"lignes": [{"article_id": 1, "quantite": 1, "prix_unitaire": 1}]}
    essais = [
        (sync.Case(body=[vente] * 501), {}, 413),
        (sync.Case(body=[vente]), {"Content-Encoding": "br"}, 415),
        (articles.Case(query={"modifie_depuis": "hier"}), {}, 400),
    ]
    for case, entetes, statut in essais:
        reponse = case.call_and_validate(headers={**valides, **entetes}, checks=DOCUMENTATION)
        assert reponse.status_code == statut, reponse.text
    # A wrong token, again and again: 401 until the serial is blocked, then 429 with Retry-After.
    faux = {**identites["jeton_faux"], "Accept-Encoding": "identity"}
    statuts = [articles.Case().call_and_validate(headers=faux, checks=DOCUMENTATION).status_code for _ in range(21)]
    assert statuts == [401] * 20 + [429]


def test_phase_de_couverture_sans_defaut(schema_api, identites):
    """schemathesis's coverage phase: each boundary, type, enum and missing value of the document
    once (some 650 requests), and the methods it does not declare, with valid credentials and
    every check (missing_required_header and unsupported_method act here). The /sync/batch alias,
    the same view under the same schema, is left to the fuzzing: it would double the time."""
    modes = [GenerationMode.POSITIVE, GenerationMode.NEGATIVE]
    envoyees = 0
    for resultat in schema_api.get_all_operations():
        operation = resultat.ok()
        if operation.path == CHEMINS_SYNC[1]:
            continue
        config = schema_api.config.generation_for(operation=operation, phase="coverage")
        for case in schema_api.iter_coverage_cases(operation, generation_modes=modes, generation_config=config):
            cache.clear()
            entetes = {**identites["valides"], "Accept-Encoding": "identity"}
            if case.meta is not None and case.meta.is_negative_at(ParameterLocation.HEADER):
                del entetes["X-Device-Serial"]
            case.call_and_validate(
                headers=entetes,
                excluded_checks=[negative_data_rejection],
                additional_checks=[rejet_des_donnees_invalides],
            )
            envoyees += 1
    assert envoyees > 500
    verifier_registre()
