"""JSON-lines logging: one object per line, machine-readable, never a secret in it."""

from __future__ import annotations

import json
import logging
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

# Attributes every LogRecord has; anything else passed through `extra=` is ours to print.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None)).keys()) | {"message"}
_SECRETS = {"token", "jeton", "password", "mot_de_passe", "authorization", "secret", "cookie"}

# The current request's id, set by `magasin.core.middleware.JournalRequetes`: every line
# logged while a request is served carries it, so one request's lines can be found together.
id_requete: ContextVar[str | None] = ContextVar("id_requete", default=None)


def est_secret(cle: str) -> bool:
    cle = cle.lower()
    return any(s in cle for s in _SECRETS)


class FormatJSON(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        donnees: dict[str, object] = {
            "ts": datetime.fromtimestamp(record.created, tz=UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        rid = id_requete.get()
        if rid is not None:
            donnees["request_id"] = rid
        for cle, valeur in vars(record).items():
            if cle in _STANDARD or cle.startswith("_"):
                continue
            if est_secret(cle):
                continue
            if cle == "request":
                # Django attaches the HttpRequest to its own records: its headers hold tokens.
                continue
            donnees[cle] = valeur
        if record.exc_info:
            donnees["exc"] = self.formatException(record.exc_info)
        return json.dumps(donnees, ensure_ascii=False, default=str)


def configuration(niveau: str, loggers: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """A `logging.config.dictConfig` writing JSON lines to stdout: Django's and gunicorn's."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "magasin.core.journal.FormatJSON"}},
        "handlers": {"stdout": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stdout"}},
        # Gunicorn merges its config over its own defaults: the root entry must name our handler.
        "root": {"handlers": ["stdout"], "level": niveau},
        "loggers": loggers,
    }
