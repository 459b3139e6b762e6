"""Margins per sale, article, shop and period (magasin.ventes.marges). Costs are a manager's
business: the page shows only the shops the user manages."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from magasin.boutiques.acces import boutiques_avec_role
from magasin.boutiques.models import Role
from magasin.core.routage import lecture_replique
from magasin.ventes.marges import marges_de_boutiques, ventes_de_la_periode
from magasin.web.filtres import PAR_PAGE, Filtres, paginer_plafonne
from magasin.web.forms import identifiant

JOURS_PAR_DEFAUT = 30
JOURS_MAX = 366  # one report covers a year at most: its queries stay bounded


@login_required
@lecture_replique
def marges(request: HttpRequest) -> HttpResponse:
    gerees = boutiques_avec_role(request.user, Role.GERANT)
    if not gerees.exists():
        raise PermissionDenied("Réservé aux gérants.")
    choisie = None
    if request.GET.get("boutique", "").strip():
        choisie = gerees.filter(pk=identifiant(request.GET.get("boutique")) or 0).first()
        if choisie is None:
            raise Http404("Boutique introuvable")
    f = Filtres(request)
    aujourd_hui = timezone.localdate()
    debut = f.date("date_debut") or timezone.make_aware(
        datetime.combine(aujourd_hui - timedelta(days=JOURS_PAR_DEFAUT - 1), time.min)
    )
    fin = f.date("date_fin", fin=True) or timezone.make_aware(datetime.combine(aujourd_hui, time.max))
    if fin < debut:
        f.erreurs["date_fin"] = "La fin de la période précède son début."
    elif (fin - debut).days >= JOURS_MAX:
        f.erreurs["date_fin"] = f"Une période de {JOURS_MAX} jours au plus."
    if "date_fin" in f.erreurs:
        fin = timezone.make_aware(datetime.combine(aujourd_hui, time.max))
        debut = timezone.make_aware(datetime.combine(aujourd_hui - timedelta(days=JOURS_PAR_DEFAUT - 1), time.min))
    boutiques = [choisie] if choisie else list(gerees)
    # The per-sale table: one page of the period's sales, paginated by the database.
    ventes = paginer_plafonne(request, ventes_de_la_periode(boutiques=boutiques, date_debut=debut, date_fin=fin))
    resultat = marges_de_boutiques(boutiques=boutiques, date_debut=debut, date_fin=fin, ventes=ventes.object_list)
    articles = Paginator(resultat.par_article, PAR_PAGE).get_page(request.GET.get("page_articles"))
    return render(
        request,
        "web/marges.html",
        {
            "m": resultat,
            "ventes": ventes,
            "articles": articles,
            "url_articles_prec": _url_page(request, articles.previous_page_number()) if articles.has_previous() else "",
            "url_articles_suiv": _url_page(request, articles.next_page_number()) if articles.has_next() else "",
            "boutiques": gerees,
            "choisie": choisie,
            "debut": timezone.localtime(debut).date(),
            "fin": timezone.localtime(fin).date(),
            "erreurs": f.erreurs,
            "f": request.GET,
        },
    )


def _url_page(request: HttpRequest, numero: int) -> str:
    """The query string with another page of the articles' table (the sales' keep theirs)."""
    requete = request.GET.copy()
    requete["page_articles"] = str(numero)
    return "?" + requete.urlencode()
