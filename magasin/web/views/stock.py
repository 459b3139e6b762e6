"""Stock: the ledger with the API's filters, and delivery / loss / inventory-count forms."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from magasin.boutiques.acces import Utilisateur, boutiques_avec_role, boutiques_visibles
from magasin.boutiques.models import Role
from magasin.core.erreurs import ErreurMetier
from magasin.core.routage import lecture_replique
from magasin.stock.models import TypeMouvement
from magasin.stock.selectors import articles_de_boutiques, mouvements_de_boutiques
from magasin.stock.services import stock_ajuster, stock_entree, stock_sortie
from magasin.web.acces import boutiques_filtrees
from magasin.web.filtres import Filtres, paginer_plafonne
from magasin.web.forms import EntreeForm, InventaireForm, SortieForm


@login_required
@lecture_replique
def mouvements(request: HttpRequest) -> HttpResponse:
    boutiques, choisie = boutiques_filtrees(request)
    f = Filtres(request)
    qs = mouvements_de_boutiques(
        boutiques=boutiques,
        article_id=f.entier("article"),
        type_mouvement=f.choix("type_mouvement", TypeMouvement.choices),
        date_debut=f.date("date_debut"),
        date_fin=f.date("date_fin", fin=True),
    )
    return render(
        request,
        "web/mouvements.html",
        {
            "page": paginer_plafonne(request, qs),
            "erreurs": f.erreurs,
            "boutiques": boutiques_visibles(request.user),
            "choisie": choisie,
            "types": TypeMouvement.choices,
            "peut_gerer": boutiques_avec_role(request.user, Role.GERANT).exists(),
            "f": request.GET,
        },
    )


def _formulaire_stock(
    request: HttpRequest,
    *,
    classe: type[Form],
    titre: str,
    aide: str,
    appliquer: Callable[[dict[str, Any], Utilisateur], Any],
) -> HttpResponse:
    boutiques = boutiques_avec_role(request.user, Role.GERANT)
    if not boutiques.exists():
        raise PermissionDenied("Réservé aux gérants.")
    articles = articles_de_boutiques(boutiques=boutiques)
    initial = {"article": request.GET.get("article")} if request.GET.get("article") else None
    form = classe(request.POST or None, articles=articles, initial=initial)  # type: ignore[call-arg]
    if request.method == "POST" and form.is_valid():
        article = form.cleaned_data["article"]
        try:
            appliquer(form.cleaned_data, request.user)
        except ErreurMetier as erreur:
            form.add_error(None, erreur.message)
        else:
            article.refresh_from_db()
            messages.success(request, f"{titre} enregistrée : {article.nom}, stock {article.quantite_stock}.")
            return redirect("web:article_detail", pk=article.pk)
    return render(request, "web/stock_form.html", {"form": form, "titre": titre, "aide": aide})


@login_required
def entree(request: HttpRequest) -> HttpResponse:
    return _formulaire_stock(
        request,
        classe=EntreeForm,
        titre="Livraison",
        aide="Une livraison reçue augmente le stock (mouvement ENTREE).",
        appliquer=lambda d, acteur: stock_entree(
            article=d["article"],
            quantite=d["quantite"],
            acteur=acteur,
            reference_document=d["reference_document"],
            commentaire=d["commentaire"],
        ),
    )


@login_required
def sortie(request: HttpRequest) -> HttpResponse:
    return _formulaire_stock(
        request,
        classe=SortieForm,
        titre="Perte ou casse",
        aide="Une perte ou une casse diminue le stock (mouvement SORTIE), avec un motif.",
        appliquer=lambda d, acteur: stock_sortie(
            article=d["article"], quantite=d["quantite"], acteur=acteur, motif=d["motif"]
        ),
    )


@login_required
def inventaire(request: HttpRequest) -> HttpResponse:
    return _formulaire_stock(
        request,
        classe=InventaireForm,
        titre="Inventaire",
        aide="Saisissez la quantité comptée : l'écart devient un mouvement AJUSTEMENT.",
        appliquer=lambda d, acteur: stock_ajuster(
            article=d["article"],
            quantite_comptee=d["quantite_comptee"],
            acteur=acteur,
            motif=d["motif"],
        ),
    )
