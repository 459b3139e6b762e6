"""The ledger service: the only way stock changes, and the invariant it keeps."""

from __future__ import annotations

import pytest
from django.db import transaction

from magasin.boutiques.models import PolitiqueStock, Role
from magasin.boutiques.tests.factories import BoutiqueFactory, MembreFactory
from magasin.core.erreurs import CodeErreur, ErreurMetier
from magasin.stock.models import Article, MouvementStock, TypeMouvement
from magasin.stock.services import (
    article_modifier,
    registre_ouvrir,
    stock_ajuster,
    stock_entree,
    stock_sortie,
)
from magasin.stock.tests.factories import creer_article
from magasin.stock.tests.invariants import verifier_registre

pytestmark = pytest.mark.django_db


def test_stock_initial_entre_par_le_registre():
    article = creer_article(BoutiqueFactory(), stock=40)
    (m,) = MouvementStock.objects.filter(article=article)
    assert (m.type_mouvement, m.quantite, m.stock_avant, m.stock_apres) == ("ENTREE", 40, 0, 40)
    assert m.boutique_id == article.boutique_id
    verifier_registre(article)


def test_entree_sortie_ajustement_gardent_la_chaine():
    article = creer_article(BoutiqueFactory(), stock=10)
    stock_entree(article=article, quantite=5, acteur=None, reference_document="BL-1")
    stock_sortie(article=article, quantite=3, acteur=None, motif="Casse")
    stock_ajuster(article=article, quantite_comptee=7, acteur=None, motif="Inventaire")
    article.refresh_from_db()
    assert article.quantite_stock == 7
    types = list(
        MouvementStock.objects.filter(article=article).order_by("pk").values_list("type_mouvement", "quantite")
    )
    assert types == [("ENTREE", 10), ("ENTREE", 5), ("SORTIE", -3), ("AJUSTEMENT", -5)]
    verifier_registre(article)


def test_ajustement_egal_au_stock_ne_cree_pas_de_mouvement():
    article = creer_article(BoutiqueFactory(), stock=10)
    assert stock_ajuster(article=article, quantite_comptee=10, acteur=None, motif="ok") is None
    assert MouvementStock.objects.filter(article=article).count() == 1


def test_sortie_sous_zero_refusee_en_politique_refuser():
    article = creer_article(BoutiqueFactory(politique_stock=PolitiqueStock.REFUSER), stock=2)
    with pytest.raises(ErreurMetier) as exc:
        stock_sortie(article=article, quantite=3, acteur=None, motif="Perte")
    assert exc.value.code == CodeErreur.STOCK_INSUFFISANT
    assert exc.value.details == {"article_id": article.pk, "article_nom": article.nom, "disponible": 2, "demande": 3}
    article.refresh_from_db()
    assert article.quantite_stock == 2
    verifier_registre(article)


def test_sortie_sous_zero_acceptee_en_politique_autoriser_negatif():
    article = creer_article(BoutiqueFactory(politique_stock=PolitiqueStock.AUTORISER_NEGATIF), stock=2)
    stock_sortie(article=article, quantite=3, acteur=None, motif="Perte")
    article.refresh_from_db()
    assert article.quantite_stock == -1
    verifier_registre(article)


@pytest.mark.parametrize("quantite", [0, -1, True, 2.5])
def test_quantites_invalides_refusees(quantite):
    article = creer_article(BoutiqueFactory(), stock=2)
    with pytest.raises(ErreurMetier) as exc:
        stock_entree(article=article, quantite=quantite, acteur=None)
    assert exc.value.code == CodeErreur.QUANTITE_INVALIDE
    assert MouvementStock.objects.filter(article=article).count() == 1


def test_motif_obligatoire_pour_sortie_et_ajustement():
    article = creer_article(BoutiqueFactory(), stock=2)
    with pytest.raises(ErreurMetier) as exc:
        stock_sortie(article=article, quantite=1, acteur=None, motif="  ")
    assert exc.value.code == CodeErreur.MOTIF_REQUIS
    with pytest.raises(ErreurMetier):
        stock_ajuster(article=article, quantite_comptee=1, acteur=None, motif="")


def test_registre_ignore_les_articles_d_une_autre_boutique():
    boutique, autre = BoutiqueFactory(), BoutiqueFactory()
    a = creer_article(boutique)
    b = creer_article(autre)
    with transaction.atomic():
        registre = registre_ouvrir(boutique=boutique, article_ids=[a.pk, b.pk], utilisateur="t")
    assert set(registre.articles) == {a.pk}


@pytest.mark.django_db(transaction=True)
def test_registre_exige_une_transaction():
    with pytest.raises(RuntimeError):
        registre_ouvrir(boutique=BoutiqueFactory(), article_ids=[], utilisateur="t")


def test_modifier_un_article_ne_touche_pas_au_stock():
    article = creer_article(BoutiqueFactory(), stock=9)
    article_modifier(acteur=None, article=article, nom="Nouveau nom", prix_vente=None)
    article.refresh_from_db()
    assert (article.nom, article.quantite_stock) == ("Nouveau nom", 9)


def test_un_mouvement_est_date_et_signe():
    article = creer_article(BoutiqueFactory(), stock=5)
    awa = MembreFactory(boutique=article.boutique, role=Role.GERANT, utilisateur__username="Awa").utilisateur
    m = stock_sortie(article=article, quantite=2, acteur=awa, motif="Casse")
    assert m.type_mouvement == TypeMouvement.SORTIE and m.quantite == -2 and m.utilisateur == "Awa"
    assert m.date_mouvement is not None and m.date_mouvement.tzinfo is not None


def test_ecriture_des_stocks_limitee_a_une_boutique():
    from django.utils import timezone

    from magasin.stock.requetes_sql import stocks_ecrire

    a = creer_article(BoutiqueFactory(), stock=5)
    b = creer_article(BoutiqueFactory(), stock=5)
    a.quantite_stock = b.quantite_stock = 1
    with pytest.raises(ValueError, match="several shops"):
        stocks_ecrire([a, b], moment=timezone.now())
    b.boutique_id = a.boutique_id  # even a wrong shop on the instance cannot reach another shop's row
    stocks_ecrire([a, b], moment=timezone.now())
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.quantite_stock, b.quantite_stock) == (1, 5)


def test_ecriture_des_stocks_par_tranches():
    from django.utils import timezone

    from magasin.stock import requetes_sql

    boutique = BoutiqueFactory()
    articles = [creer_article(boutique, stock=5) for _ in range(5)]
    for n, article in enumerate(articles):
        article.quantite_stock = n
    requetes_sql.stocks_ecrire(articles, moment=timezone.now(), par_requete=2)
    assert list(Article.objects.filter(boutique=boutique).order_by("pk").values_list("quantite_stock", flat=True)) == [
        0,
        1,
        2,
        3,
        4,
    ]
