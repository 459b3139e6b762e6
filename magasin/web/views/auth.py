"""Login with a throttle on failed attempts (per IP and username, in Django's default cache)."""

from __future__ import annotations

import hashlib
from typing import Any

from django.contrib.auth import views as auth_views
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse

ECHECS_MAX = 5
FENETRE_SECONDES = 15 * 60


def _cle(request: HttpRequest) -> str:
    ip = request.META.get("REMOTE_ADDR", "")
    nom = request.POST.get("username", "").strip().lower()
    return "web-connexion:" + hashlib.sha256(f"{ip}|{nom}".encode()).hexdigest()


class Connexion(auth_views.LoginView):
    template_name = "web/connexion.html"
    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        cle = _cle(request)
        if cache.get(cle, 0) >= ECHECS_MAX:
            form = self.get_form()
            return self.render_to_response(
                self.get_context_data(
                    form=form,
                    bloque="Trop de tentatives échouées : réessayez dans 15 minutes.",
                ),
                status=429,
            )
        reponse = super().post(request, *args, **kwargs)
        if request.user.is_authenticated:
            cache.delete(cle)
        else:
            try:
                cache.incr(cle)
            except ValueError:
                cache.set(cle, 1, FENETRE_SECONDES)
        return reponse


class Deconnexion(auth_views.LogoutView):
    pass
