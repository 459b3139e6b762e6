from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from magasin.boutiques.acces import nom_auteur
from magasin.core.libelles import LibellesAdmin
from magasin.stock.models import Article, Categorie, MouvementStock
from magasin.stock.services import article_creer


@admin.register(Article)
class ArticleAdmin(LibellesAdmin):
    list_display = ["nom", "code", "boutique", "prix_vente", "quantite_stock", "seuil_alerte", "est_actif"]
    list_filter = ["boutique", "est_actif"]
    search_fields = ["nom", "code", "code_barres"]
    readonly_fields = ["quantite_stock", "date_creation", "date_modification"]

    def save_model(self, request: HttpRequest, obj: Article, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        # New articles go through the service so that the ledger starts with them.
        cree = article_creer(
            boutique=obj.boutique,
            code=obj.code,
            nom=obj.nom,
            prix_vente=obj.prix_vente,
            seuil_alerte=obj.seuil_alerte,
            code_barres=obj.code_barres,
            est_actif=obj.est_actif,
            categorie=obj.categorie.nom if obj.categorie else "",
            utilisateur=nom_auteur(request.user),
        )
        obj.pk = cree.pk


@admin.register(Categorie)
class CategorieAdmin(LibellesAdmin):
    list_display = ["nom", "boutique"]
    list_filter = ["boutique"]
    search_fields = ["nom"]
    list_select_related = ["boutique"]


@admin.register(MouvementStock)
class MouvementStockAdmin(LibellesAdmin):
    """The ledger is append-only: read it here, change stock through the services."""

    list_display = [
        "date_mouvement",
        "boutique",
        "article",
        "type_mouvement",
        "quantite",
        "stock_avant",
        "stock_apres",
        "reference_document",
        "utilisateur",
    ]
    # Date ranges, not date_hierarchy: the latter needs time-zone tables on MySQL/MariaDB.
    list_filter = ["boutique", "type_mouvement", "date_mouvement"]
    search_fields = ["article__nom", "article__code", "reference_document", "utilisateur"]
    list_select_related = ["boutique", "article"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
