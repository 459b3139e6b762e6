"""Renaming a category reaches the terminals: its articles count as modified (catalogue delta),
whether renamed through the service or the admin; a category never changes shop."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from magasin.boutiques.models import Role
from magasin.boutiques.tests.factories import BoutiqueFactory, MembreFactory
from magasin.core.erreurs import ErreurMetier
from magasin.stock.models import Article, Categorie
from magasin.stock.services import article_modifier, categorie_renommer
from magasin.stock.tests.factories import creer_article

pytestmark = pytest.mark.django_db


def _vieillir(*articles: Article) -> None:
    """Their last change an hour ago, so a new one is seen whatever the clock's grain."""
    Article.objects.filter(pk__in=[a.pk for a in articles]).update(
        date_modification=timezone.now() - timedelta(hours=1)
    )


def test_renommer_marque_ses_articles_modifies_et_seulement_eux():
    boutique = BoutiqueFactory()
    jus = creer_article(boutique, code="JUS1")
    riz = creer_article(boutique, code="RIZ25")
    article_modifier(acteur=None, article=jus, categorie="Boisson")
    _vieillir(jus, riz)
    avant = timezone.now()
    categorie = Categorie.objects.get(boutique=boutique, nom="Boisson")
    categorie_renommer(categorie=categorie, nom=" Boissons  fraîches ", acteur=None)
    categorie.refresh_from_db()
    assert categorie.nom == "Boissons fraîches"
    assert Article.objects.get(pk=jus.pk).date_modification >= avant
    assert Article.objects.get(pk=riz.pk).date_modification < avant


def test_renommer_est_reserve_aux_gerants_de_la_boutique():
    boutique = BoutiqueFactory()
    caissier = MembreFactory(boutique=boutique, role=Role.CAISSIER).utilisateur
    categorie = Categorie.objects.create(boutique=boutique, nom="Pagnes")
    with pytest.raises(ErreurMetier):
        categorie_renommer(categorie=categorie, nom="Tissus", acteur=caissier)
    with pytest.raises(ErreurMetier):
        categorie_renommer(categorie=categorie, nom="   ", acteur=None)
    assert Categorie.objects.get(pk=categorie.pk).nom == "Pagnes"


def test_renommer_dans_l_admin_passe_par_le_service_et_garde_la_boutique(admin_client):
    boutique = BoutiqueFactory()
    autre = BoutiqueFactory()
    jus = creer_article(boutique, code="JUS1")
    article_modifier(acteur=None, article=jus, categorie="Boisson")
    _vieillir(jus)
    avant = timezone.now()
    categorie = Categorie.objects.get(boutique=boutique)
    reponse = admin_client.post(
        f"/admin/stock/categorie/{categorie.pk}/change/", {"nom": "Boissons", "boutique": autre.pk}
    )
    assert reponse.status_code == 302, reponse.content.decode()[:2000]
    categorie.refresh_from_db()
    assert (categorie.nom, categorie.boutique_id) == ("Boissons", boutique.pk)  # the shop is read-only
    assert Article.objects.get(pk=jus.pk).date_modification >= avant
