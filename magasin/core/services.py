"""Writes of the core app: operational records only."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from magasin.boutiques.models import Terminal
from magasin.core.models import MotifRefusTerminal, TentativeTerminalRefusee


def tentative_refusee_noter(*, numero_serie: str) -> TentativeTerminalRefusee | None:
    """Count a refused API call by a known terminal that is inactive or has no shop.

    Unknown serials and healthy terminals write nothing (a wrong token is not this report's
    business), so the table stays bounded by the number of terminals.
    """
    terminal = (
        Terminal.objects.filter(numero_serie=numero_serie.strip()[:100]).only("pk", "est_actif", "boutique_id").first()
    )
    if terminal is None:
        return None
    if not terminal.est_actif:
        motif = MotifRefusTerminal.INACTIF
    elif terminal.boutique_id is None:
        motif = MotifRefusTerminal.SANS_BOUTIQUE
    else:
        return None
    maintenant = timezone.now()
    cle = {"terminal_id": terminal.pk, "motif": motif}
    if TentativeTerminalRefusee.objects.filter(**cle).update(
        nombre=F("nombre") + 1, derniere_tentative=maintenant, boutique_id=terminal.boutique_id
    ):
        return TentativeTerminalRefusee.objects.filter(**cle).first()
    try:
        with transaction.atomic():
            return TentativeTerminalRefusee.objects.create(
                **cle,
                boutique_id=terminal.boutique_id,
                premiere_tentative=maintenant,
                derniere_tentative=maintenant,
            )
    except IntegrityError:
        # Two calls raced to create the row: the other one won, count this call on it.
        TentativeTerminalRefusee.objects.filter(**cle).update(nombre=F("nombre") + 1, derniere_tentative=maintenant)
        return TentativeTerminalRefusee.objects.filter(**cle).first()
