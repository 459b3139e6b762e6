"""OpenAPI shapes of the terminal API (the contract of the original system, extended).

The answers are pydantic models (ninja turns them into components). The sync request body is not
parsed by ninja: `magasin.ventes.entrees.lire_vente` reads each sale tolerantly, so its shape is
written here by hand as JSON Schema (`COMPOSANTS`), describing exactly what that reader accepts,
and `ApiMagasin` registers it in the published document together with how a terminal
authenticates. tests/test_openapi.py keeps the two from drifting apart.
"""

from __future__ import annotations

from copy import deepcopy
from typing import Annotated, Any

from django.conf import settings
from ninja import NinjaAPI
from pydantic import BaseModel, Field, WithJsonSchema

from magasin.core.erreurs import DESCRIPTION
from magasin.stock.models import TypeMouvement
from magasin.ventes.entrees import BOOLEENS_FAUX, BOOLEENS_VRAI, LIBELLE_MAX, LIGNES_MAX, MODES_CONNUS, QUANTITE_MAX
from magasin.ventes.models import ModePaiement, StatutVente


class Erreur(BaseModel):
    success: bool = False
    error: str = Field(description="Message en français")
    code: str = Field(description="Code machine stable : " + ", ".join(c.value for c in DESCRIPTION))
    details: dict[str, Any] | None = None


class Ligne(BaseModel):
    article_id: int
    article_nom: str
    article_code: str
    quantite: int
    prix_unitaire: str
    total_ligne: str


class VenteCreee(BaseModel):
    index: int
    numero_facture: str
    status: str = Field(description="created | already_exists")
    id: int
    uuid: str | None
    boutique_id: int
    boutique_nom: str
    montant_total: str
    date_vente: str
    lignes_count: int
    lignes: list[Ligne]
    avertissements: list[str]
    message: str | None = None


class VenteErreur(BaseModel):
    index: int
    numero_facture: str
    code: str
    erreur: str
    details: dict[str, Any]
    quarantaine_id: int | None


class DetailsSynchro(BaseModel):
    creees: list[VenteCreee]
    erreurs: list[VenteErreur]


class BoutiqueCourte(BaseModel):
    id: int
    nom: str
    code: str


class TerminalCourt(BaseModel):
    id: int
    nom: str
    numero_serie: str


class Statistiques(BaseModel):
    total_envoyees: int
    reussies: int
    erreurs: int
    nouvelles: int
    doublons: int
    articles_stock_bas: int
    articles_stock_zero: int
    alerte_stock: bool


class ReponseSynchro(BaseModel):
    success: bool
    message: str
    ventes_creees: int
    ventes_erreurs: int
    details: DetailsSynchro
    boutique: BoutiqueCourte
    terminal: TerminalCourt
    statistiques: Statistiques


class ArticleSortie(BaseModel):
    id: int
    code: str
    code_barres: str
    nom: str
    prix_vente: str
    quantite_stock: int
    seuil_alerte: int
    est_actif: bool
    date_modification: str
    categorie: str | None = Field(
        description="Nom de la catégorie de l'article dans la boutique, null s'il n'en a pas "
        "(champ ajouté : les terminaux qui ne le lisent pas l'ignorent)."
    )


class ReponseArticles(BaseModel):
    success: bool
    boutique_id: int
    boutique_nom: str
    heure_serveur: str
    count: int
    articles: list[ArticleSortie]


class Mouvement(BaseModel):
    id: int
    article_id: int
    article_nom: str
    article_code: str
    type_mouvement: str
    quantite: int
    stock_avant: int
    stock_apres: int
    reference_document: str
    commentaire: str
    date_mouvement: str
    utilisateur: str


class ReponseMouvements(BaseModel):
    success: bool
    boutique_id: int
    boutique_nom: str
    count: int
    mouvements: list[Mouvement]


