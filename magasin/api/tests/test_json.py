"""The API's JSON writer (orjson) writes what Django's JsonResponse wrote, value for value."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

from django.core.serializers.json import DjangoJSONEncoder
from django.utils.translation import gettext_lazy

from magasin.api.api import _json, repondre
from magasin.ventes.models import ModePaiement


def _comme_django(corps: dict) -> object:
    return json.loads(json.dumps(corps, cls=DjangoJSONEncoder, ensure_ascii=False))


def test_dates_et_valeurs_hors_json_ecrites_comme_django() -> None:
    corps = {
        # Django writes milliseconds, orjson alone would write microseconds.
        "moment": datetime(2026, 11, 21, 10, 30, 15, 123456, tzinfo=UTC),
        "jour": date(2026, 11, 21),
        "montant": Decimal("25000.50"),
        "uuid": uuid.UUID("12345678-1234-5678-1234-567812345678"),
        "mode": ModePaiement.MOBILE_MONEY,
        "paresseux": gettext_lazy("Caisse"),
        "texte": "Boutique Matonge – crédit",
        "liste": [1, None, True, {"a": "é"}],
    }
    assert json.loads(_json(corps)) == _comme_django(corps)
    assert json.loads(_json(corps))["moment"] == "2026-11-21T10:30:15.123Z"


def test_non_ascii_en_utf8_et_type_de_contenu() -> None:
    reponse = repondre({"message": "Vente déjà synchronisée"}, 201)
    assert reponse.status_code == 201
    assert reponse["Content-Type"] == "application/json"
    assert "déjà".encode() in reponse.content


def test_ce_que_orjson_refuse_passe_par_la_bibliotheque_standard() -> None:
    # orjson refuses integers beyond 64 bits and non-string keys; json.dumps writes both.
    for corps in ({"n": 2**70}, {1: "un", "deux": 2}):
        assert json.loads(_json(corps)) == _comme_django(corps)
