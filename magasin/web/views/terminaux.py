"""Terminaux: shop, last sync, credentials, missing sequence numbers; rotation and deactivation."""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from magasin.boutiques.acces import boutiques_visibles, exiger_role
from magasin.boutiques.models import Boutique, Role, Terminal
from magasin.boutiques.services import (
    terminal_desactiver,
    terminal_revoquer_jeton,
    terminal_rotation_jeton,
)
from magasin.core.erreurs import ErreurMetier
from magasin.ventes.selectors import terminaux_etat
from magasin.web.acces import boutiques_avec_role, boutiques_filtrees


@login_required
def terminaux(request: HttpRequest) -> HttpResponse:
    boutiques, choisie = boutiques_filtrees(request)
    return render(
        request,
        "web/terminaux.html",
        {
            "etats": terminaux_etat(boutiques=boutiques),
            "boutiques": boutiques_visibles(request.user),
            "choisie": choisie,
            "gerees": set(boutiques_avec_role(request.user, Role.GERANT).values_list("pk", flat=True)),
        },
    )


def _terminal_gere(request: HttpRequest, pk: int) -> Terminal:
    terminal = get_object_or_404(
        Terminal.objects.select_related("boutique"),
        pk=pk,
        boutique__in=boutiques_visibles(request.user),
    )
    # boutique__in above excludes terminals without a shop.
    exiger_role(request.user, cast(Boutique, terminal.boutique), Role.GERANT)
    return terminal


@login_required
@require_POST
def terminal_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    if action not in {"rotation", "revoquer", "desactiver"}:
        raise Http404("Action inconnue")
    try:
        terminal = _terminal_gere(request, pk)
    except ErreurMetier as erreur:
        return HttpResponse(erreur.message, status=403)
    if action == "rotation":
        jeton = terminal_rotation_jeton(terminal=terminal)
        # Shown once, on this response only: it is stored hashed.
        reponse = render(request, "web/terminal_jeton.html", {"terminal": terminal, "jeton": jeton})
        reponse["Cache-Control"] = "no-store"
        return reponse
    if action == "revoquer":
        terminal_revoquer_jeton(terminal=terminal)
        messages.success(request, f"Jeton de {terminal.nom_terminal} révoqué.")
    elif action == "desactiver":
        terminal_desactiver(terminal=terminal)
        messages.success(request, f"Terminal {terminal.nom_terminal} désactivé.")
    return redirect("web:terminaux")
