"""Give the API's own error shape to the one answer django-ninja builds by itself: 405."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse

from magasin.core.erreurs import CodeErreur, ErreurMetier


class MethodeNonPermiseEnJSON:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        reponse = self.get_response(request)
        if (
            reponse.status_code == 405
            and request.path.startswith("/api/")
            and not reponse.get("Content-Type", "").startswith("application/json")
        ):
            permises = reponse.get("Allow", "")
            erreur = ErreurMetier(
                CodeErreur.METHOD_NOT_ALLOWED,
                f"Méthode {request.method} non permise ici (permises : {permises}).",
            )
            json = JsonResponse(erreur.en_json(), status=405, json_dumps_params={"ensure_ascii": False})
            json["Allow"] = permises
            return json
        return reponse
