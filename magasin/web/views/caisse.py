"""Caisse: exchange rates, cash movements, till closings with their revision and printout,
receivables and credit repayments, and a sale's settlement partly in USD.

Views parse, call one service of `magasin.caisse`, render. Every object is looked up among the
shops the user is a member of: another shop's closing, customer or rate is a 404.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from magasin.boutiques.acces import a_le_role, boutiques_avec_role, boutiques_visibles
from magasin.boutiques.models import Boutique, Membre, Role, Terminal
from magasin.caisse.models import Canal, Cloture, Devise, TypeMouvementCaisse
from magasin.caisse.selectors import (
    Caisse,
    attendu_caisse,
    caisse_de_cloture,
    caisse_de_vente,
    caisses_de_boutique,
    clients_de_boutiques,
    cloture_courante,
    clotures_de_boutiques,
    completude,
    creances_en_avoir,
    creances_ouvertes,
    jours_non_clos,
    mouvements_de_boutiques,
    paiements_de_client,
    paiements_de_vente,
    revision,
    soldes_clients,
    taux_de_boutiques,
    taux_en_vigueur,
)
from magasin.caisse.services import (
    MONTANT_MAX,
    MONTANT_USD_MAX,
    SEQUENCE_MAX,
    TAUX_MAX,
    TAUX_MIN,
    cloture_enregistrer,
    credit_rembourser,
    mouvement_caisse_enregistrer,
    reglement_calculer,
    revision_prendre_en_compte,
    taux_fixer,
    vente_encaisser,
)
from magasin.core.erreurs import CodeErreur, ErreurMetier
from magasin.core.routage import lecture_replique
from magasin.ventes.models import Vente
from magasin.web.acces import boutiques_filtrees
from magasin.web.forms import identifiant

JOUR_MIN = date(2000, 1, 1)

# --- Fields: every number bounded, every message in French ------------------------------------


def _montant(label: str, *, devise: str = "CDF", requis: bool = True, zero: bool = False) -> forms.DecimalField:
    plafond = MONTANT_USD_MAX if devise == Devise.USD else MONTANT_MAX
    minimum = Decimal("0") if zero else Decimal("0.01")
    return forms.DecimalField(
        label=label,
        required=requis,
        min_value=minimum,
        max_value=plafond,
        max_digits=16,
        decimal_places=2,
        error_messages={
            "required": f"{label} : obligatoire.",
            "invalid": f"{label} : nombre attendu.",
            "min_value": f"{label} : {'positif ou nul' if zero else 'supérieur à zéro'}.",
            "max_value": f"{label} : {plafond:,.0f} au plus.".replace(",", "\u202f"),
            "max_digits": f"{label} : trop de chiffres.",
            "max_decimal_places": f"{label} : deux décimales au plus.",
            "max_whole_digits": f"{label} : trop de chiffres.",
        },
        widget=forms.NumberInput(attrs={"step": "0.01", "min": str(minimum), "max": str(plafond)}),
    )


def _jour(label: str = "Jour") -> forms.DateField:
    return forms.DateField(
        label=label,
        error_messages={"required": f"{label} : obligatoire.", "invalid": f"{label} : date attendue (AAAA-MM-JJ)."},
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


def _jour_borne(jour: date | None, form: forms.Form, champ: str = "jour") -> None:
    if jour is not None and not JOUR_MIN <= jour <= timezone.localdate():
        form.add_error(champ, "Jour : entre le 01/01/2000 et aujourd'hui.")


def _motif(label: str = "Motif", requis: bool = False) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=requis,
        max_length=200,
        error_messages={"required": f"{label} : obligatoire.", "max_length": f"{label} : 200 caractères au plus."},
    )


class _AvecBoutique(forms.Form):
    boutique = forms.ModelChoiceField(
        queryset=Boutique.objects.none(),
        label="Boutique",
        error_messages={"required": "Boutique : obligatoire.", "invalid_choice": "Boutique inconnue."},
    )

    def __init__(self, *args: Any, boutiques: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        champ = self.fields["boutique"]
        champ.queryset = boutiques  # type: ignore[attr-defined]
        seules = list(boutiques[:2])
        if len(seules) == 1:
            champ.initial = seules[0].pk
            champ.empty_label = None  # type: ignore[attr-defined]


class TauxForm(_AvecBoutique):
    jour = _jour()
    taux = forms.DecimalField(
        label="Taux (CDF pour 1 USD)",
        min_value=TAUX_MIN,
        max_value=TAUX_MAX,
        max_digits=12,
        decimal_places=4,
        error_messages={
            "required": "Taux : obligatoire.",
            "invalid": "Taux : nombre attendu.",
            "min_value": "Taux : 1 au minimum.",
            "max_value": "Taux : 1\u202f000\u202f000 au maximum.",
            "max_decimal_places": "Taux : quatre décimales au plus.",
            "max_digits": "Taux : trop de chiffres.",
            "max_whole_digits": "Taux : trop de chiffres.",
        },
        widget=forms.NumberInput(attrs={"step": "0.0001", "min": "1", "max": str(TAUX_MAX)}),
    )
    motif = _motif("Motif (correction d'un taux du même jour)")


def _caisse_lire(boutique: Boutique, brut: str | None) -> Caisse | None:
    """ "T<id>" (a terminal of the shop) or "U<id>" (a member of the shop, as web cashier)."""
    texte = (brut or "").strip()
    numero = identifiant(texte[1:]) if len(texte) > 1 else None
    if numero is None:
        return None
    if texte[0] == "T":
        terminal = Terminal.objects.filter(pk=numero, boutique=boutique).first()
        return Caisse(boutique=boutique, terminal=terminal) if terminal else None
    if texte[0] == "U":
        membre = Membre.objects.filter(utilisateur=OuterRef("pk"), boutique=boutique)
        vendeur = Vente.objects.filter(cree_par=OuterRef("pk"), boutique=boutique, terminal__isnull=True)
        utilisateur = get_user_model().objects.filter(Q(Exists(membre)) | Q(Exists(vendeur)), pk=numero).first()
        return Caisse(boutique=boutique, caissier=utilisateur) if utilisateur else None
    return None


def _choix_caisses(boutique: Boutique, moi: Any) -> list[tuple[str, str]]:
    caisses = caisses_de_boutique(boutique=boutique)
    choix = [(c.cle, c.libelle) for c in caisses]
    if moi.is_authenticated and f"U{moi.pk}" not in dict(choix):
        choix.append((f"U{moi.pk}", f"Caisse web de {moi.get_username()}"))
    return choix


def _boutique_de(request: HttpRequest, brut: str | None, role: Role = Role.CAISSIER) -> Boutique:
    try:
        return boutiques_avec_role(request.user, role).get(pk=identifiant(brut) or 0)
    except Boutique.DoesNotExist:
        raise Http404("Boutique introuvable") from None


def _cle_formulaire(request: HttpRequest) -> str:
    return (request.POST.get("cle") or "").strip()[:64] if request.method == "POST" else uuid.uuid4().hex


# --- Overview -------------------------------------------------------------------------------


@login_required
def caisse_accueil(request: HttpRequest) -> HttpResponse:
    """Closings of the last 31 days (flagged: to review, incomplete), unclosed days, rates."""
    boutiques, choisie = boutiques_filtrees(request)
    aujourd_hui = timezone.localdate()
    clotures = list(clotures_de_boutiques(boutiques=boutiques, depuis=aujourd_hui - timedelta(days=31)))
    liste = list(boutiques)
    taux = [(b, taux_en_vigueur(boutique=b, jour=aujourd_hui)) for b in liste[:20]]
    closes_du_jour = {(c.boutique_id, c.caisse): c for c in clotures if c.jour == aujourd_hui}
    caisses = [
        (b, [(c, closes_du_jour.get((b.pk, c.cle))) for c in caisses_de_boutique(boutique=b, jour=aujourd_hui)])
        for b in liste[:20]
    ]
    return render(
        request,
        "web/caisse/accueil.html",
        {
            "boutiques": boutiques_visibles(request.user),
            "choisie": choisie,
            "clotures": clotures,
            "non_clos": jours_non_clos(boutiques=liste),
            "taux": taux,
            "caisses": caisses,
            "aujourd_hui": aujourd_hui,
        },
    )


# --- Exchange rates -------------------------------------------------------------------------


@login_required
def taux(request: HttpRequest) -> HttpResponse:
    boutiques, choisie = boutiques_filtrees(request)
    gerees = boutiques_avec_role(request.user, Role.GERANT)
    form = TauxForm(request.POST or None, boutiques=gerees, initial={"jour": timezone.localdate()})
    if request.method == "POST":
        if not gerees.exists():
            raise PermissionDenied("Réservé aux gérants.")
        if form.is_valid():
            _jour_borne(form.cleaned_data["jour"], form)
        if form.is_valid():
            d = form.cleaned_data
            try:
                cree = taux_fixer(
                    boutique=d["boutique"], jour=d["jour"], taux=d["taux"], utilisateur=request.user, motif=d["motif"]
                )
            except ErreurMetier as erreur:
                form.add_error(None, erreur.message)
            else:
                messages.success(request, f"Taux du {cree.jour:%d/%m/%Y} enregistré : 1 USD = {cree.taux:.2f} CDF.")
                return redirect(f"{reverse('web:caisse_taux')}?boutique={cree.boutique_id}")
    return render(
        request,
        "web/caisse/taux.html",
        {
            "form": form,
            "peut_fixer": gerees.exists(),
            "historique": taux_de_boutiques(boutiques=boutiques)[:100],
            "boutiques": boutiques_visibles(request.user),
            "choisie": choisie,
        },
        status=422 if request.method == "POST" else 200,
    )


# --- Cash movements -------------------------------------------------------------------------


class MouvementForm(forms.Form):
    caisse = forms.ChoiceField(label="Caisse", error_messages={"invalid_choice": "Caisse inconnue."})
    type_mouvement = forms.ChoiceField(
        label="Type", choices=TypeMouvementCaisse.choices, error_messages={"invalid_choice": "Type inconnu."}
    )
    devise = forms.ChoiceField(
        label="Devise", choices=Devise.choices, error_messages={"invalid_choice": "Devise inconnue."}
    )
    montant = _montant("Montant")
    motif = _motif("Motif (obligatoire pour une sortie)")
    jour = _jour()

    def clean(self) -> dict[str, Any]:
        super().clean()
        d = self.cleaned_data
        _jour_borne(d.get("jour"), self)
        if d.get("devise") == Devise.USD and d.get("montant") and d["montant"] > MONTANT_USD_MAX:
            self.add_error("montant", "Montant : 100 000 000 USD au plus.")
        if d.get("type_mouvement") == TypeMouvementCaisse.SORTIE and not (d.get("motif") or "").strip():
            self.add_error("motif", "Indiquez le motif de la sortie de caisse.")
        return d


@login_required
def mouvements(request: HttpRequest) -> HttpResponse:
    """The day's cash movements of the user's shops, and the form to record one."""
    boutiques, choisie = boutiques_filtrees(request)
    caissables = boutiques_avec_role(request.user, Role.CAISSIER)
    boutique = choisie if choisie is not None and caissables.filter(pk=choisie.pk).exists() else caissables.first()
    form = None
    cle = _cle_formulaire(request)
    if boutique is not None:
        form = MouvementForm(
            request.POST or None, initial={"jour": timezone.localdate(), "caisse": f"U{request.user.pk}"}
        )
        form.fields["caisse"].choices = _choix_caisses(boutique, request.user)  # type: ignore[attr-defined]
        if request.method == "POST" and form.is_valid():
            d = form.cleaned_data
            caisse = _caisse_lire(boutique, d["caisse"])
            if caisse is None and d["caisse"] == f"U{request.user.pk}":
                caisse = Caisse(boutique=boutique, caissier=request.user)
            if caisse is None:
                form.add_error("caisse", "Caisse inconnue.")
            else:
                try:
                    mvt = mouvement_caisse_enregistrer(
                        caisse=caisse,
                        jour=d["jour"],
                        type_mouvement=d["type_mouvement"],
                        devise=d["devise"],
                        montant=d["montant"],
                        motif=d["motif"],
                        cle=cle,
                        utilisateur=request.user,
                    )
                except ErreurMetier as erreur:
                    form.add_error(None, erreur.message)
                else:
                    messages.success(request, f"{mvt.get_type_mouvement_display()} enregistré(e).")
                    return redirect(f"{reverse('web:caisse_mouvements')}?boutique={boutique.pk}")
    elif request.method == "POST":
        raise PermissionDenied("Aucune boutique où tenir une caisse.")
    return render(
        request,
        "web/caisse/mouvements.html",
        {
            "form": form,
            "cle": cle,
            "boutique": boutique,
            "liste": mouvements_de_boutiques(boutiques=boutiques)[:100],
            "boutiques": boutiques_visibles(request.user),
            "choisie": choisie,
        },
        status=422 if request.method == "POST" else 200,
    )


# --- Closing --------------------------------------------------------------------------------


def _comptes_du_formulaire(request: HttpRequest, lignes: list[tuple[tuple[str, str], Decimal]]) -> tuple[dict, dict]:
    """The counted amount of each expected line (`compte-<canal>-<devise>`), with French errors."""
    comptes: dict[tuple[str, str], Decimal] = {}
    erreurs: dict[str, str] = {}
    for (canal, devise), _ in lignes:
        nom = f"compte-{canal}-{devise}"
        champ = _montant(f"Compté {Canal(canal).label} {devise}", devise=devise, zero=True)
        try:
            comptes[(canal, devise)] = champ.clean(request.POST.get(nom, ""))
        except forms.ValidationError as exc:
            erreurs[nom] = " ".join(exc.messages)
    return comptes, erreurs


class ClotureForm(forms.Form):
    sequence_declaree = forms.IntegerField(
        label="Dernier numéro de vente affiché par le terminal (facultatif)",
        required=False,
        min_value=1,
        max_value=SEQUENCE_MAX,
        error_messages={
            "invalid": "Dernier numéro : entier attendu.",
            "min_value": "Dernier numéro : 1 au minimum.",
            "max_value": "Dernier numéro : trop grand.",
        },
    )
    motif = _motif("Motif de la correction")


@login_required
def cloture_nouvelle(request: HttpRequest) -> HttpResponse:
    """Close a till for a day (`?boutique=&caisse=&jour=`), or correct its closing (`&remplace=`)."""
    source = request.POST if request.method == "POST" else request.GET
    boutique = _boutique_de(request, source.get("boutique"), Role.GERANT)
    caisse = _caisse_lire(boutique, source.get("caisse"))
    if caisse is None:
        raise Http404("Caisse introuvable")
    try:
        jour = _jour().clean(source.get("jour") or timezone.localdate().isoformat())
    except forms.ValidationError:
        raise Http404("Jour illisible") from None
    if not JOUR_MIN <= jour <= timezone.localdate():
        raise Http404("Jour hors limites")
    remplace = None
    if source.get("remplace"):
        remplace = get_object_or_404(
            Cloture, pk=identifiant(source.get("remplace")) or 0, boutique=boutique, caisse=caisse.cle, jour=jour
        )
    courante = cloture_courante(caisse=caisse, jour=jour)
    attendu = attendu_caisse(caisse=caisse, jour=jour)
    lignes = attendu.lignes()
    form = ClotureForm(request.POST or None)
    erreurs: dict[str, str] = {}
    cle = _cle_formulaire(request)
    if request.method == "POST":
        comptes, erreurs = _comptes_du_formulaire(request, lignes)
        if form.is_valid() and not erreurs:
            try:
                cloture = cloture_enregistrer(
                    caisse=caisse,
                    jour=jour,
                    comptes=comptes,
                    cle=cle,
                    utilisateur=request.user,
                    remplace=remplace,
                    sequence_declaree=form.cleaned_data["sequence_declaree"],
                    motif=form.cleaned_data["motif"],
                )
            except ErreurMetier as erreur:
                form.add_error(None, erreur.message)
            else:
                messages.success(request, f"Clôture enregistrée : {caisse.libelle}, {jour:%d/%m/%Y}.")
                return redirect("web:caisse_cloture", pk=cloture.pk)
    return render(
        request,
        "web/caisse/cloture_form.html",
        {
            "boutique": boutique,
            "caisse": caisse,
            "jour": jour,
            "attendu": attendu,
            "lignes": [
                {
                    "canal": Canal(c).label,
                    "devise": d,
                    "nom": f"compte-{c}-{d}",
                    "attendu": m,
                    "valeur": request.POST.get(f"compte-{c}-{d}", ""),
                    "erreur": erreurs.get(f"compte-{c}-{d}", ""),
                }
                for (c, d), m in lignes
            ],
            "completude": completude(caisse=caisse, jour=jour),
            "form": form,
            "cle": cle,
            "courante": courante,
            "remplace": remplace,
        },
        status=422 if request.method == "POST" else 200,
    )


def _cloture_visible(request: HttpRequest, pk: int) -> Cloture:
    return get_object_or_404(
        Cloture.objects.select_related("boutique", "terminal", "caissier", "auteur", "remplace"),
        pk=pk,
        boutique__in=boutiques_visibles(request.user),
    )


@login_required
def cloture_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A closing as frozen, and its revision: what arrived after the count, expected now."""
    cloture = _cloture_visible(request, pk)
    remplacee_par = Cloture.objects.filter(remplace=cloture).first()
    return render(
        request,
        "web/caisse/cloture.html",
        {
            "cloture": cloture,
            "caisse": caisse_de_cloture(cloture),
            "lignes": list(cloture.lignes.all()),
            "revision": revision(cloture=cloture),
            "remplacee_par": remplacee_par,
            "prises": cloture.prises_en_compte.select_related("vue_par"),
            "peut_gerer": a_le_role(request.user, cloture.boutique, Role.GERANT),
        },
    )


