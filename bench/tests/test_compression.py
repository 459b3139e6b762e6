"""The compression benchmark runs end to end (on the test database, small) and says what it measured."""

from __future__ import annotations

import pytest

from bench.compression import catalogue_realiste, mesurer


@pytest.mark.django_db
def test_mesure_de_la_compression_de_bout_en_bout():
    lignes = mesurer(articles=30, ventes=20)
    texte = "\n".join(lignes)
    assert "POST ventes/sync, réponse" in texte and "GET articles/" in texte
    assert "GET terminal/ : " in texte and "laissée en clair" in texte


def test_catalogue_aux_noms_distincts():
    import random

    articles = catalogue_realiste(2000, random.Random(1))
    assert len({a["nom"] for a in articles}) == len({a["code"] for a in articles}) == 2000
