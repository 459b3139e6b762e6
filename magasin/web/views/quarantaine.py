"""Quarantaine: refused sales, why, and the two ways out (replay, or dismiss with a reason)."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from magasin.boutiques.acces import a_le_role, boutiques_visibles
from magasin.boutiques.models import Role
from magasin.core.erreurs import CodeErreur, ErreurMetier
from magasin.stock.selectors import articles_de_boutiques
from magasin.ventes.models import StatutQuarantaine, VenteQuarantaine
from magasin.ventes.selectors import quarantaine_de_boutiques
from magasin.ventes.services import quarantaine_corriger, quarantaine_ecarter, quarantaine_rejouer
from magasin.web.acces import boutiques_filtrees
from magasin.web.filtres import Filtres, paginer
from magasin.web.forms import correction_lire, motif_lire


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


@login_required
def quarantaine_detail(request: HttpRequest, pk: int, erreur: ErreurMetier | None = None) -> HttpResponse:
    q = _entree(request, pk)
    # What was sent may be anything (an unreadable sale is kept as it came): show what reads.
    envoyee = q.payload_corrige if q.payload_corrige is not None else q.payload
    brutes = envoyee.get("lignes") if isinstance(envoyee, dict) else None
    lignes: list[dict[str, Any]] = (
        [ligne for ligne in brutes if isinstance(ligne, dict)] if isinstance(brutes, list) else []
    )
    ids: list[int] = [ligne["article_id"] for ligne in lignes if isinstance(ligne.get("article_id"), int)]
    articles = {a.pk: a for a in articles_de_boutiques(boutiques=[q.boutique]).filter(pk__in=ids)}
    return render(
        request,
        "web/quarantaine_detail.html",
        {
            "q": q,
            "lignes": [(ligne, articles.get(ligne.get("article_id", 0))) for ligne in lignes],
            "peut_traiter": q.statut == StatutQuarantaine.EN_ATTENTE
            and a_le_role(request.user, q.boutique, Role.GERANT),
            "conflit": q.code == CodeErreur.NUMERO_FACTURE_CONFLIT,
            "json_envoye": json.dumps(q.payload, ensure_ascii=False, indent=2),
            "json_a_corriger": json.dumps(envoyee, ensure_ascii=False, indent=2),
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
def ecart(request: HttpRequest, pk: int) -> HttpResponse:
    q = _entree(request, pk)
    try:
        quarantaine_ecarter(quarantaine=q, utilisateur=request.user, motif=motif_lire(request.POST))
    except ErreurMetier as erreur:
        return quarantaine_detail(request, pk, erreur=erreur)
    messages.success(request, "Vente écartée : elle reste consultable avec son motif.")
    return redirect("web:quarantaine_detail", pk=pk)
