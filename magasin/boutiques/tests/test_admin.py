"""The Django admin: every model is reachable, searchable, and the ledger cannot be edited there."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.urls import reverse

from magasin.boutiques.tests.factories import BoutiqueFactory, creer_terminal
from magasin.stock.models import Article, MouvementStock
from magasin.stock.tests.factories import creer_article
from magasin.stock.tests.invariants import verifier_registre
from magasin.ventes.entrees import lire_vente
from magasin.ventes.services import ventes_synchroniser

pytestmark = pytest.mark.django_db


@pytest.fixture
def donnees():
    boutique = BoutiqueFactory()
    terminal, _ = creer_terminal(boutique, serie_seule=True)
    article = creer_article(boutique, stock=5)
    entrees = [
        lire_vente(
            {"numero_facture": "A-1", "lignes": [{"article_id": article.pk, "quantite": 1, "prix_unitaire": 10}]}
        ),
        lire_vente(
            {"numero_facture": "A-2", "lignes": [{"article_id": article.pk, "quantite": 99, "prix_unitaire": 10}]}
        ),
    ]
    ventes_synchroniser(terminal=terminal, ventes=entrees)
    return boutique


def test_chaque_modele_a_sa_liste_et_sa_fiche_dans_l_admin(admin_client, donnees):
    for modele in admin.site._registry:
        meta = modele._meta
        liste = admin_client.get(reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist"), {"q": "a"})
        assert liste.status_code == 200, meta.label
        objet = modele.objects.first()
        if objet is not None:
            fiche = admin_client.get(reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[objet.pk]))
            assert fiche.status_code == 200, meta.label


def test_le_grand_livre_est_en_lecture_seule_dans_l_admin(admin_client, donnees):
    mouvement = MouvementStock.objects.first()
    assert admin_client.get(reverse("admin:stock_mouvementstock_add")).status_code == 403
    url = reverse("admin:stock_mouvementstock_change", args=[mouvement.pk])
    admin_client.post(url, {"quantite": 1000})
    assert MouvementStock.objects.get(pk=mouvement.pk).quantite == mouvement.quantite
    assert (
        admin_client.post(
            reverse("admin:stock_mouvementstock_delete", args=[mouvement.pk]), {"post": "yes"}
        ).status_code
        == 403
    )


def test_le_terminal_serie_seule_est_signale_comme_risque(admin_client, donnees):
    page = admin_client.get(reverse("admin:boutiques_terminal_changelist")).content.decode()
    assert "Série seule (risque)" in page


def test_un_article_cree_dans_l_admin_entre_par_le_registre(admin_client, donnees):
    reponse = admin_client.post(
        reverse("admin:stock_article_add"),
        {
            "boutique": donnees.pk,
            "code": "ADM-1",
            "nom": "Riz 25 kg",
            "prix_vente": "60000",
            "seuil_alerte": 3,
            "est_actif": "on",
        },
    )
    assert reponse.status_code == 302
    article = Article.objects.get(code="ADM-1")
    assert article.quantite_stock == 0
    verifier_registre(article)


def test_quarantaine_rejouee_ou_ecartee_avec_motif_depuis_l_admin(admin_client, donnees):
    from magasin.stock.services import stock_entree
    from magasin.ventes.models import VenteQuarantaine

    q = VenteQuarantaine.objects.get(numero_facture="A-2")
    url = reverse("admin:ventes_ventequarantaine_changelist")
    # Dismissal without a reason shows the form again and changes nothing.
    page = admin_client.post(url, {"action": "ecarter", "_selected_action": [q.pk]})
    assert page.status_code == 200 and "Motif" in page.content.decode()
    admin_client.post(url, {"action": "ecarter", "_selected_action": [q.pk], "confirmer": "1", "motif": ""})
    q.refresh_from_db()
    assert q.statut == "EN_ATTENTE"
    # Fix the cause, then replay.
    stock_entree(article=Article.objects.get(boutique=donnees), quantite=100, acteur=None)
    admin_client.post(url, {"action": "rejouer", "_selected_action": [q.pk]})
    q.refresh_from_db()
    assert q.statut == "REJOUEE" and q.vente is not None and q.traite_par is not None


def test_quarantaine_ecartee_garde_son_motif(admin_client, donnees):
    from magasin.ventes.models import VenteQuarantaine

    q = VenteQuarantaine.objects.get(numero_facture="A-2")
    url = reverse("admin:ventes_ventequarantaine_changelist")
    admin_client.post(
        url, {"action": "ecarter", "_selected_action": [q.pk], "confirmer": "1", "motif": "Vente test du caissier"}
    )
    q.refresh_from_db()
    assert (q.statut, q.motif_traitement) == ("ECARTEE", "Vente test du caissier")
    assert q.traite_le is not None
