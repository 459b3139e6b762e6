"""The terminal's catalogue carries each article's category name: an added, nullable field, the
fields the app in the field reads unchanged, the shop's own category only, and a renamed
category brought back by the delta."""

from __future__ import annotations

import time
from typing import Any

import jsonschema_rs
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from magasin.stock.models import Categorie
from magasin.stock.services import article_modifier, categorie_renommer
from magasin.stock.tests.factories import creer_article

from .conftest import Monde

ARTICLES = "/api/v2/simple/articles/"
# What the app in the field reads, as it read it before the category was added.
CHAMPS_D_ORIGINE = {
    "id": int,
    "code": str,
    "code_barres": str,
    "nom": str,
    "prix_vente": str,
    "quantite_stock": int,
    "seuil_alerte": int,
    "est_actif": bool,
    "date_modification": str,
}


def _par_id(corps: dict[str, Any]) -> dict[int, dict[str, Any]]:
    return {a["id"]: a for a in corps["articles"]}


def test_chaque_article_porte_le_nom_de_sa_categorie_ou_null(monde: Monde):
    article_modifier(acteur=None, article=monde.article, categorie="Épicerie")
    corps = monde.poste.get(ARTICLES).json()
    articles = _par_id(corps)
    assert articles[monde.article.pk]["categorie"] == "Épicerie"
    assert articles[monde.article2.pk]["categorie"] is None  # present, null: no category
    for article in articles.values():
        assert set(article) == {*CHAMPS_D_ORIGINE, "categorie"}
        for champ, type_attendu in CHAMPS_D_ORIGINE.items():
            assert type(article[champ]) is type_attendu, champ
    assert articles[monde.article.pk]["prix_vente"] == "25000.00"  # unchanged shape


def test_la_categorie_est_celle_de_la_boutique_du_terminal(monde: Monde):
    article_modifier(acteur=None, article=monde.article, categorie="Boissons")
    article_modifier(acteur=None, article=monde.article_autre, categorie="Pagnes")
    noms = {a["categorie"] for a in monde.poste.get(ARTICLES).json()["articles"]}
    assert noms == {"Boissons", None}
    autre = monde.poste_autre.get(ARTICLES).json()["articles"]
    assert [(a["id"], a["categorie"]) for a in autre] == [(monde.article_autre.pk, "Pagnes")]


def test_une_categorie_renommee_revient_dans_le_delta(monde: Monde):
    article_modifier(acteur=None, article=monde.article, categorie="Boisson")
    heure = monde.poste.get(ARTICLES).json()["heure_serveur"]
    time.sleep(0.01)  # date_modification strictly after heure_serveur, whatever the clock's grain
    categorie = Categorie.objects.get(boutique=monde.boutique, nom="Boisson")
    categorie_renommer(categorie=categorie, nom="  Boissons ", acteur=None)
    delta = monde.poste.get(ARTICLES, modifie_depuis=heure).json()["articles"]
    assert [(a["id"], a["categorie"]) for a in delta] == [(monde.article.pk, "Boissons")]


def test_le_catalogue_reste_une_seule_lecture_des_articles(monde: Monde):
    for i in range(15):
        article = creer_article(monde.boutique, stock=1, prix="100", code=f"C{i}")
        article_modifier(acteur=None, article=article, categorie=f"Famille {i % 4}")
    with CaptureQueriesContext(connection) as requetes:
        corps = monde.poste.get(ARTICLES).json()
    assert corps["count"] == 17
    lectures = [q["sql"] for q in requetes.captured_queries if "stock_article" in q["sql"] and "SELECT" in q["sql"]]
    assert len(lectures) == 1, lectures  # the category comes with its article (a join), not per row
    assert "stock_categorie" in lectures[0]


def test_le_schema_publie_decrit_la_categorie_et_valide_la_reponse(monde: Monde):
    article_modifier(acteur=None, article=monde.article, categorie="Épicerie")
    document = Client().get("/api/openapi.json").json()
    sortie = document["components"]["schemas"]["ArticleSortie"]
    assert set(sortie["required"]) == {*CHAMPS_D_ORIGINE, "categorie"}
    assert {t.get("type") for t in sortie["properties"]["categorie"]["anyOf"]} == {"string", "null"}
    validateur = jsonschema_rs.validator_for(
        {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$ref": "#/components/schemas/ReponseArticles",
            "components": document["components"],
        }
    )
    assert validateur.is_valid(monde.poste.get(ARTICLES).json())
