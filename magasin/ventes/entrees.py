"""The shape of a sale as a terminal (or the web form) submits it, read once for all callers.

The API, the web invoice form and the quarantine replay all produce a `VenteEntree`, so that a
sale means the same thing whichever way it arrives.

Tolerant at the door: `lire_vente` reads one item of a terminal's batch generously (unknown
fields kept aside, `null` for any optional field, integers written `2`, `2.0` or `"2"`, amounts
as numbers or strings, any payment label) and, when the item still cannot be read, says why
with a stable code, so that this sale alone is refused and kept. What a `VenteEntree` holds
obeys every rule: positive integral quantities, amounts the columns can hold, plausible dates.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Annotated, Any

import orjson
from django.utils import timezone
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic_core import ErrorDetails, PydanticCustomError

from magasin.core.erreurs import CodeErreur, ErreurMetier
from magasin.core.validation import message_francais
from magasin.ventes.models import ModePaiement

MONTANT_MAX = Decimal("1000000000000")  # 10^12 CDF a unit price: more is a typo or an attack
# What Vente.montant_total and LigneVente.total_ligne hold (max_digits=16, decimal_places=2).
TOTAL_MAX = Decimal("100000000000000")
QUANTITE_MAX = 1_000_000
LIGNES_MAX = 500
LIBELLE_MAX = 40
DATE_MIN = datetime(2000, 1, 1, tzinfo=UTC)
# Unicode categories Cc (C0, DEL, C1 controls) and Cs (surrogates), as one character class.
CARACTERE_DE_CONTROLE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
# Offline terminals' clocks drift; a sale dated more than this in the future is refused.
AVANCE_HORLOGE_MAX = timedelta(days=2)

# Payment labels seen in the field, written without case, spaces, dashes or underscores.
MODES_CONNUS: dict[str, ModePaiement] = {
    **dict.fromkeys(["CASH", "ESPECES", "ESPÈCES", "ESPECE", "LIQUIDE", "CASHCDF", "CASHUSD"], ModePaiement.CASH),
    **dict.fromkeys(
        [
            "MOBILEMONEY",
            "MPESA",
            "VODACOMMPESA",
            "ORANGEMONEY",
            "AIRTELMONEY",
            "AFRIMONEY",
            "MOMO",
        ],
        ModePaiement.MOBILE_MONEY,
    ),
    **dict.fromkeys(["CARTE", "CARD", "CB", "VISA", "MASTERCARD", "TPE", "CARTEBANCAIRE"], ModePaiement.CARTE),
    **dict.fromkeys(["CREDIT", "CRÉDIT", "DETTE", "ACREDIT", "ÀCREDIT", "ÀCRÉDIT"], ModePaiement.CREDIT),
    "AUTRE": ModePaiement.AUTRE,
}
_SEPARATEURS = re.compile(r"[\s\-_.]+")


def mode_de_libelle(libelle: str) -> ModePaiement:
    """Magasin's payment mode for a label as a terminal writes it; AUTRE when unknown."""
    cle = _SEPARATEURS.sub("", libelle).upper()
    if not cle:
        return ModePaiement.CASH
    return MODES_CONNUS.get(cle, ModePaiement.AUTRE)


# --- Tolerant value readers (pydantic "before" validators) ---------------------------------------


def _erreur(type_: str, message: str) -> PydanticCustomError:
    return PydanticCustomError(type_, message)


def _nombre_decimal(valeur: Any, quoi: str) -> Decimal:
    """A JSON number or a numeric string as a Decimal; anything else is unreadable."""
    if isinstance(valeur, bool) or not isinstance(valeur, int | float | str | Decimal):
        raise _erreur("nombre_illisible", f"{quoi} : un nombre est attendu")
    try:
        nombre = Decimal(valeur.strip()) if isinstance(valeur, str) else Decimal(str(valeur))
    except InvalidOperation:
        raise _erreur("nombre_illisible", f"{quoi} : un nombre est attendu") from None
    if not nombre.is_finite():
        raise _erreur("nombre_illisible", f"{quoi} : nombre non fini (NaN/Infinity)")
    return nombre


def _entier(valeur: Any) -> Any:
    """2, 2.0 and "2" are the integer 2; 2.5 and "deux" are refused."""
    if valeur is None or (isinstance(valeur, int) and not isinstance(valeur, bool)):
        return valeur
    nombre = _nombre_decimal(valeur, "entier")
    if nombre.adjusted() > 30 or nombre != nombre.to_integral_value():
        raise _erreur("entier_invalide", "un nombre entier est attendu (pas de décimales)")
    return int(nombre)


