"""Forms of the people and terminal pages: they parse and bound; rules stay in the services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.db.models import QuerySet

from magasin.boutiques.models import RANG_ROLE, Boutique, Role


def _roles_jusqu_a(role_max: Role | None) -> list[tuple[str, str]]:
    """The roles the actor may grant: never more than their own (the service checks it too)."""
    rang_max = RANG_ROLE[role_max] if role_max is not None else RANG_ROLE[Role.PROPRIETAIRE]
    return [(r.value, r.label) for r in Role if RANG_ROLE[r] <= rang_max]


class _BoutiqueForm(forms.Form):
    boutique = forms.ModelChoiceField(queryset=Boutique.objects.none(), label="Boutique")

    def __init__(self, *args: Any, boutiques: QuerySet[Boutique], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        champ = self.fields["boutique"]
        assert isinstance(champ, forms.ModelChoiceField)
        champ.queryset = boutiques
        if len(boutiques) == 1:
            champ.initial = boutiques[0].pk


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
