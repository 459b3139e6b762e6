"""Read-only views of what the import kept aside: runs, old ledger, rows left out."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from magasin.reprise.models import ImportAncien, MouvementAncien, RejetImport


class LectureSeule(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ImportAncien)
class ImportAncienAdmin(LectureSeule):
    list_display = ["debut", "fin", "fichier", "statut", "code_sortie"]


@admin.register(MouvementAncien)
class MouvementAncienAdmin(LectureSeule):
    list_display = ["id", "date_mouvement", "article_id_ancien", "type_mouvement", "quantite", "reference_document"]
    list_filter = ["type_mouvement"]
    search_fields = ["reference_document", "=article_id_ancien"]
    show_full_result_count = False


@admin.register(RejetImport)
class RejetImportAdmin(LectureSeule):
    list_display = ["modele", "ancien_pk", "raison", "date_rejet"]
    list_filter = ["modele"]
    search_fields = ["ancien_pk", "raison"]
