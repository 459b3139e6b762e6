"""Historique des ventes: filtered list, a sale's page, exports, cancellation, invoice, PDF."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST

from magasin.boutiques.acces import a_le_role, boutiques_visibles
from magasin.boutiques.models import Boutique, Role, Terminal
from magasin.caisse.selectors import reglement_de_vente
from magasin.core.erreurs import ErreurMetier
from magasin.core.routage import lecture_replique
from magasin.stock.selectors import mouvements_de_boutique
from magasin.ventes.facture_pdf import facture_pdf
from magasin.ventes.models import ModePaiement, StatutVente, Vente
from magasin.ventes.selectors import quantites_retournees, totaux_historique, ventes_de_boutiques, ventes_detaillees
from magasin.ventes.services import vente_annuler, vente_retourner
from magasin.web.acces import boutiques_filtrees
from magasin.web.exports import ventes_csv, ventes_xlsx
from magasin.web.filtres import PAR_PAGE, Filtres, PaginateurDeuxSens
from magasin.web.forms import RetourForm, motif_lire


def _ventes_filtrees(request: HttpRequest):  # type: ignore[no-untyped-def]
    boutiques, choisie = boutiques_filtrees(request)
    f = Filtres(request)
    terminal_id = f.entier("terminal")
    valeurs: dict[str, Any] = {
        "boutiques": boutiques,
        "terminal_id": terminal_id,
        "date_debut": f.date("date_debut"),
        "date_fin": f.date("date_fin", fin=True),
        "mode_paiement": f.choix("mode_paiement", ModePaiement.choices),
        "statut": f.choix("statut", StatutVente.choices),
        "numero_facture": f.texte("numero_facture"),
    }
    return ventes_de_boutiques(**valeurs), f, choisie, valeurs


@login_required
@lecture_replique
def historique(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    qs, filtres, choisie, valeurs = _ventes_filtrees(request)
    format_ = request.GET.get("format")
    if format_ in {"csv", "xlsx"} and not filtres.erreurs:
        nom = f"ventes-{timezone.localtime():%Y%m%d-%H%M}"
        exporter = ventes_csv if format_ == "csv" else ventes_xlsx
        return exporter(qs, nom)
    visibles = boutiques_visibles(request.user)
    totaux = totaux_historique(**valeurs)
    # The totals' count is the list's: the paginator does not count the rows a second time.
    paginateur = PaginateurDeuxSens(qs, PAR_PAGE)
    paginateur.count = totaux.nombre
    return render(
        request,
        "web/historique.html",
        {
            "page": paginateur.get_page(request.GET.get("page")),
            "totaux": totaux,
            "devise": _devise(visibles),
            "erreurs": filtres.erreurs,
            "boutiques": visibles,
            "choisie": choisie,
            "terminaux": Terminal.objects.filter(boutique__in=visibles).select_related("boutique"),
            "modes": ModePaiement.choices,
            "statuts": StatutVente.choices,
            "f": request.GET,
        },
    )


def _devise(boutiques: QuerySet[Boutique]) -> str | None:
    """The shops' one currency; None when they keep several (amounts are then not added up)."""
    devises = set(boutiques.values_list("devise", flat=True))
    return devises.pop() if len(devises) == 1 else None


def _restes(vente: Vente) -> list[tuple[int, str, int]]:
    """(line id, article name, quantity left to return) for each line not fully returned."""
    deja = quantites_retournees(vente=vente)
    return [
        (ligne.pk, ligne.article.nom, ligne.quantite - deja.get(ligne.pk, 0))
        for ligne in vente.lignes.all()
        if ligne.quantite > deja.get(ligne.pk, 0)
    ]


def _page_vente(
    request: HttpRequest, vente: Vente, *, statut: int = 200, retour_form: RetourForm | None = None, **extra: Any
) -> HttpResponse:
    """A sale's page: its lines, its returns, its ledger rows, and for a manager the cancel and
    partial-return forms."""
    gerant = vente.statut == StatutVente.VALIDEE and a_le_role(request.user, vente.boutique, Role.GERANT)
    restes = _restes(vente) if gerant else []
    return render(
        request,
        "web/vente_detail.html",
        {
            "vente": vente,
            "mouvements": mouvements_de_boutique(boutique=vente.boutique, reference_document=vente.numero_facture),
            "retours": vente.retours.prefetch_related("lignes__ligne_vente__article").select_related("cree_par"),
            "peut_annuler": gerant,
            "retour_form": retour_form or (RetourForm(restes=restes) if restes else None),
            **extra,
        },
        status=statut,
    )


@login_required
def vente_detail(request: HttpRequest, pk: int) -> HttpResponse:
    vente = get_object_or_404(ventes_detaillees(boutiques=boutiques_visibles(request.user)), pk=pk)
    return _page_vente(request, vente)


@login_required
@require_POST
def vente_annulation(request: HttpRequest, pk: int) -> HttpResponse:
    vente = get_object_or_404(ventes_detaillees(boutiques=boutiques_visibles(request.user)), pk=pk)
    try:
        vente_annuler(vente=vente, utilisateur=request.user, motif=motif_lire(request.POST))
    except ErreurMetier as erreur:
        messages.error(request, erreur.message)
        return _page_vente(request, vente, statut=erreur.statut_http, erreur_annulation=erreur.message)
    messages.success(request, f"Facture {vente.numero_facture} annulée : le stock est revenu.")
    return redirect("web:vente_detail", pk=vente.pk)


@login_required
@require_POST
def vente_retour(request: HttpRequest, pk: int) -> HttpResponse:
    vente = get_object_or_404(ventes_detaillees(boutiques=boutiques_visibles(request.user)), pk=pk)
    form = RetourForm(request.POST, restes=_restes(vente))
    if not form.is_valid():
        return _page_vente(request, vente, statut=400, retour_form=form)
    try:
        retour = vente_retourner(
            vente=vente, utilisateur=request.user, quantites=form.quantites(), motif=form.cleaned_data["motif"]
        )
    except ErreurMetier as erreur:
        return _page_vente(request, vente, statut=erreur.statut_http, retour_form=form, erreur_retour=erreur.message)
    messages.success(request, f"Retour R{retour.numero} enregistré : le stock est revenu.")
    return redirect("web:vente_detail", pk=vente.pk)


@login_required
def facture(request: HttpRequest, pk: int) -> HttpResponse:
    vente = get_object_or_404(ventes_detaillees(boutiques=boutiques_visibles(request.user)), pk=pk)
    return render(request, "web/facture.html", {"vente": vente})


@login_required
def facture_telecharger(request: HttpRequest, pk: int) -> HttpResponse:
    vente = get_object_or_404(ventes_detaillees(boutiques=boutiques_visibles(request.user)), pk=pk)
    pdf = facture_pdf(vente=vente, reglement=reglement_de_vente(vente=vente))
    reponse = HttpResponse(pdf, content_type="application/pdf")
    # Django quotes (or RFC 5987-encodes) the name: a quote in a number cannot add parameters.
    reponse["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"facture-{vente.numero_facture}.pdf"
    )
    return reponse
