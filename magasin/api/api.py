"""The terminal API: /api/v2/simple/… (contract of the original system, kept to the letter).

Endpoints parse and authenticate, call one service or selector, and render. Every error is
`{"success": false, "error": <French>, "code": <CODE>}` with its HTTP status.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from typing import Any

import orjson
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Router
from ninja.errors import HttpError
from ninja.errors import ValidationError as NinjaValidationError

from magasin.api import rendu
from magasin.api.auth import application_de_requete, terminal_de_requete
from magasin.api.corps import corps_de_requete
from magasin.api.schemas import (
    ApiMagasin,
    Erreur,
    ParamIdentifiant,
    ParamLimite,
    ParamModePaiement,
    ParamMoment,
    ParamStatut,
    ParamTexte,
    ParamTypeMouvement,
    ReponseArticles,
    ReponseMouvements,
    ReponseSynchro,
    ReponseTerminal,
    ReponseVentes,
    corps_synchro,
)
from magasin.boutiques.services import terminal_marquer_synchro
from magasin.core.erreurs import DESCRIPTION, CodeErreur, ErreurMetier
from magasin.core.filtres import Filtres
from magasin.core.validation import nombre_json
from magasin.stock.models import TypeMouvement
from magasin.stock.selectors import articles_de_boutique, mouvements_de_boutique
from magasin.ventes.entrees import VenteLue, lire_vente
from magasin.ventes.models import ModePaiement, StatutVente
from magasin.ventes.selectors import sequence_max, sequences_manquantes, ventes_avec_lignes, ventes_de_boutiques
from magasin.ventes.services import Application, ventes_synchroniser

logger = logging.getLogger("magasin.api")

_codes = "\n".join(f"- `{c.value}`: {d}" for c, d in DESCRIPTION.items())
api = ApiMagasin(
    title="Magasin — API des terminaux",
    version="2.0",
    description=(
        "API des terminaux de caisse hors ligne. Le terminal se nomme par l'en-tête "
        "`X-Device-Serial` et prouve son identité par `Authorization: Bearer <jeton>` "
        "(sauf terminaux `serie_seule`).\n\nCodes d'erreur :\n" + _codes
    ),
    urls_namespace="api",
    docs_url="/docs",
)
router = Router(tags=["v2/simple"])

# What any endpoint may answer besides its success: authentication (400 MISSING_SERIAL or
# NO_BOUTIQUE, 401, 404 TERMINAL_NOT_FOUND, 429 with Retry-After), a bad parameter (400), a body
# the gzip middleware refuses (400, 413, 415), and the server's own failures (500, 503).
ERREURS_COMMUNES: dict[int, Any] = dict.fromkeys((400, 401, 404, 413, 415, 429, 500, 503), Erreur)


_ENCODEUR_DJANGO = DjangoJSONEncoder()


def _json(corps: dict[str, Any]) -> bytes:
    """The body in UTF-8 JSON. orjson writes the sync answer (42 KB for 50 sales) and a page
    of 100 sales in a tenth of the standard library's time (measured: 0.22 ms -> 0.014 ms).
    Dates and everything orjson does not know go through Django's encoder, so values are
    written exactly as Django's JsonResponse writes them. What orjson refuses (an integer
    beyond 64 bits, a key that is not a string) takes the standard library's path."""
    try:
        return orjson.dumps(corps, default=_ENCODEUR_DJANGO.default, option=orjson.OPT_PASSTHROUGH_DATETIME)
    except orjson.JSONEncodeError:
        return json.dumps(corps, cls=DjangoJSONEncoder, ensure_ascii=False).encode()


def repondre(corps: dict[str, Any], statut: int = 200) -> HttpResponse:
    return HttpResponse(_json(corps), status=statut, content_type="application/json")


def _erreur(code: CodeErreur, message: str, **details: Any) -> HttpResponse:
    erreur = ErreurMetier(code, message, **details)
    return repondre(erreur.en_json(), erreur.statut_http)


@api.exception_handler(ErreurMetier)
def _sur_erreur_metier(request: HttpRequest, exc: ErreurMetier) -> HttpResponse:
    reponse = repondre(exc.en_json(), exc.statut_http)
    if "reessayer_dans_s" in exc.details:  # 429 of magasin.api.auth
        reponse["Retry-After"] = str(exc.details["reessayer_dans_s"])
    return reponse


