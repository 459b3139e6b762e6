from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html

from magasin.boutiques.models import Boutique, Membre, Terminal
from magasin.boutiques.services import terminal_creer, terminal_rotation_jeton
from magasin.core.libelles import LibellesAdmin, LibellesInline


class MembreInline(LibellesInline):
    model = Membre
    extra = 0
    autocomplete_fields = ["utilisateur"]


@admin.register(Boutique)
class BoutiqueAdmin(LibellesAdmin):
    list_display = ["nom", "code", "devise", "politique_stock", "est_active"]
    list_filter = ["est_active", "politique_stock"]
    search_fields = ["nom", "code"]
    inlines = [MembreInline]


@admin.register(Terminal)
class TerminalAdmin(LibellesAdmin):
    list_display = ["nom_terminal", "numero_serie", "boutique", "est_actif", "derniere_synchro", "authentification"]
    list_filter = ["boutique", "est_actif", "serie_seule"]
    search_fields = ["nom_terminal", "numero_serie"]
    readonly_fields = ["jeton_prefixe", "jeton_cree_le", "derniere_synchro", "date_creation"]
    exclude = ["jeton_hash"]
    actions = ["regenerer_jeton"]

    @admin.display(description="Authentification")
    def authentification(self, obj: Terminal) -> str:
        if obj.serie_seule:
            # A class, not a style attribute: the Content-Security-Policy allows no inline style.
            return format_html('<strong class="errornote">{}</strong>', "Série seule (risque)")
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
        # Kept on this request only, for response_add: never in a message (a cookie) or the session.
        request.magasin_jeton_cree = (terminal, jeton)  # type: ignore[attr-defined]

    def response_add(self, request: HttpRequest, obj: Terminal, post_url_continue: str | None = None) -> HttpResponse:
        cree = getattr(request, "magasin_jeton_cree", None)
        if cree is None:
            return super().response_add(request, obj, post_url_continue)
        return self._page_jetons(request, [cree])

    @admin.action(description="Régénérer le jeton (l'ancien cesse de fonctionner)")
    def regenerer_jeton(self, request: HttpRequest, queryset: QuerySet[Terminal]) -> HttpResponse:
        jetons = [(terminal, terminal_rotation_jeton(terminal=terminal)) for terminal in queryset]
        return self._page_jetons(request, jetons)

    def _page_jetons(self, request: HttpRequest, jetons: list[tuple[Terminal, str]]) -> HttpResponse:
        """Tokens are shown once, on the response to the POST that made them, as the back-office
        does: the `messages` cookie is signed, not encrypted, and caches must not keep the page."""
        reponse = TemplateResponse(
            request,
            "admin/boutiques/terminal_jetons.html",
            {
                **self.admin_site.each_context(request),
                "title": "Jetons de terminal",
                "jetons": jetons,
                "retour": reverse("admin:boutiques_terminal_changelist"),
            },
        )
        reponse["Cache-Control"] = "no-store"
        return reponse


@admin.register(Membre)
class MembreAdmin(LibellesAdmin):
    list_display = ["utilisateur", "boutique", "role"]
    list_filter = ["boutique", "role"]
    search_fields = ["utilisateur__username", "boutique__nom"]
