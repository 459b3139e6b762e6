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
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.db.models import QuerySet
from django.http import QueryDict

from magasin.boutiques.models import RANG_ROLE, Boutique, Role
from magasin.core.erreurs import CodeErreur, ErreurMetier
from magasin.core.validation import nombre_json
from magasin.stock.models import CATEGORIE_NOM_MAX, Article
from magasin.stock.prix import PRIX_ILLISIBLE, PRIX_VENTE_MAX, PrixRefuse, prix_vente_verifier
from magasin.stock.selectors import articles_par_codes

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


QUANTITE_LIGNE_MAX = 1_000_000  # what the sale reader accepts on a line (ventes.entrees)
PRIX_MAX = Decimal("999999999999.99")  # what LigneVente.prix_unitaire holds


class LigneCorrigeeForm(forms.Form):
    """One line of a refused sale as a manager corrects it: an article of the sale's shop."""

    article = ArticleChoix(queryset=Article.objects.none(), label="Article")
    quantite = forms.IntegerField(min_value=1, max_value=QUANTITE_LIGNE_MAX, label="Quantité")
    prix_unitaire = forms.DecimalField(
        min_value=Decimal(0), max_value=PRIX_MAX, max_digits=14, decimal_places=2, label="Prix unitaire (CDF)"
    )

    def __init__(self, *args: Any, articles: QuerySet[Article], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["article"].queryset = articles  # type: ignore[attr-defined]


class RetourForm(forms.Form):
    """A partial return: a quantity for each line of the sale (at most what is left to return)
    and a reason. The rules (role, sale not cancelled, quantities left) are the service's."""

    motif = forms.CharField(max_length=500, label="Motif du retour")

    def __init__(self, *args: Any, restes: list[tuple[int, str, int]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for ligne_id, nom, reste in restes:
            self.fields[f"ligne_{ligne_id}"] = forms.IntegerField(
                min_value=0, max_value=reste, initial=0, required=False, label=nom
            )
        self.order_fields([f"ligne_{ligne_id}" for ligne_id, _, _ in restes] + ["motif"])

    def quantites(self) -> dict[int, int]:
        return {
            int(nom.removeprefix("ligne_")): valeur
            for nom, valeur in self.cleaned_data.items()
            if nom.startswith("ligne_") and valeur
        }


class ComptageForm(forms.Form):
    """One count in a stock count session: the article's code or barcode (a scanner types it
    and presses Enter), how many, and whether it adds to what was counted or replaces it."""

    code = forms.CharField(
        max_length=64,
        label="Code ou code-barres",
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "off"}),
    )
    quantite = forms.IntegerField(min_value=0, max_value=1_000_000, initial=1, label="Quantité")
    remplacer = forms.BooleanField(required=False, label="Remplacer le compte (au lieu d'ajouter)")


LignesCorrigeesFormSet = forms.formset_factory(LigneCorrigeeForm, extra=0, max_num=500, absolute_max=500)


# Bounds of the numbers a back-office form reads: what the columns hold (Article.quantite_stock
# and the ledger are 32-bit integers, prices Decimal(14, 2)) and what makes sense in a shop.
QUANTITE_OPERATION_MAX = 1_000_000  # units in one delivery, loss, count or initial stock
STOCK_MAX = 2**31 - 1  # Article.quantite_stock, MouvementStock.stock_apres: IntegerField
QUANTITE_OPERATION_MAX_TEXTE = "1\u202f000\u202f000"
ENTIER_INVALIDE = "Saisissez un nombre entier."


def _quantite(label: str, *, minimum: int, **kwargs: Any) -> forms.IntegerField:
    return forms.IntegerField(
        min_value=minimum,
        max_value=QUANTITE_OPERATION_MAX,
        label=label,
        error_messages={
            "invalid": ENTIER_INVALIDE,
            "min_value": f"{label} : {minimum} au minimum.",
            "max_value": f"{label} : {QUANTITE_OPERATION_MAX_TEXTE} au maximum.",
        },
        widget=forms.NumberInput(attrs={"step": "1"}),
        **kwargs,
    )


class FrancsField(forms.DecimalField):
    """Whole CDF francs: a stored `1250000.00` is shown `1250000` in the input."""

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, Decimal) and value.is_finite() and value == value.to_integral_value():
            return str(value.quantize(Decimal(1)))
        return super().prepare_value(value)


