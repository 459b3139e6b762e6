"""`manage.py demo` loads what the README promises, and a second run duplicates nothing."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db.models import F

from magasin.boutiques.models import Boutique, Membre, Terminal
from magasin.stock.models import Article, MouvementStock
from magasin.stock.tests.invariants import verifier_registre

pytestmark = pytest.mark.django_db


def _compter() -> tuple[int, ...]:
    return (
        Boutique.objects.count(),
        Terminal.objects.count(),
        Article.objects.count(),
        MouvementStock.objects.count(),
        get_user_model().objects.count(),
        Membre.objects.count(),
    )


def test_demo_idempotente_et_conforme():
    sortie = io.StringIO()
    call_command("demo", stdout=sortie)
    premier = _compter()
    call_command("demo", stdout=io.StringIO())
    assert _compter() == premier

    ma = Boutique.objects.get(code="BTQ-009")
    gombe = Boutique.objects.get(code="BTQ-011")
    assert (ma.nom, ma.devise, ma.politique_stock) == ("Ma Boutique", "CDF", "REFUSER")
    assert gombe.nom == "Boutique Gombe"
    assert Terminal.objects.get(numero_serie="0a1badae951f8473").serie_seule
    assert Terminal.objects.get(numero_serie="demo-gombe-1").boutique == gombe
    caisse2 = Terminal.objects.get(numero_serie="demo-caisse-2")
    assert not caisse2.serie_seule and caisse2.boutique == ma
    for boutique in (ma, gombe):
        articles = Article.objects.filter(boutique=boutique)
        assert 12 <= articles.count() <= 20
        assert articles.filter(quantite_stock=0).exists()
        assert articles.filter(quantite_stock__gt=0, quantite_stock__lte=F("seuil_alerte")).exists()
    assert get_user_model().objects.get(username="admin").is_superuser
    assert Membre.objects.filter(boutique=ma, role="GERANT").exists()
    assert Membre.objects.filter(boutique=gombe, role="GERANT").exists()
    verifier_registre()
    texte = sortie.getvalue()
    assert "admin / admin" in texte and "curl" in texte and "demo-caisse-2" in texte
