"""Articles: list with search, stock status and category, detail, create/edit, catalogue import and export."""

from __future__ import annotations

import secrets

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from magasin.boutiques.acces import a_le_role, boutiques_avec_role, boutiques_visibles
from magasin.boutiques.models import Boutique, Role
from magasin.core.erreurs import CodeErreur, ErreurMetier
from magasin.core.routage import lecture_replique
from magasin.stock.import_catalogue import (
    COLONNES_EXPORT,
    LigneCatalogue,
    catalogue_appliquer,
    catalogue_lire,
    catalogue_previsualiser,
)
from magasin.stock.models import Article
from magasin.stock.selectors import (
    STATUTS_STOCK,
    articles_de_boutiques,
    catalogue_a_exporter,
    categories_de_boutiques,
    mouvements_de_boutique,
)
from magasin.stock.services import article_creer, article_modifier
from magasin.web.acces import boutiques_filtrees
from magasin.web.exports import reponse_csv, reponse_xlsx
from magasin.web.filtres import Filtres, paginer
from magasin.web.forms import ArticleCreationForm, ArticleModificationForm, ImportForm


@login_required
def articles(request: HttpRequest) -> HttpResponse:
    boutiques, choisie = boutiques_filtrees(request)
    f = Filtres(request)
    categories = categories_de_boutiques(boutiques=boutiques)
    qs = articles_de_boutiques(
        boutiques=boutiques,
        recherche=f.texte("q"),
        statut_stock=f.choix("statut_stock", STATUTS_STOCK.items()),
        # Filtered within the listed shops: another shop's category id finds no article.
        categorie_id=f.entier("categorie"),
    )
    return render(
        request,
        "web/articles.html",
        {
            "page": paginer(request, qs),
            "boutiques": boutiques_visibles(request.user),
            "choisie": choisie,
            "statuts": STATUTS_STOCK.items(),
            "categories": categories,
            "export_boutique": choisie or _seule(boutiques),
            "peut_gerer": boutiques_avec_role(request.user, Role.GERANT).exists(),
            "erreurs": f.erreurs,
            "f": request.GET,
        },
    )


def _seule(boutiques: QuerySet[Boutique]) -> Boutique | None:
    seules = list(boutiques[:2])
    return seules[0] if len(seules) == 1 else None


