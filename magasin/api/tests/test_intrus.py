"""Intruders on the terminal API: a terminal of shop A reaches nothing of shop B, by any door.

Already proven elsewhere (not repeated): an article of B is refused like an unknown id
(test_2), an envelope naming B is 403, another terminal's token is 401, rotation kills the old
token, tokens are stored hashed, 25 failures give 429 (test_synchro_regles.py).
"""

from __future__ import annotations

import hmac
import json
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from magasin.boutiques.models import Terminal
from magasin.boutiques.services import terminal_revoquer_jeton
from magasin.stock.models import Article, MouvementStock
from magasin.stock.services import stock_entree
from magasin.stock.tests.invariants import verifier_registre
from magasin.ventes.models import Vente, VenteQuarantaine

from .conftest import Monde, Poste, vente

SECRET = "SECRET-GOMBE"
LECTURES = [
    "/api/v2/simple/articles/",
    "/api/v2/simple/mouvements-stock/",
    "/api/v2/simple/ventes/",
    "/api/v2/simple/terminal/",
]


@pytest.fixture
def monde_b(monde: Monde) -> Monde:
    """Shop B has a life of its own: a named article, sales, a quarantined sale, movements."""
    cache.clear()
    b = monde.autre_boutique
    b.nom = f"Boutique {SECRET}"
    b.save()
    Article.objects.filter(pk=monde.article_autre.pk).update(nom=f"Article {SECRET}", code=f"{SECRET}-1")
    monde.article_autre.refresh_from_db()
    stock_entree(article=monde.article_autre, quantite=5, acteur=None, reference_document=SECRET)
    d = monde.poste_autre.sync(
        [
            vente(f"{SECRET}-F1", (monde.article_autre.pk, 2, 3000), uuid=f"{SECRET}-U1", client_nom=SECRET),
            vente(f"{SECRET}-F2", (monde.article_autre.pk, 10_000, 3000)),  # quarantined
        ]
    ).json()
    assert (d["ventes_creees"], d["ventes_erreurs"]) == (1, 1)
    yield monde
    cache.clear()


def _corps(r: Any) -> str:
    return r.content.decode()


def _ids_de_b(monde: Monde) -> dict[str, set[int]]:
    b = monde.autre_boutique
    return {
        "ventes": set(Vente.objects.filter(boutique=b).values_list("pk", flat=True)),
        "mouvements": set(MouvementStock.objects.filter(boutique=b).values_list("pk", flat=True)),
        "articles": set(Article.objects.filter(boutique=b).values_list("pk", flat=True)),
    }


def test_aucune_lecture_de_a_ne_montre_rien_de_b_par_filtre_ou_par_id(monde_b: Monde):
    m = monde_b
    monde_b.poste.sync([vente("A-1", (m.article.pk, 1, 100))])
    ids = _ids_de_b(m)
    b = m.autre_boutique
    vente_b = Vente.objects.get(boutique=b)
    filtres: list[dict[str, Any]] = [
        {},
        {"limit": "500"},
        {"article_id": str(m.article_autre.pk)},
        {"numero_facture": f"{SECRET}-F1"},
        {"numero_facture": SECRET},
        {"numero_facture": "F"},
        {"reference_document": SECRET},
        {"boutique_id": str(b.pk)},
        {"boutique": str(b.pk)},
        {"terminal_id": str(m.poste_autre.terminal.pk)},
        {"id": str(vente_b.pk)},
        {"uuid": f"{SECRET}-U1"},
        {"modifie_depuis": "2000-01-01"},
        {"date_debut": "2000-01-01", "date_fin": "2999-01-01"},
    ]
    vus = 0
    for url in LECTURES:
        for params in filtres:
            for entetes in ({}, {"X-Boutique-Id": str(b.pk)}):
                r = m.poste.client.get(url, params, headers={**m.poste.entetes, **entetes})
                assert r.status_code == 200, (url, params, r.content[:200])
                texte = _corps(r)
                assert SECRET not in texte, (url, params)
                d = r.json()
                assert d.get("boutique_id", d.get("boutique", {}).get("id")) == m.boutique.pk
                assert not {a["id"] for a in d.get("articles", [])} & ids["articles"]
                assert not {x["id"] for x in d.get("ventes", [])} & ids["ventes"]
                assert not {x["id"] for x in d.get("mouvements", [])} & ids["mouvements"]
                assert not {x["article_id"] for x in d.get("mouvements", [])} & ids["articles"]
                vus += len(d.get("ventes", [])) + len(d.get("mouvements", [])) + len(d.get("articles", []))
    assert vus > 0  # A's own data was there to be seen: the filters were not simply empty


