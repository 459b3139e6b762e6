"""No fleet lock-out (issue 17): failures are throttled per serial and per client address, and a
terminal presenting valid credentials is always served."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client, override_settings

from magasin.api.auth import LIMITE_ADRESSE, LIMITE_SERIE
from magasin.boutiques.services import terminal_desactiver
from magasin.boutiques.tests.factories import creer_terminal
from magasin.core.limitation import blocage_restant

from .conftest import Monde, Poste, vente

TERMINAL = "/api/v2/simple/terminal/"
N = LIMITE_ADRESSE.maximum


@pytest.fixture(autouse=True)
def _cache_vide() -> Any:
    cache.clear()
    yield
    cache.clear()


def _appel(client: Client, serie: str, jeton: str | None = None, xff: str | None = None) -> Any:
    entetes = {"X-Forwarded-For": xff} if xff else {}
    if jeton:
        entetes["Authorization"] = f"Bearer {jeton}"
    return client.get(TERMINAL, headers={"X-Device-Serial": serie, **entetes})


def _est_429(r: Any) -> None:
    assert r.status_code == 429
    assert r.json() == {
        "success": False,
        "error": r.json()["error"],
        "code": "TROP_DE_TENTATIVES",
        "details": {"reessayer_dans_s": int(r["Retry-After"])},
    }
    assert 0 < int(r["Retry-After"]) <= LIMITE_ADRESSE.fenetre_s


def test_un_terminal_retire_qui_insiste_ne_bloque_pas_la_flotte_derriere_la_meme_adresse(monde: Monde):
    # Behind nginx every terminal is 127.0.0.1, the test client's address too.
    retire, _ = creer_terminal(monde.boutique, serie_seule=True, numero_serie="RETIRE-01")
    terminal_desactiver(terminal=retire)
    codes = [_appel(Client(), "RETIRE-01").status_code for _ in range(25)]
    assert codes[:N] == [404] * N and codes[N:] == [429] * (25 - N)
    _est_429(_appel(Client(), "RETIRE-01"))
    assert blocage_restant(LIMITE_ADRESSE, "127.0.0.1") > 0
    # The rest of the fleet, same address: read, sync, with a token or on its serial alone.
    assert monde.poste.get(TERMINAL).status_code == 200
    r = monde.poste.sync([vente("FLOTTE-1", (monde.article.pk, 1, 25000))])
    assert (r.status_code, r.json()["ventes_creees"]) == (201, 1)
    assert monde.poste_autre.get("/api/v2/simple/articles/").status_code == 200
    ancien, _ = creer_terminal(monde.boutique, serie_seule=True)
    assert Poste(Client(), ancien, None).get(TERMINAL).status_code == 200


def test_une_serie_bloquee_recoit_429_avec_retry_after_et_son_bon_jeton_passe(monde: Monde):
    poste = monde.poste
    serie = poste.terminal.numero_serie
    # From many addresses (a trusted proxy names them): no address reaches its limit.
    with override_settings(MAGASIN_PROXIES_DE_CONFIANCE=["127.0.0.1"]):
        codes = [_appel(poste.client, serie, "mgs_faux", xff=f"203.0.113.{i}").status_code for i in range(N + 2)]
        assert codes == [401] * N + [429] * 2
        _est_429(_appel(poste.client, serie, "mgs_faux", xff="198.51.100.1"))
        assert blocage_restant(LIMITE_SERIE, serie) > 0
        # The right token is served at once (see magasin/api/auth.py for why) ...
        assert _appel(poste.client, serie, poste.jeton, xff="198.51.100.1").status_code == 200
        # ... and the same addresses with other serials still get their plain answers.
        assert _appel(poste.client, "INCONNU-1", xff="203.0.113.1").status_code == 404


def test_x_forwarded_for_ignore_sans_proxy_de_confiance(monde: Monde):
    # Each failure claims another address: without a trusted proxy, they all count for the peer.
    for i in range(N):
        assert _appel(Client(), f"DEVINE-{i}", xff=f"203.0.113.{i}").status_code == 404
    _est_429(_appel(Client(), "DEVINE-X", xff="198.51.100.99"))
    assert blocage_restant(LIMITE_ADRESSE, "127.0.0.1") > 0


@override_settings(MAGASIN_PROXIES_DE_CONFIANCE=["127.0.0.1"])
def test_x_forwarded_for_cru_d_un_proxy_de_confiance(monde: Monde):
    intrus = "203.0.113.66"
    for i in range(N):
        # A spoofed left part changes nothing: nginx appended the real address.
        xff = intrus if i % 2 else f"10.{i}.0.1, {intrus}"
        assert _appel(Client(), f"DEVINE-{i}", xff=xff).status_code == 404
    _est_429(_appel(Client(), "DEVINE-X", xff=intrus))
    assert blocage_restant(LIMITE_ADRESSE, "203.0.113.66") > 0
    assert blocage_restant(LIMITE_ADRESSE, "127.0.0.1") == 0
    # Another client behind the same proxy gets its own answers.
    assert _appel(Client(), "DEVINE-Y", xff="203.0.113.77").status_code == 404
    # The intruder's address, with a valid terminal: served.
    assert _appel(Client(), monde.poste.terminal.numero_serie, monde.poste.jeton, xff=intrus).status_code == 200


def test_les_reussites_ne_comptent_pas(monde: Monde):
    for _ in range(3 * N):
        assert monde.poste.get(TERMINAL).status_code == 200
    assert _appel(Client(), "INCONNU").status_code == 404
    assert blocage_restant(LIMITE_ADRESSE, "127.0.0.1") == 0


def test_une_requete_acceptee_n_ecrit_rien_dans_le_cache(monde: Monde, tmp_path: Path):
    """The production cache without Redis is files: accepted requests leave none behind."""
    fichiers = {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache", "LOCATION": str(tmp_path / "c")}
    with override_settings(CACHES={"default": fichiers}):
        for _ in range(5):
            assert monde.poste.get(TERMINAL).status_code == 200
        assert monde.poste.sync([vente("SANS-CACHE-1", (monde.article.pk, 1, 25000))]).status_code == 201
        assert not (tmp_path / "c").exists() or not any((tmp_path / "c").iterdir())
        assert _appel(Client(), "INCONNU").status_code == 404
        assert any((tmp_path / "c").iterdir())  # failures are counted there
