"""Every stock write service checks who acts itself, names them in the ledger, and owns the
article-code rule: no caller (view, admin, import, command) has to remember either."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import transaction
from django.urls import reverse

from magasin.boutiques.models import Role
from magasin.boutiques.tests.factories import BoutiqueFactory, MembreFactory
from magasin.core.erreurs import CodeErreur, ErreurMetier
from magasin.stock.models import Article, Categorie, MouvementStock
from magasin.stock.services import (
    article_creer,
    article_modifier,
    categorie_obtenir,
    stock_ajuster,
    stock_corriger_derive,
    stock_entree,
    stock_sortie,
)
from magasin.stock.tests.factories import creer_article
from magasin.ventes.tests.fils import en_parallele

pytestmark = pytest.mark.django_db

ECRITURES = {
    "stock_entree": lambda a, acteur: stock_entree(article=a, quantite=1, acteur=acteur),
    "stock_sortie": lambda a, acteur: stock_sortie(article=a, quantite=1, acteur=acteur, motif="casse"),
    "stock_ajuster": lambda a, acteur: stock_ajuster(article=a, quantite_comptee=3, acteur=acteur, motif="compté"),
    "stock_corriger_derive": lambda a, acteur: stock_corriger_derive(article=a, acteur=acteur, motif="dérive"),
    "article_modifier": lambda a, acteur: article_modifier(article=a, acteur=acteur, nom="Renommé"),
    "categorie_obtenir": lambda a, acteur: categorie_obtenir(boutique=a.boutique, nom="Nouvelle", acteur=acteur),
    "article_creer": lambda a, acteur: article_creer(
        boutique=a.boutique, code="NEUF", nom="Neuf", prix_vente=Decimal("100"), stock_initial=4, acteur=acteur
    ),
}


def _etat() -> tuple[int, int, int, list[tuple[int, str, int]]]:
    articles = list(Article.objects.order_by("pk").values_list("pk", "nom", "quantite_stock"))
    return MouvementStock.objects.count(), Article.objects.count(), Categorie.objects.count(), articles


@pytest.mark.parametrize("service", sorted(ECRITURES))
def test_un_caissier_ou_le_gerant_d_une_autre_boutique_est_refuse_sans_rien_ecrire(service):
    article = creer_article(BoutiqueFactory(), stock=10)
    caissier = MembreFactory(boutique=article.boutique, role=Role.CAISSIER).utilisateur
    gerant_ailleurs = MembreFactory(role=Role.GERANT).utilisateur
    avant = _etat()
    for acteur in (caissier, gerant_ailleurs):
        with pytest.raises(ErreurMetier) as refus:
            ECRITURES[service](article, acteur)
        assert refus.value.code == CodeErreur.ACCES_REFUSE
    assert _etat() == avant


@pytest.mark.parametrize("service", ["stock_entree", "stock_sortie", "stock_ajuster", "article_creer"])
def test_le_gerant_passe_et_le_registre_porte_son_nom(service):
    article = creer_article(BoutiqueFactory(), stock=10)
    gerant = MembreFactory(boutique=article.boutique, role=Role.GERANT, utilisateur__username="mama-gerante")
    dernier = MouvementStock.objects.order_by("pk").last()
    ECRITURES[service](article, gerant.utilisateur)
    (mouvement,) = MouvementStock.objects.filter(pk__gt=dernier.pk)
    assert mouvement.utilisateur == "mama-gerante"


def test_un_appelant_de_confiance_signe_systeme():
    article = creer_article(BoutiqueFactory(), stock=10)
    assert stock_entree(article=article, quantite=1, acteur=None).utilisateur == "système"


def test_code_deja_pris_refuse_par_le_service_et_la_transaction_reste_utilisable():
    boutique = BoutiqueFactory()
    creer_article(boutique, code="RIZ-25")
    with transaction.atomic():
        with pytest.raises(ErreurMetier) as refus:
            article_creer(boutique=boutique, code=" RIZ-25 ", nom="Doublon", prix_vente=Decimal("1"), acteur=None)
        assert refus.value.code == CodeErreur.CODE_ARTICLE_PRIS and "RIZ-25" in refus.value.message
        assert refus.value.statut_http == 409
        # The caller's transaction goes on (the refusal rolled back to a savepoint only).
        assert Article.objects.filter(boutique=boutique).count() == 1
    # The same code in another shop is another article.
    autre = article_creer(boutique=BoutiqueFactory(), code="RIZ-25", nom="Riz", prix_vente=Decimal("1"), acteur=None)
    assert autre.code == "RIZ-25"


def test_formulaire_web_montre_l_erreur_du_service_sur_le_champ_code(client):
    boutique = BoutiqueFactory()
    creer_article(boutique, code="HUI1")
    gerant = MembreFactory(boutique=boutique, role=Role.GERANT).utilisateur
    client.force_login(gerant)
    donnees = {"boutique": boutique.pk, "code": "HUI1", "nom": "Doublon", "prix_vente": "1", "stock_initial": 0}
    r = client.post("/articles/nouveau/", {**donnees, "seuil_alerte": 1})
    assert r.status_code == 200
    assert r.context["form"].errors["code"] == ["Ce code existe déjà dans cette boutique : « HUI1 »."]
    assert Article.objects.filter(boutique=boutique).count() == 1


@pytest.mark.concurrence
@pytest.mark.django_db(transaction=True)
def test_deux_gerants_creent_le_meme_code_en_meme_temps_un_article_un_refus():
    boutique = BoutiqueFactory()

    def creer(n: int):  # type: ignore[no-untyped-def]
        def tache() -> None:
            article_creer(boutique=boutique, code="JUS", nom=f"Jus {n}", prix_vente=Decimal("1"), acteur=None)

        return tache

    erreurs = en_parallele([creer(n) for n in range(6)])
    assert Article.objects.filter(boutique=boutique, code="JUS").count() == 1
    assert len(erreurs) == 5 and all(isinstance(e, ErreurMetier) for e in erreurs), erreurs
    assert {e.code for e in erreurs if isinstance(e, ErreurMetier)} == {CodeErreur.CODE_ARTICLE_PRIS}


def test_l_admin_ne_change_pas_un_article_de_boutique(admin_client):
    article = creer_article(BoutiqueFactory(), code="RIZ", stock=5)
    autre = BoutiqueFactory()
    reponse = admin_client.post(
        reverse("admin:stock_article_change", args=[article.pk]),
        {"boutique": autre.pk, "code": "RIZ", "nom": "Riz renommé", "prix_vente": "100", "seuil_alerte": 3},
    )
    assert reponse.status_code == 302
    article.refresh_from_db()
    assert article.boutique_id != autre.pk and article.nom == "Riz renommé"
