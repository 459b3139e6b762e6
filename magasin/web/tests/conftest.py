"""The back-office tests' world: two shops, a manager and a cashier in the first, a manager in the
second (built by `magasin/caisse/tests/mondes.py`, shared with the till's tests), logged-in clients."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from magasin.caisse.tests.mondes import Monde, monde_creer

MOT_DE_PASSE = "motdepasse"


@pytest.fixture(autouse=True)
def _cache_vide() -> None:
    cache.clear()


@pytest.fixture
def monde(db: None) -> Monde:
    return monde_creer()


def client_de(utilisateur: Any) -> Client:
    client = Client()
    client.force_login(utilisateur)
    return client


@pytest.fixture
def client_gerant(monde: Monde) -> Client:
    return client_de(monde.gerant)


@pytest.fixture
def client_caissier(monde: Monde) -> Client:
    return client_de(monde.caissier)
