"""French wording of pydantic's validation errors, keyed by pydantic's stable error type.

Our own validators raise `PydanticCustomError` with a type of their own and a French message,
which is used as it is."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, get_args

from pydantic_core.core_schema import ErrorType

# pydantic's own error types speak English; any other type is a PydanticCustomError of ours.
_TYPES_PYDANTIC = frozenset(get_args(ErrorType))

_MESSAGES: dict[str, str] = {
    "missing": "champ obligatoire absent",
    "extra_forbidden": "champ inconnu (non prévu par le contrat)",
    "int_type": "un entier est attendu",
    "int_parsing": "un entier est attendu",
    "int_from_float": "un entier est attendu (pas de décimales)",
    "bool_type": "true ou false est attendu",
    "bool_parsing": "true ou false est attendu",
    "string_type": "une chaîne de caractères est attendue",
    "string_too_long": "texte trop long (maximum {max_length} caractères)",
    "list_type": "un tableau est attendu",
    "too_short": "au moins {min_length} élément(s) attendu(s)",
    "too_long": "au plus {max_length} élément(s) permis",
    "greater_than": "doit être supérieur à {gt}",
    "greater_than_equal": "doit être supérieur ou égal à {ge}",
    "less_than": "doit être inférieur à {lt}",
    "less_than_equal": "doit être inférieur ou égal à {le}",
    "enum": "valeur non permise (attendu : {expected})",
    "datetime_type": "une date ISO 8601 est attendue",
    "datetime_parsing": "date illisible (ISO 8601 attendu, ex. 2024-11-04T10:30:00+01:00)",
    "datetime_from_date_parsing": "date illisible (ISO 8601 attendu, ex. 2024-11-04T10:30:00+01:00)",
    "decimal_type": "un nombre est attendu",
    "decimal_parsing": "un nombre est attendu",
    "model_type": "un objet JSON est attendu",
    "dict_type": "un objet JSON est attendu",
}


def nombre_json(texte: str) -> float | str:
    """`parse_float` for json.loads: a number beyond a float (1e400) is kept as written.

    Python would read it as infinity, which no JSON column can store; kept as text, the sale's
    reader refuses it like any other unreadable value."""
    nombre = float(texte)
    return nombre if math.isfinite(nombre) else texte


def message_francais(erreur: Mapping[str, Any]) -> str:
    type_ = erreur.get("type", "")
    if type_ == "value_error":
        # Our own validators already speak French; pydantic prefixes "Value error, ".
        return str(erreur.get("msg", "")).removeprefix("Value error, ")
    modele = _MESSAGES.get(type_)
    if modele is None:
        # A type of our own validators carries its French message; pydantic's others get a
        # neutral wording rather than English.
        return "valeur invalide" if type_ in _TYPES_PYDANTIC else str(erreur.get("msg", "valeur invalide"))
    try:
        return modele.format(**(erreur.get("ctx") or {}))
    except (KeyError, IndexError):
        return modele.split(" (")[0]
