"""Sweep of every web URL that takes an object id: a user of shop A gets 404 on shop B's objects.

The per-page isolation tests belong to the web's own suite; this one only guarantees that no
URL pattern with an id is forgotten (a new pattern without an entry in OBJETS fails here).
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import URLPattern, reverse
from django.utils import timezone

from magasin.boutiques.models import Role
from magasin.boutiques.tests.factories import BoutiqueFactory, MembreFactory, creer_terminal
from magasin.stock.models import Article, Inventaire, LigneInventaire, MouvementStock
from magasin.stock.tests.factories import creer_article
from magasin.ventes.entrees import lire_vente
from magasin.ventes.models import StatutQuarantaine, StatutVente, Vente, VenteQuarantaine
from magasin.ventes.services import ventes_synchroniser
from magasin.web import urls as web_urls

pytestmark = pytest.mark.django_db

# URL name prefix -> which of shop B's objects its <pk> names.
OBJETS = {
    "vente": "vente",
    "facture": "vente",
    "article": "article",
    "quarantaine": "quarantaine",
    "terminal": "terminal",
    "personne": "personne",
    "inventaire": "inventaire",
    "reception": "reception",
    "transfert": "transfert",
    "caisse_cloture": "cloture",
    "caisse_client": "client",
    "caisse_encaisser": "vente",
}
# Every <action> of every URL that takes one (terminals, count sessions), and some it does not.
ACTIONS = ["rotation", "revoquer", "desactiver", "activer", "jeton", "supprimer", "confirmer", "abandonner"]


def _motifs_avec_id() -> list[URLPattern]:
    return [p for p in web_urls.urlpatterns if isinstance(p, URLPattern) and "pk" in p.pattern.converters]


def _etat_b(b) -> tuple:  # type: ignore[no-untyped-def]
    return (
        list(Vente.objects.filter(boutique=b).values_list("pk", "statut")),
        list(VenteQuarantaine.objects.filter(boutique=b).values_list("pk", "statut")),
        list(Article.objects.filter(boutique=b).values_list("pk", "nom", "prix_vente", "quantite_stock", "est_actif")),
        MouvementStock.objects.filter(boutique=b).count(),
        list(b.terminaux.values_list("pk", "est_actif", "jeton_hash")) if hasattr(b, "terminaux") else None,
        list(Inventaire.objects.filter(boutique=b).values_list("pk", "statut")),
        LigneInventaire.objects.filter(boutique=b).count(),
    )


def _reception_de(b, article):  # type: ignore[no-untyped-def]
    from decimal import Decimal

    from magasin.stock.receptions import LigneRecue, reception_enregistrer

    ligne = LigneRecue(article_id=article.pk, quantite=1, cout_unitaire=Decimal(1))
    return reception_enregistrer(boutique=b, fournisseur="F", lignes=[ligne], acteur=None)


def _transfert_de(b, article):  # type: ignore[no-untyped-def]
    """A transfer from B to a third shop (the intruder of A is a member of neither)."""
    from magasin.stock.transferts import LigneAEnvoyer, transfert_envoyer

    c = BoutiqueFactory()
    creer_article(c, stock=0, code=article.code)
    return transfert_envoyer(
        source=b, destination=c, lignes=[LigneAEnvoyer(article_id=article.pk, quantite=1)], acteur=None
    )


def _caisse_de(b, terminal):  # type: ignore[no-untyped-def]
    """A closing of B's terminal and a customer of B (magasin.caisse)."""
    from magasin.caisse.models import Client as ClientCaisse
    from magasin.caisse.selectors import Caisse
    from magasin.caisse.services import cloture_enregistrer

    caisse = Caisse(boutique=b, terminal=terminal)
    return {
        "cloture": cloture_enregistrer(caisse=caisse, jour=timezone.localdate(), comptes={}, cle="b", utilisateur=None),
        "client": ClientCaisse.objects.create(boutique=b, cle="tel:812345678", nom="Client B", cree_le=timezone.now()),
    }