class VenteSortie(BaseModel):
    id: int
    numero_facture: str
    uuid: str | None
    terminal_id: int | None
    date_vente: str
    date_synchro: str
    montant_total: str
    mode_paiement: str
    paye: bool
    statut: str
    lignes_count: int
    lignes: list[Ligne]


class ReponseVentes(BaseModel):
    success: bool
    boutique_id: int
    boutique_nom: str
    count: int
    ventes: list[VenteSortie]


class TerminalDetail(BaseModel):
    id: int
    nom: str
    numero_serie: str
    serie_seule: bool
    authentification: str = Field(description="jeton | serie_seule")
    derniere_synchro: str | None


class BoutiqueDetail(BaseModel):
    id: int
    nom: str
    code: str
    devise: str
    politique_stock: str


class ReponseTerminal(BaseModel):
    success: bool
    terminal: TerminalDetail
    boutique: BoutiqueDetail
    heure_serveur: str
    sequence_max: int | None
    sequences_manquantes: list[int]


# --- The sync request body, as magasin.ventes.entrees.lire_vente reads it --------------------------
#
# Hand-written because the server does not parse the body with these schemas: each sale is read
# by `lire_vente`, tolerantly, and a sale it cannot read is refused alone (201, in
# `details.erreurs`). What the schema calls valid is what that reader accepts; the rules it
# cannot express (a total of the lines beyond the columns, a date more than two days ahead) are
# said in the descriptions. The server also reads a few spellings no client writes and the
# patterns leave out (exponents such as "2e0", non-ASCII digits, a 19-digit id string). Regular
# expressions are the subset of ECMA-262 that Python, .NET and Rust share.

REF = "#/components/schemas/{}"
# Python's str.strip() whitespace that is also a control character: allowed around a text only.
_BLANC = r"[\t\n\u000b\u000c\r\u001c-\u001f\u0085 ]"
# (Lone surrogates, refused too, cannot be written in a portable pattern: they stay out of it.)
_IMPRIMABLE = r"[^\u0000-\u001f\u007f-\u009f]"
TEXTE_SANS_CONTROLE = f"^{_BLANC}*{_IMPRIMABLE}*{_BLANC}*$"
# What an integer field reads from a string: digits, maybe "+", maybe ".0", maybe blanks around.
ENTIER_TEXTE = r"^\s*\+?0*{}(\.0*)?\s*$"
MONTANT_TEXTE = r"^\s*\+?0*([0-9]{1,12}(\.[0-9]*)?|\.[0-9]+)\s*$"
# An amount is rounded to the centime, then must be >= 0 and < 10^12: these are its bounds.
MONTANT_MIN_EXCLU = -0.005
MONTANT_MAX_EXCLU = 999_999_999_999.995
ENTIER_MAX = 2**63 - 1
# A Unix timestamp: from 2000-01-01 in seconds; beyond 2*10^10 it is read in milliseconds, up to
# the end of year 9999 (what pydantic reads).
HORODATAGE_MIN = 946_684_800
HORODATAGE_MAX_EXCLU = 253_402_300_800_000


def _sans_casse(mot: str) -> str:
    return "".join(f"[{c.lower()}{c.upper()}]" if c.isalpha() else c for c in mot)


def _entier(maximum: int, motif_chiffres: str, description: str, *, nul: bool = False) -> dict[str, Any]:
    formes: list[dict[str, Any]] = [
        {"type": "integer", "minimum": 1, "maximum": maximum},
        {"type": "string", "pattern": ENTIER_TEXTE.format(motif_chiffres)},
    ]
    if nul:
        formes.append({"type": "null"})
    texte = " En texte : des chiffres, « + » et « .0 » permis, blancs autour ignorés."
    return {"description": description + texte, "anyOf": formes}


def _montant(description: str, *, nul: bool = False) -> dict[str, Any]:
    formes: list[dict[str, Any]] = [
        {"type": "number", "exclusiveMinimum": MONTANT_MIN_EXCLU, "exclusiveMaximum": MONTANT_MAX_EXCLU},
        {"type": "string", "pattern": MONTANT_TEXTE},
    ]
    if nul:
        formes.append({"type": "null"})
    return {"description": description, "anyOf": formes}


