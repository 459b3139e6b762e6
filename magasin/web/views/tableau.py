"""Tableau de bord: today's figures per shop and in total, 30-day chart, stock and terminals."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal
from typing import cast

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from magasin.boutiques.acces import boutiques_visibles
from magasin.caisse.selectors import revisions_a_voir
from magasin.core.routage import lecture_replique
from magasin.stock.selectors import articles_en_alerte
from magasin.ventes.selectors import (
    ChiffresVentes,
    articles_lus,
    articles_vendus,
    chiffre_affaires_par_jour,
    chiffres_par_boutique,
    meilleures_ventes,
    terminaux_etat,
    ventes_par_categorie,
)
from magasin.web.acces import boutiques_filtrees
from magasin.web.graphique import barres_chiffre_affaires


@login_required
@lecture_replique
def tableau_de_bord(request: HttpRequest) -> HttpResponse:
    boutiques, choisie = boutiques_filtrees(request)
    toutes = list(boutiques_visibles(request.user))
    debut_jour = timezone.make_aware(datetime.combine(timezone.localdate(), time.min))
    par_boutique = chiffres_par_boutique(boutiques=toutes, date_debut=debut_jour)
    # An int 0 where there is no sale, as ever: typed as the field, formatted the same way.
    zero = cast(Decimal, 0)
    lignes_jour = [(b, par_boutique.get(b.pk, ChiffresVentes(nombre=0, montant=zero))) for b in toutes]
    total_jour = ChiffresVentes(
        nombre=sum(c.nombre for _, c in lignes_jour),
        montant=sum((c.montant for _, c in lignes_jour), zero),
    )
    debut_30j = debut_jour - timedelta(days=29)
    vendus = articles_vendus(boutiques=boutiques, depuis=debut_30j)  # read once for the two tables
    articles = articles_lus(vendus) if vendus is not None else None
    points = chiffre_affaires_par_jour(boutiques=boutiques, jours=30)
    a_zero, sous_seuil = articles_en_alerte(boutiques=boutiques, limite=20)
    terminaux = terminaux_etat(boutiques=boutiques, limite_manquantes=20)
    contexte = {
        "boutiques": toutes,
        "choisie": choisie,
        "lignes_jour": lignes_jour,
        "total_jour": total_jour,
        "graphique": barres_chiffre_affaires(points),
        "total_30j": sum((m for _, m in points), 0),
        "meilleures": meilleures_ventes(
            boutiques=boutiques, depuis=debut_30j, limite=10, quantites=vendus, articles=articles
        ),
        "par_categorie": ventes_par_categorie(
            boutiques=boutiques, depuis=debut_30j, quantites=vendus, articles=articles
        ),
        "a_zero": a_zero,
        "sous_seuil": sous_seuil,
        "terminaux": terminaux,
        "quarantaine_total": sum(t.quarantaine for t in terminaux),
        "trous_total": sum(len(t.manquantes) for t in terminaux),
        # Closed days something arrived for after the count, not yet acknowledged (magasin.caisse).
        "revisions_caisse": revisions_a_voir(boutiques=boutiques),
    }
    return render(request, "web/tableau_de_bord.html", contexte)
