"""Back-office forms: they parse and check shapes; rules stay in the services.

Every value a browser sends is read through a form field or `identifiant`: a CharField refuses
NUL characters (PostgreSQL cannot store or compare them) and has a max_length, so hostile input
is a form error, never a 500.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.http import QueryDict

from magasin.boutiques.models import Boutique
from magasin.core.erreurs import CodeErreur, ErreurMetier
from magasin.core.validation import nombre_json
from magasin.stock.models import Article

MOTIF_MAX = 500
IDENTIFIANT_CHIFFRES_MAX = 18  # below 2**63: a bigint column can hold it


def identifiant(brut: str | None) -> int | None:
    """A database id as typed in a query string or a form, or None.

    `str.isdigit()` is true for "²" and other digits `int()` refuses: only decimal digits count.
    """
    texte = (brut or "").strip()
    if not texte.isdecimal() or len(texte) > IDENTIFIANT_CHIFFRES_MAX:
        return None
    return int(texte)


class MotifForm(forms.Form):
    """A free-text reason (cancellation, dismissal): bounded, no NUL character. An empty one
    is refused by the service itself, with its own code and message."""

    motif = forms.CharField(max_length=MOTIF_MAX, required=False, label="Motif")


def motif_lire(donnees: QueryDict) -> str:
    """The reason posted in `donnees`; an unreadable one is an ErreurMetier (400) like the rest."""
    form = MotifForm(donnees)
    if not form.is_valid():
        raise ErreurMetier(CodeErreur.INVALID_PAYLOAD, "Motif : " + " ".join(str(m) for m in form.errors["motif"]))
    return str(form.cleaned_data["motif"])


CORRECTION_MAX = 200_000  # characters of JSON: a 500-line sale is well under


class CorrectionForm(forms.Form):
    """A refused sale's JSON as a manager corrects it."""

    json = forms.CharField(max_length=CORRECTION_MAX, label="Vente corrigée (JSON)", strip=True)


def correction_lire(donnees: QueryDict) -> Any:
    """The corrected sale posted in `donnees`, parsed; unreadable JSON is an ErreurMetier (400)."""
    form = CorrectionForm(donnees)
    if not form.is_valid():
        raise ErreurMetier(CodeErreur.INVALID_PAYLOAD, "Correction : " + " ".join(str(e) for e in form.errors["json"]))
    try:
        return json.loads(form.cleaned_data["json"], parse_constant=_constante_refusee, parse_float=nombre_json)
    except json.JSONDecodeError as exc:
        raise ErreurMetier(
            CodeErreur.INVALID_JSON, f"Correction : JSON illisible à la ligne {exc.lineno}, colonne {exc.colno}."
        ) from None
    except RecursionError:
        raise ErreurMetier(CodeErreur.INVALID_JSON, "Correction : JSON trop imbriqué.") from None
    except ValueError as exc:  # NaN/Infinity: _constante_refusee's French message
        raise ErreurMetier(CodeErreur.INVALID_JSON, f"Correction : JSON illisible ({exc}).") from None


def _constante_refusee(nom: str) -> Any:
    raise ValueError(f"{nom} n'est pas un nombre JSON")


class RechercheArticleForm(forms.Form):
    q = forms.CharField(max_length=100, required=False, label="Recherche")


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
