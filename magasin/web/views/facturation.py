"""Facturation: a web invoice through the same sale service as the terminals' sync."""

from __future__ import annotations

import uuid
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from pydantic import ValidationError

from magasin.boutiques.acces import boutiques_avec_role, boutiques_visibles
from magasin.boutiques.models import Boutique, Role
from magasin.core.erreurs import ErreurMetier
from magasin.stock.models import Article
from magasin.stock.selectors import articles_a_vendre, articles_de_boutiques
from magasin.ventes.entrees import VenteEntree
from magasin.ventes.models import ModePaiement
from magasin.ventes.services import vente_creer
from magasin.web.forms import RechercheArticleForm, identifiant
from magasin.web.views.caisse import reglement_enregistrer, reglement_lire


def _contexte(request: HttpRequest, **extra: Any) -> dict[str, Any]:
    return {
        "boutiques": boutiques_avec_role(request.user, Role.CAISSIER),
        "modes": ModePaiement.choices,
        **extra,
    }


@login_required
def facturation(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        valeurs: dict[str, Any] = {"paye": True}
        seules = list(boutiques_avec_role(request.user, Role.CAISSIER)[:2])
        if len(seules) == 1:
            valeurs["boutique"] = seules[0].pk  # the user's only shop, preselected
        return render(
            request,
            "web/facturation.html",
            _contexte(request, uuid=uuid.uuid4().hex, lignes=[], valeurs=valeurs),
        )
    p = request.POST
    boutique = _boutique(request, p.get("boutique", ""))
    ids, quantites = p.getlist("article_id"), p.getlist("quantite")
    prix = p.getlist("prix_unitaire")
    lignes: list[dict[str, Any]] = []
    brutes: list[dict[str, Any]] = []
    lus = [identifiant(i) for i in ids]
    connus = {a.pk: a for a in articles_de_boutiques(boutiques=[boutique]).filter(pk__in=[i for i in lus if i])}
    for article_id, lu, quantite, prix_unitaire in zip(ids, lus, quantites, prix, strict=False):
        ligne: dict[str, Any] = {
            "article": connus.get(lu) if lu is not None else None,
            "article_id": article_id,
            "quantite": quantite,
            "prix_unitaire": prix_unitaire,
            "erreur": "",
        }
        lignes.append(ligne)
        try:
            brutes.append(
                {
                    "article_id": lu or 0,
                    "quantite": int(quantite),
                    "prix_unitaire": str(Decimal(prix_unitaire.replace(",", ".").replace(" ", ""))),
                }
            )
        except (ValueError, InvalidOperation):
            ligne["erreur"] = "Quantité (entier) et prix (nombre) attendus."
            brutes.append({"article_id": 0, "quantite": 0, "prix_unitaire": "0"})
        if ligne["article"] is None and not ligne["erreur"]:
            ligne["erreur"] = "Article introuvable dans cette boutique."
    valeurs = {
        "boutique": boutique.pk,
        "mode_paiement": p.get("mode_paiement", "") or "CASH",
        "paye": p.get("paye") == "on",
        "client_nom": p.get("client_nom", ""),
        "client_telephone": p.get("client_telephone", ""),
        # Paid partly in USD (magasin.caisse): shown again, read by reglement_lire.
        "montant_usd": p.get("montant_usd", "")[:20],
        "montant_cdf_recu": p.get("montant_cdf_recu", "")[:20],
    }
    erreur_generale = ""
    if not lignes:
        erreur_generale = "Ajoutez au moins un article."
    if not erreur_generale and not any(ligne["erreur"] for ligne in lignes):
        try:
            reglement = reglement_lire(
                p, boutique=boutique, lignes=brutes, paye=valeurs["paye"], mode=valeurs["mode_paiement"]
            )
            donnees = {k: v for k, v in valeurs.items() if k not in ("boutique", "montant_usd", "montant_cdf_recu")}
            donnees["lignes"] = brutes
            if p.get("uuid", "").strip():
                # Made when the form was shown: a resubmission is recognised as a resend.
                donnees["uuid"] = p["uuid"].strip()
            entree = VenteEntree.model_validate(donnees)
            resultat = vente_creer(boutique=boutique, utilisateur=request.user, entree=entree)
        except ValidationError as exc:
            for e in exc.errors():
                loc = e["loc"]
                if len(loc) >= 2 and loc[0] == "lignes" and isinstance(loc[1], int):
                    lignes[loc[1]]["erreur"] = _message_validation(str(loc[-1]))
                else:
                    erreur_generale = _CHAMPS_VENTE.get(str(loc[0]), "Facture invalide.")
        except ErreurMetier as erreur:
            article_fautif = erreur.details.get("article_id")
            fautives = [ligne for ligne in lignes if ligne["article_id"] == str(article_fautif)]
            for ligne in fautives:
                ligne["erreur"] = erreur.message
            if not fautives:
                erreur_generale = erreur.message
        else:
            vente = resultat.vente
            assert vente is not None
            if reglement is not None:
                cle = p.get("uuid", "").strip() or vente.numero_facture
                reglement_enregistrer(request, vente=vente, reglement=reglement, cle=cle)
            if resultat.statut == "already_exists":
                messages.info(request, f"Facture {vente.numero_facture} déjà enregistrée.")
            else:
                messages.success(request, f"Facture {vente.numero_facture} enregistrée.")
            return redirect("web:facture", pk=vente.pk)
    return render(
        request,
        "web/facturation.html",
        _contexte(
            request,
            uuid=p.get("uuid", ""),
            lignes=lignes,
            valeurs=valeurs,
            erreur_generale=erreur_generale or "Corrigez les lignes signalées.",
        ),
        status=422,
    )


# The user's words for the sale's fields: never a raw field name (`mode_paiement`) on a page.
_CHAMPS_VENTE = {
    "mode_paiement": "Mode de paiement invalide.",
    "client_nom": "Nom du client : 150 caractères au plus.",
    "client_telephone": "Téléphone du client : 40 caractères au plus.",
    "uuid": "Formulaire expiré : rechargez la page.",
    "lignes": "Trop de lignes ou aucune ligne valide.",
    "paye": "Case « payée » invalide.",
}


def _message_validation(champ: str) -> str:
    return {
        "quantite": "Quantité : entier entre 1 et 1 000 000.",
        "prix_unitaire": "Prix unitaire : montant positif attendu.",
        "article_id": "Article invalide.",
    }.get(champ, "Ligne invalide.")


def _francs(prix: Decimal) -> str:
    """A price as the input shows it: CDF in whole francs (`1250000`), cents only if any."""
    return f"{prix:.0f}" if prix == prix.to_integral_value() else f"{prix:.2f}"


def _boutique(request: HttpRequest, brut: str) -> Boutique:
    try:
        return boutiques_avec_role(request.user, Role.CAISSIER).get(pk=identifiant(brut) or 0)
    except (ValueError, Boutique.DoesNotExist):
        raise Http404("Boutique introuvable") from None


@login_required
def facturation_articles(request: HttpRequest) -> HttpResponse:
    """htmx: articles of the chosen shop matching a name, code or barcode."""
    boutique = _boutique(request, request.GET.get("boutique", ""))
    form = RechercheArticleForm(request.GET)
    if not form.is_valid():
        return render(
            request, "web/partiels/facturation_resultats.html", {"articles": [], "erreurs": form.errors}, status=400
        )
    return render(
        request,
        "web/partiels/facturation_resultats.html",
        {"articles": articles_a_vendre(boutique=boutique, recherche=form.cleaned_data["q"])},
    )


@login_required
def facturation_ligne(request: HttpRequest) -> HttpResponse:
    """htmx: one invoice line for an article, its price as default."""
    article = get_object_or_404(
        Article,
        pk=identifiant(request.GET.get("article")) or 0,
        boutique__in=boutiques_visibles(request.user),
    )
    ligne = {
        "article": article,
        "article_id": article.pk,
        "quantite": 1,
        "prix_unitaire": _francs(article.prix_vente),
        "erreur": "",
    }
    return render(request, "web/partiels/facturation_ligne.html", {"ligne": ligne})
