"""The till's documents in the admin: read-only (they are written once, by the services), except
a new exchange rate, which goes through `taux_fixer` like the back-office's."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from magasin.caisse.models import (
    Affectation,
    Client,
    Cloture,
    Creance,
    LigneCloture,
    MouvementCaisse,
    Paiement,
    PriseEnCompte,
    TauxChange,
)
from magasin.caisse.services import taux_fixer
from magasin.core.erreurs import ErreurMetier
from magasin.core.libelles import LibellesAdmin, LibellesInline


class LectureSeule(LibellesAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(TauxChange)
class TauxChangeAdmin(LibellesAdmin):
    list_display = ["boutique", "jour", "taux", "motif", "saisi_par", "saisi_le"]
    list_filter = ["boutique", "jour"]
    list_select_related = ["boutique", "saisi_par"]
    fields = ["boutique", "jour", "taux", "motif"]

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return obj is None  # the add form only: a rate is never edited

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: TauxChange, form: Any, change: bool) -> None:
        try:
            cree = taux_fixer(
                boutique=obj.boutique, jour=obj.jour, taux=obj.taux, utilisateur=request.user, motif=obj.motif
            )
        except ErreurMetier as erreur:
            messages.error(request, erreur.message)
            return
        obj.pk = cree.pk

    def log_addition(self, request: HttpRequest, obj: Any, message: Any) -> Any:
        return super().log_addition(request, obj, message) if obj.pk else None

    def response_add(self, request: HttpRequest, obj: Any, post_url_continue: str | None = None) -> HttpResponse:
        if obj.pk is None:  # refused by the service: its message is shown on the list
            return HttpResponseRedirect(reverse("admin:caisse_tauxchange_changelist"))
        return super().response_add(request, obj, post_url_continue)


@admin.register(Client)
class ClientAdmin(LectureSeule):
    list_display = ["nom", "telephone", "boutique", "cle", "cree_le"]
    list_filter = ["boutique"]
    search_fields = ["nom", "telephone"]
    list_select_related = ["boutique"]


@admin.register(Creance)
class CreanceAdmin(LectureSeule):
    list_display = ["vente", "client", "boutique", "jour", "montant"]
    list_filter = ["boutique", "jour"]
    list_select_related = ["vente", "client", "boutique"]
    raw_id_fields = ["vente", "client"]


class AffectationInline(LibellesInline):
    model = Affectation
    extra = 0
    can_delete = False
    fields = ("creance", "montant_cdf")
    readonly_fields = ("creance", "montant_cdf")

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Paiement)
class PaiementAdmin(LectureSeule):
    list_display = ["cree_le", "boutique", "caisse", "jour", "objet", "canal", "devise", "montant", "montant_cdf"]
    list_filter = ["boutique", "objet", "canal", "devise", "jour"]
    list_select_related = ["boutique"]
    raw_id_fields = ["vente", "client"]
    inlines = [AffectationInline]


@admin.register(MouvementCaisse)
class MouvementCaisseAdmin(LectureSeule):
    list_display = ["cree_le", "boutique", "caisse", "jour", "type_mouvement", "devise", "montant", "motif", "auteur"]
    list_filter = ["boutique", "type_mouvement", "devise", "jour"]
    list_select_related = ["boutique", "auteur"]


class LigneClotureInline(LibellesInline):
    model = LigneCloture
    extra = 0
    can_delete = False
    fields = ("canal", "devise", "attendu", "compte", "ecart")
    readonly_fields = ("canal", "devise", "attendu", "compte", "ecart")

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Cloture)
class ClotureAdmin(LectureSeule):
    list_display = ["jour", "boutique", "caisse", "version", "nombre_ventes", "nombre_manquantes", "auteur", "cree_le"]
    list_filter = ["boutique", "jour"]
    list_select_related = ["boutique", "auteur"]
    inlines = [LigneClotureInline]


@admin.register(PriseEnCompte)
class PriseEnCompteAdmin(LectureSeule):
    list_display = ["cloture", "jusqu_a", "vue_par", "vue_le"]
    list_select_related = ["cloture", "vue_par"]
