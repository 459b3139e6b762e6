"""The published OpenAPI document is exact: self-contained, typed as the API reads, and the sync
body's schema says what `magasin.ventes.entrees.lire_vente` accepts, no more, no less.

The terminal team generates its .NET client from /api/openapi.json (issue 17); the fuzzing of
test_schemathesis.py judges the server against this same document.
"""

from __future__ import annotations

from typing import Any

import jsonschema_rs
import pytest
import schemathesis
from django.test import Client
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode

from magasin.core.erreurs import CodeErreur
from magasin.stock.models import TypeMouvement
from magasin.ventes.entrees import BOOLEENS_FAUX, BOOLEENS_VRAI, CHAMPS_LIGNE, CHAMPS_VENTE, MODES_CONNUS, lire_vente
from magasin.ventes.models import ModePaiement, StatutVente

SYNC = "/api/v2/simple/ventes/sync"


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    reponse = Client().get("/api/openapi.json")
    assert reponse.status_code == 200
    return reponse.json()  # type: ignore[no-any-return]


def _refs(noeud: Any) -> list[str]:
    if isinstance(noeud, dict):
        return [v for k, v in noeud.items() if k == "$ref"] + [r for v in noeud.values() for r in _refs(v)]
    if isinstance(noeud, list):
        return [r for v in noeud for r in _refs(v)]
    return []


def _pointe(document: dict[str, Any], ref: str) -> Any:
    assert ref.startswith("#/"), ref
    noeud: Any = document
    for partie in ref[2:].split("/"):
        noeud = noeud[partie.replace("~1", "/").replace("~0", "~")]
    return noeud


def _validateur(document: dict[str, Any], composant: str) -> Any:
    return jsonschema_rs.validator_for(
        {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$ref": f"#/components/schemas/{composant}",
            "components": document["components"],
        },
        validate_formats=True,
    )


def _operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(chemin, methode, op) for chemin, ops in document["paths"].items() for methode, op in ops.items()]


def test_chaque_reference_du_document_se_resout(document):
    refs = _refs(document)
    assert "#/components/schemas/VenteEntree" in refs  # the sync body is described, by reference
    for ref in set(refs):
        assert isinstance(_pointe(document, ref), dict), ref
    # No schema left with pydantic's local definitions, nor keywords JSON Schema does not know.
    texte = str(document)
    assert "$defs" not in texte
    assert "'gt'" not in texte and "'lt'" not in texte


def test_le_document_est_un_schema_openapi_31_valide(document):
    # schemathesis refuses a document that breaks the OpenAPI 3.1 meta-schema.
    schema = schemathesis.openapi.from_dict(document)
    operations = [resultat.ok() for resultat in schema.get_all_operations()]
    assert len(operations) == 6


def test_les_champs_du_schema_sont_ceux_du_lecteur(document):
    schemas = document["components"]["schemas"]
    assert set(schemas["VenteEntree"]["properties"]) == CHAMPS_VENTE
    assert set(schemas["LigneEntree"]["properties"]) == CHAMPS_LIGNE
    assert schemas["VenteEntree"]["additionalProperties"] is True
    assert schemas["LigneEntree"]["additionalProperties"] is True
    assert schemas["EnveloppeVentes"]["additionalProperties"] is True
    # Every label the reader knows is listed for the terminal team.
    description = schemas["VenteEntree"]["properties"]["mode_paiement"]["description"]
    assert all(libelle in description for libelle in MODES_CONNUS)


LIGNE = {"article_id": 1, "quantite": 2, "prix_unitaire": 4500}