@login_required
def cloture_imprimer(request: HttpRequest, pk: int) -> HttpResponse:
    """The closing report to print: A4 by default, an 80 mm receipt with `?format=80mm`."""
    cloture = _cloture_visible(request, pk)
    return render(
        request,
        "web/caisse/cloture_impression.html",
        {
            "cloture": cloture,
            "caisse": caisse_de_cloture(cloture),
            "lignes": list(cloture.lignes.all()),
            "ticket": request.GET.get("format") == "80mm",
            "imprime_le": timezone.now(),
        },
    )


@login_required
@require_POST
def cloture_prise_en_compte(request: HttpRequest, pk: int) -> HttpResponse:
    cloture = _cloture_visible(request, pk)
    try:
        vue = revision_prendre_en_compte(cloture=cloture, utilisateur=request.user)
    except ErreurMetier as erreur:
        messages.error(request, erreur.message)
    else:
        messages.success(request, "Révision prise en compte." if vue else "Rien de nouveau à prendre en compte.")
    return redirect("web:caisse_cloture", pk=cloture.pk)


# --- Receivables ----------------------------------------------------------------------------


@login_required
@lecture_replique
def creances(request: HttpRequest) -> HttpResponse:
    """Customers' balances per shop, largest first, with the age of the oldest unpaid sale."""
    boutiques, choisie = boutiques_filtrees(request)
    recherche = (request.GET.get("q") or "").strip()[:100].replace("\x00", "")
    par_boutique = []
    for b in list(boutiques)[:20]:
        soldes = soldes_clients(boutique=b, recherche=recherche)
        par_boutique.append((b, soldes, sum((s.solde for s in soldes), Decimal(0))))
    return render(
        request,
        "web/caisse/creances.html",
        {
            "par_boutique": par_boutique,
            "boutiques": boutiques_visibles(request.user),
            "choisie": choisie,
            "q": recherche,
        },
    )


