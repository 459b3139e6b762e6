from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from magasin.core.libelles import LibellesAdmin
from magasin.stock.models import (
    Article,
    BonReception,
    Categorie,
    Fournisseur,
    LigneReception,
    LigneTransfert,
    MouvementStock,
    Transfert,
)
from magasin.stock.services import article_creer, categorie_renommer


@admin.register(Article)
class ArticleAdmin(LibellesAdmin):
    list_display = ["nom", "code", "boutique", "prix_vente", "quantite_stock", "seuil_alerte", "est_actif"]
    list_filter = ["boutique", "est_actif"]
    search_fields = ["nom", "code", "code_barres"]
    readonly_fields = ["quantite_stock", "date_creation", "date_modification"]

    def get_readonly_fields(self, request: HttpRequest, obj: Article | None = None) -> list[str]:
        # An article never changes shop: its ledger rows and sale lines belong to its shop.
        return [*self.readonly_fields, "boutique"] if obj is not None else list(self.readonly_fields)

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
            acteur=request.user,
        )
        obj.pk = cree.pk


@admin.register(Categorie)
class CategorieAdmin(LibellesAdmin):
    list_display = ["nom", "boutique"]
    list_filter = ["boutique"]
    search_fields = ["nom"]
    list_select_related = ["boutique"]

    def get_readonly_fields(self, request: HttpRequest, obj: Categorie | None = None) -> list[str]:
        # A category never changes shop: its articles would point at another shop's category.
        return ["boutique"] if obj is not None else []

    def save_model(self, request: HttpRequest, obj: Categorie, form: Any, change: bool) -> None:
        if change and "nom" in form.changed_data:
            # Through the service: the articles' terminals must see the new name (catalogue delta).
            categorie_renommer(categorie=obj, nom=obj.nom, acteur=None)
            return
        super().save_model(request, obj, form, change)


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


# --- Receipts and transfers: read-only here, recorded through magasin.stock.receptions/transferts --


class _LectureSeule(LibellesAdmin):
    """Documents that moved stock are written by their services only (ledger, average cost)."""

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class _LignesLectureSeule(admin.TabularInline):  # type: ignore[type-arg]
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class LigneReceptionInline(_LignesLectureSeule):
    model = LigneReception
    fields = readonly_fields = (
        "article",
        "quantite",
        "cout_unitaire",
        "stock_avant",
        "cout_moyen_avant",
        "cout_moyen_apres",
    )


@admin.register(BonReception)
class BonReceptionAdmin(_LectureSeule):
    list_display = ["__str__", "boutique", "fournisseur", "reference_fournisseur", "recu_le", "montant_total"]
    list_filter = ["boutique", "recu_le"]
    search_fields = ["fournisseur__nom", "reference_fournisseur"]
    list_select_related = ["boutique", "fournisseur"]
    inlines = [LigneReceptionInline]


class LigneTransfertInline(_LignesLectureSeule):
    model = LigneTransfert
    fk_name = "transfert"
    fields = readonly_fields = (
        "article_source",
        "article_destination",
        "quantite_envoyee",
        "quantite_recue",
        "cout_unitaire",
    )


@admin.register(Transfert)
class TransfertAdmin(_LectureSeule):
    list_display = ["__str__", "boutique_source", "boutique_destination", "statut", "envoye_le", "recu_le"]
    list_filter = ["statut", "boutique_source", "boutique_destination"]
    list_select_related = ["boutique_source", "boutique_destination"]
    inlines = [LigneTransfertInline]


@admin.register(Fournisseur)
class FournisseurAdmin(LibellesAdmin):
    list_display = ["nom", "boutique", "telephone"]
    list_filter = ["boutique"]
    search_fields = ["nom"]
    list_select_related = ["boutique"]

    def get_readonly_fields(self, request: HttpRequest, obj: Fournisseur | None = None) -> list[str]:
        # A supplier stays in its shop: its receipts are that shop's.
        return ["boutique"] if obj is not None else []
