"""Rapports: an owner's sales over any period, by day, week, month, shop, terminal, cashier,
payment channel (and currency, from the payment documents) or article (best sellers), with their
totals, on the page and as CSV / XLSX; by channel, the credit repayments received too (page)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone

from magasin.boutiques.acces import boutiques_visibles
from magasin.boutiques.models import Terminal
from magasin.caisse.selectors import (
    EquivalentsUsd,
    RemboursementsCanal,
    equivalents_usd,
    rapport_de_caisse,
    remboursements_par_canal,
)
from magasin.core.routage import lecture_replique
from magasin.ventes.models import ModePaiement
from magasin.ventes.selectors import (
    PAR_PERIODE,
    REGROUPEMENTS,
    FiltreRapport,
    LigneRapport,
    Rapport,
    cle_periode,
    rapport_ventes,
)
from magasin.web.acces import boutiques_filtrees
from magasin.web.exports import reponse_csv, reponse_xlsx
from magasin.web.filtres import Filtres

# Rows shown on the page for the articles (the export has them all; the total counts them all).
ARTICLES_AFFICHES = 100
# A longer period is a typing mistake (year 2062), and a day per row would not be read anyway.
PERIODE_MAX_JOURS = 3660


def _entetes(par: str, usd: EquivalentsUsd | None) -> list[str]:
    if par == "article":
        return ["Article", "Quantité vendue", "Montant", "Quantité retournée", "Retours", "Net"]
    premier = "Début de la période" if par in PAR_PERIODE else REGROUPEMENTS[par]
    entetes = [premier, "Ventes", "Montant", "Retours", "Net", "Ventes annulées", "Montant annulé"]
    return [*entetes, "Net en USD (taux de chaque jour)"] if usd is not None else entetes


def _rangees(rapport: Rapport, usd: EquivalentsUsd | None) -> Iterator[list[object]]:
    """Real dates for periods, real numbers for counts and amounts; the total as the last row."""
    for ligne in [*rapport.lignes, rapport.total]:
        premier: object = ligne.cle if rapport.par in PAR_PERIODE and isinstance(ligne.cle, date) else ligne.libelle
        if rapport.par == "article":
            yield [premier, ligne.nombre, ligne.montant, ligne.nombre_retours, ligne.retours, ligne.net]
            continue
        rangee: list[object] = [
            premier,
            ligne.nombre,
            ligne.montant,
            ligne.retours,
            ligne.net,
            ligne.annulees,
            ligne.montant_annule,
        ]
        if usd is not None:
            rangee.append(usd.total if ligne is rapport.total else usd.par_periode.get(ligne.cle, Decimal("0.00")))
        yield rangee


def _equivalents_usd(rapport: Rapport, filtre: FiltreRapport, boutiques: Any) -> EquivalentsUsd | None:
    """The net in USD at each day's rate, for a report by period of one shop (None otherwise:
    shops have their own rates, and a shop or article total has no single day)."""
    if rapport.par not in PAR_PERIODE or len(boutiques) != 1:
        return None
    par_jour = rapport if rapport.par == "jour" else rapport_ventes(filtre, par="jour")
    return equivalents_usd(
        boutique=boutiques[0],
        montants_par_jour={ligne.cle: ligne.net for ligne in par_jour.lignes},
        periode_de=lambda jour: cle_periode(jour, rapport.par),
    )


@login_required
@lecture_replique
def rapports(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    boutiques, choisie = boutiques_filtrees(request)
    visibles = boutiques_visibles(request.user)
    f = Filtres(request)
    aujourd_hui = timezone.localdate()
    debut_moment, fin_moment = f.date("date_debut"), f.date("date_fin", fin=True)
    debut = timezone.localdate(debut_moment) if debut_moment else aujourd_hui.replace(day=1)
    fin = timezone.localdate(fin_moment) if fin_moment else aujourd_hui
    if debut > fin:
        f.erreurs["date_fin"] = "La fin de la période précède son début."
    elif (fin - debut).days > PERIODE_MAX_JOURS or fin > aujourd_hui + timedelta(days=366):
        f.erreurs["date_fin"] = "Période de dix ans au plus, et pas au-delà de l'an prochain."
    par = f.choix("par", REGROUPEMENTS.items()) or "jour"
    filtre = FiltreRapport(
        boutiques=boutiques,
        debut=debut,
        fin=fin,
        terminal_id=f.entier("terminal"),
        caissier_id=f.entier("caissier"),
        mode_paiement=f.choix("mode_paiement", ModePaiement.choices),
    )
    # Amounts of shops keeping different currencies are never added up.
    devises = sorted(set(boutiques.values_list("devise", flat=True)))
    if len(devises) > 1:
        f.erreurs["boutique"] = "Vos boutiques n'ont pas toutes la même devise : choisissez-en une."
    rapport = None if f.erreurs else rapport_de_caisse(filtre, par=par)
    usd = _equivalents_usd(rapport, filtre, list(boutiques)) if rapport is not None else None
    format_ = request.GET.get("format")
    if rapport is not None and format_ in {"csv", "xlsx"}:
        nom = f"rapport-{par}-{debut:%Y%m%d}-{fin:%Y%m%d}"
        entetes, rangees = _entetes(par, usd), _rangees(rapport, usd)
        if format_ == "xlsx":
            return reponse_xlsx(nom=nom, feuille="Rapport", entetes=entetes, rangees=rangees)
        return reponse_csv(nom=nom, entetes=entetes, rangees=rangees)
    lignes: list[LigneRapport] = rapport.lignes if rapport else []
    remboursements: list[RemboursementsCanal] = (
        remboursements_par_canal(filtre) if rapport is not None and par == "canal" else []
    )
    return render(
        request,
        "web/rapports.html",
        {
            "rapport": rapport,
            "usd": usd,
            "lignes": lignes[:ARTICLES_AFFICHES] if par == "article" else lignes,
            "tronque": par == "article" and len(lignes) > ARTICLES_AFFICHES,
            "remboursements": remboursements,
            "par": par,
            "regroupements": REGROUPEMENTS.items(),
            "devise": devises[0] if len(devises) == 1 else "CDF",
            "debut": debut,
            "fin": fin,
            "erreurs": f.erreurs,
            "boutiques": visibles,
            "choisie": choisie,
            "terminaux": Terminal.objects.filter(boutique__in=visibles).select_related("boutique"),
            "caissiers": get_user_model()
            .objects.filter(adhesions__boutique__in=visibles)
            .distinct()
            .order_by("username"),
            "modes": ModePaiement.choices,
            "f": request.GET,
        },
    )
