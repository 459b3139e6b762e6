"""Query-string filters, read once for the terminal API and the back-office.

A `Filtres` reads each value with one rule per kind (text, id, choice, date, limit) and records,
instead of raising, the French message of every value it cannot read. The back-office shows
`erreurs` (field → message) beside its form fields; the API calls `exiger_valides()`, which
raises the first one as an `ErreurMetier` (400 `INVALID_DATE` for a date, `INVALID_PAYLOAD`
otherwise, the field in `details.champ`). Both therefore accept and refuse the same values, and
a bad value is never a 500.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from magasin.core.dates import moment_lire
from magasin.core.erreurs import CodeErreur, ErreurMetier

TEXTE_MAX = 200  # a text filter (search, invoice number) longer than this is a mistake or an attack
ENTIER_MAX = 2**63 - 1  # a BIGINT: larger ids cannot be compared by the database
LIMITE_DEFAUT = 100
LIMITE_MAX = 500


class Filtres:
    """The filters of one query string (`request.GET`, or a dict of values)."""

    def __init__(self, valeurs: Mapping[str, Any]) -> None:
        self.valeurs = valeurs
        # Field → French message of each unreadable value (the back-office may add its own).
        self.erreurs: dict[str, str] = {}
        self._codes: dict[str, CodeErreur] = {}

    def _brut(self, nom: str) -> str | None:
        """The value as sent, None when absent or blank."""
        valeur = self.valeurs.get(nom)
        if valeur is None:
            return None
        valeur = str(valeur).strip()
        return valeur or None

    def _refuser(self, nom: str, message: str, code: CodeErreur = CodeErreur.INVALID_PAYLOAD) -> None:
        self.erreurs.setdefault(nom, message)
        self._codes.setdefault(nom, code)

    def texte(self, nom: str, *, longueur_max: int | None = TEXTE_MAX) -> str | None:
        """Trimmed text; no control character (PostgreSQL cannot compare NUL, and no stored
        number or name holds one); at most `longueur_max` characters (None: any length)."""
        valeur = self._brut(nom)
        if valeur is None:
            return None
        if any(ord(c) < 32 for c in valeur):
            self._refuser(nom, "Caractère de contrôle interdit.")
            return None
        if longueur_max is not None and len(valeur) > longueur_max:
            self._refuser(nom, f"{longueur_max} caractères au plus.")
            return None
        return valeur

    def entier(self, nom: str) -> int | None:
        """A positive id the database can compare."""
        valeur = self._brut(nom)
        if valeur is None:
            return None
        nombre = _entier_ecrit(valeur) or 0
        if not 0 < nombre <= ENTIER_MAX:
            self._refuser(nom, "Nombre entier positif attendu.")
            return None
        return nombre

    def choix(self, nom: str, choix: Iterable[Any]) -> str | None:
        """One of `choix`: values, or (value, label) pairs as Django's `choices`."""
        valeur = self._brut(nom)
        if valeur is None:
            return None
        permis = [c[0] if isinstance(c, tuple) else c for c in choix]
        if valeur not in permis:
            self._refuser(nom, f"Valeur inconnue (permises : {', '.join(str(p) for p in permis)}).")
            return None
        return valeur

    def date(self, nom: str, *, fin: bool = False) -> datetime | None:
        """A period's bound (`magasin.core.dates.moment_lire`): a bare date is a whole Kinshasa
        day, from its first instant, or up to its last when `fin`; a datetime is taken as given."""
        valeur = self._brut(nom)
        if valeur is None:
            return None
        try:
            return moment_lire(valeur, fin=fin)
        except ValueError:  # unreadable, or beyond what the database can compare
            self._refuser(nom, "Date attendue (AAAA-MM-JJ).", CodeErreur.INVALID_DATE)
            return None

    def limite(self, nom: str = "limit", *, defaut: int = LIMITE_DEFAUT, maximum: int = LIMITE_MAX) -> int:
        """How many rows to return: `defaut` when absent, at most `maximum`."""
        valeur = self._brut(nom)
        if valeur is None:
            return defaut
        nombre = _entier_ecrit(valeur) or 0
        if nombre < 1:
            self._refuser(nom, "Nombre entier positif attendu.")
            return defaut
        return min(nombre, maximum)

    def exiger_valides(self) -> None:
        """Raise the first unreadable value as the API's error (nothing when all were read)."""
        for nom, message in self.erreurs.items():
            raise ErreurMetier(
                self._codes.get(nom, CodeErreur.INVALID_PAYLOAD), f"Paramètre « {nom} » : {message}", champ=nom
            )


def _entier_ecrit(valeur: str) -> int | None:
    """The integer written as `3`, `+3` or `3.0` (a client may format every number as a
    decimal), None for anything else (`3.5`, `abc`, `1e3`)."""
    entier, _, decimales = valeur.partition(".")
    if decimales.strip("0"):
        return None
    try:
        return int(entier)
    except ValueError:
        return None
