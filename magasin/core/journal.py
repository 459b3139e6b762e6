"""JSON-lines logging: one object per line, machine-readable, never a secret in it."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

# Attributes every LogRecord has; anything else passed through `extra=` is ours to print.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None)).keys()) | {"message"}
_SECRETS = {"token", "jeton", "password", "mot_de_passe", "authorization", "secret"}


class FormatJSON(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        donnees: dict[str, object] = {
            "ts": datetime.fromtimestamp(record.created, tz=UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for cle, valeur in vars(record).items():
            if cle in _STANDARD or cle.startswith("_"):
                continue
            if any(s in cle.lower() for s in _SECRETS):
                continue
            donnees[cle] = valeur
        if record.exc_info:
            donnees["exc"] = self.formatException(record.exc_info)
        return json.dumps(donnees, ensure_ascii=False, default=str)