# Each form the reader accepts, as the terminals write them: valid under the schema, and read.
VENTES_TOLERANTES: list[dict[str, Any]] = [
    {"lignes": [LIGNE]},
    {"lignes": [{"article_id": "1", "quantite": "2", "prix_unitaire": "4500.00"}]},
    {"lignes": [{"article_id": 1.0, "quantite": 2.0, "prix_unitaire": 4500.0}]},
    {"lignes": [{"article_id": " +01 ", "quantite": "2.", "prix_unitaire": " .5 "}]},
    {"lignes": [{"article_id": 9223372036854775807, "quantite": 1000000, "prix_unitaire": 1}]},
    {"lignes": [{"article_id": 1, "quantite": 1, "prix_unitaire": 999999999999.99}]},
    {"lignes": [{"article_id": 1, "quantite": "1000000.0", "prix_unitaire": "1"}]},
    {"lignes": [{"article_id": 1, "quantite": "1", "prix_unitaire": "999999999999"}]},
    {"lignes": [{**LIGNE, "remise": 0, "tva": None}], "app_version": "3.2", "note": {"x": [1]}},
    {
        "numero_facture": None,
        "uuid": None,
        "date_vente": None,
        "mode_paiement": None,
        "paye": None,
        "montant_total": None,
        "sequence": None,
        "client_nom": None,
        "client_telephone": None,
        "lignes": [LIGNE],
    },
    {
        "numero_facture": 4512,
        "uuid": "9F1C0A4E-0000-4000-8000-000000000001",
        "date_vente": "2026-11-04T10:15:00+01:00",
        "mode_paiement": "M-PESA",
        "paye": "oui",
        "montant_total": "9000.00",
        "sequence": "7",
        "client_nom": "  Mama Nzinga ",
        "client_telephone": 243810000000,
        "lignes": [LIGNE],
    },
    {"date_vente": "2026-11-04", "mode_paiement": "bon d'achat", "paye": 0, "sequence": 7.0, "lignes": [LIGNE]},
    {"date_vente": 1764900000, "paye": " TRUE ", "mode_paiement": "", "numero_facture": "", "lignes": [LIGNE]},
    {"date_vente": " ", "lignes": [LIGNE]},
    *({"paye": mot.upper(), "lignes": [LIGNE]} for mot in BOOLEENS_VRAI + BOOLEENS_FAUX),
    {"numero_facture": "\tFAC-1\n", "client_nom": "x" * 150, "uuid": "u" * 64, "lignes": [LIGNE] * 500},
]

# What the reader refuses (the sale alone): invalid under the schema too.
VENTES_REFUSEES: list[dict[str, Any]] = [
    {},
    {"lignes": []},
    {"lignes": None},
    {"lignes": [LIGNE] * 501},
    {"lignes": [{**LIGNE, "quantite": 2.5}]},
    {"lignes": [{**LIGNE, "quantite": "deux"}]},
    {"lignes": [{**LIGNE, "quantite": 0}]},
    {"lignes": [{**LIGNE, "quantite": 1000001}]},
    {"lignes": [{**LIGNE, "quantite": "1000001"}]},
    {"lignes": [{**LIGNE, "quantite": True}]},
    {"lignes": [{**LIGNE, "article_id": None}]},
    {"lignes": [{**LIGNE, "article_id": 2**63}]},
    {"lignes": [{**LIGNE, "prix_unitaire": -1}]},
    {"lignes": [{**LIGNE, "prix_unitaire": 1e12}]},
    {"lignes": [{**LIGNE, "prix_unitaire": "1000000000000"}]},
    {"lignes": [{**LIGNE, "prix_unitaire": "quatre"}]},
    {"lignes": [{**LIGNE, "prix_unitaire": None}]},
    {"lignes": [{"article_id": 1, "quantite": 2}]},
    {"lignes": [LIGNE], "paye": "peut-être"},
    {"lignes": [LIGNE], "paye": 2},
    {"lignes": [LIGNE], "mode_paiement": 5},
    {"lignes": [LIGNE], "mode_paiement": "CA\x00SH"},
    {"lignes": [LIGNE], "numero_facture": "FAC\x001"},
    {"lignes": [LIGNE], "numero_facture": "F" * 101},
    {"lignes": [LIGNE], "client_telephone": "0" * 41},
    {"lignes": [LIGNE], "numero_facture": ["FAC-1"]},
    {"lignes": [LIGNE], "date_vente": "hier"},
    {"lignes": [LIGNE], "date_vente": True},
    {"lignes": [LIGNE], "sequence": 0},
    {"lignes": [LIGNE], "sequence": "7.5"},
    {"lignes": [LIGNE], "montant_total": -1},
    {"lignes": [LIGNE], "montant_total": {}},
]


@pytest.mark.parametrize("vente", VENTES_TOLERANTES)
def test_une_vente_valide_selon_le_schema_est_lue(document, vente):
    assert _validateur(document, "VenteEntree").is_valid(vente)
    lue = lire_vente(vente)
    assert lue.erreur is None, lue.erreur


@pytest.mark.parametrize("vente", VENTES_REFUSEES)
def test_une_vente_hors_schema_est_refusee_par_le_lecteur(document, vente):
    assert not _validateur(document, "VenteEntree").is_valid(vente)
    assert lire_vente(vente).erreur is not None