class PrixVenteField(FrancsField):
    """An article's sale price: the rule of `magasin.stock.prix`, which the catalogue import
    applies too (whole francs, centimes refused, `actuel` — the article's current price — kept)."""

    def __init__(self, *, actuel: Decimal | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.actuel = actuel

    def clean(self, value: Any) -> Any:
        prix = super().clean(value)
        if prix is None:
            return prix
        try:
            return prix_vente_verifier(prix, actuel=self.actuel)
        except PrixRefuse as refus:
            raise forms.ValidationError(refus.message, code="prix") from None


def _prix_vente() -> PrixVenteField:
    """A CDF price: whole francs, typed and shown without decimals."""
    return PrixVenteField(
        label="Prix de vente (CDF)",
        error_messages={"invalid": PRIX_ILLISIBLE},
        widget=forms.NumberInput(attrs={"step": "1", "min": "0", "max": str(PRIX_VENTE_MAX)}),
    )


def _boutique_unique_preselectionnee(form: forms.Form, boutiques: QuerySet[Boutique]) -> None:
    """The shop field, preselected when the user has only one shop to choose from."""
    champ = form.fields["boutique"]
    champ.queryset = boutiques  # type: ignore[attr-defined]
    seules = list(boutiques[:2])
    if len(seules) == 1:
        # No empty choice, even when the form comes back with errors: there is nothing to pick.
        champ.empty_label = None  # type: ignore[attr-defined]
        if not form.is_bound:
            champ.initial = seules[0].pk


def _categorie() -> forms.CharField:
    """A category typed by name: one of the shop's (suggested by a datalist) or a new one."""
    return forms.CharField(
        max_length=CATEGORIE_NOM_MAX,
        required=False,
        label="Catégorie",
        help_text="Une catégorie de la boutique, ou un nouveau nom pour la créer.",
        widget=forms.TextInput(attrs={"list": "categories"}),
    )


class ArticleCreationForm(forms.Form):
    boutique = forms.ModelChoiceField(queryset=Boutique.objects.none(), label="Boutique")
    code = forms.CharField(max_length=50, label="Code")
    nom = forms.CharField(max_length=200, label="Nom")
    prix_vente = _prix_vente()
    stock_initial = _quantite("Stock initial", minimum=0, initial=0)
    seuil_alerte = _quantite("Seuil d'alerte", minimum=0, initial=5)
    code_barres = forms.CharField(max_length=64, required=False, label="Code-barres")
    est_actif = forms.BooleanField(required=False, initial=True, label="Actif")
    categorie = _categorie()

    def __init__(self, *args: Any, boutiques: QuerySet[Boutique], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _boutique_unique_preselectionnee(self, boutiques)


class ArticleModificationForm(forms.Form):
    nom = forms.CharField(max_length=200, label="Nom")
    prix_vente = _prix_vente()
    seuil_alerte = _quantite("Seuil d'alerte", minimum=0)
    code_barres = forms.CharField(max_length=64, required=False, label="Code-barres")
    est_actif = forms.BooleanField(required=False, label="Actif")
    categorie = _categorie()

    def __init__(self, *args: Any, prix_actuel: Decimal, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["prix_vente"].actuel = prix_actuel  # type: ignore[attr-defined]


class _FormulaireStock(forms.Form):
    article = ArticleChoix(queryset=Article.objects.none(), label="Article")

    def __init__(self, *args: Any, articles: QuerySet[Article], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["article"].queryset = articles  # type: ignore[attr-defined]


class EntreeForm(_FormulaireStock):
    quantite = _quantite("Quantité livrée", minimum=1)
    reference_document = forms.CharField(max_length=100, required=False, label="Bon de livraison (référence)")
    commentaire = forms.CharField(max_length=500, required=False, label="Commentaire")

    def clean(self) -> dict[str, Any]:
        donnees = super().clean() or {}
        article, quantite = donnees.get("article"), donnees.get("quantite")
        if article is not None and quantite is not None and article.quantite_stock + quantite > STOCK_MAX:
            self.add_error("quantite", "Le stock de l'article dépasserait ce que la base peut enregistrer.")
        return donnees


class SortieForm(_FormulaireStock):
    quantite = _quantite("Quantité perdue ou cassée", minimum=1)
    motif = forms.CharField(max_length=500, label="Motif")


class InventaireForm(_FormulaireStock):
    quantite_comptee = _quantite("Quantité comptée", minimum=0)
    motif = forms.CharField(max_length=500, label="Motif")


class ImportForm(forms.Form):
    boutique = forms.ModelChoiceField(queryset=Boutique.objects.none(), label="Boutique")
    fichier = forms.FileField(label="Fichier CSV ou XLSX")

    def __init__(self, *args: Any, boutiques: QuerySet[Boutique], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _boutique_unique_preselectionnee(self, boutiques)


# --- People and terminals ---------------------------------------------------------------------------


def _roles_jusqu_a(role_max: Role | None) -> list[tuple[str, str]]:
    """The roles the actor may grant: never more than their own (the service checks it too)."""
    rang_max = RANG_ROLE[role_max] if role_max is not None else RANG_ROLE[Role.PROPRIETAIRE]
    return [(r.value, r.label) for r in Role if RANG_ROLE[r] <= rang_max]


class _BoutiqueForm(forms.Form):
    boutique = forms.ModelChoiceField(queryset=Boutique.objects.none(), label="Boutique")

    def __init__(self, *args: Any, boutiques: QuerySet[Boutique], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _boutique_unique_preselectionnee(self, boutiques)


class MotDePasseForm(forms.Form):
    password1 = forms.CharField(
        label="Mot de passe",
        max_length=128,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label="Confirmation",
        max_length=128,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, Any]:
        donnees = super().clean() or {}
        if donnees.get("password1") and donnees.get("password1") != donnees.get("password2"):
            raise forms.ValidationError("Les deux mots de passe ne sont pas identiques.")
        return donnees


class PersonneCreationForm(_BoutiqueForm, MotDePasseForm):
    username = forms.CharField(
        label="Identifiant",
        max_length=150,
        validators=[UnicodeUsernameValidator()],
        help_text="Lettres, chiffres et @ . + - _",
    )
    role = forms.ChoiceField(label="Rôle", choices=[])
    field_order = ["username", "boutique", "role", "password1", "password2"]

    def __init__(self, *args: Any, boutiques: QuerySet[Boutique], role_max: Role | None, **kwargs: Any) -> None:
        super().__init__(*args, boutiques=boutiques, **kwargs)
        self.fields["role"].choices = _roles_jusqu_a(role_max)  # type: ignore[attr-defined]
        self.fields["role"].initial = Role.CAISSIER


class RoleForm(_BoutiqueForm):
    """Role in one shop; "aucun" removes the person from the shop."""

    role = forms.ChoiceField(label="Rôle", choices=[], required=False)

    def __init__(self, *args: Any, boutiques: QuerySet[Boutique], role_max: Role | None, **kwargs: Any) -> None:
        super().__init__(*args, boutiques=boutiques, **kwargs)
        self.fields["role"].choices = [*_roles_jusqu_a(role_max), ("", "Aucun (retirer de la boutique)")]  # type: ignore[attr-defined]


class TerminalCreationForm(_BoutiqueForm):
    nom_terminal = forms.CharField(label="Nom", max_length=120)
    numero_serie = forms.CharField(label="Numéro de série", max_length=100)
    field_order = ["nom_terminal", "numero_serie", "boutique"]


class TerminalDeplacementForm(_BoutiqueForm):
    boutique = forms.ModelChoiceField(queryset=Boutique.objects.none(), label="Nouvelle boutique")


# --- Receipts from suppliers and transfers between shops -------------------------------------------
# The lines are rows of a formset: an article's code (or barcode, what a scanner types), a
# quantity and, for a receipt, the unit cost paid. Empty rows are ignored; the codes are resolved
# inside the shop by the view (stock.selectors.articles_par_codes), the rules are the services'.

LIGNES_DOCUMENT_MAX = 500  # as magasin.stock.receptions.LIGNES_MAX
LIGNES_VIDES_DEFAUT = 6
COUT_UNITAIRE_MAX = Decimal("999999999999")  # Decimal(14, 2) columns; CDF without cents


def _cout_unitaire() -> FrancsField:
    return FrancsField(
        min_value=Decimal(0),
        max_value=COUT_UNITAIRE_MAX,
        max_digits=14,
        decimal_places=0,
        required=False,
        label="Coût unitaire (CDF)",
        error_messages={
            "invalid": "Saisissez un montant en francs, sans décimales.",
            "min_value": "Le coût unitaire ne peut être négatif.",
            "max_value": "Coût unitaire : 999\u202f999\u202f999\u202f999 CDF au maximum.",
            "max_digits": "Coût unitaire : 999\u202f999\u202f999\u202f999 CDF au maximum.",
            "max_whole_digits": "Coût unitaire : 999\u202f999\u202f999\u202f999 CDF au maximum.",
            "max_decimal_places": "Le coût est en francs entiers, sans centimes.",
        },
        widget=forms.NumberInput(attrs={"step": "1", "inputmode": "numeric"}),
    )


def _code_article() -> forms.CharField:
    return forms.CharField(
        max_length=64,
        required=False,
        label="Code ou code-barres",
        widget=forms.TextInput(attrs={"list": "codes-articles", "autocomplete": "off"}),
    )


class LigneDocumentForm(forms.Form):
    """One row of a transfer: a code and a quantity (both, or neither for an empty row)."""

    code = _code_article()
    quantite = _quantite("Quantité", minimum=1, required=False)
    champs_requis: tuple[str, ...] = ("code", "quantite")

    def est_vide(self) -> bool:
        return not any(self.cleaned_data.get(nom) not in (None, "") for nom in self.champs_requis)

    def clean(self) -> dict[str, Any]:
        donnees = super().clean() or {}
        if self.errors or self.est_vide():
            return donnees
        for nom in self.champs_requis:
            if donnees.get(nom) in (None, ""):
                self.add_error(nom, "À remplir (ou videz toute la ligne).")
        return donnees


class LigneReceptionForm(LigneDocumentForm):
    cout_unitaire = _cout_unitaire()
    champs_requis = ("code", "quantite", "cout_unitaire")


def lignes_formset(
    classe: type[LigneDocumentForm], donnees: QueryDict | None, *, lignes: int = LIGNES_VIDES_DEFAUT
) -> forms.BaseFormSet:
    """The rows of a document: `lignes` empty ones to fill, at most LIGNES_DOCUMENT_MAX posted."""
    jeu = forms.formset_factory(
        classe,
        extra=max(1, min(lignes, LIGNES_DOCUMENT_MAX)),
        max_num=LIGNES_DOCUMENT_MAX,
        absolute_max=LIGNES_DOCUMENT_MAX,
        validate_max=True,
    )
    return jeu(donnees, prefix="lignes")


def lignes_remplies(formset: forms.BaseFormSet) -> list[dict[str, Any]]:
    """The filled rows of a valid formset, with their form (to attach an error to a row)."""
    return [{**f.cleaned_data, "form": f} for f in formset.forms if f.cleaned_data and not f.est_vide()]


def articles_des_lignes(remplies: list[dict[str, Any]], *, boutique: Boutique) -> list[Article] | None:
    """The shop's article of each filled row's code, in the rows' order (one query); None after
    marking every row whose code the shop does not have."""
    articles = articles_par_codes(boutique=boutique, codes=[r["code"] for r in remplies])
    inconnues = [r for r in remplies if r["code"].strip() not in articles]
    for r in inconnues:
        r["form"].add_error("code", f"Aucun article de ce code dans {boutique.nom}.")
    return None if inconnues else [articles[r["code"].strip()] for r in remplies]


class ReceptionForm(_BoutiqueForm):
    fournisseur = forms.CharField(
        max_length=150,
        label="Fournisseur",
        help_text="Un fournisseur de la boutique, ou un nouveau nom pour le créer.",
        widget=forms.TextInput(attrs={"list": "fournisseurs", "autocomplete": "off"}),
    )
    reference_fournisseur = forms.CharField(max_length=100, required=False, label="N° du bon du fournisseur")
    commentaire = forms.CharField(max_length=500, required=False, label="Commentaire")


class TransfertForm(forms.Form):
    """Both shops are among those the user manages: another shop's id is not a valid choice."""

    source = forms.ModelChoiceField(queryset=Boutique.objects.none(), label="Depuis la boutique")
    destination = forms.ModelChoiceField(queryset=Boutique.objects.none(), label="Vers la boutique")
    commentaire = forms.CharField(max_length=500, required=False, label="Commentaire")

    def __init__(self, *args: Any, boutiques: QuerySet[Boutique], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["source"].queryset = boutiques  # type: ignore[attr-defined]
        self.fields["destination"].queryset = boutiques  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        donnees = super().clean() or {}
        if donnees.get("source") is not None and donnees.get("source") == donnees.get("destination"):
            self.add_error("destination", "Choisissez une autre boutique que celle de départ.")
        return donnees


class ReceptionTransfertForm(forms.Form):
    """The units received of each line of a transfer: 0 to what was sent (less is a shortfall)."""

    def __init__(self, *args: Any, lignes: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for ligne in lignes:
            envoyee = ligne.quantite_envoyee
            self.fields[f"ligne_{ligne.pk}"] = forms.IntegerField(
                min_value=0,
                max_value=envoyee,
                initial=envoyee,
                label=f"Reçu : {ligne.article_destination.nom}",
                error_messages={
                    "required": "Indiquez la quantité reçue (0 si rien n'est arrivé).",
                    "invalid": ENTIER_INVALIDE,
                    "min_value": "Une quantité reçue n'est pas négative.",
                    "max_value": f"Reçu au plus {envoyee} : la quantité envoyée.",
                },
                widget=forms.NumberInput(attrs={"step": "1", "inputmode": "numeric"}),
            )

    def quantites(self) -> dict[int, int]:
        return {int(nom.removeprefix("ligne_")): valeur for nom, valeur in self.cleaned_data.items()}