def _texte(longueur: int, description: str) -> dict[str, Any]:
    return {
        "description": description
        + f" Texte d'au plus {longueur} caractères (blancs autour retirés, sans caractère de contrôle), "
        "ou nombre (lu comme ses chiffres), ou null ; vide ou null = absent.",
        "type": ["string", "number", "null"],
        "maxLength": longueur,
        "pattern": TEXTE_SANS_CONTROLE,
    }


def _libelles_connus() -> str:
    par_mode: dict[str, list[str]] = {}
    for libelle, mode in MODES_CONNUS.items():
        par_mode.setdefault(str(mode), []).append(libelle)
    return " ; ".join(f"{', '.join(libelles)} → {mode}" for mode, libelles in par_mode.items())


SCHEMA_LIGNE: dict[str, Any] = {
    "type": "object",
    "title": "LigneEntree",
    "description": "Une ligne de vente. Tout autre champ est accepté et gardé avec la vente (champs_inconnus).",
    "required": ["article_id", "quantite", "prix_unitaire"],
    "properties": {
        "article_id": _entier(
            ENTIER_MAX,
            "[1-9][0-9]{0,17}",
            'Identifiant de l\'article (catalogue de la boutique) : entier, 2.0 ou "2".',
        ),
        "quantite": _entier(
            QUANTITE_MAX,
            f"([1-9][0-9]{{0,{len(str(QUANTITE_MAX)) - 2}}}|{QUANTITE_MAX})",
            f'Quantité vendue, entière, de 1 à {QUANTITE_MAX} : 2, 2.0 ou "2" (2.5 est refusé).',
        ),
        "prix_unitaire": _montant('Prix unitaire, ≥ 0, nombre ou chaîne ("4500.00"), arrondi au centime.'),
    },
    "additionalProperties": True,
}

SCHEMA_VENTE: dict[str, Any] = {
    "type": "object",
    "title": "VenteEntree",
    "description": (
        "Une vente telle que le serveur la lit. Tout autre champ est accepté et gardé avec la vente "
        "(champs_inconnus) ; null vaut absent pour chaque champ facultatif. Refusée seule (201, dans "
        "details.erreurs, et gardée en quarantaine) si elle ne se lit pas ou si le total d'une ligne "
        "ou de la vente atteint 10^14."
    ),
    "required": ["lignes"],
    "properties": {
        "numero_facture": _texte(100, "Numéro de facture ; absent : le serveur en attribue un."),
        "uuid": _texte(64, "Identifiant de la vente sur le terminal (recommandé pour les renvois), casse ignorée."),
        "date_vente": {
            "description": (
                "Quand la vente a eu lieu : date-heure ISO 8601 (secondes facultatives, sans fuseau = "
                "heure de la boutique), date seule (minuit), ou horodatage Unix en secondes ou "
                "millisecondes (nombre ou chaîne de chiffres) ; absente, vide ou null = maintenant. Refusée "
                "avant l'an 2000 ou plus de deux jours dans le futur."
            ),
            "anyOf": [
                {"type": "string", "format": "date-time"},
                {"type": "string", "format": "date"},
                {"type": "number", "minimum": HORODATAGE_MIN, "exclusiveMaximum": HORODATAGE_MAX_EXCLU},
                {"type": "string", "pattern": r"^\s*$"},
                {"type": "null"},
            ],
        },
        "mode_paiement": {
            "description": (
                "Libellé du mode de paiement, quel qu'il soit (gardé tel qu'envoyé, "
                f"{LIBELLE_MAX} premiers caractères) ; casse, espaces, tirets, points et soulignés "
                f"ignorés. Libellés connus : {_libelles_connus()}. Tout autre libellé est "
                f"enregistré en {ModePaiement.AUTRE} ; vide, absent ou null : {ModePaiement.CASH}."
            ),
            "type": ["string", "null"],
            "pattern": TEXTE_SANS_CONTROLE,
            "examples": ["ESPECES", "M-PESA", "ORANGE_MONEY", "CARTE", "CREDIT"],
        },
        "paye": {
            "description": "Vente payée : true/false, 1/0, ou en texte (casse ignorée) "
            + ", ".join(BOOLEENS_VRAI + BOOLEENS_FAUX)
            + " ; absent ou null = payée.",
            "anyOf": [
                {"type": "boolean"},
                {"enum": [0, 1]},
                {
                    "type": "string",
                    "pattern": r"^\s*(" + "|".join(_sans_casse(m) for m in BOOLEENS_VRAI + BOOLEENS_FAUX) + r")\s*$",
                },
                {"type": "null"},
            ],
        },
        "montant_total": _montant(
            "Total annoncé par le terminal ; le serveur recalcule le total des lignes.", nul=True
        ),
        "sequence": _entier(
            ENTIER_MAX,
            "[1-9][0-9]{0,17}",
            'Compteur de ventes du terminal (identifie la vente sans numéro ni uuid) : 7, 7.0 ou "7".',
            nul=True,
        ),
        "client_nom": _texte(150, "Nom du client."),
        "client_telephone": _texte(40, "Téléphone du client."),
        "lignes": {
            "description": f"Les lignes de la vente, au moins une, au plus {LIGNES_MAX}.",
            "type": "array",
            "minItems": 1,
            "maxItems": LIGNES_MAX,
            "items": {"$ref": REF.format("LigneEntree")},
        },
    },
    "additionalProperties": True,
}


