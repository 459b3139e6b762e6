"""Reading a period's bound from a query string: a date or a datetime, as a start or an end.

`date_fin=2026-11-04` means "up to the end of 4 November in Kinshasa", not its first instant:
the API's filters and the back-office's read their bounds here, so both mean the same thing.
"""

from __future__ import annotations

from datetime import UTC, datetime, time

from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime


class DateIllisible(ValueError):
    """Neither an ISO 8601 date nor an ISO 8601 datetime."""


class DateHorsLimites(ValueError):
    """Readable, but the database, which compares in UTC, cannot hold it (year 1, year 9999)."""


def moment_lire(texte: str, *, fin: bool = False) -> datetime:
    """`texte` as an aware datetime.

    A bare date (`2026-11-04`) is a whole local day: its first instant, or its last one
    (23:59:59.999999) when `fin`, for an inclusive upper bound. A datetime is taken as given,
    in local time when it has no offset. Python 3.11's `datetime.fromisoformat` reads a bare
    date as midnight, so the date is recognised first: otherwise an end date would cover one
    instant of its day.
    """
    texte = texte.strip()
    if "T" in texte:
        # A query string decodes the "+" of "+01:00" as a space.
        texte = texte.replace(" ", "+")
    try:
        jour = parse_date(texte)
        moment = parse_datetime(texte) if jour is None else datetime.combine(jour, time.max if fin else time.min)
    except ValueError:  # well formed, but no such day or hour (2026-02-30)
        moment = None
    if moment is None:
        raise DateIllisible(texte)
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    try:
        moment.astimezone(UTC)
    except OverflowError:
        raise DateHorsLimites(texte) from None
    return moment
