"""Helpers shared by the web tests: a terminal sync through the real API."""

from __future__ import annotations

import json
from typing import Any

from django.test import Client

from magasin.boutiques.models import Terminal


def synchroniser(terminal: Terminal, jeton: str, ventes: list[dict[str, Any]]) -> dict[str, Any]:
    reponse = Client().post(
        "/api/v2/simple/ventes/sync",
        data=json.dumps(ventes),
        content_type="application/json",
        headers={"X-Device-Serial": terminal.numero_serie, "Authorization": f"Bearer {jeton}"},
    )
    assert reponse.status_code == 201, reponse.content
    return reponse.json()
