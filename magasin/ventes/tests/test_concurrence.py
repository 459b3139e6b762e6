"""Concurrent writers on one shop: no lost update, no duplicate, ledger whole — real threads."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from magasin.boutiques.tests.factories import BoutiqueFactory, creer_terminal
from magasin.stock.models import MouvementStock
from magasin.stock.services import stock_entree, stock_sortie
from magasin.stock.tests.factories import creer_article
from magasin.stock.tests.invariants import verifier_registre
from magasin.ventes.entrees import lire_vente
from magasin.ventes.models import Vente
from magasin.ventes.services import ventes_synchroniser
from magasin.ventes.tests.fils import en_parallele

pytestmark = [pytest.mark.concurrence, pytest.mark.django_db(transaction=True)]


def test_decrements_concurrents_sur_un_article_aucune_mise_a_jour_perdue():
    article = creer_article(BoutiqueFactory(), stock=400)

    def vendre() -> None:
        for _ in range(25):
            stock_sortie(article=article, quantite=1, acteur=None, motif="test")

    def livrer() -> None:
        for _ in range(25):
            stock_entree(article=article, quantite=2, acteur=None)

    assert en_parallele([vendre] * 6 + [livrer] * 2) == []
    article.refresh_from_db()
    assert article.quantite_stock == 400 - 150 + 100
    verifier_registre(article)


def test_lots_concurrents_de_plusieurs_terminaux_stock_et_registre_exacts():
    boutique = BoutiqueFactory()
    articles = [creer_article(boutique, stock=10_000) for _ in range(4)]
    terminaux = [creer_terminal(boutique)[0] for _ in range(8)]
    # Lines touch the articles in different orders: only a fixed lock order avoids deadlocks.
    ordres = [articles, list(reversed(articles)), articles[1:] + articles[:1]]

    def terminal_qui_vend(i: int) -> Callable[[], None]:
        def vendre() -> None:
            for lot in range(5):
                ventes = [
                    lire_vente(
                        {
                            "numero_facture": f"T{i}-L{lot}-V{v}",
                            "lignes": [
                                {"article_id": a.pk, "quantite": 1, "prix_unitaire": 100} for a in ordres[(i + v) % 3]
                            ],
                        }
                    )
                    for v in range(10)
                ]
                lot_resultat = ventes_synchroniser(terminal=terminaux[i], ventes=ventes)
                assert lot_resultat.nouvelles == 10
                # The same batch again (a terminal that lost the response): nothing moves.
                assert ventes_synchroniser(terminal=terminaux[i], ventes=ventes).doublons == 10

        return vendre

    assert en_parallele([terminal_qui_vend(i) for i in range(8)]) == []
    assert Vente.objects.count() == 8 * 5 * 10
    for a in articles:
        a.refresh_from_db()
        assert a.quantite_stock == 10_000 - 400
    assert MouvementStock.objects.filter(type_mouvement="VENTE").count() == 400 * 4
    verifier_registre(*articles)


def test_meme_numero_envoye_en_meme_temps_par_deux_terminaux_un_seul_gagne():
    boutique = BoutiqueFactory()
    article = creer_article(boutique, stock=100)
    t1, t2 = creer_terminal(boutique)[0], creer_terminal(boutique)[0]
    resultats = []

    def envoyer(terminal) -> Callable[[], None]:  # type: ignore[no-untyped-def]
        def tache() -> None:
            entree = lire_vente(
                {
                    "numero_facture": "FAC-COMMUN",
                    "lignes": [{"article_id": article.pk, "quantite": 1, "prix_unitaire": 1}],
                }
            )
            resultats.append(ventes_synchroniser(terminal=terminal, ventes=[entree]).resultats[0].statut)

        return tache

    assert en_parallele([envoyer(t1), envoyer(t2)]) == []
    assert sorted(resultats) == ["created", "refused"]
    article.refresh_from_db()
    assert article.quantite_stock == 99
