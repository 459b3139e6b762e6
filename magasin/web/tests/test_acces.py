"""A user of one shop gets a 404 on every page and export of another shop's data."""

from __future__ import annotations

import pytest

from magasin.stock.services import stock_entree
from magasin.ventes.entrees import VenteEntree
from magasin.ventes.models import StatutQuarantaine, VenteQuarantaine
from magasin.ventes.services import vente_creer
from magasin.web.tests.outils import synchroniser

pytestmark = pytest.mark.django_db


@pytest.fixture
def donnees_autre(monde):  # type: ignore[no-untyped-def]
    """A sale, a movement and a quarantined sale in the other shop."""
    entree = VenteEntree.model_validate(
        {"lignes": [{"article_id": monde.article_autre.pk, "quantite": 1, "prix_unitaire": "500"}]}
    )
    vente = vente_creer(boutique=monde.autre, utilisateur=monde.gerant_autre, entree=entree).vente
    stock_entree(article=monde.article_autre, quantite=3, acteur=None, reference_document="BL-AUTRE")
    from magasin.boutiques.services import terminal_rotation_jeton

    jeton = terminal_rotation_jeton(terminal=monde.terminal_autre)
    synchroniser(
        monde.terminal_autre,
        jeton,
        [
            {
                "numero_facture": "Q-AUTRE",
                "lignes": [{"article_id": monde.article_autre.pk, "quantite": 999, "prix_unitaire": 1}],
            }
        ],
    )
    quarantaine = VenteQuarantaine.objects.get(numero_facture="Q-AUTRE")
    assert quarantaine.statut == StatutQuarantaine.EN_ATTENTE
    return vente, quarantaine


def test_pages_d_une_autre_boutique_repondent_404(monde, client_gerant, donnees_autre):
    vente, quarantaine = donnees_autre
    a = monde.article_autre
    urls_get = [
        f"/ventes/{vente.pk}/",
        f"/ventes/{vente.pk}/facture/",
        f"/ventes/{vente.pk}/facture.pdf",
        f"/articles/{a.pk}/",
        f"/articles/{a.pk}/modifier/",
        f"/quarantaine/{quarantaine.pk}/",
        f"/ventes/?boutique={monde.autre.pk}",
        f"/ventes/?boutique={monde.autre.pk}&format=csv",
        f"/ventes/?boutique={monde.autre.pk}&format=xlsx",
        f"/articles/?boutique={monde.autre.pk}",
        f"/stock/?boutique={monde.autre.pk}",
        f"/quarantaine/?boutique={monde.autre.pk}",
        f"/terminaux/?boutique={monde.autre.pk}",
        f"/?boutique={monde.autre.pk}",
        f"/facturation/ligne/?article={a.pk}",
        f"/facturation/articles/?boutique={monde.autre.pk}&q=Savon",
    ]
    for url in urls_get:
        assert client_gerant.get(url).status_code == 404, url
    urls_post = [
        (f"/ventes/{vente.pk}/annuler/", {"motif": "x"}),
        (f"/quarantaine/{quarantaine.pk}/rejouer/", {}),
        (f"/quarantaine/{quarantaine.pk}/ecarter/", {"motif": "x"}),
        (f"/terminaux/{monde.terminal_autre.pk}/rotation/", {}),
        (f"/terminaux/{monde.terminal_autre.pk}/desactiver/", {}),
    ]
    for url, corps in urls_post:
        assert client_gerant.post(url, corps).status_code == 404, url
    # Nothing happened to the other shop's data.
    vente.refresh_from_db()
    quarantaine.refresh_from_db()
    monde.terminal_autre.refresh_from_db()
    assert vente.statut == "VALIDEE"
    assert quarantaine.statut == StatutQuarantaine.EN_ATTENTE
    assert monde.terminal_autre.est_actif


def test_formulaires_ne_proposent_ni_n_acceptent_les_articles_d_une_autre_boutique(monde, client_gerant):
    page = client_gerant.get("/stock/livraison/").content.decode()
    assert "Savon" not in page
    reponse = client_gerant.post("/stock/livraison/", {"article": monde.article_autre.pk, "quantite": 5})
    assert reponse.status_code == 200  # form error: not a valid choice
    monde.article_autre.refresh_from_db()
    assert monde.article_autre.quantite_stock == 20
    reponse = client_gerant.post(
        "/facturation/",
        {
            "boutique": monde.autre.pk,
            "uuid": "u1",
            "article_id": [monde.article_autre.pk],
            "quantite": [1],
            "prix_unitaire": ["500"],
        },
    )
    assert reponse.status_code == 404


def test_listes_et_exports_ne_montrent_que_ses_boutiques(monde, client_gerant, donnees_autre):
    vente, _quarantaine = donnees_autre
    assert vente.numero_facture not in client_gerant.get("/ventes/").content.decode()
    export = b"".join(client_gerant.get("/ventes/?format=csv").streaming_content).decode()
    assert vente.numero_facture not in export
    assert "Savon" not in client_gerant.get("/articles/").content.decode()
    assert "BL-AUTRE" not in client_gerant.get("/stock/").content.decode()
    assert "Q-AUTRE" not in client_gerant.get("/quarantaine/").content.decode()
    assert "Caisse Limete" not in client_gerant.get("/terminaux/").content.decode()
    assert (
        "Savon"
        not in client_gerant.get(f"/facturation/articles/?boutique={monde.boutique.pk}&q=Savon").content.decode()
    )


def test_caissier_n_accede_pas_aux_pages_de_gestion(monde, client_caissier):
    for url in [
        "/articles/nouveau/",
        "/articles/import/",
        "/stock/livraison/",
        "/stock/perte/",
        "/stock/inventaire/",
        f"/articles/{monde.article.pk}/modifier/",
    ]:
        assert client_caissier.get(url).status_code == 403, url
    assert client_caissier.post(f"/terminaux/{monde.terminal.pk}/rotation/").status_code == 403
    # but he reads
    for url in ["/", "/ventes/", "/articles/", "/stock/", "/quarantaine/", "/terminaux/", "/facturation/"]:
        assert client_caissier.get(url).status_code == 200, url