# What the schema cannot say (it would need arithmetic or the clock): the reader's own refusals of
# a sale that the schema accepts.
REFUS_HORS_SCHEMA = {(CodeErreur.DATE_HORS_FENETRE, "date_vente"), (CodeErreur.MONTANT_HORS_LIMITES, "(vente)")}


def _ventes(corps: Any) -> Any:
    return corps.get("ventes") if isinstance(corps, dict) else corps


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=["valides", "invalides"])
def test_le_lecteur_et_le_schema_sont_d_accord_sur_des_ventes_generees(document, mode):
    """schemathesis generates sync bodies from the document; each sale is read by lire_vente
    and judged by the schema: the two verdicts agree (but for REFUS_HORS_SCHEMA)."""
    operation = schemathesis.openapi.from_dict(document)[SYNC]["POST"]
    validateur = _validateur(document, "VenteEntree")
    vues = {"acceptees": 0, "refusees": 0}

    @given(case=operation.as_strategy(generation_mode=mode))
    # 150 examples: at 60, one full-suite run judged only 13 sales refused (what hypothesis draws
    # depends on what ran before it in the process); 150 gives about 160, far above the floor.
    @settings(max_examples=150, derandomize=True, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    def essai(case):  # type: ignore[no-untyped-def]
        ventes = _ventes(case.body)
        if not isinstance(ventes, list):
            return  # not a batch at all: a whole-request 400, test_schemathesis.py's business
        for vente in ventes:
            erreur = lire_vente(vente).erreur
            if validateur.is_valid(vente):
                vues["acceptees"] += 1
                assert erreur is None or (erreur.code, erreur.details.get("champ")) in REFUS_HORS_SCHEMA, (
                    vente,
                    erreur,
                )
            else:
                vues["refusees"] += 1
                assert erreur is not None, vente

    essai()
    # Enough sales judged each way for the agreement to mean something.
    assert vues["acceptees" if mode == GenerationMode.POSITIVE else "refusees"] >= 15, vues


def test_les_parametres_de_requete_sont_types(document):
    parametres = {
        (chemin.rsplit("/", 2)[-2], p["name"]): p for chemin, _, op in _operations(document) for p in op["parameters"]
    }
    for cle in [
        ("articles", "modifie_depuis"),
        ("mouvements-stock", "date_debut"),
        ("mouvements-stock", "date_fin"),
        ("ventes", "date_debut"),
        ("ventes", "date_fin"),
    ]:
        schema = parametres[cle]["schema"]
        assert schema["type"] == "string"
        assert {f["format"] for f in schema["anyOf"]} == {"date", "date-time"}, cle
    for cle in [("mouvements-stock", "limit"), ("ventes", "limit"), ("mouvements-stock", "article_id")]:
        assert parametres[cle]["schema"]["type"] == "integer", cle
        assert parametres[cle]["schema"]["minimum"] == 1
    assert parametres[("ventes", "mode_paiement")]["schema"]["enum"] == list(ModePaiement.values)
    assert ModePaiement.AUTRE in parametres[("ventes", "mode_paiement")]["schema"]["enum"]
    assert parametres[("ventes", "statut")]["schema"]["enum"] == list(StatutVente.values)
    assert parametres[("mouvements-stock", "type_mouvement")]["schema"]["enum"] == list(TypeMouvement.values)
    for (_, nom), parametre in parametres.items():
        if parametre["in"] == "query":
            assert parametre["required"] is False and parametre["allowEmptyValue"] is True, nom
        else:
            assert (nom, parametre["in"], parametre["required"]) == ("X-Device-Serial", "header", True)


def test_chaque_statut_possible_est_documente(document):
    assert document["components"]["securitySchemes"]["Jeton"] == {
        **document["components"]["securitySchemes"]["Jeton"],
        "type": "http",
        "scheme": "bearer",
    }
    for chemin, _, operation in _operations(document):
        reponses = operation["responses"]
        attendus = {400, 401, 404, 413, 415, 429, 500, 503} | ({201, 403} if "sync" in chemin else {200})
        assert {int(statut) for statut in reponses} == attendus, chemin
        for statut, reponse in reponses.items():
            if statut[0] in "45":
                assert reponse["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Erreur"}
        assert reponses["429"]["headers"]["Retry-After"]["schema"]["type"] == "integer"
        assert operation["security"] == [{"Jeton": []}, {}]