def test_ecrire_chez_b_depuis_a_est_impossible_par_numero_uuid_article_ou_enveloppe(monde_b: Monde):
    m = monde_b
    b = m.autre_boutique
    avant_b = (
        list(Vente.objects.filter(boutique=b).values_list("pk", "numero_facture", "statut", "montant_total")),
        list(MouvementStock.objects.filter(boutique=b).values_list("pk", "quantite")),
        list(VenteQuarantaine.objects.filter(boutique=b).values_list("pk", "statut", "nombre_receptions")),
        Article.objects.get(pk=m.article_autre.pk).quantite_stock,
    )
    vente_b = Vente.objects.get(boutique=b)
    # B's number and uuid, resent from A with B's content: for A these are A's own new sale.
    d = m.poste.sync([vente(f"{SECRET}-F1", (m.article.pk, 2, 3000), uuid=f"{SECRET}-U1", client_nom=SECRET)]).json()
    (c,) = d["details"]["creees"]
    assert c["status"] == "created" and c["id"] != vente_b.pk and c["boutique_id"] == m.boutique.pk
    # B's quarantined sale, sent by A: refused for A (B's article), never merged with B's entry.
    d = m.poste.sync([vente(f"{SECRET}-F2", (m.article_autre.pk, 10_000, 3000))]).json()
    assert d["details"]["erreurs"][0]["code"] == "ARTICLE_INTROUVABLE"
    q = VenteQuarantaine.objects.get(pk=d["details"]["erreurs"][0]["quarantaine_id"])
    assert (q.boutique_id, q.terminal_id) == (m.boutique.pk, m.poste.terminal.pk)
    # Envelopes and headers naming B, B's serial with A's token, A's serial with B's token.
    assert m.poste.sync({"boutique_id": b.pk, "ventes": [vente("X", (m.article_autre.pk, 1, 1))]}).status_code == 403
    assert m.poste.sync({"device_serial": m.poste_autre.terminal.numero_serie, "ventes": []}).status_code == 403
    for serie, jeton in (
        (m.poste_autre.terminal.numero_serie, m.poste.jeton),
        (m.poste.terminal.numero_serie, m.poste_autre.jeton),
    ):
        r = m.poste.client.post(
            "/api/v2/simple/ventes/sync",
            data=json.dumps([vente("X2", (m.article_autre.pk, 1, 1))]),
            content_type="application/json",
            headers={"X-Device-Serial": serie, "Authorization": f"Bearer {jeton}"},
        )
        assert (r.status_code, r.json()["code"]) == (401, "TOKEN_INVALIDE")
    # Two serial headers at once: the first one listed is the identity, the token must match it.
    r = m.poste.client.get(
        "/api/v2/simple/terminal/",
        headers={
            "X-Device-Serial": m.poste.terminal.numero_serie,
            "Serial-Number": m.poste_autre.terminal.numero_serie,
            "Authorization": f"Bearer {m.poste.jeton}",
        },
    )
    assert r.json()["terminal"]["id"] == m.poste.terminal.pk
    apres_b = (
        list(Vente.objects.filter(boutique=b).values_list("pk", "numero_facture", "statut", "montant_total")),
        list(MouvementStock.objects.filter(boutique=b).values_list("pk", "quantite")),
        list(VenteQuarantaine.objects.filter(boutique=b).values_list("pk", "statut", "nombre_receptions")),
        Article.objects.get(pk=m.article_autre.pk).quantite_stock,
    )
    assert apres_b == avant_b
    verifier_registre()


def test_un_terminal_deplace_vers_b_ne_voit_plus_rien_de_a(monde_b: Monde):
    m = monde_b
    m.poste.sync([vente("A-AVANT", (m.article.pk, 1, 100))])
    Terminal.objects.filter(pk=m.poste.terminal.pk).update(boutique=m.autre_boutique)
    for url in LECTURES:
        texte = _corps(m.poste.get(url, limit="500"))
        assert "A-AVANT" not in texte and "Ma Boutique" not in texte
    # And its old number is free in B: no cross-shop identity.
    d = m.poste.sync([vente("A-AVANT", (m.article.pk, 1, 100))]).json()
    assert d["details"]["erreurs"][0]["code"] == "ARTICLE_INTROUVABLE"


# --- Tokens ---------------------------------------------------------------------------------


