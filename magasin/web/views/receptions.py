"""Receipts from suppliers (bons de réception): the goods enter the ledger and the articles'
average cost is recomputed (magasin.stock.receptions). A receipt is seen by the shop's members."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from magasin.boutiques.acces import boutiques_avec_role, boutiques_visibles
from magasin.boutiques.models import Boutique, Role
from magasin.core.erreurs import ErreurMetier
from magasin.stock.models import BonReception
from magasin.stock.receptions import LigneRecue, reception_enregistrer
from magasin.stock.selectors import (
    fournisseurs_de_boutiques,
    reception_lignes,
    receptions_de_boutiques,
)
from magasin.web.acces import boutiques_filtrees
from magasin.web.filtres import paginer
from magasin.web.forms import (
    LIGNES_DOCUMENT_MAX,
    LIGNES_VIDES_DEFAUT,
    LigneReceptionForm,
    ReceptionForm,
    articles_des_lignes,
    lignes_formset,
    lignes_remplies,
)
from magasin.web.views.transferts import codes_suggeres, nombre_de_lignes


@login_required
def receptions(request: HttpRequest) -> HttpResponse:
    boutiques, choisie = boutiques_filtrees(request)
    return render(
        request,
        "web/receptions.html",
        {
            "page": paginer(request, receptions_de_boutiques(boutiques=boutiques)),
            "boutiques": boutiques_visibles(request.user),
            "choisie": choisie,
            "peut_recevoir": boutiques_avec_role(request.user, Role.GERANT).exists(),
        },
    )


@login_required
def reception_nouvelle(request: HttpRequest) -> HttpResponse:
    gerees = boutiques_avec_role(request.user, Role.GERANT)
    if not gerees.exists():
        raise PermissionDenied("Réservé aux gérants.")
    donnees = request.POST if request.method == "POST" else None
    form = ReceptionForm(donnees, boutiques=gerees)
    lignes = lignes_formset(LigneReceptionForm, donnees, lignes=nombre_de_lignes(request))
    erreur = ""
    if donnees is not None and form.is_valid() and lignes.is_valid():
        bon = _enregistrer(request, form, lignes)
        if isinstance(bon, BonReception):
            messages.success(request, f"Réception {bon.reference_registre} enregistrée : stock et coûts moyens à jour.")
            return redirect("web:reception", pk=bon.pk)
        erreur = bon
    return render(
        request,
        "web/reception_nouvelle.html",
        {
            "form": form,
            "lignes": lignes,
            "erreur": erreur,
            "codes": codes_suggeres(gerees),
            "fournisseurs": fournisseurs_de_boutiques(boutiques=gerees).values_list("nom", flat=True).distinct()[:500],
            "plus_de_lignes": min(len(lignes.forms) + LIGNES_VIDES_DEFAUT, LIGNES_DOCUMENT_MAX),
        },
        status=400 if donnees is not None else 200,
    )


def _enregistrer(request: HttpRequest, form: ReceptionForm, lignes: Any) -> BonReception | str:
    """Resolve the codes in the receiving shop and call the service; an error message otherwise."""
    boutique: Boutique = form.cleaned_data["boutique"]
    remplies = lignes_remplies(lignes)
    if not remplies:
        return "Indiquez au moins une ligne reçue."
    articles = articles_des_lignes(remplies, boutique=boutique)
    if articles is None:
        return "Des codes sont inconnus dans cette boutique : créez d'abord l'article."
    try:
        return reception_enregistrer(
            boutique=boutique,
            fournisseur=form.cleaned_data["fournisseur"],
            lignes=[
                LigneRecue(article_id=article.pk, quantite=r["quantite"], cout_unitaire=r["cout_unitaire"])
                for r, article in zip(remplies, articles, strict=True)
            ],
            acteur=request.user,
            reference_fournisseur=form.cleaned_data["reference_fournisseur"],
            commentaire=form.cleaned_data["commentaire"],
        )
    except ErreurMetier as exc:
        return exc.message


@login_required
def reception(request: HttpRequest, pk: int) -> HttpResponse:
    bon = get_object_or_404(receptions_de_boutiques(boutiques=boutiques_visibles(request.user)), pk=pk)
    return render(request, "web/reception.html", {"bon": bon, "lignes": reception_lignes(reception=bon)})
