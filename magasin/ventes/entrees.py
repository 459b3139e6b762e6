"""The shape of a sale as a terminal (or the web form) submits it, validated once for all callers.

The API's request schema, the web invoice form and the quarantine replay all produce a
`VenteEntree`, so that a sale means the same thing whichever way it arrives.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated, Any

import orjson
from django.utils import timezone
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictBool, StrictInt, field_validator

from magasin.ventes.models import ModePaiement

MONTANT_MAX = Decimal("1000000000000")  # 10^12 CDF: more is a typo or an attack
QUANTITE_MAX = 1_000_000
LIGNES_MAX = 500
DATE_MIN = datetime(2000, 1, 1, tzinfo=UTC)
# Unicode categories Cc (C0, DEL, C1 controls) and Cs (surrogates), as one character class.
CARACTERE_DE_CONTROLE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
# Offline terminals' clocks drift; a sale dated more than this in the future is refused.
AVANCE_HORLOGE_MAX = timedelta(days=2)


def _montant(valeur: Any) -> Any:
    # Terminals send doubles (25000.0); money is kept as Decimal rounded to the centime.
    if isinstance(valeur, bool):
        raise ValueError("un montant est un nombre")
    if isinstance(valeur, float | int | str):
        try:
            decimal = Decimal(str(valeur))
        except Exception as exc:
            raise ValueError("montant illisible") from exc
        if not decimal.is_finite():
            raise ValueError("montant non fini (NaN/Infinity)")
        if abs(decimal) >= MONTANT_MAX:
            raise ValueError("montant trop grand")
        return decimal.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return valeur


Montant = Annotated[Decimal, BeforeValidator(_montant), Field(ge=0, le=MONTANT_MAX)]


def _texte_vide_en_none(valeur: Any) -> Any:
    if isinstance(valeur, str):
        valeur = valeur.strip()
        return valeur or None
    return valeur


class LigneEntree(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    article_id: StrictInt = Field(gt=0, lt=2**63)
    quantite: StrictInt = Field(gt=0, le=QUANTITE_MAX)
    prix_unitaire: Montant


class VenteEntree(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    numero_facture: Annotated[Annotated[str, Field(max_length=100)] | None, BeforeValidator(_texte_vide_en_none)] = None
    date_vente: datetime | None = None
    mode_paiement: ModePaiement = ModePaiement.CASH
    paye: StrictBool = True
    montant_total: Montant | None = None
    uuid: Annotated[Annotated[str, Field(max_length=64)] | None, BeforeValidator(_texte_vide_en_none)] = None
    sequence: StrictInt | None = Field(default=None, ge=1, lt=2**63)
    client_nom: str = Field(default="", max_length=150)
    client_telephone: str = Field(default="", max_length=40)
    lignes: list[LigneEntree] = Field(min_length=1, max_length=LIGNES_MAX)

    @field_validator("mode_paiement", mode="before")
    @classmethod
    def _mode_majuscules(cls, valeur: Any) -> Any:
        return valeur.strip().upper() if isinstance(valeur, str) else valeur

    @field_validator("numero_facture", "uuid", "client_nom", "client_telephone")
    @classmethod
    def _texte_imprimable(cls, valeur: str | None) -> str | None:
        # NUL cannot be stored by PostgreSQL, and no control character belongs on an invoice.
        if valeur is not None and CARACTERE_DE_CONTROLE.search(valeur):
            raise ValueError("caractère de contrôle interdit")
        return valeur

    @field_validator("date_vente")
    @classmethod
    def _date_plausible(cls, valeur: datetime | None) -> datetime | None:
        if valeur is None:
            return None
        if timezone.is_naive(valeur):
            # A terminal's local clock: the shop's time zone.
            valeur = timezone.make_aware(valeur)
        if valeur < DATE_MIN:
            raise ValueError("date_vente antérieure à l'an 2000")
        if valeur > timezone.now() + AVANCE_HORLOGE_MAX:
            raise ValueError("date_vente dans le futur")
        return valeur

    def empreinte(self) -> str:
        """SHA-256 of the content as sent: equal for a resend, different for another sale."""
        contenu = {
            "lignes": [[lg.article_id, lg.quantite, str(lg.prix_unitaire)] for lg in self.lignes],
            "mode_paiement": str(self.mode_paiement),
            "paye": self.paye,
            "montant_total": None if self.montant_total is None else str(self.montant_total),
            "date_vente": None if self.date_vente is None else self.date_vente.astimezone(UTC).isoformat(),
            "client": [self.client_nom, self.client_telephone],
        }
        # orjson writes ASCII content byte for byte as `json.dumps` does with these options, in a
        # tenth of the time (5 µs less a sale). Where it is not ASCII (a client's accented name),
        # json.dumps's \u escapes are what the fingerprints already stored were made of.
        brut = orjson.dumps(contenu, option=orjson.OPT_SORT_KEYS)
        if not brut.isascii():
            brut = json.dumps(contenu, sort_keys=True, separators=(",", ":")).encode()
        return hashlib.sha256(brut).hexdigest()

    def charge_utile(self) -> dict[str, Any]:
        """JSON-safe dict of the sale, as kept in quarantine and replayed from there."""
        return self.model_dump(mode="json", exclude_none=True)
