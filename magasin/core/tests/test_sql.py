"""The hand-written SQL helpers give the same instances as the ORM, on every backend."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection, transaction
from hypothesis import given, settings
from hypothesis import strategies as st

from magasin.boutiques.models import Boutique, Terminal
from magasin.boutiques.services import terminal_authentifier
from magasin.boutiques.tests.factories import BoutiqueFactory, creer_terminal
from magasin.core import sql
from magasin.stock.models import Article
from magasin.stock.services import registre_ouvrir
from magasin.stock.tests.factories import creer_article

pytestmark = pytest.mark.django_db


def test_instances_converties_comme_par_l_orm():
    boutique = BoutiqueFactory()
    a = creer_article(boutique, prix="1250.50", stock=7, est_actif=False)
    champs = ("id", "boutique", "prix_vente", "quantite_stock", "est_actif")
    (lu,) = sql.instances(
        Article,
        f"SELECT {sql.colonnes(Article, champs)} FROM {sql.table(Article)} WHERE {sql.colonne(Article, 'id')} = %s",
        [a.pk],
        champs=champs,
    )
    orm = Article.objects.get(pk=a.pk)
    # SQLite and MariaDB hand back 0/1 and text or floats: the backend's converters must run.
    assert lu.est_actif is False
    assert isinstance(lu.prix_vente, Decimal) and lu.prix_vente == Decimal("1250.50")
    assert (lu.pk, lu.boutique_id, lu.quantite_stock) == (orm.pk, orm.boutique_id, 7)
    assert lu._state.adding is False
    # A field left out is deferred: read from the database on first access, like .only().
    assert lu.get_deferred_fields() >= {"nom", "date_creation"}
    assert lu.nom == orm.nom and lu.date_creation == orm.date_creation


def test_registre_verrouille_les_articles_de_la_boutique_seulement():
    a, b = BoutiqueFactory(), BoutiqueFactory()
    x, y = creer_article(a, stock=3), creer_article(a, stock=4)
    autre = creer_article(b)
    with transaction.atomic():
        registre = registre_ouvrir(boutique=a, article_ids=[y.pk, x.pk, autre.pk], utilisateur="t")
    assert sorted(registre.articles) == sorted([x.pk, y.pk])
    assert registre.articles[y.pk].quantite_stock == 4
    assert registre.articles[x.pk].est_actif is True


def test_terminal_et_sa_boutique_en_une_requete(django_assert_num_queries):
    boutique = BoutiqueFactory()
    terminal, jeton = creer_terminal(boutique)
    with django_assert_num_queries(1):
        lu = terminal_authentifier(numero_serie=terminal.numero_serie, jeton=jeton)
        assert isinstance(lu.boutique, Boutique) and lu.boutique.pk == boutique.pk
        assert lu.boutique.code == boutique.code
    assert lu.pk == terminal.pk and lu.est_actif is True and lu.serie_seule is False


def test_terminal_sans_boutique_lu_avec_une_boutique_nulle():
    terminal, _jeton = creer_terminal(None)
    ligne = sql.instances_par_ligne(
        f"SELECT {sql.colonnes(Terminal, ('id', 'numero_serie'), qualifiees=True)}, "
        f"{sql.colonnes(Boutique, ('id', 'code'), qualifiees=True)} FROM {sql.table(Terminal)} "
        f"LEFT JOIN {sql.table(Boutique)} ON {sql.table(Boutique)}.{sql.colonne(Boutique, 'id')} = "
        f"{sql.table(Terminal)}.{sql.colonne(Terminal, 'boutique')} "
        f"WHERE {sql.table(Terminal)}.{sql.colonne(Terminal, 'id')} = %s",
        [terminal.pk],
        (Terminal, ("id", "numero_serie")),
        (Boutique, ("id", "code")),
    )
    assert len(ligne) == 1
    lu, boutique = ligne[0]
    assert boutique is None
    assert isinstance(lu, Terminal) and lu.numero_serie == terminal.numero_serie


@pytest.mark.parametrize("valeurs", [[3, 1, 2], ["a", "b'c", 'd"e', "f\\g", "{h,i}", " j ", "NULL"]])
def test_dans_filtre_les_valeurs_donnees(valeurs):
    boutique = BoutiqueFactory()
    if isinstance(valeurs[0], int):
        articles = [creer_article(boutique) for _ in range(4)]
        ids = [articles[i - 1].pk for i in valeurs]
        parmi, params = sql.dans(sql.colonne(Article, "id"), ids)
        trouves = sql.lignes(f"SELECT {sql.colonne(Article, 'id')} FROM {sql.table(Article)} WHERE {parmi}", params)
        assert sorted(r[0] for r in trouves) == sorted(ids)
    else:
        for code in [*valeurs, "z"]:
            creer_article(boutique, code=code)
        parmi, params = sql.dans(sql.colonne(Article, "code"), valeurs)
        trouves = sql.lignes(f"SELECT {sql.colonne(Article, 'code')} FROM {sql.table(Article)} WHERE {parmi}", params)
        assert sorted(r[0] for r in trouves) == sorted(valeurs)


# What PostgreSQL text can hold: any character but NUL (surrogates cannot be encoded either).
_TEXTE = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=30)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="array literal of PostgreSQL")
@settings(max_examples=200, deadline=None)
@given(st.lists(_TEXTE, min_size=1, max_size=8))
def test_tableau_textes_relu_a_l_identique(valeurs):
    ((relus,),) = sql.lignes("SELECT %s::text[]", [sql.tableau_textes(valeurs)])
    assert relus == valeurs
