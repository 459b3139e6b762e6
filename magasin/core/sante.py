"""Liveness and readiness probes: no auth, no data."""

from __future__ import annotations

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, JsonResponse

from magasin.core.routage import etat_replique, replique_configuree


def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


def readyz(request: HttpRequest) -> JsonResponse:
    try:
        connection = connections[DEFAULT_DB_ALIAS]
        with connection.cursor() as curseur:
            curseur.execute("SELECT 1")
        executor = MigrationExecutor(connection)
        en_retard = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except Exception:
        return JsonResponse({"status": "base_indisponible"}, status=503)
    if en_retard:
        return JsonResponse({"status": "migrations_en_attente"}, status=503)
    if replique_configuree():
        # A lagging or absent replica leaves the server ready: its reads go to the primary.
        return JsonResponse({"status": "ok", "replique": etat_replique().en_json()})
    return JsonResponse({"status": "ok"})