def _schema_lot(maximum: int) -> dict[str, Any]:
    return {
        "description": f"Au plus {maximum} ventes (413 BATCH_TOO_LARGE au-delà).",
        "type": "array",
        "maxItems": maximum,
        "items": {"$ref": REF.format("VenteEntree")},
    }


def composants(max_ventes: int) -> dict[str, dict[str, Any]]:
    """The components the sync body refers to, for a batch of at most `max_ventes` sales."""
    return {
        "LigneEntree": deepcopy(SCHEMA_LIGNE),
        "VenteEntree": deepcopy(SCHEMA_VENTE),
        "EnveloppeVentes": {
            "type": "object",
            "title": "EnveloppeVentes",
            "description": 'La forme {"ventes": [...]} ; tout autre champ est accepté et noté par terminal.',
            "required": ["ventes"],
            "properties": {
                "ventes": _schema_lot(max_ventes),
                "boutique_id": {
                    "description": 'Facultatif : la boutique du terminal (9 ou "9"), sinon 403 BOUTIQUE_MISMATCH.',
                    "type": ["integer", "string", "null"],
                },
                "device_serial": {
                    "description": "Facultatif : le numéro de série du terminal, sinon 403 BOUTIQUE_MISMATCH.",
                    "type": ["string", "null"],
                },
            },
            "additionalProperties": True,
        },
    }


def corps_synchro(max_ventes: int) -> dict[str, Any]:
    """`openapi_extra` of the sync endpoints: their body, a bare array of sales or the wrapper."""
    return {
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {"oneOf": [_schema_lot(max_ventes), {"$ref": REF.format("EnveloppeVentes")}]}
                }
            },
        }
    }


# --- Query parameters: typed for clients, read by the server's own tolerant parsing -----------------
#
# The endpoints take the raw text (`str | None`) and parse it themselves, with French errors; these
# annotations only say in the schema what the parameter means. An empty value is read as absent
# (`allowEmptyValue`, added by ApiMagasin).


def _parametre(schema: dict[str, Any]) -> Any:
    return Annotated[str | None, WithJsonSchema(schema)]


