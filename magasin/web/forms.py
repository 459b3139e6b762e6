"""Back-office forms: they parse and check shapes; rules stay in the services."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import QuerySet

from magasin.boutiques.models import Boutique
from magasin.stock.models import Article


class ArticleChoix(forms.ModelChoiceField):
    def label_from_instance(self, obj: Article) -> str:  # type: ignore[override]
        return f"{obj.nom} [{obj.code}] — {obj.boutique.code} (stock {obj.quantite_stock})"


class ArticleCreationForm(forms.Form):
    boutique = forms.ModelChoiceField(queryset=Boutique.objects.none(), label="Boutique")
    code = forms.CharField(max_length=50, label="Code")
    nom = forms.CharField(max_length=200, label="Nom")
    prix_vente = forms.DecimalField(min_value=Decimal(0), max_digits=14, decimal_places=2, label="Prix de vente (CDF)")
    stock_initial = forms.IntegerField(min_value=0, initial=0, label="Stock initial")
    seuil_alerte = forms.IntegerField(min_value=0, initial=5, label="Seuil d'alerte")
    code_barres = forms.CharField(max_length=64, required=False, label="Code-barres")
    est_actif = forms.BooleanField(required=False, initial=True, label="Actif")

    def __init__(self, *args: Any, boutiques: QuerySet[Boutique], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["boutique"].queryset = boutiques  # type: ignore[attr-defined]


class ArticleModificationForm(forms.Form):
    nom = forms.CharField(max_length=200, label="Nom")
    prix_vente = forms.DecimalField(min_value=Decimal(0), max_digits=14, decimal_places=2, label="Prix de vente (CDF)")
    seuil_alerte = forms.IntegerField(min_value=0, label="Seuil d'alerte")
    code_barres = forms.CharField(max_length=64, required=False, label="Code-barres")
    est_actif = forms.BooleanField(required=False, label="Actif")


class _FormulaireStock(forms.Form):
    article = ArticleChoix(queryset=Article.objects.none(), label="Article")

    def __init__(self, *args: Any, articles: QuerySet[Article], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["article"].queryset = articles  # type: ignore[attr-defined]


class EntreeForm(_FormulaireStock):
    quantite = forms.IntegerField(min_value=1, label="Quantité livrée")
    reference_document = forms.CharField(max_length=100, required=False, label="Bon de livraison (référence)")
    commentaire = forms.CharField(max_length=500, required=False, label="Commentaire")


class SortieForm(_FormulaireStock):
    quantite = forms.IntegerField(min_value=1, label="Quantité perdue ou cassée")
    motif = forms.CharField(max_length=500, label="Motif")


class InventaireForm(_FormulaireStock):
    quantite_comptee = forms.IntegerField(min_value=0, label="Quantité comptée")
    motif = forms.CharField(max_length=500, label="Motif")


class ImportForm(forms.Form):
    boutique = forms.ModelChoiceField(queryset=Boutique.objects.none(), label="Boutique")
    fichier = forms.FileField(label="Fichier CSV ou XLSX")

    def __init__(self, *args: Any, boutiques: QuerySet[Boutique], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["boutique"].queryset = boutiques  # type: ignore[attr-defined]
