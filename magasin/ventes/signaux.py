"""What the sales layer tells the layers above it, which it must not import.

`ventes_enregistrees` is sent inside the transaction that records sales (a terminal's batch, a
web invoice, a quarantine replay, the import of the old system), once per write, with the
recorded sales (their ids set). The till (`magasin.caisse`) listens to put the sales recorded
unpaid on their customers' accounts in that same transaction: a receivable exists exactly when
its sale does.

`ventes_modifiees` is sent inside the transaction that cancels a sale or records a return of it:
what a credit sale still owes changes with it (`caisse.services.creances_resolder`).

Receivers run in the writer's transaction: an exception in one undoes the write.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.dispatch import Signal

from magasin.ventes.models import Vente

ventes_enregistrees = Signal()
ventes_modifiees = Signal()


def annoncer_ventes_enregistrees(ventes: Sequence[Vente]) -> None:
    """Send `ventes_enregistrees(ventes=...)` when there is something to announce."""
    if ventes:
        ventes_enregistrees.send(sender=Vente, ventes=ventes)


def annoncer_vente_modifiee(vente: Vente) -> None:
    """Send `ventes_modifiees(ventes=[vente])`: the sale was cancelled, or some of it returned."""
    ventes_modifiees.send(sender=Vente, ventes=[vente])