ParamMoment = _parametre(
    {
        "type": "string",
        "anyOf": [{"format": "date"}, {"format": "date-time"}],
        # The first and last years are partly beyond what the database compares (in UTC): the
        # server refuses some of their instants (400 INVALID_DATE), so the contract leaves them out.
        "not": {"pattern": "^(0001|9999)-"},
        "description": (
            "Date (AAAA-MM-JJ : toute la journée, heure de la boutique) ou date-heure ISO 8601, des années 0002 à 9998."
        ),
    }
)
ParamLimite = _parametre(
    {"type": "integer", "minimum": 1, "description": "Nombre de résultats (100 par défaut, 500 au plus)."}
)
ParamIdentifiant = _parametre({"type": "integer", "minimum": 1, "maximum": ENTIER_MAX})
ParamTypeMouvement = _parametre({"type": "string", "enum": list(TypeMouvement.values)})
ParamModePaiement = _parametre({"type": "string", "enum": list(ModePaiement.values)})
ParamStatut = _parametre({"type": "string", "enum": list(StatutVente.values)})
ParamTexte = _parametre({"type": "string", "pattern": r"^[^\u0000-\u001f]*$"})


# --- Authentication and the document as a whole ---------------------------------------------------

ENTETE_SERIE: dict[str, Any] = {
    "in": "header",
    "name": "X-Device-Serial",
    "required": True,
    "description": (
        "Numéro de série du terminal (Device-Serial et Serial-Number sont aussi lus). Absent : "
        "400 MISSING_SERIAL ; inconnu ou inactif : 404 TERMINAL_NOT_FOUND."
    ),
    "schema": {"type": "string", "minLength": 1},
}
SECURITE: dict[str, Any] = {
    "Jeton": {
        "type": "http",
        "scheme": "bearer",
        "description": (
            "Le jeton du terminal (ou l'en-tête X-Device-Token). Facultatif pour un terminal « série "
            "seule » ; absent ou faux sinon : 401 TOKEN_INVALIDE."
        ),
    }
}
ENTETE_RETRY_AFTER: dict[str, Any] = {
    "Retry-After": {
        "description": "Secondes à attendre avant de réessayer.",
        "required": True,
        "schema": {"type": "integer", "minimum": 1},
    }
}


def _parametre_de_requete(parametre: dict[str, Any]) -> None:
    """A query parameter as the endpoints read it: never null (a query string has no null: ninja
    says `anyOf [..., null]` for a parameter whose default is None), and empty = absent."""
    schema = parametre["schema"]
    variantes = [v for v in schema.get("anyOf", []) if v != {"type": "null"}]
    if len(variantes) == 1 < len(schema["anyOf"]):
        parametre["schema"] = {**{k: v for k, v in schema.items() if k != "anyOf"}, **variantes[0]}
    parametre["allowEmptyValue"] = True


class ApiMagasin(NinjaAPI):
    """The terminal API, whose published schema is self-contained and says how to authenticate.

    django-ninja only registers as components the pydantic models it meets (answers, parsed
    bodies); the sync body is hand-written (see above), so its components are added here, the way
    ninja's maintainers suggest for schema additions (override `get_openapi_schema`). Every
    operation also gets the serial header and the bearer token (optional: serial-only terminals),
    which the endpoints check themselves, its query parameters as they are read (never null, empty
    allowed), and the `Retry-After` header of its 429.
    """

    def get_openapi_schema(self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None) -> Any:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        schema["components"]["schemas"].update(composants(settings.MAGASIN_SYNC_MAX_VENTES))
        # Copies: the document is the caller's to change (a test, a client generator).
        schema["components"]["securitySchemes"] = deepcopy(SECURITE)
        for operations in schema["paths"].values():
            for operation in operations.values():
                for parametre in operation.get("parameters", []):
                    if parametre["in"] == "query":
                        _parametre_de_requete(parametre)
                operation["parameters"] = [deepcopy(ENTETE_SERIE), *operation.get("parameters", [])]
                operation["security"] = [{"Jeton": []}, {}]
                for statut, reponse in operation.get("responses", {}).items():
                    if str(statut) == "429":  # ninja keys statuses by int, JSON by string
                        reponse["headers"] = deepcopy(ENTETE_RETRY_AFTER)
        return schema
