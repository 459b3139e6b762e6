"""Hostile and broken input: every one gets a 4xx with a code and a French message, writes nothing.

The cases already proven in test_synchro_regles.py (malformed JSON, missing `ventes`, empty
lines, mode TROC, unknown `remise`, batch over the maximum) are not repeated here.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from magasin.core.erreurs import CodeErreur
from magasin.stock.models import MouvementStock
from magasin.ventes.models import LigneVente, SequenceRecue, Vente, VenteQuarantaine

from .conftest import Monde, vente

# Words of pydantic's, Django's or Python's English that must never reach a terminal.
ANGLAIS = (
    "Input should",
    "Value error",
    "Field required",
    "valid ",
    "Expecting",
    "object has no",
    "Traceback",
)


def _rien_ecrit() -> None:
    assert not Vente.objects.exists()
    assert not LigneVente.objects.exists()
    assert not VenteQuarantaine.objects.exists()
    assert not SequenceRecue.objects.exists()
    assert not MouvementStock.objects.exclude(commentaire="Stock initial").exists()


def refus(r: Any, statut: int, code: str) -> dict[str, Any]:
    assert r.status_code == statut, (r.status_code, r.content[:500])
    assert r["Content-Type"].startswith("application/json")
    corps = r.json()
    assert corps["success"] is False
    assert corps["code"] == code and code in CodeErreur.__members__
    assert corps["error"] and not any(mot in corps["error"] for mot in ANGLAIS), corps["error"]
    _rien_ecrit()
    return corps


def _ligne(monde: Monde, **champs: Any) -> dict[str, Any]:
    return {"article_id": monde.article.pk, "quantite": 1, "prix_unitaire": 100, **champs}


def _vente(monde: Monde, ligne: dict[str, Any] | None = None, **champs: Any) -> list[dict[str, Any]]:
    return [{"numero_facture": "F-H", "lignes": [ligne or _ligne(monde)], **champs}]


# --- Bodies that are not JSON -------------------------------------------------------------------


@pytest.mark.parametrize(
    "brut",
    [
        b"",
        b"   ",
        b"\xff\xfe\x00[",
        b"[1, 2,]",
        b"{'ventes': []}",
        '[{"numero_facture": "F\u00e9"'.encode("latin-1"),
        b"\x00" * 64,
    ],
    ids=["vide", "blancs", "pas-utf8", "virgule-finale", "apostrophes", "tronque-latin1", "nuls"],
)
def test_corps_qui_n_est_pas_du_json_400_invalid_json(monde: Monde, brut: bytes):
    refus(monde.poste.sync(brut), 400, "INVALID_JSON")


@pytest.mark.parametrize("constante", ["NaN", "Infinity", "-Infinity"])
@pytest.mark.parametrize("champ", ["quantite", "prix_unitaire", "article_id"])
def test_nan_et_infinity_json_refuses(monde: Monde, constante: str, champ: str):
    ligne = json.dumps(_ligne(monde, **{champ: "__X__"})).replace('"__X__"', constante)
    brut = f'[{{"numero_facture": "F-H", "lignes": [{ligne}]}}]'
    corps = refus(monde.poste.sync(brut), 400, "INVALID_JSON")
    assert constante.lstrip("-") in corps["error"]


@pytest.mark.parametrize("valeur", ['"NaN"', '"Infinity"', '"-Infinity"', "1e400", "-1e400", '"1e400"', '"sNaN"'])
def test_montant_non_fini_ou_demesure_refuse_par_champ(monde: Monde, valeur: str):
    for champ in ("prix_unitaire", "montant_total"):
        ligne = (
            json.dumps(_ligne(monde)).replace('"prix_unitaire": 100', f'"prix_unitaire": {valeur}')
            if champ == "prix_unitaire"
            else json.dumps(_ligne(monde))
        )
        extra = f', "montant_total": {valeur}' if champ == "montant_total" else ""
        brut = f'[{{"numero_facture": "F-H", "lignes": [{ligne}]{extra}}}]'
        corps = refus(monde.poste.sync(brut), 400, "INVALID_PAYLOAD")
        assert champ in corps["details"]["champ"]


# --- Quantities and prices ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "quantite",
    [1.5, 2.0, "2", "deux", None, True, [], {}, 0, -1, -(2**63), 2**63, 10**30, 1_000_001],
    ids=lambda v: repr(v)[:20],
)
def test_quantite_qui_n_est_pas_un_entier_positif_raisonnable(monde: Monde, quantite: Any):
    corps = refus(monde.poste.sync(_vente(monde, _ligne(monde, quantite=quantite))), 400, "INVALID_PAYLOAD")
    assert corps["details"]["champ"] == "[0].lignes[0].quantite"


@pytest.mark.parametrize(
    "prix",
    [
        12345678901234567890,
        "12345678901234567890",
        12345678901234567890.5,
        "99999999999999999999.99",
        -1,
        "-0.01",
        "douze",
        True,
        [],
        10**400,
    ],
    ids=lambda v: repr(v)[:24],
)
def test_prix_a_vingt_chiffres_negatif_ou_illisible(monde: Monde, prix: Any):
    corps = refus(monde.poste.sync(_vente(monde, _ligne(monde, prix_unitaire=prix))), 400, "INVALID_PAYLOAD")
    assert corps["details"]["champ"] == "[0].lignes[0].prix_unitaire"


@pytest.mark.parametrize("article_id", [0, -5, 2**63, "1", 1.0, None, 10**40])
def test_identifiant_d_article_hors_limites(monde: Monde, article_id: Any):
    corps = refus(monde.poste.sync(_vente(monde, _ligne(monde, article_id=article_id))), 400, "INVALID_PAYLOAD")
    assert corps["details"]["champ"] == "[0].lignes[0].article_id"


@pytest.mark.parametrize("sequence", [0, -1, 2**63, "7", 1.5])
def test_sequence_du_terminal_hors_limites(monde: Monde, sequence: Any):
    refus(monde.poste.sync(_vente(monde, sequence=sequence)), 400, "INVALID_PAYLOAD")


# --- Unknown fields, wrong shapes ---------------------------------------------------------------


@pytest.mark.parametrize(
    "corps",
    [
        lambda m: [{"numero_facture": "F", "lignes": [_ligne(m, remise=10)]}],
        lambda m: [{"numero_facture": "F", "lignes": [_ligne(m)], "boutique_id": m.autre_boutique.pk}],
        lambda m: [{"numero_facture": "F", "lignes": [_ligne(m)], "terminal_id": 1}],
        lambda m: {"ventes": [], "__proto__": {}},
        lambda m: [[_ligne(m)]],
        lambda m: ["F-1"],
        lambda m: [None],
        lambda m: [{"numero_facture": "F", "lignes": _ligne(m)}],
        lambda m: [{"numero_facture": ["F"], "lignes": [_ligne(m)]}],
        lambda m: [{"numero_facture": "F", "paye": "oui", "lignes": [_ligne(m)]}],
        lambda m: [{"numero_facture": "F", "mode_paiement": 3, "lignes": [_ligne(m)]}],
        lambda m: {"ventes": {"0": {}}},
        lambda m: '"ventes"',
        lambda m: None,
    ],
    ids=[
        "champ-inconnu-ligne",
        "boutique-dans-la-vente",
        "terminal-dans-la-vente",
        "proto",
        "tableau-de-tableaux",
        "chaine",
        "null",
        "lignes-objet",
        "numero-tableau",
        "paye-texte",
        "mode-nombre",
        "ventes-objet",
        "corps-chaine",
        "corps-null",
    ],
)
def test_forme_inattendue_refusee(monde: Monde, corps):
    refus(monde.poste.sync(corps(monde)), 400, "INVALID_PAYLOAD")


def test_enveloppe_avec_un_boutique_id_qui_n_est_pas_un_entier(monde: Monde):
    for valeur in ("1", [monde.boutique.pk], {"id": monde.boutique.pk}, 1.5):
        r = monde.poste.sync({"boutique_id": valeur, "ventes": []})
        assert r.status_code in (400, 403)
        refus(r, r.status_code, "INVALID_PAYLOAD" if r.status_code == 400 else "BOUTIQUE_MISMATCH")


# --- Sizes ------------------------------------------------------------------------------------


def test_tableau_immense_refuse_avant_toute_validation(monde: Monde):
    r = monde.poste.sync("[" + ",".join(["1"] * 200_000) + "]")
    refus(r, 413, "BATCH_TOO_LARGE")


def test_vente_de_501_lignes_refusee(monde: Monde):
    corps = refus(
        monde.poste.sync(_vente(monde) * 0 + [{"numero_facture": "F", "lignes": [_ligne(monde)] * 501}]),
        400,
        "INVALID_PAYLOAD",
    )
    assert corps["details"]["champ"] == "[0].lignes"


def test_corps_de_10_mo_refuse_413(monde: Monde):
    brut = b'[{"numero_facture": "' + b"x" * (10 * 1024 * 1024) + b'"}]'
    refus(monde.poste.sync(brut), 413, "BODY_TOO_LARGE")


def test_imbrication_profonde_ne_fait_pas_tomber_le_serveur(monde: Monde):
    brut = "[" * 100_000 + "]" * 100_000
    r = monde.poste.sync(brut)
    assert r.status_code in (400, 413)
    refus(r, r.status_code, r.json()["code"])


def test_numero_de_facture_de_500_caracteres(monde: Monde):
    corps = refus(monde.poste.sync(_vente(monde, numero_facture="F" * 500)), 400, "INVALID_PAYLOAD")
    assert corps["details"]["champ"] == "[0].numero_facture"
    assert "100" in corps["error"]
    for champ, maximum in (("uuid", 64), ("client_nom", 150), ("client_telephone", 40)):
        corps = refus(monde.poste.sync(_vente(monde, **{champ: "é" * (maximum + 1)})), 400, "INVALID_PAYLOAD")
        assert corps["details"]["champ"] == f"[0].{champ}"


# --- Unicode -----------------------------------------------------------------------------------

UNICODE = [
    "Facture n° 42 — Ngɔmbɛ",
    "ملف-٤٢",
    "账单-四十二",
    "🧾💸🇨🇩",
    "e\u0301\u0301\u0301",  # combining marks
    "\u202eRTL-override",
    "Z̸̢̛a̷l̶g̸o̵",
    "'; DROP TABLE ventes_vente; --",
    "<script>alert(1)</script>",
]


@pytest.mark.parametrize("texte", UNICODE, ids=range(len(UNICODE)))
def test_unicode_dans_chaque_champ_texte_enregistre_tel_quel(monde: Monde, texte: str):
    corps = [
        vente(
            texte[:100],
            (monde.article.pk, 1, 100),
            uuid=texte[:64],
            client_nom=texte,
            client_telephone=texte[:40],
        )
    ]
    r = monde.poste.sync(corps)
    assert r.status_code == 201, r.content[:300]
    (creee,) = r.json()["details"]["creees"]
    v = Vente.objects.get(pk=creee["id"])
    assert (v.numero_facture, v.uuid, v.client_nom, v.client_telephone) == (
        texte[:100],
        texte[:64],
        texte,
        texte[:40],
    )
    # A resend of the same unicode content is recognised as the same sale.
    assert monde.poste.sync(corps).json()["details"]["creees"][0]["status"] == "already_exists"
    lue = monde.poste.get("/api/v2/simple/ventes/", numero_facture=texte[:100]).json()
    assert [x["id"] for x in lue["ventes"]] == [v.pk]


@pytest.mark.parametrize(
    "texte",
    ["nul\u0000", "\u0000", "a\u0001b", "surrogat\ud800", "\udfff"],
    ids=["nul", "nul-seul", "controle", "surrogat-haut", "surrogat-bas"],
)
@pytest.mark.parametrize("champ", ["numero_facture", "uuid", "client_nom", "client_telephone"])
def test_caracteres_que_la_base_ne_peut_pas_garder_refuses(monde: Monde, texte: str, champ: str):
    # NUL is refused by PostgreSQL, lone surrogates cannot be encoded in UTF-8: both used to be 500s.
    brut = json.dumps(_vente(monde, **{champ: texte}))
    corps = refus(monde.poste.sync(brut), 400, "INVALID_PAYLOAD")
    assert corps["details"]["champ"] == f"[0].{champ}"


def test_mode_de_paiement_unicode_refuse(monde: Monde):
    refus(monde.poste.sync(_vente(monde, mode_paiement="ESPÈCES")), 400, "INVALID_PAYLOAD")
    # Case and surrounding blanks are tolerated, as terminals send them.
    r = monde.poste.sync(_vente(monde, mode_paiement="  mobile_money "))
    assert r.status_code == 201 and Vente.objects.get().mode_paiement == "MOBILE_MONEY"


# --- Dates -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "date",
    [
        "9999-12-31T23:59:59+00:00",
        "3000-01-01T00:00:00Z",
        "0001-01-01T00:00:00Z",
        "1970-01-01T00:00:00Z",
        "1999-12-31T23:59:59+00:00",
        "10000-01-01T00:00:00Z",
        "2026-13-01T00:00:00Z",
        "2026-02-30T10:00:00Z",
        "2026-11-01T25:00:00Z",
        "2026-11-01T10:00:00+25:00",
        "demain",
        "",
        -1e300,
    ],
)
def test_date_de_vente_absurde_refusee(monde: Monde, date: Any):
    if date == "":
        # Empty means absent for a terminal: the sale is dated by the server, not refused.
        return
    corps = refus(monde.poste.sync(_vente(monde, date_vente=date)), 400, "INVALID_PAYLOAD")
    assert corps["details"]["champ"] == "[0].date_vente"


@pytest.mark.parametrize("url", ["/api/v2/simple/ventes/", "/api/v2/simple/mouvements-stock/"])
@pytest.mark.parametrize(
    "date",
    [
        "9999-12-31",
        "0001-01-01",
        "0001-01-01T00:00:00",
        "9999-12-31T23:59:59-12:00",
        "10000-01-01",
        "2026-02-30",
        "x" * 5000,
        "2026-11-01T10:00:00 01:00",
    ],
)
def test_filtres_de_date_extremes_sans_erreur_serveur(monde: Monde, url: str, date: str):
    for param in ("date_debut", "date_fin"):
        r = monde.poste.get(url, **{param: date})
        assert r.status_code in (200, 400), (param, date, r.status_code, r.content[:300])
        if r.status_code == 400:
            refus(r, 400, "INVALID_DATE")


@pytest.mark.parametrize(
    ("param", "valeur"),
    [
        ("limit", "-1"),
        ("limit", "0"),
        ("limit", "1e9"),
        ("limit", "NaN"),
        ("article_id", "0"),
        ("article_id", "-3"),
        ("article_id", "9" * 40),
        ("article_id", "un"),
        ("type_mouvement", "VOL"),
        ("statut", "PERDUE"),
        ("mode_paiement", "TROC"),
        ("modifie_depuis", "hier"),
    ],
)
def test_parametres_de_lecture_invalides_400(monde: Monde, param: str, valeur: str):
    url = {
        "article_id": "/api/v2/simple/mouvements-stock/",
        "type_mouvement": "/api/v2/simple/mouvements-stock/",
        "modifie_depuis": "/api/v2/simple/articles/",
    }.get(param, "/api/v2/simple/ventes/")
    r = monde.poste.get(url, **{param: valeur})
    refus(r, 400, "INVALID_DATE" if param == "modifie_depuis" else "INVALID_PAYLOAD")


@pytest.mark.parametrize("valeur", ["nul\x00", "é" * 2000, "%", "_", "\\"])
def test_filtre_numero_facture_hostile_sans_erreur_serveur(monde: Monde, valeur: str):
    monde.poste.sync([vente("F-1", (monde.article.pk, 1, 10))])
    r = monde.poste.get("/api/v2/simple/ventes/", numero_facture=valeur)
    if "\x00" in valeur:
        assert r.status_code == 400 and r.json()["code"] == "INVALID_PAYLOAD"
    else:
        assert r.status_code == 200, r.content[:300]
        assert r.json()["count"] == 0


@pytest.mark.parametrize("serie", ["nul\x00", "é" * 500, " ", "\t"])
def test_numero_de_serie_hostile_sans_erreur_serveur(monde: Monde, serie: str):
    r = monde.poste.client.get("/api/v2/simple/terminal/", headers={"X-Device-Serial": serie})
    assert r.status_code in (400, 404), r.content[:300]
    refus(r, r.status_code, r.json()["code"])


def test_methodes_non_prevues_405(monde: Monde):
    for methode in ("put", "patch", "delete"):
        r = getattr(monde.poste.client, methode)(
            "/api/v2/simple/ventes/sync",
            data=json.dumps(_vente(monde)),
            content_type="application/json",
            headers=monde.poste.entetes,
        )
        assert r.status_code == 405
    _rien_ecrit()
