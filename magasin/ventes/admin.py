from collections.abc import Callable

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from magasin.core.erreurs import ErreurMetier
from magasin.core.libelles import LibellesAdmin, LibellesInline
from magasin.ventes.models import (
    LigneRetour,
    LigneVente,
    Retour,
    SequenceFacture,
    SequenceRecue,
    Vente,
    VenteQuarantaine,
)
from magasin.ventes.services import quarantaine_ecarter, quarantaine_rejouer

MOTIF_MAX = 500


class LectureSeule(LibellesAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class LigneVenteInline(LibellesInline):
    model = LigneVente
    extra = 0
    fields = ["article", "quantite", "prix_unitaire", "total_ligne"]
    readonly_fields = ["article", "quantite", "prix_unitaire", "total_ligne"]
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
    # Date ranges, not date_hierarchy: the latter needs time-zone tables on MySQL/MariaDB.
    list_filter = ["boutique", "statut", "mode_paiement", "origine", "terminal", "date_vente"]
    search_fields = ["numero_facture", "uuid", "client_nom"]
    list_select_related = ["boutique", "terminal"]
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
    actions = ["rejouer", "rejouer_renumeroter", "ecarter"]

    @staticmethod
    def _pour_chacune(
        request: HttpRequest,
        queryset: QuerySet[VenteQuarantaine],
        action: Callable[[VenteQuarantaine], object],
        reussite: str,
    ) -> None:
        """Run the service on each selected entry; one message each, success or the refusal."""
        for q in queryset:
            try:
                action(q)
                messages.success(request, f"{q} : {reussite}.")
            except ErreurMetier as erreur:
                messages.error(request, f"{q} : {erreur.message}")

    @admin.action(description="Rejouer (après correction de la cause)")
    def rejouer(self, request: HttpRequest, queryset: QuerySet[VenteQuarantaine]) -> None:
        self._pour_chacune(
            request, queryset, lambda q: quarantaine_rejouer(quarantaine=q, utilisateur=request.user), "rejouée"
        )

    @admin.action(description="Rejouer avec un numéro du serveur (conflit de numéro)")
    def rejouer_renumeroter(self, request: HttpRequest, queryset: QuerySet[VenteQuarantaine]) -> None:
        self._pour_chacune(
            request,
            queryset,
            lambda q: quarantaine_rejouer(quarantaine=q, utilisateur=request.user, renumeroter=True),
            "rejouée avec un nouveau numéro",
        )

    @admin.action(description="Écarter (avec un motif)")
    def ecarter(self, request: HttpRequest, queryset: QuerySet[VenteQuarantaine]) -> HttpResponse | None:
        # A form field: bounded, and no NUL character (PostgreSQL cannot store one).
        champ = forms.CharField(max_length=MOTIF_MAX, required=False)
        try:
            motif, refus = champ.clean(request.POST.get("motif", "")), ""
        except ValidationError as erreur:
            motif, refus = "", "Motif : " + " ".join(erreur.messages)
        if "confirmer" not in request.POST or not motif:
            if "confirmer" in request.POST:
                messages.error(request, refus or "Le motif est obligatoire.")
            return TemplateResponse(
                request,
                "admin/ventes/ecarter_quarantaine.html",
                {**self.admin_site.each_context(request), "queryset": queryset},
            )
        self._pour_chacune(
            request,
            queryset,
            lambda q: quarantaine_ecarter(quarantaine=q, utilisateur=request.user, motif=motif),
            "écartée",
        )
        return None


class LigneRetourInline(LibellesInline):
    model = LigneRetour
    extra = 0
    fields = ["ligne_vente", "quantite", "montant"]
    readonly_fields = ["ligne_vente", "quantite", "montant"]
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Retour)
class RetourAdmin(LectureSeule):
    """Partial returns are made from the sale's page in the back-office (`vente_retourner`)."""

    list_display = ["vente", "numero", "boutique", "date_retour", "montant", "cree_par"]
    list_filter = ["boutique", "date_retour"]
    search_fields = ["vente__numero_facture", "motif"]
    list_select_related = ["vente", "boutique", "cree_par"]
    inlines = [LigneRetourInline]
