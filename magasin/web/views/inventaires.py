"""Stock count sessions: open one, count (scan or type), review the differences, confirm once."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from magasin.boutiques.acces import a_le_role, boutiques_avec_role, boutiques_visibles
from magasin.boutiques.models import Role
from magasin.core.erreurs import CodeErreur, ErreurMetier
from magasin.stock.models import Inventaire, StatutInventaire
from magasin.stock.selectors import article_par_code, inventaire_ecarts, inventaires_de_boutiques
from magasin.stock.services import inventaire_abandonner, inventaire_compter, inventaire_confirmer, inventaire_ouvrir
from magasin.web.filtres import paginer
from magasin.web.forms import ComptageForm, identifiant


@login_required
def inventaires(request: HttpRequest) -> HttpResponse:
    gerees = boutiques_avec_role(request.user, Role.GERANT)
    return render(
        request,
        "web/inventaires.html",
        {
            "page": paginer(request, inventaires_de_boutiques(boutiques=boutiques_visibles(request.user))),
            "gerees": gerees,
        },
    )


@login_required
@require_POST
def inventaire_nouveau(request: HttpRequest) -> HttpResponse:
    boutique = get_object_or_404(boutiques_visibles(request.user), pk=identifiant(request.POST.get("boutique")) or 0)
    try:
        inventaire = inventaire_ouvrir(boutique=boutique, acteur=request.user)
    except ErreurMetier as erreur:
        return HttpResponse(erreur.message, status=erreur.statut_http)
    return redirect("web:inventaire", pk=inventaire.pk)


def _inventaire(request: HttpRequest, pk: int) -> Inventaire:
    return get_object_or_404(inventaires_de_boutiques(boutiques=boutiques_visibles(request.user)), pk=pk)


@login_required
def inventaire(
    request: HttpRequest, pk: int, form: ComptageForm | None = None, erreur: ErreurMetier | None = None
) -> HttpResponse:
    inv = _inventaire(request, pk)
    ecarts = inventaire_ecarts(inventaire=inv)
    return render(
        request,
        "web/inventaire.html",
        {
            "inventaire": inv,
            "ecarts": ecarts,
            "a_ajuster": sum(1 for e in ecarts if e.ecart),
            "en_cours": inv.statut == StatutInventaire.EN_COURS,
            "peut_confirmer": a_le_role(request.user, inv.boutique, Role.GERANT),
            "form": form or ComptageForm(),
            "erreur": erreur.message if erreur else "",
        },
        status=erreur.statut_http if erreur else (400 if form is not None else 200),
    )


@login_required
@require_POST
def inventaire_comptage(request: HttpRequest, pk: int) -> HttpResponse:
    inv = _inventaire(request, pk)
    form = ComptageForm(request.POST)
    if not form.is_valid():
        return inventaire(request, pk, form=form)
    article = article_par_code(boutique=inv.boutique, code=form.cleaned_data["code"])
    if article is None:
        erreur = ErreurMetier(CodeErreur.ARTICLE_INTROUVABLE, f"Aucun article de code « {form.cleaned_data['code']} ».")
        return inventaire(request, pk, form=form, erreur=erreur)
    try:
        ligne = inventaire_compter(
            inventaire=inv,
            acteur=request.user,
            article=article,
            quantite=form.cleaned_data["quantite"],
            ajouter=not form.cleaned_data["remplacer"],
        )
    except ErreurMetier as erreur:
        return inventaire(request, pk, form=form, erreur=erreur)
    messages.success(request, f"{article.nom} : {ligne.quantite_comptee} compté(s).")
    return redirect("web:inventaire", pk=pk)


@login_required
@require_POST
def inventaire_cloture(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    if action not in ("confirmer", "abandonner"):
        raise Http404("Action inconnue")
    inv = _inventaire(request, pk)
    try:
        if action == "confirmer":
            mouvements = inventaire_confirmer(inventaire=inv, acteur=request.user)
            messages.success(request, f"Inventaire confirmé : {len(mouvements)} ajustement(s) de stock.")
        else:
            inventaire_abandonner(inventaire=inv, acteur=request.user)
            messages.success(request, "Inventaire abandonné : le stock n'a pas bougé.")
    except ErreurMetier as erreur:
        return inventaire(request, pk, erreur=erreur)
    return redirect("web:inventaire", pk=pk)
