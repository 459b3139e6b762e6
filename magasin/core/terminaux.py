"""What a request says about the terminal sending it: its serial number, read in one place.

The app in the field sends `X-Device-Serial`; older builds used `Device-Serial` or
`Serial-Number`. Authentication and its failure counters (`magasin.api.auth`) and the report
of refused terminals (`magasin.api.middleware`) read it through `serie_de_requete`, so they
always agree on which terminal a request names.
"""

from __future__ import annotations

from django.http import HttpRequest

ENTETES_SERIE = ("X-Device-Serial", "Device-Serial", "Serial-Number")
# `boutiques.Terminal.numero_serie`'s max_length: a longer value can name no terminal.
LONGUEUR_SERIE = 100


def serie_de_requete(request: HttpRequest) -> str | None:
    """The serial of the first serial header that is not blank, trimmed; None without one.

    NUL is replaced (no serial holds it, and PostgreSQL refuses it in a query: the value then
    matches nothing instead of failing), and the value is cut to the column's length.
    """
    for entete in ENTETES_SERIE:
        valeur = request.headers.get(entete)
        if valeur and valeur.strip():
            return valeur.strip().replace("\x00", "\ufffd")[:LONGUEUR_SERIE]
    return None
