"""Quarantaine: refused sales, why, and the two ways out (replay, or dismiss with a reason)."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from magasin.boutiques.acces import a_le_role, boutiques_visibles
from magasin.boutiques.models import Role
from magasin.core.erreurs import CodeErreur, ErreurMetier
from magasin.stock.models import Article
from magasin.stock.selectors import articles_de_boutiques
from magasin.ventes.models import StatutQuarantaine, VenteQuarantaine
from magasin.ventes.selectors import quarantaine_de_boutiques
from magasin.ventes.services import quarantaine_corriger, quarantaine_ecarter, quarantaine_rejouer
from magasin.web.acces import boutiques_filtrees
from magasin.web.filtres import Filtres, paginer
from magasin.web.forms import LignesCorrigeesFormSet, correction_lire, motif_lire


@login_required
def quarantaine(request: HttpRequest) -> HttpResponse:
    boutiques, choisie = boutiques_filtrees(request)
    f = Filtres(request)
    statut = f.choix("statut", StatutQuarantaine.choices) if "statut" in request.GET else (StatutQuarantaine.EN_ATTENTE)
    qs = quarantaine_de_boutiques(boutiques=boutiques, statut=statut)
    return render(
        request,
        "web/quarantaine.html",
        {
            "page": paginer(request, qs),
            "boutiques": boutiques_visibles(request.user),
            "choisie": choisie,
            "statuts": StatutQuarantaine.choices,
            "statut": statut or "",
        },
    )


def _entree(request: HttpRequest, pk: int) -> VenteQuarantaine:
    return get_object_or_404(quarantaine_de_boutiques(boutiques=boutiques_visibles(request.user)), pk=pk)


def _envoyee(q: VenteQuarantaine) -> Any:
    """What will be replayed: the manager's correction if any, else what the terminal sent."""
    return q.payload_corrige if q.payload_corrige is not None else q.payload


def _lignes_envoyees(envoyee: Any) -> list[dict[str, Any]] | None:
    """The sale's lines when every one is an object (what the line form can correct), else None.
    What was sent may be anything: an unreadable sale is kept as it came."""
    brutes = envoyee.get("lignes") if isinstance(envoyee, dict) else None
    if not isinstance(brutes, list) or not brutes or not all(isinstance(ligne, dict) for ligne in brutes):
        return None
    return brutes


def _articles_du_choix(q: VenteQuarantaine) -> QuerySet[Article]:
    return articles_de_boutiques(boutiques=[q.boutique], actifs_seulement=True).order_by("nom")


def _formset_initial(q: VenteQuarantaine, lignes: list[dict[str, Any]]) -> Any:
    initial = [
        {
            "article": ligne.get("article_id"),
            "quantite": ligne.get("quantite"),
            "prix_unitaire": ligne.get("prix_unitaire"),
        }
        for ligne in lignes
    ]
    return LignesCorrigeesFormSet(initial=initial, form_kwargs={"articles": _articles_du_choix(q)})


@login_required
def quarantaine_detail(
    request: HttpRequest, pk: int, erreur: ErreurMetier | None = None, formset: Any = None
) -> HttpResponse:
    q = _entree(request, pk)
    envoyee = _envoyee(q)
    lignes = _lignes_envoyees(envoyee) or []
    ids: list[int] = [ligne["article_id"] for ligne in lignes if isinstance(ligne.get("article_id"), int)]
    articles = {a.pk: a for a in articles_de_boutiques(boutiques=[q.boutique]).filter(pk__in=ids)}
    peut_traiter = q.statut == StatutQuarantaine.EN_ATTENTE and a_le_role(request.user, q.boutique, Role.GERANT)
    return render(
        request,
        "web/quarantaine_detail.html",
        {
            "q": q,
            "lignes": [(ligne, articles.get(ligne.get("article_id", 0))) for ligne in lignes],
            "peut_traiter": peut_traiter,
            "conflit": q.code == CodeErreur.NUMERO_FACTURE_CONFLIT,
            "json_envoye": json.dumps(q.payload, ensure_ascii=False, indent=2),
            "json_a_corriger": json.dumps(envoyee, ensure_ascii=False, indent=2),
            "formset": formset or (_formset_initial(q, lignes) if peut_traiter and lignes else None),
            "erreur": erreur.message if erreur else "",
        },
        status=erreur.statut_http if erreur else 200,
    )


@login_required
@require_POST
def rejeu(request: HttpRequest, pk: int) -> HttpResponse:
    q = _entree(request, pk)
    try:
        q = quarantaine_rejouer(
            quarantaine=q,
            utilisateur=request.user,
            renumeroter=request.POST.get("renumeroter") == "1",
        )
    except ErreurMetier as erreur:
        return quarantaine_detail(request, pk, erreur=erreur)
    assert q.vente is not None
    messages.success(request, f"Vente rejouée : facture {q.vente.numero_facture}.")
    return redirect("web:vente_detail", pk=q.vente_id)


@login_required
@require_POST
def correction(request: HttpRequest, pk: int) -> HttpResponse:
    q = _entree(request, pk)
    try:
        quarantaine_corriger(quarantaine=q, utilisateur=request.user, payload=correction_lire(request.POST))
    except ErreurMetier as erreur:
        return quarantaine_detail(request, pk, erreur=erreur)
    messages.success(request, "Correction enregistrée : rejouez la vente pour l'enregistrer.")
    return redirect("web:quarantaine_detail", pk=pk)


@login_required
@require_POST
def correction_lignes(request: HttpRequest, pk: int) -> HttpResponse:
    """The line form: each line pointed at an article of the shop, with a quantity and a price;
    the rest of the sale as it was. Recorded by the same service as a JSON correction."""
    q = _entree(request, pk)
    envoyee = _envoyee(q)
    lignes = _lignes_envoyees(envoyee)
    if lignes is None:
        erreur = ErreurMetier(CodeErreur.INVALID_PAYLOAD, "Ces lignes ne se corrigent qu'en JSON.")
        return quarantaine_detail(request, pk, erreur=erreur)
    formset = LignesCorrigeesFormSet(request.POST, form_kwargs={"articles": _articles_du_choix(q)})
    if not formset.is_valid() or len(formset.forms) != len(lignes):
        erreur = ErreurMetier(CodeErreur.INVALID_PAYLOAD, "Correction des lignes : vérifiez les champs signalés.")
        return quarantaine_detail(request, pk, erreur=erreur, formset=formset)
    corrigees = [
        {
            **ligne,
            "article_id": form.cleaned_data["article"].pk,
            "quantite": form.cleaned_data["quantite"],
            "prix_unitaire": str(form.cleaned_data["prix_unitaire"]),
        }
        for ligne, form in zip(lignes, formset.forms, strict=True)
    ]
    try:
        quarantaine_corriger(quarantaine=q, utilisateur=request.user, payload={**envoyee, "lignes": corrigees})
    except ErreurMetier as erreur:
        return quarantaine_detail(request, pk, erreur=erreur, formset=formset)
    messages.success(request, "Lignes corrigées : rejouez la vente pour l'enregistrer.")
    return redirect("web:quarantaine_detail", pk=pk)


@login_required
@require_POST
def ecart(request: HttpRequest, pk: int) -> HttpResponse:
    q = _entree(request, pk)
    try:
        quarantaine_ecarter(quarantaine=q, utilisateur=request.user, motif=motif_lire(request.POST))
    except ErreurMetier as erreur:
        return quarantaine_detail(request, pk, erreur=erreur)
    messages.success(request, "Vente écartée : elle reste consultable avec son motif.")
    return redirect("web:quarantaine_detail", pk=pk)
