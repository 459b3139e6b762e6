"""Invoice numbers: never repeated, never lost, never a retry loop.

The counter of a (shop, year, month) is bumped by one atomic statement inside the caller's
transaction, so a number belongs to the sale that took it or, if that transaction rolls back,
to nobody (the counter rolls back with it: no gap). This is django-sequences' approach:
- PostgreSQL and SQLite (>= 3.35): INSERT … ON CONFLICT DO UPDATE … RETURNING.
  On SQLite the transaction is IMMEDIATE (settings), so writers are already serialised.
- MariaDB/MySQL: INSERT … ON DUPLICATE KEY UPDATE, then a read of the row we now hold locked.
Concurrent callers queue on the row lock instead of failing (no NOWAIT).
"""

from __future__ import annotations

from datetime import datetime

from django.db import connection
from django.utils import timezone

from magasin.boutiques.models import Boutique
from magasin.core.db import exiger_transaction
from magasin.ventes.models import SequenceFacture

_TABLE = SequenceFacture._meta.db_table


def numeros_reserver(*, boutique: Boutique, annee: int, mois: int, combien: int = 1) -> range:
    """Take `combien` consecutive numbers of the shop's (annee, mois) counter."""
    exiger_transaction()
    if combien < 1:
        raise ValueError("combien >= 1")
    with connection.cursor() as curseur:
        if connection.vendor == "mysql":
            curseur.execute(
                f"INSERT INTO {_TABLE} (boutique_id, annee, mois, dernier_numero) "
                "VALUES (%s, %s, %s, %s) "
                "ON DUPLICATE KEY UPDATE dernier_numero = dernier_numero + VALUES(dernier_numero)",
                [boutique.pk, annee, mois, combien],
            )
            curseur.execute(
                f"SELECT dernier_numero FROM {_TABLE} WHERE boutique_id = %s AND annee = %s AND mois = %s",
                [boutique.pk, annee, mois],
            )
        else:
            curseur.execute(
                f"INSERT INTO {_TABLE} (boutique_id, annee, mois, dernier_numero) "
                "VALUES (%s, %s, %s, %s) "
                "ON CONFLICT (boutique_id, annee, mois) DO UPDATE "
                f"SET dernier_numero = {_TABLE}.dernier_numero + excluded.dernier_numero "
                "RETURNING dernier_numero",
                [boutique.pk, annee, mois, combien],
            )
        (dernier,) = curseur.fetchone()
    return range(dernier - combien + 1, dernier + 1)


def mois_de(moment: datetime) -> tuple[int, int]:
    """The (year, month) an invoice belongs to: the sale's date in the shop's local time."""
    local = timezone.localtime(moment)
    return local.year, local.month


def formater_numero(*, boutique: Boutique, annee: int, mois: int, numero: int) -> str:
    """`FAC-BTQ-009-202411-00042`."""
    return f"{boutique.prefixe_facture}-{boutique.code}-{annee:04d}{mois:02d}-{numero:05d}"


def numero_facture_suivant(*, boutique: Boutique, moment: datetime | None = None) -> str:
    annee, mois = mois_de(moment or timezone.now())
    (numero,) = numeros_reserver(boutique=boutique, annee=annee, mois=mois)
    return formater_numero(boutique=boutique, annee=annee, mois=mois, numero=numero)
