"""Back-office and admin logins throttled by account and by client address (issues 17 and 22)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client, override_settings

from magasin.boutiques.tests.factories import UtilisateurFactory
from magasin.core.limitation import blocage_restant
from magasin.web.views.auth import LIMITE_ADRESSE, LIMITE_COMPTE

from .conftest import MOT_DE_PASSE, Monde

ADMIN = "/admin/login/"
WEB = "/connexion/"


@pytest.fixture
def admin(db: None) -> Any:
    return UtilisateurFactory(username="admin", is_staff=True, is_superuser=True)


def _essai(client: Client, url: str, nom: str, mot_de_passe: str, xff: str | None = None) -> Any:
    entetes = {"X-Forwarded-For": xff} if xff else {}
    return client.post(url, {"username": nom, "password": mot_de_passe}, headers=entetes)


def _est_429(r: Any) -> None:
    assert r.status_code == 429
    assert 0 < int(r["Retry-After"]) <= LIMITE_COMPTE.fenetre_s
    assert "Trop de tentatives échouées : réessayez dans 15 min." in r.content.decode()


def test_admin_bloque_apres_cinq_echecs_meme_avec_le_bon_mot_de_passe(admin: Any):
    client = Client()
    for _ in range(LIMITE_COMPTE.maximum):
        assert _essai(client, ADMIN, "admin", "faux").status_code == 200
    _est_429(_essai(client, ADMIN, "admin", MOT_DE_PASSE))
    assert client.get("/admin/").status_code == 302  # not logged in
    # The account, not the client: from elsewhere too, and whatever the case of the name.
    _est_429(_essai(Client(REMOTE_ADDR="198.51.100.9"), ADMIN, "ADMIN", MOT_DE_PASSE))
    assert blocage_restant(LIMITE_COMPTE, "admin") > 0


def test_admin_se_connecte_sans_echecs(admin: Any):
    client = Client()
    r = _essai(client, ADMIN, "admin", MOT_DE_PASSE)
    assert r.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_connexion_bloquee_par_adresse_sur_plusieurs_comptes(monde: Monde):
    client = Client()
    for i in range(LIMITE_ADRESSE.maximum):
        assert _essai(client, WEB, f"inconnu-{i}", "faux").status_code == 200
    _est_429(_essai(client, WEB, "gerant", MOT_DE_PASSE))
    _est_429(_essai(Client(), ADMIN, "gerant", MOT_DE_PASSE))  # the admin door shares the counters
    # Another address is not blocked: the account itself has no failure.
    assert _essai(Client(REMOTE_ADDR="198.51.100.9"), WEB, "gerant", MOT_DE_PASSE).status_code == 302


def test_les_deux_portes_comptent_ensemble_par_compte(admin: Any):
    for _ in range(3):
        assert _essai(Client(), WEB, "admin", "faux").status_code == 200
    for _ in range(2):
        assert _essai(Client(), ADMIN, "admin", "faux").status_code == 200
    _est_429(_essai(Client(), WEB, "admin", MOT_DE_PASSE))
    _est_429(_essai(Client(), ADMIN, "admin", MOT_DE_PASSE))


def test_une_connexion_reussie_efface_les_echecs_du_compte(monde: Monde):
    for _ in range(LIMITE_COMPTE.maximum - 1):
        _essai(Client(), WEB, "gerant", "faux")
    assert _essai(Client(), WEB, "gerant", MOT_DE_PASSE).status_code == 302
    for _ in range(LIMITE_COMPTE.maximum - 1):
        _essai(Client(), WEB, "gerant", "faux")
    assert _essai(Client(), WEB, "gerant", MOT_DE_PASSE).status_code == 302


@override_settings(MAGASIN_PROXIES_DE_CONFIANCE=["127.0.0.1"])
def test_adresse_reelle_derriere_le_proxy_de_confiance(monde: Monde, admin: Any):
    # Everyone reaches Django from nginx (127.0.0.1); nginx names the real client.
    for i in range(LIMITE_ADRESSE.maximum):
        assert _essai(Client(), ADMIN, f"inconnu-{i}", "faux", xff=f"6.6.6.{i}, 203.0.113.66").status_code == 200
    _est_429(_essai(Client(), ADMIN, "admin", MOT_DE_PASSE, xff="203.0.113.66"))
    assert blocage_restant(LIMITE_ADRESSE, "203.0.113.66") > 0
    # The other users behind the same nginx log in.
    assert _essai(Client(), ADMIN, "admin", MOT_DE_PASSE, xff="203.0.113.77").status_code == 302
    assert _essai(Client(), WEB, "gerant", MOT_DE_PASSE, xff="198.51.100.5").status_code == 302


def test_x_forwarded_for_ignore_sans_proxy_de_confiance(monde: Monde):
    for i in range(LIMITE_ADRESSE.maximum):
        _essai(Client(), WEB, f"inconnu-{i}", "faux", xff=f"203.0.113.{i}")
    _est_429(_essai(Client(), WEB, "gerant", MOT_DE_PASSE, xff="198.51.100.5"))
    assert blocage_restant(LIMITE_ADRESSE, "127.0.0.1") > 0
