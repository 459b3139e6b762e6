"""`verifier_stock` finds drifts and chain breaks; `--corriger` only ever appends AJUSTEMENTs."""

from __future__ import annotations

import pytest
from django.db.models import F

from magasin.boutiques.tests.factories import BoutiqueFactory
from magasin.core.diagnostics import diagnostic_stock
from magasin.core.tests.outils import commande, commande_json
from magasin.stock.models import Article, MouvementStock, TypeMouvement
from magasin.stock.services import (
    REFERENCE_CORRECTION_DERIVE,
    stock_corriger_derive,
    stock_entree,
    stock_sortie,
)
from magasin.stock.tests.factories import creer_article
from magasin.stock.tests.invariants import verifier_registre

pytestmark = pytest.mark.django_db


def _instantane() -> list[tuple]:
    return list(
        MouvementStock.objects.order_by("pk").values_list(
            "pk", "article_id", "quantite", "stock_avant", "stock_apres", "type_mouvement"
        )
    )


@pytest.fixture
def boutique():
    return BoutiqueFactory()


def test_registre_sain_sort_en_zero(boutique):
    article = creer_article(boutique, stock=100)
    stock_sortie(article=article, quantite=3, utilisateur="t", motif="casse")
    statut, rapport = commande_json("verifier_stock")
    assert statut == 0
    assert rapport["derives"] == [] and rapport["ruptures"] == []
    assert rapport["articles_verifies"] == 1


def test_stock_modifie_hors_registre_est_une_derive_et_la_simulation_n_ecrit_rien(boutique):
    article = creer_article(boutique, stock=100)
    Article.objects.filter(pk=article.pk).update(quantite_stock=F("quantite_stock") - 5)
    avant = _instantane()
    statut, rapport = commande_json("verifier_stock")
    assert statut == 1
    (derive,) = rapport["derives"]
    assert (derive["stock"], derive["registre"], derive["ecart"]) == (95, 100, -5)
    assert rapport["mode"] == "simulation" and rapport["corrections"] == []
    assert _instantane() == avant
    assert Article.objects.get(pk=article.pk).quantite_stock == 95


def test_corriger_ajoute_un_ajustement_qui_part_du_registre_et_garde_la_chaine(boutique):
    article = creer_article(boutique, stock=100)
    Article.objects.filter(pk=article.pk).update(quantite_stock=95)
    avant = _instantane()
    statut, texte = commande("verifier_stock", "--corriger", "--motif", "Écart constaté")
    assert statut == 1  # a drift was found (and corrected)
    assert "AJUSTEMENT -5 (100 → 95)" in texte
    apres = _instantane()
    assert apres[: len(avant)] == avant  # nothing written before was touched
    (correction,) = MouvementStock.objects.filter(pk__gt=avant[-1][0])
    assert correction.type_mouvement == TypeMouvement.AJUSTEMENT
    assert correction.reference_document == REFERENCE_CORRECTION_DERIVE
    assert "Écart constaté" in correction.commentaire
    assert Article.objects.get(pk=article.pk).quantite_stock == 95
    verifier_registre(article)  # stock == sum of movements, chain unbroken
    assert commande("verifier_stock")[0] == 0
    # A second run has nothing left to correct.
    assert commande("verifier_stock", "--corriger")[0] == 0
    assert _instantane() == apres


def test_mouvement_supprime_au_milieu_est_une_rupture_que_la_correction_compense(boutique):
    article = creer_article(boutique, stock=100)
    perdu = stock_sortie(article=article, quantite=10, utilisateur="t", motif="casse")
    dernier = stock_sortie(article=article, quantite=5, utilisateur="t", motif="casse")
    MouvementStock.objects.filter(pk=perdu.pk).delete()  # a legacy clean-up gone wrong
    rapport = diagnostic_stock()
    (derive,) = rapport.derives
    assert (derive.stock, derive.registre) == (85, 95)
    (rupture,) = rapport.ruptures
    assert (rupture.mouvement_id, rupture.stock_apres_precedent, rupture.stock_avant) == (
        dernier.pk,
        100,
        90,
    )
    assert not rupture.compensee
    statut, _ = commande("verifier_stock", "--corriger")
    assert statut == 1
    apres = diagnostic_stock()
    assert apres.derives == []
    assert apres.ruptures and all(r.compensee for r in apres.ruptures)
    assert not apres.probleme
    assert commande("verifier_stock")[0] == 0
    assert Article.objects.get(pk=article.pk).quantite_stock == 85
    # The next ordinary movement chains on the corrected end.
    stock_entree(article=Article.objects.get(pk=article.pk), quantite=1, utilisateur="t")
    assert not diagnostic_stock().probleme


def test_rupture_sans_derive_reste_signalee_et_rien_n_est_ecrit(boutique):
    article = creer_article(boutique, stock=100)
    sortie = stock_sortie(article=article, quantite=10, utilisateur="t", motif="casse")
    # Both ends shifted together (the check constraint holds), so the sum is unchanged.
    MouvementStock.objects.filter(pk=sortie.pk).update(
        stock_avant=F("stock_avant") + 3, stock_apres=F("stock_apres") + 3
    )
    avant = _instantane()
    statut, rapport = commande_json("verifier_stock", "--corriger")
    assert statut == 1
    assert rapport["derives"] == [] and rapport["corrections"] == []
    (rupture,) = rapport["ruptures"]
    assert (rupture["stock_apres_precedent"], rupture["stock_avant"]) == (100, 103)
    assert _instantane() == avant


def test_option_boutique_limite_la_verification(boutique):
    article = creer_article(boutique, stock=10)
    autre = BoutiqueFactory()
    creer_article(autre, stock=10)
    Article.objects.filter(pk=article.pk).update(quantite_stock=7)
    assert commande("verifier_stock", "--boutique", autre.code)[0] == 0
    statut, rapport = commande_json("verifier_stock", "--boutique", boutique.code)
    assert statut == 1 and len(rapport["derives"]) == 1


def test_corriger_derive_sans_derive_n_ecrit_rien(boutique):
    article = creer_article(boutique, stock=10)
    assert stock_corriger_derive(article=article, utilisateur="t", motif="rien") is None
    assert MouvementStock.objects.filter(article=article).count() == 1


def test_diagnostic_stock_coute_un_nombre_borne_de_requetes(boutique, django_assert_max_num_queries):
    articles = [creer_article(boutique, stock=10) for _ in range(15)]
    Article.objects.filter(pk__in=[a.pk for a in articles[::2]]).update(quantite_stock=1)
    with django_assert_max_num_queries(5):
        rapport = diagnostic_stock()
    assert len(rapport.derives) == 8