@api.exception_handler(NinjaValidationError)
def _sur_validation(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    champs = ", ".join(".".join(str(p) for p in e.get("loc", ())[1:]) or "?" for e in exc.errors)
    return _erreur(CodeErreur.INVALID_PAYLOAD, f"Paramètre invalide : {champs}.", champ=champs)


@api.exception_handler(Http404)
def _sur_404(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _erreur(CodeErreur.NOT_FOUND, "Ressource introuvable.")


@api.exception_handler(HttpError)
def _sur_http(request: HttpRequest, exc: HttpError) -> HttpResponse:
    code = CodeErreur.METHOD_NOT_ALLOWED if exc.status_code == 405 else CodeErreur.INVALID_PAYLOAD
    return repondre({"success": False, "error": str(exc), "code": code.value}, exc.status_code)


@api.exception_handler(Exception)
def _sur_exception(request: HttpRequest, exc: Exception) -> HttpResponse:
    if isinstance(exc, OperationalError | InterfaceError):
        logger.error("base indisponible", exc_info=exc, extra={"chemin": request.path})
        return _erreur(
            CodeErreur.BASE_INDISPONIBLE,
            "Base de données indisponible : rien n'a été enregistré, renvoyez plus tard.",
        )
    logger.exception("erreur interne", extra={"chemin": request.path})
    if isinstance(exc, DatabaseError):
        return _erreur(CodeErreur.ERREUR_SERVEUR, "Erreur de base de données : rien n'a été enregistré.")
    return _erreur(CodeErreur.ERREUR_SERVEUR, "Erreur interne : rien n'a été enregistré, renvoyez l'envoi.")


# --- Parsing helpers -------------------------------------------------------------------------------

CHAMPS_ENVELOPPE = frozenset({"ventes", "boutique_id", "device_serial"})


@dataclass(frozen=True)
class Envoi:
    """A sync request's body as read: each sale read on its own, and the wrapper's extras."""

    ventes: list[VenteLue]
    champs_enveloppe: dict[str, Any]


def _lire_envoi(request: HttpRequest, terminal: Any) -> Envoi:
    """Whole-request checks (JSON, array or wrapper, size), then each sale read on its own:
    a sale that cannot be read is that sale's refusal, never the batch's."""
    try:
        corps = corps_de_requete(request, serie=terminal.numero_serie)
        donnees = json.loads(corps, parse_constant=_refuser_constante, parse_float=nombre_json)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise ErreurMetier(CodeErreur.INVALID_JSON, f"JSON invalide : {_raison_json(exc)}") from None
    extras: dict[str, Any] = {}
    if isinstance(donnees, dict):
        if not isinstance(donnees.get("ventes"), list):
            raise ErreurMetier(
                CodeErreur.INVALID_PAYLOAD,
                "Champ « ventes » manquant ou qui n'est pas un tableau (ou envoyez un tableau).",
                champ="ventes",
            )
        _verifier_enveloppe(donnees, terminal)
        extras = {cle: valeur for cle, valeur in donnees.items() if cle not in CHAMPS_ENVELOPPE}
        donnees = donnees["ventes"]
    if not isinstance(donnees, list):
        raise ErreurMetier(CodeErreur.INVALID_PAYLOAD, "Un tableau de ventes est attendu.", champ="(corps)")
    maximum = settings.MAGASIN_SYNC_MAX_VENTES
    if len(donnees) > maximum:
        raise ErreurMetier(
            CodeErreur.BATCH_TOO_LARGE,
            f"{len(donnees)} ventes dans un seul envoi : maximum {maximum}. Découpez l'envoi.",
            maximum=maximum,
        )
    return Envoi(ventes=[lire_vente(brut) for brut in donnees], champs_enveloppe=extras)


def _application(request: HttpRequest, envoi: Envoi) -> Application:
    user_agent, version = application_de_requete(request)
    return Application(user_agent=user_agent, version=version, champs_enveloppe=envoi.champs_enveloppe)


def _raison_json(exc: BaseException) -> str:
    # Python's own wording is English: say it in French, with the position when known.
    if isinstance(exc, UnicodeDecodeError):
        return f"le corps n'est pas encodé en UTF-8 (octet {exc.start})."
    if isinstance(exc, RecursionError):
        return "imbrication trop profonde."
    if isinstance(exc, json.JSONDecodeError):
        if not exc.doc.strip():
            return "corps vide."
        return f"syntaxe incorrecte à la ligne {exc.lineno}, colonne {exc.colno}."
    return str(exc)  # _refuser_constante's message, already in French


def _refuser_constante(nom: str) -> Any:
    raise ValueError(f"{nom} n'est pas un nombre JSON")


def _verifier_enveloppe(donnees: dict[str, Any], terminal: Any) -> None:
    # Read as tolerantly as the sales: 3 and "3" are the same shop id.
    boutique_id = donnees.get("boutique_id")
    if boutique_id is not None and str(boutique_id).strip() not in ("", str(terminal.boutique_id)):
        raise ErreurMetier(CodeErreur.BOUTIQUE_MISMATCH, "boutique_id ne correspond pas à la boutique du terminal.")
    serie = donnees.get("device_serial")
    if serie not in (None, "") and str(serie).strip() != terminal.numero_serie:
        raise ErreurMetier(CodeErreur.BOUTIQUE_MISMATCH, "device_serial ne correspond pas au terminal authentifié.")


# --- Endpoints ----------------------------------------------------------------------------------

# The body is read by `_lire_envoi`, not by ninja: its schema is magasin.api.schemas's.
_CORPS_SYNC = corps_synchro(settings.MAGASIN_SYNC_MAX_VENTES)


@router.post(
    "/ventes/sync",
    response={201: ReponseSynchro, 403: Erreur, **ERREURS_COMMUNES},
    openapi_extra=_CORPS_SYNC,
    summary="Synchroniser un lot de ventes hors ligne",
)
def synchroniser(request: HttpRequest) -> HttpResponse:
    """Chaque vente est créée, reconnue comme renvoi (`already_exists`) ou refusée et gardée en
    quarantaine ; une vente refusée ne bloque jamais les autres."""
    debut = time.perf_counter()
    terminal = terminal_de_requete(request, marquer=False)
    try:
        envoi = _lire_envoi(request, terminal)
        # Marks derniere_synchro, in the batch's transaction.
        lot = ventes_synchroniser(terminal=terminal, ventes=envoi.ventes, application=_application(request, envoi))
    except Exception:
        terminal_marquer_synchro(terminal=terminal)  # a refused request is still a contact
        raise
    corps = rendu.synchro_json(lot)
    logger.info(
        "synchro",
        extra={
            "evenement": "synchro",
            "terminal": terminal.numero_serie,
            "boutique": lot.boutique.code,
            "envoyees": len(envoi.ventes),
            "creees": lot.nouvelles,
            "doublons": lot.doublons,
            "refusees": len(lot.refusees),
            "duree_ms": round((time.perf_counter() - debut) * 1000, 1),
        },
    )
    return repondre(corps, 201)


@router.post(
    "/ventes/sync/batch",
    response={201: ReponseSynchro, 403: Erreur, **ERREURS_COMMUNES},
    openapi_extra=_CORPS_SYNC,
    summary="Alias de /ventes/sync",
)
def synchroniser_batch(request: HttpRequest) -> HttpResponse:
    return synchroniser(request)


# The same two endpoints with a trailing slash, as some terminal builds write them (a POST
# there met an HTML 404). Kept out of the schema: one documented path per endpoint.
@router.post("/ventes/sync/", include_in_schema=False)
def synchroniser_barre(request: HttpRequest) -> HttpResponse:
    return synchroniser(request)


@router.post("/ventes/sync/batch/", include_in_schema=False)
def synchroniser_batch_barre(request: HttpRequest) -> HttpResponse:
    return synchroniser(request)


@router.get("/articles/", response={200: ReponseArticles, **ERREURS_COMMUNES}, summary="Catalogue de la boutique")
def articles(request: HttpRequest, modifie_depuis: ParamMoment = None) -> HttpResponse:
    """Le catalogue du terminal ; `modifie_depuis` donne le delta depuis la dernière synchro
    (réutilisez `heure_serveur` de la réponse précédente)."""
    terminal = terminal_de_requete(request)
    f = Filtres({"modifie_depuis": modifie_depuis})
    depuis = f.date("modifie_depuis")
    f.exiger_valides()
    heure_serveur = timezone.now()  # taken before the read, so the next delta misses nothing
    boutique = terminal.boutique
    assert boutique is not None
    donnees = [rendu.article_json(a) for a in articles_de_boutique(boutique=boutique, modifie_depuis=depuis)]
    return repondre(
        {
            "success": True,
            "boutique_id": boutique.pk,
            "boutique_nom": boutique.nom,
            "heure_serveur": heure_serveur.isoformat(),
            "count": len(donnees),
            "articles": donnees,
        }
    )


@router.get("/mouvements-stock/", response={200: ReponseMouvements, **ERREURS_COMMUNES}, summary="Mouvements de stock")
def mouvements_stock(
    request: HttpRequest,
    article_id: ParamIdentifiant = None,
    type_mouvement: ParamTypeMouvement = None,
    date_debut: ParamMoment = None,
    date_fin: ParamMoment = None,
    limit: ParamLimite = None,
) -> HttpResponse:
    terminal = terminal_de_requete(request)
    boutique = terminal.boutique
    assert boutique is not None
    f = Filtres(
        {
            "article_id": article_id,
            "type_mouvement": type_mouvement,
            "date_debut": date_debut,
            "date_fin": date_fin,
            "limit": limit,
        }
    )
    qs = mouvements_de_boutique(
        boutique=boutique,
        article_id=f.entier("article_id"),
        type_mouvement=f.choix("type_mouvement", TypeMouvement.values),
        date_debut=f.date("date_debut"),
        date_fin=f.date("date_fin", fin=True),
    )
    limite = f.limite()
    f.exiger_valides()
    donnees = [rendu.mouvement_json(m) for m in qs[:limite]]
    return repondre(
        {
            "success": True,
            "boutique_id": boutique.pk,
            "boutique_nom": boutique.nom,
            "count": len(donnees),
            "mouvements": donnees,
        }
    )


@router.get("/ventes/", response={200: ReponseVentes, **ERREURS_COMMUNES}, summary="Ventes récentes de la boutique")
def ventes(
    request: HttpRequest,
    numero_facture: ParamTexte = None,
    date_debut: ParamMoment = None,
    date_fin: ParamMoment = None,
    mode_paiement: ParamModePaiement = None,
    statut: ParamStatut = None,
    limit: ParamLimite = None,
) -> HttpResponse:
    """Pour vérifier que ce que le terminal a envoyé est bien sur le serveur."""
    terminal = terminal_de_requete(request)
    boutique = terminal.boutique
    assert boutique is not None
    f = Filtres(
        {
            "numero_facture": numero_facture,
            "date_debut": date_debut,
            "date_fin": date_fin,
            "mode_paiement": mode_paiement,
            "statut": statut,
            "limit": limit,
        }
    )
    qs = ventes_de_boutiques(
        boutiques=[boutique],
        # Any length: the schema promises no bound (an over-long number simply matches nothing).
        numero_facture=f.texte("numero_facture", longueur_max=None),
        date_debut=f.date("date_debut"),
        date_fin=f.date("date_fin", fin=True),
        mode_paiement=f.choix("mode_paiement", ModePaiement.values),
        statut=f.choix("statut", StatutVente.values),
    )
    limite = f.limite()
    f.exiger_valides()
    donnees = [rendu.vente_json(v, lignes) for v, lignes in ventes_avec_lignes(qs, limite=limite)]
    return repondre(
        {
            "success": True,
            "boutique_id": boutique.pk,
            "boutique_nom": boutique.nom,
            "count": len(donnees),
            "ventes": donnees,
        }
    )


@router.get("/terminal/", response={200: ReponseTerminal, **ERREURS_COMMUNES}, summary="Qui suis-je")
def terminal_courant(request: HttpRequest) -> HttpResponse:
    terminal = terminal_de_requete(request)
    boutique = terminal.boutique
    assert boutique is not None
    return repondre(
        {
            "success": True,
            "terminal": {
                "id": terminal.pk,
                "nom": terminal.nom_terminal,
                "numero_serie": terminal.numero_serie,
                "serie_seule": terminal.serie_seule,
                "authentification": "serie_seule" if terminal.serie_seule else "jeton",
                "derniere_synchro": terminal.derniere_synchro.isoformat() if terminal.derniere_synchro else None,
            },
            "boutique": {
                "id": boutique.pk,
                "nom": boutique.nom,
                "code": boutique.code,
                "devise": boutique.devise,
                "politique_stock": boutique.politique_stock,
            },
            "heure_serveur": timezone.now().isoformat(),
            "sequence_max": sequence_max(terminal=terminal),
            "sequences_manquantes": sequences_manquantes(terminal=terminal),
        }
    )


api.add_router("/v2/simple/", router)
