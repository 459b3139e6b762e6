"""The stack's floor: the least a sync endpoint can do in the same gunicorn, for comparison only.

`POST /bench/plancher/ventes/sync` authenticates the terminal with the API's own function
(`magasin.api.auth.terminal_de_requete`, as the sync calls it), reads the body as the API does
(`corps_de_requete`, then `json.loads`), and stores it as one row of `bench_plancher` in one
INSERT and one COMMIT. No business rule: no duplicate check, no stock, no ledger, no numbering.
What Magasin's sync costs above this is the price of its rules; the floor itself is what
Django, gunicorn, the network stack and one durable commit cost.

`bench_plancher` is a bench-only table without foreign keys (a key to the terminal would make
the test suite's table flushes refuse to truncate terminals), created by `creer_table_plancher`
(`bench.commun.creer_base`) on the benchmark database and, in the suite, by the floor's test.
"""

from __future__ import annotations

import json
from typing import Any

from django.db import connection, transaction
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from bench.commun import DDL_PLANCHER, TABLE_PLANCHER
from magasin.api.auth import terminal_de_requete
from magasin.api.corps import corps_de_requete
from magasin.core.erreurs import CodeErreur, ErreurMetier


def creer_table_plancher() -> None:
    """Create the floor's table on Django's default database if it is not there."""
    with connection.cursor() as curseur:
        curseur.execute(DDL_PLANCHER[connection.vendor])


def _reponse(corps: dict[str, Any], statut: int) -> JsonResponse:
    return JsonResponse(corps, status=statut, json_dumps_params={"ensure_ascii": False})


@csrf_exempt
def vue_plancher(request: HttpRequest) -> JsonResponse:
    """Authenticate, parse, one INSERT, COMMIT; answer as the sync does for a fully accepted batch."""
    if request.method != "POST":
        return _reponse({"success": False, "error": "POST attendu"}, 405)
    try:
        terminal = terminal_de_requete(request, marquer=False)
        try:
            texte = corps_de_requete(request, serie=terminal.numero_serie).decode()
            donnees = json.loads(texte)
        except (ValueError, UnicodeDecodeError):
            raise ErreurMetier(CodeErreur.INVALID_JSON, "JSON invalide.") from None
    except ErreurMetier as erreur:
        return _reponse(erreur.en_json(), erreur.statut_http)
    ventes = donnees.get("ventes", []) if isinstance(donnees, dict) else donnees
    n = len(ventes) if isinstance(ventes, list) else 0
    with transaction.atomic(), connection.cursor() as curseur:
        curseur.execute(
            f"INSERT INTO {TABLE_PLANCHER} (terminal_id, ventes, corps, recu_le) VALUES (%s, %s, %s, %s)",
            [terminal.pk, n, texte, timezone.now()],
        )
    return _reponse({"success": True, "ventes_creees": n, "ventes_erreurs": 0, "details": {"erreurs": []}}, 201)
