"""A period's bound read from a query string: a bare date is the whole Kinshasa day."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from magasin.core.dates import DateHorsLimites, DateIllisible, moment_lire

KINSHASA = ZoneInfo("Africa/Kinshasa")


@pytest.mark.parametrize(
    ("texte", "fin", "attendu"),
    [
        ("2026-11-04", False, datetime(2026, 11, 4, tzinfo=KINSHASA)),
        ("2026-11-04", True, datetime(2026, 11, 4, 23, 59, 59, 999999, tzinfo=KINSHASA)),
        (" 2026-11-04 ", True, datetime(2026, 11, 4, 23, 59, 59, 999999, tzinfo=KINSHASA)),
        # A datetime is taken as given, a start or an end alike.
        ("2026-11-04T12:00:00", True, datetime(2026, 11, 4, 12, tzinfo=KINSHASA)),
        ("2026-11-04T00:00:00", True, datetime(2026, 11, 4, tzinfo=KINSHASA)),
        ("2026-11-04T12:00:00Z", False, datetime(2026, 11, 4, 12, tzinfo=UTC)),
        ("2026-11-04T12:00:00 01:00", False, datetime(2026, 11, 4, 11, tzinfo=UTC)),  # "+" decoded as " "
        ("2026-11-04 12:00", False, datetime(2026, 11, 4, 12, tzinfo=KINSHASA)),
    ],
)
def test_moment_lu(texte: str, fin: bool, attendu: datetime, settings) -> None:
    settings.TIME_ZONE = "Africa/Kinshasa"
    assert moment_lire(texte, fin=fin) == attendu


@pytest.mark.parametrize("texte", ["", "hier", "04/11/2026", "2026-02-30", "2026-11-04T25:00", "10000-01-01"])
def test_date_illisible(texte: str) -> None:
    with pytest.raises(DateIllisible):
        moment_lire(texte)


@pytest.mark.parametrize(("texte", "fin"), [("0001-01-01", False), ("9999-12-31T23:59:59-12:00", True)])
def test_date_hors_limites(texte: str, fin: bool) -> None:
    with pytest.raises(DateHorsLimites):
        moment_lire(texte, fin=fin)