class RemboursementForm(forms.Form):
    caisse = forms.ChoiceField(label="Caisse qui reçoit", error_messages={"invalid_choice": "Caisse inconnue."})
    canal = forms.ChoiceField(label="Canal", choices=Canal.choices, error_messages={"invalid_choice": "Canal inconnu."})
    devise = forms.ChoiceField(
        label="Devise", choices=Devise.choices, error_messages={"invalid_choice": "Devise inconnue."}
    )
    montant = _montant("Montant reçu")
    vente = forms.ChoiceField(
        label="Régler d'abord la facture", required=False, error_messages={"invalid_choice": "Facture inconnue."}
    )

    def clean(self) -> dict[str, Any]:
        super().clean()
        d = self.cleaned_data
        if d.get("devise") == Devise.USD and d.get("montant") and d["montant"] > MONTANT_USD_MAX:
            self.add_error("montant", "Montant : 100 000 000 USD au plus.")
        return d


@login_required
def client_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A customer's unpaid sales, payments, and the form to record a repayment."""
    client = get_object_or_404(clients_de_boutiques(boutiques=boutiques_visibles(request.user)), pk=pk)
    boutique = client.boutique
    peut_encaisser = a_le_role(request.user, boutique, Role.CAISSIER)
    cle = _cle_formulaire(request)
    form = RemboursementForm(request.POST or None, initial={"caisse": f"U{request.user.pk}"})
    form.fields["caisse"].choices = _choix_caisses(boutique, request.user)  # type: ignore[attr-defined]
    ouvertes = creances_ouvertes(client=client)
    # Only this customer's unpaid sales can be named: any other id is an invalid choice.
    form.fields["vente"].choices = [("", "les plus anciennes d'abord")] + [  # type: ignore[attr-defined]
        (str(c.vente_id), f"{c.vente.numero_facture} ({c.jour:%d/%m/%Y})") for c in ouvertes
    ]
    if request.method == "POST":
        if not peut_encaisser:
            raise PermissionDenied("Réservé aux caissiers de la boutique.")
        if form.is_valid():
            d = form.cleaned_data
            caisse = _caisse_lire(boutique, d["caisse"])
            if caisse is None and d["caisse"] == f"U{request.user.pk}":
                caisse = Caisse(boutique=boutique, caissier=request.user)
            if caisse is None:
                form.add_error("caisse", "Caisse inconnue.")
            else:
                try:
                    paiement = credit_rembourser(
                        client=client,
                        caisse=caisse,
                        canal=d["canal"],
                        devise=d["devise"],
                        montant=d["montant"],
                        cle=cle,
                        utilisateur=request.user,
                        vente=next((c.vente for c in ouvertes if str(c.vente_id) == d["vente"]), None),
                    )
                except ErreurMetier as erreur:
                    form.add_error(None, erreur.message)
                else:
                    messages.success(request, f"Paiement enregistré : {paiement}.")
                    return redirect("web:caisse_client", pk=client.pk)
    return render(
        request,
        "web/caisse/client.html",
        {
            "client": client,
            "ouvertes": ouvertes,
            "solde": sum((c.solde for c in ouvertes), Decimal(0)),  # type: ignore[attr-defined]
            "avoirs": (avoirs := creances_en_avoir(client=client)),
            "avoir": sum((c.avoir for c in avoirs), Decimal(0)),  # type: ignore[attr-defined]
            "paiements": paiements_de_client(client=client)[:50],
            "form": form,
            "cle": cle,
            "peut_encaisser": peut_encaisser,
            "taux": taux_en_vigueur(boutique=boutique, jour=timezone.localdate()),
        },
        status=422 if request.method == "POST" else 200,
    )


