"""The stock figures every sync answer carries: counted by the database, one shop's active articles."""

from __future__ import annotations

import pytest

from magasin.boutiques.tests.factories import BoutiqueFactory
from magasin.stock.selectors import statistiques_stock
from magasin.stock.tests.factories import creer_article

pytestmark = pytest.mark.django_db


def test_articles_sous_le_seuil_et_a_zero_comptes_en_une_requete(django_assert_num_queries):
    boutique, autre = BoutiqueFactory(), BoutiqueFactory()
    creer_article(boutique, stock=50, seuil=5)  # healthy
    creer_article(boutique, stock=5, seuil=5)  # at its threshold: low
    creer_article(boutique, stock=0, seuil=5)  # at zero: low and zero
    creer_article(boutique, stock=0, seuil=0)  # threshold 0 and at zero: low and zero
    creer_article(boutique, stock=0, seuil=5, est_actif=False)  # inactive: not counted
    creer_article(autre, stock=0, seuil=5)  # another shop: not counted
    with django_assert_num_queries(1):
        stats = statistiques_stock(boutique=boutique)
    assert (stats.articles_stock_bas, stats.articles_stock_zero, stats.alerte_stock) == (3, 2, True)


def test_boutique_sans_article_n_est_pas_en_alerte():
    stats = statistiques_stock(boutique=BoutiqueFactory())
    assert (stats.articles_stock_bas, stats.articles_stock_zero, stats.alerte_stock) == (0, 0, False)
