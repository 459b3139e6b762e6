"""The one reader of a terminal's serial in a request."""

from __future__ import annotations

from django.test import RequestFactory

from magasin.core.terminaux import LONGUEUR_SERIE, serie_de_requete


def _requete(**entetes: str):  # type: ignore[no-untyped-def]
    return RequestFactory().get("/api/v2/simple/terminal/", headers=entetes)


def test_premier_entete_non_vide_dans_l_ordre_du_contrat():
    assert serie_de_requete(_requete(**{"X-Device-Serial": " SN-1 ", "Serial-Number": "SN-2"})) == "SN-1"
    assert serie_de_requete(_requete(**{"X-Device-Serial": "  ", "Device-Serial": "SN-3"})) == "SN-3"
    assert serie_de_requete(_requete(**{"Serial-Number": "SN-4"})) == "SN-4"


def test_sans_serie_none():
    assert serie_de_requete(_requete()) is None
    assert serie_de_requete(_requete(**{"X-Device-Serial": "\t"})) is None


def test_valeur_hostile_rendue_inoffensive():
    # NUL would make PostgreSQL refuse the query: replaced, the serial then matches nothing.
    assert serie_de_requete(_requete(**{"X-Device-Serial": "SN\x00"})) == "SN\ufffd"
    assert serie_de_requete(_requete(**{"X-Device-Serial": "é" * 500})) == "é" * LONGUEUR_SERIE