# --- A sale settled partly in USD -----------------------------------------------------------


class EncaissementForm(forms.Form):
    usd = _montant("Reçu en USD", devise=Devise.USD)
    cdf = _montant("Reçu en CDF", zero=True, requis=False)


@login_required
def vente_encaissement(request: HttpRequest, pk: int) -> HttpResponse:
    """Record that a paid sale was settled partly in USD (change given in CDF)."""
    vente = get_object_or_404(
        Vente.objects.select_related("boutique", "terminal", "cree_par"),
        pk=pk,
        boutique__in=boutiques_visibles(request.user),
    )
    cle = _cle_formulaire(request)
    form = EncaissementForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            vente_encaisser(
                vente=vente,
                usd=form.cleaned_data["usd"],
                cdf=form.cleaned_data["cdf"] or Decimal(0),
                cle=cle,
                utilisateur=request.user,
            )
        except ErreurMetier as erreur:
            form.add_error(None, erreur.message)
        else:
            messages.success(request, f"Paiement de la facture {vente.numero_facture} enregistré.")
            return redirect("web:facture", pk=vente.pk)
    jour = timezone.localdate(vente.date_vente)
    return render(
        request,
        "web/caisse/encaissement.html",
        {
            "vente": vente,
            "form": form,
            "cle": cle,
            "caisse": caisse_de_vente(vente),
            "paiements": paiements_de_vente(vente=vente),
            "taux": taux_en_vigueur(boutique=vente.boutique, jour=jour),
        },
        status=422 if request.method == "POST" else 200,
    )


