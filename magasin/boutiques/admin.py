from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html

from magasin.boutiques.models import Boutique, Membre, Terminal
from magasin.boutiques.services import terminal_creer, terminal_rotation_jeton


class MembreInline(admin.TabularInline):
    model = Membre
    extra = 0
    autocomplete_fields = ["utilisateur"]


@admin.register(Boutique)
class BoutiqueAdmin(admin.ModelAdmin):
    list_display = ["nom", "code", "devise", "politique_stock", "est_active"]
    list_filter = ["est_active", "politique_stock"]
    search_fields = ["nom", "code"]
    inlines = [MembreInline]


@admin.register(Terminal)
class TerminalAdmin(admin.ModelAdmin):
    list_display = ["nom_terminal", "numero_serie", "boutique", "est_actif", "derniere_synchro", "authentification"]
    list_filter = ["boutique", "est_actif", "serie_seule"]
    search_fields = ["nom_terminal", "numero_serie"]
    readonly_fields = ["jeton_prefixe", "jeton_cree_le", "derniere_synchro", "date_creation"]
    exclude = ["jeton_hash"]
    actions = ["regenerer_jeton"]

    @admin.display(description="Authentification")
    def authentification(self, obj: Terminal) -> str:
        if obj.serie_seule:
            return format_html('<strong style="color:#b00">{}</strong>', "Série seule (risque)")
        return "Jeton" if obj.jeton_hash else "Aucun jeton"

    def save_model(self, request: HttpRequest, obj: Terminal, form: object, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)  # type: ignore[arg-type]
            return
        terminal, jeton = terminal_creer(
            numero_serie=obj.numero_serie,
            nom_terminal=obj.nom_terminal,
            boutique=obj.boutique,
            serie_seule=obj.serie_seule,
        )
        obj.pk = terminal.pk
        messages.warning(request, f"Jeton de {terminal.nom_terminal} (affiché une seule fois) : {jeton}")

    @admin.action(description="Régénérer le jeton (l'ancien cesse de fonctionner)")
    def regenerer_jeton(self, request: HttpRequest, queryset: QuerySet[Terminal]) -> None:
        for terminal in queryset:
            jeton = terminal_rotation_jeton(terminal=terminal)
            messages.warning(request, f"Nouveau jeton de {terminal.nom_terminal} (affiché une seule fois) : {jeton}")


@admin.register(Membre)
class MembreAdmin(admin.ModelAdmin):
    list_display = ["utilisateur", "boutique", "role"]
    list_filter = ["boutique", "role"]
    search_fields = ["utilisateur__username", "boutique__nom"]
