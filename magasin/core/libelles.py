"""French labels with their accents for the admin, without touching the models.

A field's `verbose_name` is part of Django's migration state: writing "Numéro de série" on
`Terminal.numero_serie` would create a migration in every app. The admin takes its labels from
here instead: list columns, filters, change forms and inlines (read-only fields included) of
every ModelAdmin that mixes in `LibellesAdmin` / `LibellesInline`. A field whose model already
has an explicit `verbose_name` keeps it.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.http import HttpRequest

LIBELLES = {
    "numero_serie": "Numéro de série",
    "nom_terminal": "Nom du terminal",
    "derniere_synchro": "Dernière synchro",
    "serie_seule": "Série seule (sans jeton)",
    "jeton_prefixe": "Début du jeton",
    "jeton_cree_le": "Jeton créé le",
    "user_agent": "User-Agent",
    "version_app": "Version de l'application",
    "est_actif": "Actif",
    "est_active": "Active",
    "date_creation": "Date de création",
    "date_modification": "Dernière modification",
    "politique_stock": "Politique de stock",
    "prefixe_facture": "Préfixe des factures",
    "telephone": "Téléphone",
    "role": "Rôle",
    "prix_vente": "Prix de vente",
    "quantite_stock": "Quantité en stock",
    "seuil_alerte": "Seuil d'alerte",
    "code_barres": "Code-barres",
    "categorie": "Catégorie",
    "type_mouvement": "Type de mouvement",
    "quantite": "Quantité",
    "stock_avant": "Stock avant",
    "stock_apres": "Stock après",
    "reference_document": "Référence du document",
    "date_mouvement": "Date du mouvement",
    "numero_facture": "Numéro de facture",
    "montant_total": "Montant total",
    "montant_declare": "Montant déclaré",
    "mode_paiement": "Mode de paiement",
    "mode_paiement_libelle": "Mode de paiement (libellé du terminal)",
    "paye": "Payée",
    "date_vente": "Date de la vente",
    "date_synchro": "Date de synchro",
    "sequence_terminal": "Séquence du terminal",
    "numero_attribue": "Numéro attribué par le serveur",
    "champs_inconnus": "Champs hors contrat",
    "client_nom": "Nom du client",
    "client_telephone": "Téléphone du client",
    "cree_par": "Créée par",
    "annulee_le": "Annulée le",
    "annulee_par": "Annulée par",
    "motif_annulation": "Motif d'annulation",
    "prix_unitaire": "Prix unitaire",
    "total_ligne": "Total de la ligne",
    "annee": "Année",
    "dernier_numero": "Dernier numéro",
    "date_reception": "Date de réception",
    "date_derniere_reception": "Dernière réception",
    "nombre_receptions": "Nombre de réceptions",
    "payload": "Vente envoyée (JSON)",
    "payload_corrige": "Vente corrigée (JSON)",
    "corrige_le": "Corrigée le",
    "corrige_par": "Corrigée par",
    "traite_le": "Traitée le",
    "traite_par": "Traitée par",
    "motif_traitement": "Motif du traitement",
    "sequence": "Séquence",
}


def libelle(modele: type[models.Model], nom: str) -> str | None:
    """The French label of `modele.nom`, or None when the model's own label stands."""
    try:
        champ = modele._meta.get_field(nom)
    except FieldDoesNotExist:
        return None
    automatique = nom.replace("_", " ")
    if str(getattr(champ, "verbose_name", automatique)) != automatique:
        return None  # an explicit verbose_name on the model wins
    return LIBELLES.get(nom)


def _colonne(modele: type[models.Model], nom: Any) -> Any:
    """A list column showing field `nom` under its French header, sortable as the field."""
    titre = libelle(modele, nom) if isinstance(nom, str) else None
    if titre is None:
        return nom
    champ = modele._meta.get_field(nom)

    @admin.display(description=titre, ordering=nom, boolean=isinstance(champ, models.BooleanField) or None)
    def colonne(obj: models.Model) -> Any:
        valeur = getattr(obj, nom)
        if getattr(champ, "choices", None):
            return getattr(obj, f"get_{nom}_display")()
        return valeur

    colonne.__name__ = nom
    return colonne


def _filtre(modele: type[models.Model], filtre: Any) -> Any:
    """A list filter on field `filtre`, titled with its French label ("Par dernière synchro")."""
    trouve = libelle(modele, filtre) if isinstance(filtre, str) else None
    if trouve is None:
        return filtre
    titre: str = trouve

    class FiltreTitre(admin.FieldListFilter):
        # Django's own choice of filter for the field (date, boolean, relation...), retitled.
        def __new__(cls, field: Any, request: HttpRequest, params: Any, model: Any, model_admin: Any, field_path: str):  # type: ignore[misc]
            instance = admin.FieldListFilter.create(field, request, params, model, model_admin, field_path)
            instance.title = titre.lower()
            return instance

    return (filtre, FiltreTitre)


def _libelles_formulaire(modele: type[models.Model]) -> dict[str, str]:
    return {
        champ.name: titre for champ in modele._meta.get_fields() if (titre := libelle(modele, champ.name)) is not None
    }


class LibellesAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """A ModelAdmin with French labels in its list, filters and forms."""

    def get_list_display(self, request: HttpRequest) -> Any:
        return [_colonne(self.model, nom) for nom in super().get_list_display(request)]

    def get_list_filter(self, request: HttpRequest) -> Any:
        return [_filtre(self.model, filtre) for filtre in super().get_list_filter(request)]

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        kwargs.setdefault("labels", _libelles_formulaire(self.model))
        return super().get_form(request, obj, change, **kwargs)


class LibellesInline(admin.TabularInline):  # type: ignore[type-arg]
    """A tabular inline with French labels in its rows and headers."""

    def get_formset(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        kwargs.setdefault("labels", _libelles_formulaire(self.model))
        return super().get_formset(request, obj, **kwargs)