# --- The web invoice's settlement (used by magasin/web/views/facturation.py) ------------------


def reglement_lire(
    donnees: Any, *, boutique: Boutique, lignes: list[dict[str, Any]], paye: bool, mode: str
) -> tuple[Decimal, Decimal] | None:
    """The invoice form's "paid partly in USD" fields, checked before the sale is recorded
    (rate of the day, amounts covering the total): (usd, cdf), or None when no USD was given."""
    if not (donnees.get("montant_usd") or "").strip():
        return None
    form = EncaissementForm({"usd": donnees.get("montant_usd"), "cdf": donnees.get("montant_cdf_recu")})
    if not form.is_valid():
        raise ErreurMetier(
            CodeErreur.PAIEMENT_INVALIDE, " ".join(str(m) for erreurs in form.errors.values() for m in erreurs)
        )
    if not paye or mode == "CREDIT":
        raise ErreurMetier(CodeErreur.PAIEMENT_INVALIDE, "Une facture à crédit ne se règle pas en USD à la caisse.")
    total = sum((Decimal(str(lg["prix_unitaire"])) * lg["quantite"] for lg in lignes), Decimal(0))
    usd, cdf = form.cleaned_data["usd"], form.cleaned_data["cdf"] or Decimal(0)
    reglement_calculer(vente_total=total, boutique=boutique, jour=timezone.localdate(), usd=usd, cdf=cdf)
    return usd, cdf


def reglement_enregistrer(request: HttpRequest, *, vente: Vente, reglement: tuple[Decimal, Decimal], cle: str) -> None:
    """Record the invoice's USD settlement once the sale exists (same key on a resubmission)."""
    try:
        vente_encaisser(vente=vente, usd=reglement[0], cdf=reglement[1], cle=f"{cle}-usd", utilisateur=request.user)
    except ErreurMetier as erreur:
        messages.error(request, f"Paiement en USD non enregistré : {erreur.message}")