@login_required
@lecture_replique
def articles_export(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    """One shop's catalogue in the import's format (`?format=xlsx`, CSV otherwise)."""
    boutiques, choisie = boutiques_filtrees(request)
    boutique = choisie or _seule(boutiques)
    if boutique is None:
        messages.error(request, "Choisissez la boutique dont vous voulez exporter le catalogue.")
        return redirect("web:articles")
    nom = f"catalogue-{boutique.code}-{timezone.localdate():%Y-%m-%d}"
    rangees = catalogue_a_exporter(boutique=boutique)
    if request.GET.get("format") == "xlsx":
        return reponse_xlsx(nom=nom, feuille="Catalogue", entetes=COLONNES_EXPORT, rangees=rangees)
    return reponse_csv(nom=nom, entetes=COLONNES_EXPORT, rangees=rangees)


def _noms_de_categories(boutiques: QuerySet[Boutique]) -> list[str]:
    """Names suggested by the category field (bounded: a datalist, not a page)."""
    noms = categories_de_boutiques(boutiques=boutiques).values_list("nom", flat=True)
    return sorted(set(noms[:500]), key=str.casefold)


def _article(request: HttpRequest, pk: int) -> Article:
    return get_object_or_404(
        Article.objects.select_related("boutique", "categorie"),
        pk=pk,
        boutique__in=boutiques_visibles(request.user),
    )


@login_required
def article_detail(request: HttpRequest, pk: int) -> HttpResponse:
    article = _article(request, pk)
    mouvements = mouvements_de_boutique(boutique=article.boutique, article_id=article.pk)[:30]
    return render(
        request,
        "web/article_detail.html",
        {
            "article": article,
            "mouvements": mouvements,
            "peut_gerer": a_le_role(request.user, article.boutique, Role.GERANT),
        },
    )


@login_required
def article_nouveau(request: HttpRequest) -> HttpResponse:
    boutiques = boutiques_avec_role(request.user, Role.GERANT)
    if not boutiques.exists():
        raise PermissionDenied("Réservé aux gérants.")
    form = ArticleCreationForm(request.POST or None, boutiques=boutiques)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            article = article_creer(
                boutique=d["boutique"],
                code=d["code"],
                nom=d["nom"].strip(),
                prix_vente=d["prix_vente"],
                stock_initial=d["stock_initial"],
                seuil_alerte=d["seuil_alerte"],
                code_barres=d["code_barres"].strip(),
                est_actif=d["est_actif"],
                categorie=d["categorie"],
                acteur=request.user,
            )
        except ErreurMetier as erreur:
            form.add_error("code" if erreur.code == CodeErreur.CODE_ARTICLE_PRIS else None, erreur.message)
        else:
            messages.success(request, f"Article {article.nom} créé.")
            return redirect("web:article_detail", pk=article.pk)
    return render(
        request,
        "web/article_form.html",
        {"form": form, "titre": "Nouvel article", "categories": _noms_de_categories(boutiques)},
    )


@login_required
def article_modification(request: HttpRequest, pk: int) -> HttpResponse:
    article = _article(request, pk)
    if not a_le_role(request.user, article.boutique, Role.GERANT):
        raise PermissionDenied("Réservé aux gérants.")
    initial = {
        "nom": article.nom,
        "prix_vente": article.prix_vente,
        "seuil_alerte": article.seuil_alerte,
        "code_barres": article.code_barres,
        "est_actif": article.est_actif,
        "categorie": article.categorie.nom if article.categorie else "",
    }
    form = ArticleModificationForm(request.POST or None, initial=initial, prix_actuel=article.prix_vente)
    if request.method == "POST" and form.is_valid():
        try:
            article_modifier(article=article, acteur=request.user, **form.cleaned_data)
        except ErreurMetier as erreur:
            form.add_error(None, erreur.message)
        else:
            messages.success(request, f"Article {article.nom} modifié.")
            return redirect("web:article_detail", pk=article.pk)
    return render(
        request,
        "web/article_form.html",
        {
            "form": form,
            "titre": f"Modifier {article.nom}",
            "article": article,
            "categories": _noms_de_categories(Boutique.objects.filter(pk=article.boutique_id)),
        },
    )


CLE_IMPORT = "import-catalogue"


@login_required
def article_import(request: HttpRequest) -> HttpResponse:
    """Step 1: upload and preview (nothing written). Step 2: confirm, applied all or nothing."""
    boutiques = boutiques_avec_role(request.user, Role.GERANT)
    if not boutiques.exists():
        raise PermissionDenied("Réservé aux gérants.")
    if request.method == "POST" and request.POST.get("jeton"):
        attente = request.session.get(CLE_IMPORT) or {}
        if attente.get("jeton") != request.POST["jeton"]:
            messages.error(request, "Aperçu expiré : envoyez le fichier à nouveau.")
            return redirect("web:article_import")
        boutique = get_object_or_404(boutiques, pk=attente["boutique"])
        lignes = [LigneCatalogue(numero=n, valeurs=v) for n, v in attente["lignes"]]
        try:
            apercu = catalogue_appliquer(boutique=boutique, lignes=lignes, acteur=request.user)
        except ErreurMetier as erreur:
            messages.error(request, erreur.message)
            return redirect("web:article_import")
        del request.session[CLE_IMPORT]
        messages.success(
            request,
            f"Import terminé : {apercu.a_creer} créé(s), {apercu.a_modifier} modifié(s).",
        )
        return redirect(f"{_url_articles()}?boutique={boutique.pk}")
    form = ImportForm(request.POST or None, request.FILES or None, boutiques=boutiques)
    contexte: dict[str, object] = {"form": form}
    if request.method == "POST" and form.is_valid():
        boutique = form.cleaned_data["boutique"]
        fichier = form.cleaned_data["fichier"]
        try:
            lignes = catalogue_lire(nom_fichier=fichier.name, fichier=fichier)
        except ErreurMetier as erreur:
            form.add_error("fichier", erreur.message)
        else:
            apercu = catalogue_previsualiser(boutique=boutique, lignes=lignes)
            jeton = secrets.token_urlsafe(16)
            request.session[CLE_IMPORT] = {
                "jeton": jeton,
                "boutique": boutique.pk,
                "lignes": [[ligne.numero, ligne.valeurs] for ligne in lignes],
            }
            contexte.update(apercu=apercu, jeton=jeton, boutique=boutique)
    return render(request, "web/article_import.html", contexte)


def _url_articles() -> str:
    from django.urls import reverse

    return reverse("web:articles")
