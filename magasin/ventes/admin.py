from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from magasin.core.erreurs import ErreurMetier
from magasin.ventes.models import LigneVente, SequenceFacture, SequenceRecue, Vente, VenteQuarantaine
from magasin.ventes.services import quarantaine_rejouer


class LectureSeule(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class LigneVenteInline(admin.TabularInline):
    model = LigneVente
    extra = 0
    fields = ["article", "quantite", "prix_unitaire", "total_ligne"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Vente)
class VenteAdmin(LectureSeule):
    list_display = [
        "numero_facture",
        "boutique",
        "terminal",
        "date_vente",
        "montant_total",
        "mode_paiement",
        "paye",
        "statut",
    ]
    list_filter = ["boutique", "statut", "mode_paiement", "origine", "terminal"]
    search_fields = ["numero_facture", "uuid", "client_nom"]
    list_select_related = ["boutique", "terminal"]
    date_hierarchy = "date_vente"
    inlines = [LigneVenteInline]


@admin.register(SequenceFacture)
class SequenceFactureAdmin(LectureSeule):
    list_display = ["boutique", "annee", "mois", "dernier_numero"]
    list_filter = ["boutique", "annee"]


@admin.register(SequenceRecue)
class SequenceRecueAdmin(LectureSeule):
    list_display = ["terminal", "sequence", "date_reception"]
    list_filter = ["boutique", "terminal"]


@admin.register(VenteQuarantaine)
class VenteQuarantaineAdmin(LectureSeule):
    list_display = [
        "date_derniere_reception",
        "boutique",
        "terminal",
        "numero_facture",
        "code",
        "statut",
        "nombre_receptions",
    ]
    list_filter = ["boutique", "statut", "code"]
    search_fields = ["numero_facture", "uuid", "message"]
    list_select_related = ["boutique", "terminal"]
    actions = ["rejouer"]

    @admin.action(description="Rejouer (après correction de la cause)")
    def rejouer(self, request: HttpRequest, queryset: QuerySet[VenteQuarantaine]) -> None:
        for q in queryset:
            try:
                quarantaine_rejouer(quarantaine=q, utilisateur=request.user)
                messages.success(request, f"{q} : rejouée.")
            except ErreurMetier as erreur:
                messages.error(request, f"{q} : {erreur.message}")
