"""Personnes: accounts of the shops the user manages, their role per shop, password, activation."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AbstractBaseUser
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from magasin.boutiques.acces import boutiques_avec_role
from magasin.boutiques.models import RANG_ROLE, Membre, Role
from magasin.boutiques.selectors import personnes_visibles
from magasin.boutiques.services import (
    membre_changer_role,
    membre_creer,
    utilisateur_desactiver,
    utilisateur_reinitialiser_mot_de_passe,
)
from magasin.core.erreurs import ErreurMetier
from magasin.web.forms import MotDePasseForm, PersonneCreationForm, RoleForm


def _role_max(request: HttpRequest) -> Role | None:
    """The highest role the user holds in a shop they manage (what they may grant at most)."""
    if getattr(request.user, "is_superuser", False):
        return Role.PROPRIETAIRE
    roles = [Role(r) for r in Membre.objects.filter(utilisateur_id=request.user.pk).values_list("role", flat=True)]
    return max(roles, key=lambda r: RANG_ROLE[r], default=None)


@login_required
def personnes(request: HttpRequest) -> HttpResponse:
    return render(request, "web/personnes.html", {"personnes": personnes_visibles(request.user)})


@login_required
def personne_nouvelle(request: HttpRequest) -> HttpResponse:
    boutiques = boutiques_avec_role(request.user, Role.GERANT)
    form = PersonneCreationForm(request.POST or None, boutiques=boutiques, role_max=_role_max(request))
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            personne = membre_creer(
                acteur=request.user,
                boutique=d["boutique"],
                username=d["username"],
                role=Role(d["role"]),
                password=d["password1"],
            )
        except ErreurMetier as erreur:
            form.add_error(None, erreur.message)
        else:
            messages.success(request, f"Compte {personne.get_username()} créé.")
            return redirect("web:personne_detail", pk=personne.pk)
    return render(request, "web/personne_form.html", {"form": form, "gerees": boutiques.exists()})


def _personne(request: HttpRequest, pk: int) -> AbstractBaseUser:
    # Only accounts of a shop the user manages: any other id is a 404.
    return get_object_or_404(personnes_visibles(request.user), pk=pk)


def _contexte(request: HttpRequest, personne: AbstractBaseUser, **formulaires: Any) -> dict[str, Any]:
    boutiques = boutiques_avec_role(request.user, Role.GERANT)
    return {
        "personne": personne,
        "form_role": formulaires.get("form_role") or RoleForm(boutiques=boutiques, role_max=_role_max(request)),
        "form_mdp": formulaires.get("form_mdp") or MotDePasseForm(),
        "soi_meme": personne.pk == request.user.pk,
    }


@login_required
def personne_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return render(request, "web/personne_detail.html", _contexte(request, _personne(request, pk)))


def _refus(request: HttpRequest, personne: AbstractBaseUser, erreur: ErreurMetier, **formulaires: Any) -> HttpResponse:
    messages.error(request, erreur.message)
    return render(request, "web/personne_detail.html", _contexte(request, personne, **formulaires), status=403)


@login_required
@require_POST
def personne_role(request: HttpRequest, pk: int) -> HttpResponse:
    personne = _personne(request, pk)
    form = RoleForm(request.POST, boutiques=boutiques_avec_role(request.user, Role.GERANT), role_max=_role_max(request))
    if not form.is_valid():
        return render(request, "web/personne_detail.html", _contexte(request, personne, form_role=form), status=400)
    boutique, role = form.cleaned_data["boutique"], form.cleaned_data["role"]
    try:
        membre_changer_role(
            acteur=request.user, utilisateur=personne, boutique=boutique, role=Role(role) if role else None
        )
    except ErreurMetier as erreur:
        return _refus(request, personne, erreur, form_role=form)
    messages.success(request, f"Rôle de {personne.get_username()} dans {boutique.nom} enregistré.")
    # Removed from the user's last managed shop: the account is out of sight.
    if not personnes_visibles(request.user).filter(pk=personne.pk).exists():
        return redirect("web:personnes")
    return redirect("web:personne_detail", pk=personne.pk)


@login_required
@require_POST
def personne_mot_de_passe(request: HttpRequest, pk: int) -> HttpResponse:
    personne = _personne(request, pk)
    form = MotDePasseForm(request.POST)
    if not form.is_valid():
        return render(request, "web/personne_detail.html", _contexte(request, personne, form_mdp=form), status=400)
    try:
        utilisateur_reinitialiser_mot_de_passe(
            acteur=request.user, utilisateur=personne, password=form.cleaned_data["password1"]
        )
    except ErreurMetier as erreur:
        return _refus(request, personne, erreur, form_mdp=form)
    messages.success(request, f"Mot de passe de {personne.get_username()} réinitialisé.")
    return redirect("web:personne_detail", pk=personne.pk)


@login_required
@require_POST
def personne_activation(request: HttpRequest, pk: int) -> HttpResponse:
    personne = _personne(request, pk)
    actif = request.POST.get("actif") == "1"
    try:
        utilisateur_desactiver(acteur=request.user, utilisateur=personne, actif=actif)
    except ErreurMetier as erreur:
        return _refus(request, personne, erreur)
    messages.success(request, f"Compte {personne.get_username()} {'réactivé' if actif else 'désactivé'}.")
    return redirect("web:personne_detail", pk=personne.pk)
