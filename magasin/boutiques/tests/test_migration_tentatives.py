"""TentativeTerminalRefusee moved from core to boutiques: an existing database keeps its rows."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from magasin.boutiques.models import MotifRefusTerminal, TentativeTerminalRefusee
from magasin.boutiques.tests.factories import BoutiqueFactory, creer_terminal

AVANT = [("boutiques", "0002_tolerance"), ("core", "0001_initial")]


def _migrer(cibles: list[tuple[str, str]] | None) -> None:
    """Migrate to `cibles`, or to the latest state of every app (None): going back unapplies the
    later apps' migrations that depend on these (the till's), which must come back too."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(cibles if cibles is not None else executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_une_base_existante_garde_ses_tentatives_dans_la_table_de_boutiques():
    terminal, _ = creer_terminal(BoutiqueFactory())
    _migrer(AVANT)
    try:
        with connection.cursor() as curseur:
            # What the core app wrote before the move, in its own table.
            maintenant = timezone.now()
            curseur.execute(
                "INSERT INTO core_tentativeterminalrefusee "
                "(terminal_id, boutique_id, motif, nombre, premiere_tentative, derniere_tentative) "
                "VALUES (%s, %s, %s, %s, %s, %s)",
                [terminal.pk, terminal.boutique_id, "INACTIF", 3, maintenant, maintenant],
            )
    finally:
        _migrer(None)
    tentative = TentativeTerminalRefusee.objects.get()
    assert (tentative.terminal_id, tentative.motif, tentative.nombre) == (terminal.pk, MotifRefusTerminal.INACTIF, 3)
    assert TentativeTerminalRefusee._meta.db_table == "boutiques_tentativeterminalrefusee"
    tables = connection.introspection.table_names()
    assert "boutiques_tentativeterminalrefusee" in tables and "core_tentativeterminalrefusee" not in tables
