"""Back-office and admin logins, throttled by account and by client address.

Passwords are chosen by people: once an account or an address has failed too often, the form
refuses to check any password until the window ends (429 with `Retry-After`), the right one
included, so guessing stays bounded and a refusal says nothing about the password. Both doors
(`/connexion/` and `/admin/login/`) count in the same counters, in the cache every worker sees
(`magasin.core.limitation`); the address is the real client's behind a trusted proxy.
"""

from __future__ import annotations

import math
from typing import Any

from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.templatetags.static import static

from magasin.core.limitation import Limite, adresse_client, blocage_restant, echec_compter, echecs_effacer

FENETRE_SECONDES = 15 * 60
LIMITE_COMPTE = Limite(espace="connexion-compte", maximum=5, fenetre_s=FENETRE_SECONDES)
# Higher: colleagues behind one office router mistype too, and each account has its own limit.
LIMITE_ADRESSE = Limite(espace="connexion-adresse", maximum=20, fenetre_s=FENETRE_SECONDES)


def message_blocage(secondes: int) -> str:
    return f"Trop de tentatives échouées : réessayez dans {math.ceil(secondes / 60)} min."


class _ConnexionLimitee(AuthenticationForm):
    """The login form, refusing to authenticate a blocked account or address."""

    reessayer_dans_s = 0

    def _compteurs(self) -> list[tuple[Limite, str]]:
        compteurs = [(LIMITE_ADRESSE, adresse_client(self.request) if self.request else "inconnue")]
        compte = (self.cleaned_data.get("username") or "").strip().casefold()
        if compte:
            compteurs.append((LIMITE_COMPTE, compte))
        return compteurs

    def clean(self) -> dict[str, Any]:
        compteurs = self._compteurs()
        restant = max(blocage_restant(limite, cle) for limite, cle in compteurs)
        if restant:
            self.reessayer_dans_s = restant
            raise ValidationError(message_blocage(restant), code="trop_de_tentatives")
        try:
            donnees = super().clean()
        except ValidationError:
            for limite, cle in compteurs:
                echec_compter(limite, cle)
            raise
        # The account proved itself; the address may be shared with others, its count stays.
        for limite, cle in compteurs:
            if limite is LIMITE_COMPTE:
                echecs_effacer(limite, cle)
        return donnees


class FormulaireConnexion(_ConnexionLimitee):
    pass


class FormulaireConnexionAdmin(_ConnexionLimitee, AdminAuthenticationForm):
    pass


def _en_429(reponse: HttpResponse, form: Any) -> HttpResponse:
    if isinstance(form, _ConnexionLimitee) and form.reessayer_dans_s:
        reponse.status_code = 429
        reponse["Retry-After"] = str(form.reessayer_dans_s)
    return reponse


class Connexion(auth_views.LoginView):
    template_name = "web/connexion.html"
    form_class = FormulaireConnexion
    redirect_authenticated_user = True

    def form_invalid(self, form: AuthenticationForm) -> HttpResponse:
        if isinstance(form, _ConnexionLimitee) and form.reessayer_dans_s:
            contexte = self.get_context_data(form=form, bloque=message_blocage(form.reessayer_dans_s))
            return _en_429(self.render_to_response(contexte), form)
        return super().form_invalid(form)


def connexion_admin(request: HttpRequest) -> HttpResponse:
    """`/admin/login/`: the admin's own view, its form set to `FormulaireConnexionAdmin`
    (magasin/urls.py), answering 429 with `Retry-After` when the form refused to check."""
    reponse = admin.site.login(request)
    contexte = getattr(reponse, "context_data", None) or {}
    return _en_429(reponse, contexte.get("form"))


class Deconnexion(auth_views.LogoutView):
    pass


def favicon(request: HttpRequest) -> HttpResponse:
    """`/favicon.ico`, which browsers ask for on pages that link no icon (admin, API docs)."""
    return HttpResponsePermanentRedirect(static("web/favicon.svg"))
