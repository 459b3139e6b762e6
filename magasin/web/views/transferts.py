"""Transfers between shops: send (a manager of both shops), then confirm what arrived (a manager
of the destination). Rules are in magasin.stock.transferts; a transfer is seen by members of
either shop and nobody else (404)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from magasin.boutiques.acces import a_le_role, boutiques_avec_role, boutiques_visibles
from magasin.boutiques.models import Boutique, Role
from magasin.core.erreurs import ErreurMetier
from magasin.stock.models import StatutTransfert, Transfert
from magasin.stock.selectors import (
    articles_de_boutiques,
    transfert_lignes,
    transferts_de_boutiques,
    valeur_en_transit,
)
from magasin.stock.transferts import LigneAEnvoyer, transfert_envoyer, transfert_recevoir
from magasin.web.filtres import Filtres, paginer
from magasin.web.forms import (
    LIGNES_DOCUMENT_MAX,
    LIGNES_VIDES_DEFAUT,
    LigneDocumentForm,
    ReceptionTransfertForm,
    TransfertForm,
    articles_des_lignes,
    identifiant,
    lignes_formset,
    lignes_remplies,
)

CODES_SUGGERES_MAX = 2000  # the datalist of codes: a big catalogue is typed or scanned instead


@login_required
def transferts(request: HttpRequest) -> HttpResponse:
    visibles = boutiques_visibles(request.user)
    f = Filtres(request)
    statut = f.choix("statut", StatutTransfert.choices)
    return render(
        request,
        "web/transferts.html",
        {
            "page": paginer(request, transferts_de_boutiques(boutiques=visibles, statut=statut)),
            "en_transit": valeur_en_transit(boutiques=visibles),
            "peut_envoyer": boutiques_avec_role(request.user, Role.GERANT).count() >= 2,
            "statuts": StatutTransfert.choices,
            "f": request.GET,
            "erreurs": f.erreurs,
        },
    )


def codes_suggeres(boutiques: Any) -> list[dict[str, Any]]:
    """Codes and names for the code fields' datalist (bounded)."""
    articles = articles_de_boutiques(boutiques=boutiques, actifs_seulement=True)
    return [{"code": code, "nom": nom} for code, nom in articles.values_list("code", "nom")[:CODES_SUGGERES_MAX]]


def nombre_de_lignes(request: HttpRequest) -> int:
    """Empty rows to show: `?lignes=` (the "more rows" link), bounded."""
    return min(identifiant(request.GET.get("lignes")) or LIGNES_VIDES_DEFAUT, LIGNES_DOCUMENT_MAX)


@login_required
def transfert_nouveau(request: HttpRequest) -> HttpResponse:
    gerees = boutiques_avec_role(request.user, Role.GERANT)
    if gerees.count() < 2:
        raise PermissionDenied("Réservé aux gérants de deux boutiques au moins.")
    donnees = request.POST if request.method == "POST" else None
    form = TransfertForm(donnees, boutiques=gerees)
    lignes = lignes_formset(LigneDocumentForm, donnees, lignes=nombre_de_lignes(request))
    erreur = ""
    if donnees is not None and form.is_valid() and lignes.is_valid():
        transfert = _envoyer(request, form, lignes)
        if isinstance(transfert, Transfert):
            messages.success(request, f"Transfert {transfert.reference_registre} envoyé : en transit.")
            return redirect("web:transfert", pk=transfert.pk)
        erreur = transfert
    return render(
        request,
        "web/transfert_nouveau.html",
        {
            "form": form,
            "lignes": lignes,
            "erreur": erreur,
            "codes": codes_suggeres(gerees),
            "plus_de_lignes": min(len(lignes.forms) + LIGNES_VIDES_DEFAUT, LIGNES_DOCUMENT_MAX),
        },
        status=400 if donnees is not None else 200,
    )


def _envoyer(request: HttpRequest, form: TransfertForm, lignes: Any) -> Transfert | str:
    """Resolve the codes in the source shop and call the service; an error message otherwise."""
    source: Boutique = form.cleaned_data["source"]
    remplies = lignes_remplies(lignes)
    if not remplies:
        return "Indiquez au moins un article à envoyer."
    articles = articles_des_lignes(remplies, boutique=source)
    if articles is None:
        return "Des codes sont inconnus dans la boutique de départ."
    try:
        return transfert_envoyer(
            source=source,
            destination=form.cleaned_data["destination"],
            lignes=[
                LigneAEnvoyer(article_id=article.pk, quantite=r["quantite"])
                for r, article in zip(remplies, articles, strict=True)
            ],
            acteur=request.user,
            commentaire=form.cleaned_data["commentaire"],
        )
    except ErreurMetier as exc:
        return exc.message


def _transfert(request: HttpRequest, pk: int) -> Transfert:
    return get_object_or_404(transferts_de_boutiques(boutiques=boutiques_visibles(request.user)), pk=pk)


@login_required
def transfert(
    request: HttpRequest, pk: int, form: ReceptionTransfertForm | None = None, erreur: str = "", statut: int = 200
) -> HttpResponse:
    t = _transfert(request, pk)
    lignes = list(transfert_lignes(transfert=t))
    peut_recevoir = t.statut == StatutTransfert.EN_TRANSIT and a_le_role(
        request.user, t.boutique_destination_id, Role.GERANT
    )
    if form is None and peut_recevoir:
        form = ReceptionTransfertForm(lignes=lignes)
    return render(
        request,
        "web/transfert.html",
        {
            "transfert": t,
            "lignes": [(ligne, form[f"ligne_{ligne.pk}"] if form else None) for ligne in lignes],
            "form": form,
            "peut_recevoir": peut_recevoir,
            "valeur_envoyee": sum((ligne.valeur_envoyee for ligne in lignes), start=0),
            "valeur_manquante": sum((ligne.valeur_manquante or 0 for ligne in lignes), start=0),
            "manquants": sum(ligne.manquant or 0 for ligne in lignes),
            "erreur": erreur,
        },
        status=statut,
    )


@login_required
@require_POST
def transfert_reception(request: HttpRequest, pk: int) -> HttpResponse:
    t = _transfert(request, pk)
    form = ReceptionTransfertForm(request.POST, lignes=list(transfert_lignes(transfert=t)))
    if not form.is_valid():
        return transfert(request, pk, form=form, statut=400)
    try:
        recu = transfert_recevoir(transfert=t, quantites_recues=form.quantites(), acteur=request.user)
    except ErreurMetier as exc:
        return transfert(request, pk, form=form, erreur=exc.message, statut=exc.statut_http)
    manquants = sum(ligne.manquant or 0 for ligne in recu.lignes.all())
    messages.success(
        request,
        f"Transfert {recu.reference_registre} reçu"
        + (f" : {manquants} unité(s) manquante(s) enregistrée(s)." if manquants else ", complet."),
    )
    return redirect("web:transfert", pk=pk)
