"""What the API does around django-ninja, for every path under /api/.

- `ErreursHttpEnJSON`: the answers Django or ninja build by themselves (404 of an unknown path,
  405 of a wrong method) get the API's error shape instead of an HTML page;
  `CommunSansRedirigerLesEnvoisApi` keeps a POST from being redirected instead.
- `TentativesTerminauxRefusees`: a known terminal refused because it is inactive or has no shop
  is counted (`boutiques.TentativeTerminalRefusee`, reported by `verifier_ventes`).
- `CompressionApi`: JSON answers are gzipped for clients that accept it (gzip request bodies
  are read by the sync itself: `magasin.api.corps`).

Mobile data in Kinshasa is slow and paid by the megabyte: compression saves most of a sync's
or a catalogue's bytes (figures in docs/API.md, measured by `python -m bench.compression`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.middleware.common import CommonMiddleware
from django.middleware.gzip import GZipMiddleware

from magasin.boutiques.services import tentative_refusee_noter
from magasin.core.erreurs import CodeErreur, ErreurMetier
from magasin.core.terminaux import serie_de_requete

logger = logging.getLogger(__name__)

PREFIXE_API = "/api/"
# Refusals by which a known but unusable terminal (inactive, no shop) is answered.
STATUTS_REFUS_TERMINAL = {400, 401, 404}


def _en_json(erreur: ErreurMetier) -> JsonResponse:
    return JsonResponse(erreur.en_json(), status=erreur.statut_http, json_dumps_params={"ensure_ascii": False})


def _est_json(reponse: HttpResponseBase) -> bool:
    return str(reponse.get("Content-Type", "")).startswith("application/json")


class ErreursHttpEnJSON:
    """A 404 or 405 under /api/ that is not JSON yet was built outside any endpoint: say it in
    the API's shape. (A GET without its trailing slash is still redirected: CommonMiddleware,
    outside this one, redirects on the status, whatever the body.)"""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        reponse = self.get_response(request)
        if reponse.status_code not in (404, 405) or not request.path.startswith(PREFIXE_API) or _est_json(reponse):
            return reponse
        if reponse.status_code == 404:
            chemin = request.path if len(request.path) <= 200 else request.path[:200] + "…"
            return _en_json(ErreurMetier(CodeErreur.NOT_FOUND, f"Adresse inconnue de l'API : {chemin}"))
        permises = reponse.get("Allow", "")
        json = _en_json(
            ErreurMetier(
                CodeErreur.METHOD_NOT_ALLOWED,
                f"Méthode {request.method} non permise ici (permises : {permises}).",
            )
        )
        json["Allow"] = permises
        return json


class CommunSansRedirigerLesEnvoisApi(CommonMiddleware):
    """Django's CommonMiddleware, except that under /api/ only GET and HEAD are redirected to
    the address with a trailing slash: a redirected POST loses its body (and under DEBUG Django
    raises instead), so `POST /api/v2/simple/articles` gets the JSON 404 like any unknown address."""

    def should_redirect_with_slash(self, request: HttpRequest) -> bool:
        if request.path.startswith(PREFIXE_API) and request.method not in ("GET", "HEAD"):
            return False
        return bool(super().should_redirect_with_slash(request))


class TentativesTerminauxRefusees:
    """A refused API call (400, 401, 404) from no authenticated terminal but naming a serial:
    `tentative_refusee_noter` counts it when that serial is a known terminal that is inactive
    or has no shop. Outermost but the access log, so it sees the status finally sent."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        reponse = self.get_response(request)
        if (
            reponse.status_code in STATUTS_REFUS_TERMINAL
            and request.path.startswith(PREFIXE_API)
            and getattr(request, "magasin_terminal", None) is None
        ):
            serie = serie_de_requete(request)
            if serie is not None:
                try:
                    tentative_refusee_noter(numero_serie=serie)
                except Exception:
                    # Diagnostics must never turn an answer into a 500.
                    logger.exception("tentative de terminal non notée")
        return reponse


# --- Answers ---------------------------------------------------------------------------------


class CompressionApi(GZipMiddleware):
    """gzip for the API's JSON answers, when the client sends `Accept-Encoding: gzip`.

    Only the API: the back-office's pages carry the CSRF token next to text a visitor can
    choose (a search echoed in the page), and compressing them would open BREACH to anyone
    able to make a manager's browser load them. The API is authenticated by headers a browser
    never adds by itself, so no third party can make a terminal's answers grow on demand:
    Django's random padding against BREACH is only lost bytes there.
    Small answers stay as they are: under `SEUIL` bytes the saving is smaller than the
    headers of the exchange.
    """

    max_random_bytes = 0
    SEUIL = 512

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        if not request.path.startswith(PREFIXE_API) or not _est_json(response):
            return response
        if not response.streaming and len(response.content) < self.SEUIL:  # type: ignore[attr-defined]
            return response
        return super().process_response(request, response)  # type: ignore[no-any-return]