def _montant(valeur: Any) -> Any:
    # Terminals send doubles (25000.0) or strings; money is kept as Decimal rounded to the centime.
    if valeur is None:
        return None
    nombre = _nombre_decimal(valeur, "montant")
    if abs(nombre) >= MONTANT_MAX:
        raise _erreur("montant_hors_limites", "montant trop grand pour être enregistré")
    return nombre.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _texte(valeur: Any) -> Any:
    """Text fields: a number is read as its digits (ids as numbers), blank is absent."""
    if isinstance(valeur, int | float | Decimal) and not isinstance(valeur, bool):
        valeur = str(valeur)
    if isinstance(valeur, str):
        return valeur.strip() or None
    return valeur


def _texte_ou_vide(valeur: Any) -> Any:
    texte = _texte(valeur)
    return "" if texte is None else texte


def _blanc_absent(valeur: Any) -> Any:
    return None if isinstance(valeur, str) and not valeur.strip() else valeur


def _uuid(valeur: Any) -> Any:
    # A UUID written in capitals by one code path and in small letters by another is one uuid.
    texte = _texte(valeur)
    return texte.lower() if isinstance(texte, str) else texte


# The words read as `paye` (lower case, trimmed); the API's schema lists the same.
BOOLEENS_VRAI = ("true", "1", "oui", "yes", "vrai", "o", "y")
BOOLEENS_FAUX = ("false", "0", "non", "no", "faux", "n")


def _paye(valeur: Any) -> Any:
    """true, "true", 1, "oui"...; absent or null is paid (the original system's default)."""
    if valeur is None:
        return True
    if isinstance(valeur, bool):
        return valeur
    if isinstance(valeur, int | float) and valeur in (0, 1):
        return bool(valeur)
    if isinstance(valeur, str) and valeur.strip().lower() in BOOLEENS_VRAI + BOOLEENS_FAUX:
        return valeur.strip().lower() in BOOLEENS_VRAI
    raise _erreur("booleen_invalide", "true ou false est attendu")


def _mode(valeur: Any) -> Any:
    if valeur is None:
        return ModePaiement.CASH
    if isinstance(valeur, str):
        return mode_de_libelle(valeur)
    raise _erreur("texte_attendu", "un libellé (texte) est attendu")


Entier = Annotated[int, BeforeValidator(_entier)]
Montant = Annotated[Decimal, BeforeValidator(_montant), Field(ge=0, lt=MONTANT_MAX)]
Texte = BeforeValidator(_texte)
TexteOuVide = BeforeValidator(_texte_ou_vide)


