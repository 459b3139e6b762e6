"""Terminaux: shop, last sync, credentials, missing sequence numbers; creation, rotation, move.

A new token is shown once, after a redirect (POST-redirect-GET): the POST keeps it in the
session (stored server-side, never in the messages cookie), the token page pops it, so a reload
neither rotates again nor shows it twice.
"""

from __future__ import annotations

from typing import cast

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from magasin.boutiques.acces import boutiques_avec_role, boutiques_visibles, exiger_role
from magasin.boutiques.models import Boutique, Role, Terminal
from magasin.boutiques.services import (
    terminal_creer,
    terminal_deplacer,
    terminal_desactiver,
    terminal_revoquer_jeton,
    terminal_rotation_jeton,
)
from magasin.core.erreurs import ErreurMetier
from magasin.ventes.selectors import terminaux_etat
from magasin.web.acces import boutiques_filtrees
from magasin.web.forms import TerminalCreationForm, TerminalDeplacementForm

CLE_JETON = "magasin_jeton_a_afficher"


@login_required
def terminaux(request: HttpRequest) -> HttpResponse:
    boutiques, choisie = boutiques_filtrees(request)
    gerees = list(boutiques_avec_role(request.user, Role.GERANT))
    return render(
        request,
        "web/terminaux.html",
        {
            "etats": terminaux_etat(boutiques=boutiques),
            "boutiques": boutiques_visibles(request.user),
            "choisie": choisie,
            "gerees": {b.pk for b in gerees},
            "destinations": gerees,
        },
    )


def _jeton_a_afficher(request: HttpRequest, terminal: Terminal, jeton: str) -> HttpResponse:
    request.session[CLE_JETON] = {"terminal": terminal.pk, "jeton": jeton}
    return redirect("web:terminal_jeton", pk=terminal.pk)


@login_required
def terminal_nouveau(request: HttpRequest) -> HttpResponse:
    form = TerminalCreationForm(request.POST or None, boutiques=boutiques_avec_role(request.user, Role.GERANT))
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            terminal, jeton = terminal_creer(
                acteur=request.user,
                boutique=d["boutique"],
                nom_terminal=d["nom_terminal"],
                numero_serie=d["numero_serie"],
            )
        except ErreurMetier as erreur:
            form.add_error(None, erreur.message)
        else:
            return _jeton_a_afficher(request, terminal, jeton)
    return render(request, "web/terminal_form.html", {"form": form})


@login_required
def terminal_jeton(request: HttpRequest, pk: int) -> HttpResponse:
    """The setup sheet: server URL, serial, and the new token (text and QR code) on first display only."""
    terminal = _terminal_gere_ou_404(request, pk)
    jeton = None
    en_attente = request.session.get(CLE_JETON)
    if isinstance(en_attente, dict) and en_attente.get("terminal") == terminal.pk:
        jeton = request.session.pop(CLE_JETON)["jeton"]
    reponse = render(
        request,
        "web/terminal_jeton.html",
        {
            "terminal": terminal,
            "jeton": jeton,
            # The QR code holds the token alone, for the app's scanner; a data: image passes the CSP.
            "qr": segno.make(jeton, error="m").svg_data_uri(scale=4, border=2) if jeton else "",
            "serveur": request.build_absolute_uri("/"),
        },
    )
    reponse["Cache-Control"] = "no-store"
    return reponse


def _terminal_gere(request: HttpRequest, pk: int) -> Terminal:
    terminal = get_object_or_404(
        Terminal.objects.select_related("boutique"),
        pk=pk,
        boutique__in=boutiques_visibles(request.user),
    )
    # boutique__in above excludes terminals without a shop.
    exiger_role(request.user, cast(Boutique, terminal.boutique), Role.GERANT)
    return terminal


def _terminal_gere_ou_404(request: HttpRequest, pk: int) -> Terminal:
    try:
        return _terminal_gere(request, pk)
    except ErreurMetier:
        raise Http404("Terminal introuvable") from None


@login_required
@require_POST
def terminal_deplacement(request: HttpRequest, pk: int) -> HttpResponse:
    terminal = _terminal_gere_ou_404(request, pk)
    form = TerminalDeplacementForm(request.POST, boutiques=boutiques_avec_role(request.user, Role.GERANT))
    if not form.is_valid():
        # Only the shops the user manages are valid choices: another shop's id is refused here.
        messages.error(request, "Choisissez une boutique que vous gérez.")
        return redirect("web:terminaux")
    try:
        terminal_deplacer(acteur=request.user, terminal=terminal, boutique=form.cleaned_data["boutique"])
    except ErreurMetier as erreur:
        messages.error(request, erreur.message)
        return redirect("web:terminaux")
    messages.success(request, f"Terminal {terminal.nom_terminal} déplacé vers {form.cleaned_data['boutique'].nom}.")
    return redirect("web:terminaux")


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
        return _jeton_a_afficher(request, terminal, terminal_rotation_jeton(terminal=terminal, acteur=request.user))
    if action == "revoquer":
        terminal_revoquer_jeton(terminal=terminal, acteur=request.user)
        messages.success(request, f"Jeton de {terminal.nom_terminal} révoqué.")
    elif action == "desactiver":
        terminal_desactiver(terminal=terminal, acteur=request.user)
        messages.success(request, f"Terminal {terminal.nom_terminal} désactivé.")
    return redirect("web:terminaux")
