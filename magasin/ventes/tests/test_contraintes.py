"""Invariants the database itself holds, on every backend."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from magasin.boutiques.tests.factories import BoutiqueFactory
from magasin.stock.models import Article, MouvementStock
from magasin.stock.tests.factories import creer_article
from magasin.ventes.models import LigneVente, SequenceFacture, Vente

pytestmark = pytest.mark.django_db


def _vente(boutique, numero="F-1", **kw):
    maintenant = timezone.now()
    return Vente.objects.create(
        boutique=boutique,
        numero_facture=numero,
        montant_total=Decimal("10"),
        date_vente=maintenant,
        date_synchro=maintenant,
        **kw,
    )


def test_numero_facture_unique_par_boutique_seulement():
    a, b = BoutiqueFactory(), BoutiqueFactory()
    _vente(a, "F-1")
    _vente(b, "F-1")  # another shop may use the same number
    with pytest.raises(IntegrityError), transaction.atomic():
        _vente(a, "F-1")


def test_uuid_unique_par_boutique_et_nuls_permis():
    a = BoutiqueFactory()
    _vente(a, "F-1", uuid=None)
    _vente(a, "F-2", uuid=None)
    _vente(a, "F-3", uuid="abc")
    with pytest.raises(IntegrityError), transaction.atomic():
        _vente(a, "F-4", uuid="abc")


def test_une_vente_sans_boutique_ne_peut_exister():
    maintenant = timezone.now()
    with pytest.raises(IntegrityError), transaction.atomic():
        Vente.objects.create(
            boutique_id=None, numero_facture="X", montant_total=1, date_vente=maintenant, date_synchro=maintenant
        )


@pytest.mark.parametrize("quantite", [0, -2])
def test_quantite_de_ligne_strictement_positive(quantite):
    boutique = BoutiqueFactory()
    article = creer_article(boutique)
    vente = _vente(boutique)
    with pytest.raises(IntegrityError), transaction.atomic():
        LigneVente.objects.create(
            vente=vente,
            article=article,
            boutique=boutique,
            quantite=quantite,
            prix_unitaire=Decimal("1"),
            total_ligne=Decimal("1"),
        )


def test_sequence_unique_sur_boutique_annee_mois_et_rien_de_plus_etroit():
    boutique = BoutiqueFactory()
    SequenceFacture.objects.create(boutique=boutique, annee=2024, mois=11)
    SequenceFacture.objects.create(boutique=boutique, annee=2024, mois=12)
    SequenceFacture.objects.create(boutique=boutique, annee=2025, mois=11)
    SequenceFacture.objects.create(boutique=BoutiqueFactory(), annee=2024, mois=11)
    with pytest.raises(IntegrityError), transaction.atomic():
        SequenceFacture.objects.create(boutique=boutique, annee=2024, mois=11)


def test_code_article_unique_par_boutique():
    a, b = BoutiqueFactory(), BoutiqueFactory()
    creer_article(a, code="X-1")
    creer_article(b, code="X-1")
    with pytest.raises(IntegrityError), transaction.atomic():
        Article.objects.create(boutique=a, code="X-1", nom="doublon", prix_vente=Decimal("1"))


def test_un_mouvement_incoherent_est_refuse_par_la_base():
    boutique = BoutiqueFactory()
    article = creer_article(boutique, stock=0)
    with pytest.raises(IntegrityError), transaction.atomic():
        MouvementStock.objects.create(
            article=article,
            boutique=boutique,
            type_mouvement="ENTREE",
            quantite=5,
            stock_avant=0,
            stock_apres=4,
            date_mouvement=timezone.now(),
        )


def test_l_historique_ne_peut_etre_supprime_en_cascade():
    from django.db.models import ProtectedError

    boutique = BoutiqueFactory()
    article = creer_article(boutique, stock=3)
    with pytest.raises(ProtectedError):
        article.delete()


@pytest.mark.parametrize("modele", [Vente, LigneVente, MouvementStock])
def test_tables_chaudes_sans_index_redondant(modele):
    """Every index is one more write per sale: on the tables a sync appends to, no index may be
    a leading part of another (that lookup is already served), and the lookups keep theirs."""

    with connection.cursor() as curseur:
        contraintes = connection.introspection.get_constraints(curseur, modele._meta.db_table)
    index = {
        nom: tuple(c["columns"])
        for nom, c in contraintes.items()
        if (c["index"] or c["unique"]) and not c["primary_key"] and c["columns"]
    }
    redondants = [
        (nom, colonnes)
        for nom, colonnes in index.items()
        if any(autre != colonnes and autre[: len(colonnes)] == colonnes for autre in index.values())
    ]
    assert redondants == []
    premieres = {colonnes[0] for colonnes in index.values()}
    assert "boutique_id" in premieres  # isolation filters, PROTECT checks on a shop
    if modele is Vente:
        # PROTECT checks when a user is deleted (partial indexes, or MySQL's foreign-key index).
        assert {"cree_par_id", "annulee_par_id"} <= premieres
    else:
        assert "article_id" in premieres  # an article's history, PROTECT checks on an article


# --- References: the database refuses what the services never write ---------------------------

COMPOSITES = pytest.mark.skipif(
    connection.vendor == "sqlite",
    reason="composite foreign keys exist on PostgreSQL and MariaDB only (SQLite keeps single-column keys)",
)


def _ligne(vente_id, article, boutique, **kw):
    return LigneVente(
        vente_id=vente_id,
        article=article,
        boutique=boutique,
        quantite=1,
        prix_unitaire=Decimal("10"),
        total_ligne=Decimal("10"),
        **kw,
    )


def _mouvement(article_id, boutique):
    return MouvementStock(
        article_id=article_id,
        boutique=boutique,
        type_mouvement="SORTIE",
        quantite=-1,
        stock_avant=1,
        stock_apres=0,
        date_mouvement=timezone.now(),
    )


@pytest.mark.django_db(transaction=True)
def test_une_ligne_doit_appartenir_a_une_vente_existante():
    boutique = BoutiqueFactory()
    article = creer_article(boutique)
    # Checked at COMMIT where Django declares its keys deferrable (PostgreSQL, SQLite).
    with pytest.raises(IntegrityError), transaction.atomic():
        _ligne(987654321, article, boutique).save()
    assert not LigneVente.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_un_mouvement_doit_porter_sur_un_article_existant():
    boutique = BoutiqueFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        MouvementStock.objects.bulk_create([_mouvement(987654321, boutique)])
    assert not MouvementStock.objects.filter(article_id=987654321).exists()


@COMPOSITES
@pytest.mark.django_db(transaction=True)
def test_une_ligne_ne_peut_appartenir_a_la_vente_d_une_autre_boutique():
    a, b = BoutiqueFactory(), BoutiqueFactory()
    article_a = creer_article(a)
    vente_b = _vente(b)
    with pytest.raises(IntegrityError), transaction.atomic():
        _ligne(vente_b.pk, article_a, a).save()


@COMPOSITES
@pytest.mark.django_db(transaction=True)
def test_une_ligne_ne_peut_vendre_l_article_d_une_autre_boutique():
    a, b = BoutiqueFactory(), BoutiqueFactory()
    vente_a = _vente(a)
    article_b = creer_article(b)
    with pytest.raises(IntegrityError), transaction.atomic():
        _ligne(vente_a.pk, article_b, a).save()


@COMPOSITES
@pytest.mark.django_db(transaction=True)
def test_un_mouvement_ne_peut_porter_sur_l_article_d_une_autre_boutique():
    a, b = BoutiqueFactory(), BoutiqueFactory()
    article_b = creer_article(b)
    with pytest.raises(IntegrityError), transaction.atomic():
        MouvementStock.objects.bulk_create([_mouvement(article_b.pk, a)])
    assert MouvementStock.objects.filter(article=article_b).count() == 1  # its opening stock only


@pytest.mark.django_db(transaction=True)
def test_une_ligne_coherente_est_acceptee():
    """The counterpart of the refusals above: the same row within one shop is written."""
    boutique = BoutiqueFactory()
    article = creer_article(boutique)
    vente = _vente(boutique)
    with transaction.atomic():
        _ligne(vente.pk, article, boutique, cout_unitaire=Decimal("4")).save()
    assert LigneVente.objects.get().cout_unitaire == Decimal("4.00")