class LigneEntree(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    article_id: Annotated[Entier, Field(gt=0, lt=2**63)]
    quantite: Annotated[Entier, Field(gt=0, le=QUANTITE_MAX)]
    prix_unitaire: Montant


class VenteEntree(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    numero_facture: Annotated[Annotated[str, Field(max_length=100)] | None, Texte] = None
    date_vente: Annotated[datetime | None, BeforeValidator(_blanc_absent)] = None
    mode_paiement: Annotated[ModePaiement, BeforeValidator(_mode)] = ModePaiement.CASH
    # The label as the terminal sent it; `lire_vente` fills it in, nobody sends it.
    mode_paiement_libelle: Annotated[Annotated[str, Field(max_length=LIBELLE_MAX)], TexteOuVide] = ""
    paye: Annotated[bool, BeforeValidator(_paye)] = True
    montant_total: Montant | None = None
    uuid: Annotated[Annotated[str, Field(max_length=64)] | None, BeforeValidator(_uuid)] = None
    sequence: Annotated[Entier | None, Field(ge=1, lt=2**63)] = None
    client_nom: Annotated[Annotated[str, Field(max_length=150)], TexteOuVide] = ""
    client_telephone: Annotated[Annotated[str, Field(max_length=40)], TexteOuVide] = ""
    lignes: list[LigneEntree] = Field(min_length=1, max_length=LIGNES_MAX)

    @field_validator("numero_facture", "uuid", "client_nom", "client_telephone", "mode_paiement_libelle")
    @classmethod
    def _texte_imprimable(cls, valeur: str | None) -> str | None:
        # NUL cannot be stored by PostgreSQL, and no control character belongs on an invoice.
        if valeur is not None and CARACTERE_DE_CONTROLE.search(valeur):
            raise _erreur("caractere_de_controle", "caractère de contrôle interdit")
        return valeur

    @field_validator("date_vente")
    @classmethod
    def _date_plausible(cls, valeur: datetime | None) -> datetime | None:
        if valeur is None:
            return None
        if timezone.is_naive(valeur):
            # A terminal's local clock: the shop's time zone.
            valeur = timezone.make_aware(valeur)
        try:
            valeur.astimezone(UTC)
        except OverflowError:
            raise _erreur("date_hors_fenetre", "date_vente hors limites") from None
        if valeur < DATE_MIN:
            raise _erreur("date_hors_fenetre", "date_vente antérieure à l'an 2000")
        if valeur > timezone.now() + AVANCE_HORLOGE_MAX:
            raise _erreur("date_hors_fenetre", "date_vente dans le futur")
        return valeur

    @model_validator(mode="after")
    def _totaux_enregistrables(self) -> VenteEntree:
        # A line or a sale whose total the columns cannot hold is refused here, on every
        # backend, rather than failing in the database (or becoming a float on SQLite).
        total = Decimal(0)
        for ligne in self.lignes:
            total_ligne = ligne.prix_unitaire * ligne.quantite
            total += total_ligne
            if total_ligne >= TOTAL_MAX or total >= TOTAL_MAX:
                raise _erreur("montant_hors_limites", "total de la vente trop grand pour être enregistré")
        return self

    def empreinte(self) -> str:
        """SHA-256 of what the sale is: equal for a resend however it is written, different
        for another sale.

        Representation does not count: numbers are read as values (4500, 4500.0 and "4500.00"
        are one price), the uuid has one case, the date is the instant to the second (an app
        that reads a date back from its local database may lose what is below), and
        `montant_total` is left out (the recorded total is the lines').
        """
        contenu = {
            "lignes": [[lg.article_id, lg.quantite, str(lg.prix_unitaire)] for lg in self.lignes],
            "mode_paiement": str(self.mode_paiement),
            "paye": self.paye,
            "date_vente": None
            if self.date_vente is None
            else self.date_vente.astimezone(UTC).replace(microsecond=0).isoformat(),
            "client": [self.client_nom, self.client_telephone],
        }
        # orjson writes ASCII content byte for byte as `json.dumps` does with these options;
        # where it is not ASCII (a client's accented name) json.dumps's \u escapes are used, so
        # the fingerprint does not depend on which encoder wrote it.
        brut = orjson.dumps(contenu, option=orjson.OPT_SORT_KEYS)
        if not brut.isascii():
            brut = json.dumps(contenu, sort_keys=True, separators=(",", ":")).encode()
        return hashlib.sha256(brut).hexdigest()

    def charge_utile(self) -> dict[str, Any]:
        """JSON-safe dict of the sale, as kept in quarantine and replayed from there."""
        return self.model_dump(mode="json", exclude_none=True)


# --- Reading one item of a terminal's batch --------------------------------------------------

CHAMPS_VENTE = frozenset(VenteEntree.model_fields) - {"mode_paiement_libelle"}
CHAMPS_LIGNE = frozenset(LigneEntree.model_fields)

# pydantic error types (ours and its own) -> the sale's refusal code.
_CODES: dict[str, CodeErreur] = {
    "montant_hors_limites": CodeErreur.MONTANT_HORS_LIMITES,
    "date_hors_fenetre": CodeErreur.DATE_HORS_FENETRE,
    "datetime_type": CodeErreur.INVALID_DATE,
    "datetime_parsing": CodeErreur.INVALID_DATE,
    "datetime_from_date_parsing": CodeErreur.INVALID_DATE,
    "datetime_object_invalid": CodeErreur.INVALID_DATE,
    "string_too_long": CodeErreur.TEXTE_TROP_LONG,
}


@dataclass(frozen=True)
class VenteLue:
    """One item of a batch as read: the sale, or why it cannot be read, and what was sent."""

    brut: Any
    entree: VenteEntree | None = None
    erreur: ErreurMetier | None = None
    # Unknown fields as sent: {"vente": {...}, "lignes": {"<1-based index>": {...}}}.
    champs_inconnus: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def de_entree(cls, entree: VenteEntree) -> VenteLue:
        return cls(brut=entree.charge_utile(), entree=entree)

    @property
    def numero_facture(self) -> str | None:
        if self.entree is not None:
            return self.entree.numero_facture
        return _identite_brute(self.brut, "numero_facture", 100)

    @property
    def uuid(self) -> str | None:
        if self.entree is not None:
            return self.entree.uuid
        uuid = _identite_brute(self.brut, "uuid", 64)
        return uuid.lower() if uuid else None

    def brut_enregistrable(self) -> Any:
        """The JSON as sent, as the database can store it: NUL and lone surrogates (which
        PostgreSQL's jsonb and UTF-8 refuse) become U+FFFD; everything else is kept."""
        return _enregistrable(self.brut)

    def empreinte(self) -> str:
        """The sale's fingerprint; for an unreadable item, one of the JSON as sent."""
        if self.entree is not None:
            return self.entree.empreinte()
        brut = json.dumps(self.brut, sort_keys=True, separators=(",", ":"), ensure_ascii=True, default=str)
        return hashlib.sha256(brut.encode()).hexdigest()


_NON_STOCKABLE = re.compile("[\x00\ud800-\udfff]")


def _enregistrable(valeur: Any) -> Any:
    if isinstance(valeur, str):
        return _NON_STOCKABLE.sub("\ufffd", valeur)
    if isinstance(valeur, list):
        return [_enregistrable(v) for v in valeur]
    if isinstance(valeur, dict):
        return {_enregistrable(k): _enregistrable(v) for k, v in valeur.items()}
    return valeur


def _identite_brute(brut: Any, nom: str, longueur: int) -> str | None:
    """A readable number or uuid of an unreadable sale, to show and to find it in quarantine."""
    valeur = _texte(brut.get(nom)) if isinstance(brut, dict) else None
    if not isinstance(valeur, str) or CARACTERE_DE_CONTROLE.search(valeur):
        return None
    return valeur[:longueur]


def _inconnus(objet: dict[str, Any], connus: frozenset[str]) -> dict[str, Any]:
    return {cle: valeur for cle, valeur in objet.items() if cle not in connus}


def champs_inconnus(brut: dict[str, Any]) -> dict[str, Any]:
    """The fields of a sale and of its lines that the contract does not know, as sent."""
    resultat: dict[str, Any] = {}
    vente = _inconnus(brut, CHAMPS_VENTE | {"mode_paiement_libelle"})
    if vente:
        resultat["vente"] = vente
    lignes = brut.get("lignes")
    if isinstance(lignes, list):
        par_ligne = {
            str(i): inconnus
            for i, ligne in enumerate(lignes, 1)
            if isinstance(ligne, dict) and (inconnus := _inconnus(ligne, CHAMPS_LIGNE))
        }
        if par_ligne:
            resultat["lignes"] = par_ligne
    return resultat


def _refus(erreur: ErrorDetails) -> ErreurMetier:
    loc = tuple(erreur.get("loc", ()))
    champ = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc).lstrip(".") or "(vente)"
    type_ = erreur.get("type", "")
    if loc and loc[0] == "lignes" and len(loc) == 1 and type_ in ("missing", "too_short", "list_type"):
        code = CodeErreur.LIGNES_MANQUANTES
    elif loc and loc[-1] == "quantite" and type_ not in _CODES:
        code = CodeErreur.QUANTITE_INVALIDE
    else:
        code = _CODES.get(type_, CodeErreur.CHAMP_INVALIDE)
    if not loc:  # a rule on the whole sale (its total)
        message = message_francais(erreur)
        return ErreurMetier(code, f"{message[:1].upper()}{message[1:]}.", champ=champ)
    return ErreurMetier(code, f"Champ « {champ} » : {message_francais(erreur)}.", champ=champ)


def lire_vente(brut: Any) -> VenteLue:
    """Read one sale of a terminal's batch, generously; never raises."""
    if not isinstance(brut, dict):
        return VenteLue(
            brut=brut,
            erreur=ErreurMetier(CodeErreur.VENTE_ILLISIBLE, "Une vente doit être un objet JSON.", champ="(vente)"),
        )
    inconnus = _enregistrable(champs_inconnus(brut))
    libelle = brut.get("mode_paiement")
    donnees = {cle: valeur for cle, valeur in brut.items() if cle in CHAMPS_VENTE}
    if isinstance(libelle, str):
        donnees["mode_paiement_libelle"] = libelle.strip()[:LIBELLE_MAX]
    try:
        entree = VenteEntree.model_validate(donnees)
    except ValidationError as exc:
        premiere = exc.errors(include_url=False, include_input=False)[0]
        return VenteLue(brut=brut, erreur=_refus(premiere), champs_inconnus=inconnus)
    return VenteLue(brut=brut, entree=entree, champs_inconnus=inconnus)