def test_chaque_page_a_identifiant_de_b_repond_404_a_un_utilisateur_de_a():
    a, b = BoutiqueFactory(), BoutiqueFactory()
    article_b = creer_article(b, stock=5)
    terminal_b, _ = creer_terminal(b)
    ventes_synchroniser(
        terminal=terminal_b,
        ventes=[
            lire_vente(
                {
                    "numero_facture": n,
                    "lignes": [{"article_id": article_b.pk, "quantite": q, "prix_unitaire": 1}],
                }
            )
            for n, q in (("B-1", 1), ("B-2", 99))
        ],
    )
    objets = {
        "vente": Vente.objects.get(boutique=b),
        "article": article_b,
        "quarantaine": VenteQuarantaine.objects.get(boutique=b),
        "terminal": terminal_b,
        "personne": MembreFactory(boutique=b, role=Role.CAISSIER).utilisateur,
        "inventaire": Inventaire.objects.create(boutique=b, ouvert_le=timezone.now()),
        "reception": _reception_de(b, article_b),
        "transfert": _transfert_de(b, article_b),
        **_caisse_de(b, terminal_b),
    }
    motifs = _motifs_avec_id()
    assert motifs, "the web has no URL with an id any more?"
    avant = _etat_b(b)
    for role in (Role.PROPRIETAIRE, Role.GERANT, Role.CAISSIER):
        client = Client()
        client.force_login(MembreFactory(boutique=a, role=role).utilisateur)
        for motif in motifs:
            cle = next((k for k in OBJETS if motif.name.startswith(k)), None)
            assert cle is not None, f"URL {motif.name!r} takes an id: add it to OBJETS"
            pk = objets[OBJETS[cle]].pk
            noms = ["pk", *(["action"] if "action" in motif.pattern.converters else [])]
            for action in ACTIONS if "action" in noms else [None]:
                kwargs = {"pk": pk, **({"action": action} if action else {})}
                url = reverse(f"web:{motif.name}", kwargs=kwargs)
                for methode in ("get", "post"):
                    r = getattr(client, methode)(url, {"motif": "intrus", "quantite": 1, "renumeroter": "1"})
                    # A POST-only view answers 405 to GET whatever the id: that tells nothing.
                    permis = (404, 405) if methode == "get" else (404,)
                    assert r.status_code in permis, (role, methode, url, r.status_code)
    assert _etat_b(b) == avant
    assert Vente.objects.get(boutique=b).statut == StatutVente.VALIDEE
    assert VenteQuarantaine.objects.get(boutique=b).statut == StatutQuarantaine.EN_ATTENTE


def test_listes_et_exports_filtres_sur_b_404_et_sans_filtre_rien_de_b():
    a, b = BoutiqueFactory(), BoutiqueFactory(nom="Boutique SECRET-B")
    creer_article(b, stock=5, nom="Article SECRET-B")
    client = Client()
    client.force_login(MembreFactory(boutique=a, role=Role.PROPRIETAIRE).utilisateur)
    listes = [p.name for p in web_urls.urlpatterns if isinstance(p, URLPattern) and not p.pattern.converters]
    for nom in listes:
        if nom in ("connexion", "deconnexion"):
            continue
        url = reverse(f"web:{nom}")
        for params in ({"boutique": b.pk}, {"boutique": b.pk, "format": "csv"}):
            # A page filtering on B answers 404; a page that ignores the filter shows A only.
            r = client.get(url, params)
            contenu = b"".join(r.streaming_content) if r.streaming else r.content
            assert r.status_code in (404, 405) or b"SECRET-B" not in contenu, (nom, params)
        for params in ({}, {"format": "csv"}, {"format": "xlsx"}):
            r = client.get(url, params)
            contenu = b"".join(r.streaming_content) if r.streaming else r.content
            assert b"SECRET-B" not in contenu, (nom, params)


def test_entetes_de_securite_et_csrf_sur_le_web():
    a = BoutiqueFactory()
    client = Client(enforce_csrf_checks=True)
    r = client.get(reverse("web:connexion"))
    assert r["X-Content-Type-Options"] == "nosniff"
    assert r["Referrer-Policy"] == "same-origin"
    assert r["X-Frame-Options"] == "DENY"
    assert b"csrfmiddlewaretoken" in r.content
    # Every form of the back-office refuses a POST without the CSRF token.
    client.force_login(MembreFactory(boutique=a, role=Role.PROPRIETAIRE).utilisateur)
    for p in web_urls.urlpatterns:
        if not isinstance(p, URLPattern) or p.pattern.converters:
            continue
        r = client.post(reverse(f"web:{p.name}"), {"x": "1"})
        assert r.status_code == 403, (p.name, r.status_code)