def test_jeton_compare_en_temps_constant(monde: Monde, monkeypatch):
    appels: list[tuple[str, str]] = []
    vrai = hmac.compare_digest

    def espion(a: Any, b: Any) -> bool:
        appels.append((a, b))
        return vrai(a, b)

    monkeypatch.setattr(hmac, "compare_digest", espion)
    assert monde.poste.get("/api/v2/simple/terminal/").status_code == 200
    t = Terminal.objects.get(pk=monde.poste.terminal.pk)
    assert appels and all(t.jeton_hash in paire for paire in appels)
    # Never the clear token: only hashes are compared.
    assert all(monde.poste.jeton not in paire for paire in appels)
    appels.clear()
    monde.poste.jeton = monde.poste.jeton[:-1] + ("A" if monde.poste.jeton[-1] != "A" else "B")
    assert monde.poste.get("/api/v2/simple/terminal/").status_code == 401
    assert len(appels) == 1


def test_jeton_revoque_ne_marche_plus_sur_aucun_endpoint(monde: Monde):
    cache.clear()
    terminal_revoquer_jeton(terminal=monde.poste.terminal)
    for url in LECTURES:
        r = monde.poste.get(url)
        assert (r.status_code, r.json()["code"]) == (401, "TOKEN_INVALIDE")
    r = monde.poste.sync([vente("R-1", (monde.article.pk, 1, 1))])
    assert r.status_code == 401
    # An empty token never matches an emptied hash.
    r = monde.poste.client.get(
        "/api/v2/simple/terminal/",
        headers={"X-Device-Serial": monde.poste.terminal.numero_serie, "Authorization": "Bearer "},
    )
    assert r.status_code == 401
    assert not Vente.objects.exists()
    cache.clear()


def test_limitation_des_series_devinees_par_client_sans_bloquer_les_bons_terminaux(monde: Monde):
    cache.clear()
    intrus = Client(REMOTE_ADDR="10.0.0.66")
    voisin = Client(REMOTE_ADDR="10.0.0.77")
    try:
        # Guessing serials counts as much as guessing tokens.
        codes = [
            intrus.get("/api/v2/simple/terminal/", headers={"X-Device-Serial": f"DEVINE-{i}"}).status_code
            for i in range(25)
        ]
        assert codes[0] == 404 and codes[-1] == 429
        r = intrus.get("/api/v2/simple/terminal/", headers={"X-Device-Serial": "DEVINE-X", "Authorization": "Bearer x"})
        assert (r.status_code, r.json()["code"]) == (429, "TROP_DE_TENTATIVES")
        # Valid credentials are never throttled by others' failures, even from that address
        # (a whole fleet may share it behind a proxy; issue 17, magasin/api/auth.py)...
        bon = {**monde.poste.entetes}
        assert intrus.get("/api/v2/simple/terminal/", headers=bon).status_code == 200
        r = intrus.post("/api/v2/simple/ventes/sync", data="[]", content_type="application/json", headers=bon)
        assert r.status_code == 201
        # ...and another client is not affected at all.
        assert voisin.get("/api/v2/simple/terminal/", headers={"X-Device-Serial": "DEVINE-0"}).status_code == 404
    finally:
        cache.clear()


def test_reussites_ne_comptent_pas_comme_echecs(monde: Monde):
    cache.clear()
    for _ in range(40):
        assert monde.poste.get("/api/v2/simple/terminal/").status_code == 200
    cache.clear()


# --- Security headers -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("methode", "url", "entetes_valides"),
    [
        ("get", "/api/v2/simple/terminal/", True),
        ("get", "/api/v2/simple/articles/", False),
        ("post", "/api/v2/simple/ventes/sync", True),
        ("post", "/api/v2/simple/ventes/sync", False),
        ("get", "/api/v2/simple/inexistant/", True),
        ("get", "/api/openapi.json", False),
        ("get", "/api/docs", False),
    ],
)
def test_entetes_de_securite_sur_les_reponses_de_l_api(monde: Monde, methode: str, url: str, entetes_valides: bool):
    cache.clear()
    poste = monde.poste if entetes_valides else Poste(Client(), monde.poste.terminal, "faux")
    r = poste.sync([vente("H-1", (monde.article.pk, 1, 1))], url=url) if methode == "post" else poste.get(url)
    assert r["X-Content-Type-Options"] == "nosniff"
    assert r["Referrer-Policy"] == "same-origin"
    assert r["X-Frame-Options"] == "DENY"
    cache.clear()
