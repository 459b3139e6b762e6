"""`verifier_ventes` finds every fault seeded into the database, and nothing on a clean one."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.test import Client
from django.utils import timezone

from magasin.boutiques.services import terminal_desactiver
from magasin.boutiques.tests.factories import BoutiqueFactory, creer_terminal
from magasin.core.diagnostics import diagnostic_ventes
from magasin.core.tests.outils import SYNC, commande, commande_json, constats, vendre
from magasin.stock.tests.factories import creer_article
from magasin.ventes.models import LigneVente, SequenceFacture, Vente, VenteQuarantaine
from magasin.ventes.numerotation import formater_numero, mois_de

pytestmark = pytest.mark.django_db


@pytest.fixture
def saine():
    """A shop where everything went right: a terminal synced through the API, numbered sales."""
    boutique = BoutiqueFactory()
    terminal, jeton = creer_terminal(boutique)
    article = creer_article(boutique, stock=50)
    reponse = Client().post(
        SYNC,
        data=[
            {
                "sequence": 1,
                "lignes": [
                    {
                        "article_id": article.pk,
                        "quantite": 1,
                        "prix_unitaire": str(article.prix_vente),
                    }
                ],
            }
        ],
        content_type="application/json",
        headers={"X-Device-Serial": terminal.numero_serie, "Authorization": f"Bearer {jeton}"},
    )
    assert reponse.status_code == 201, reponse.content
    vendre(terminal, article, sequence=2)
    return boutique, terminal, article


def test_base_saine_sort_en_zero_sans_probleme(saine):
    statut, rapport = commande_json("verifier_ventes")
    assert statut == 0
    assert rapport["probleme"] is False
    assert all(c["nombre"] == 0 for c in rapport["constats"])
    statut, texte = commande("verifier_ventes")
    assert statut == 0
    assert "Résultat : aucun problème trouvé." in texte


def test_terminal_sans_boutique_est_signale():
    terminal, _ = creer_terminal(None)
    statut, rapport = commande_json("verifier_ventes")
    assert statut == 1
    constat = constats(rapport)["terminaux_sans_boutique"]
    assert [e["numero_serie"] for e in constat["elements"]] == [terminal.numero_serie]


def test_terminal_desactive_qui_appelle_encore_est_signale_avec_ses_tentatives(saine):
    boutique, _, article = saine
    terminal, jeton = creer_terminal(boutique)
    terminal_desactiver(terminal=terminal)
    corps = [{"lignes": [{"article_id": article.pk, "quantite": 1, "prix_unitaire": "1000"}]}]
    entetes = {"X-Device-Serial": terminal.numero_serie, "Authorization": f"Bearer {jeton}"}
    for _ in range(2):
        reponse = Client().post(SYNC, data=corps, content_type="application/json", headers=entetes)
        assert reponse.status_code == 404
    statut, rapport = commande_json("verifier_ventes", "--boutique", boutique.code)
    assert statut == 1
    (element,) = constats(rapport)["terminaux_inactifs_qui_synchronisent"]["elements"]
    assert element["numero_serie"] == terminal.numero_serie
    assert element["tentatives_refusees"] == 2


def test_terminal_sans_boutique_qui_appelle_compte_ses_tentatives():
    terminal, jeton = creer_terminal(None)
    entetes = {"X-Device-Serial": terminal.numero_serie, "Authorization": f"Bearer {jeton}"}
    reponse = Client().post(SYNC, data=[], content_type="application/json", headers=entetes)
    assert reponse.status_code == 400
    _, rapport = commande_json("verifier_ventes")
    (element,) = constats(rapport)["terminaux_sans_boutique"]["elements"]
    assert element["tentatives_refusees"] == 1


def test_numero_de_serie_inconnu_ne_cree_aucune_trace():
    reponse = Client().post(SYNC, data=[], content_type="application/json", headers={"X-Device-Serial": "INCONNU-1"})
    assert reponse.status_code == 404
    _, rapport = commande_json("verifier_ventes")
    assert constats(rapport)["terminaux_inactifs_qui_synchronisent"]["nombre"] == 0


def test_vente_sans_lignes_est_signalee(saine):
    _, terminal, article = saine
    vente = vendre(terminal, article, numero="T-SANS-LIGNES").resultats[0].vente
    LigneVente.objects.filter(vente=vente).delete()
    statut, rapport = commande_json("verifier_ventes")
    assert statut == 1
    (element,) = constats(rapport)["ventes_sans_lignes"]["elements"]
    assert element["numero_facture"] == "T-SANS-LIGNES"


def test_lignes_et_mouvements_orphelins_ou_d_une_autre_boutique_sont_signales(saine):
    from magasin.stock.models import MouvementStock

    boutique, _terminal, _article = saine
    autre = BoutiqueFactory()
    article_autre = creer_article(autre, stock=5)
    ligne = LigneVente.objects.filter(boutique=boutique).first()
    # Writes from outside the application (no database foreign key on these tables).
    LigneVente.objects.filter(pk=ligne.pk).update(article=article_autre)
    mouvement = MouvementStock.objects.filter(boutique=boutique, type_mouvement="VENTE").first()
    MouvementStock.objects.filter(pk=mouvement.pk).update(article_id=10**12)
    statut, rapport = commande_json("verifier_ventes")
    assert statut == 1
    elements = constats(rapport)["references_incoherentes"]["elements"]
    assert {
        "ligne_vente_id": ligne.pk,
        "boutique_id": boutique.pk,
        "vente_id": ligne.vente_id,
        "article_id": article_autre.pk,
    } in elements
    assert {"mouvement_id": mouvement.pk, "boutique_id": boutique.pk, "article_id": 10**12} in elements
    # Narrowed to the other shop: nothing of it is at fault.
    statut, rapport = commande_json("verifier_ventes", "--boutique", autre.code)
    assert constats(rapport)["references_incoherentes"]["nombre"] == 0


def test_vente_dont_le_total_differe_des_lignes_est_signalee(saine):
    _, terminal, article = saine
    vente = vendre(terminal, article, numero="T-TOTAL", quantite=2).resultats[0].vente
    Vente.objects.filter(pk=vente.pk).update(montant_total=vente.montant_total + 500)
    statut, rapport = commande_json("verifier_ventes")
    assert statut == 1
    (element,) = constats(rapport)["ventes_total_different_des_lignes"]["elements"]
    assert element["numero_facture"] == "T-TOTAL"
    assert element["somme_lignes"] == f"{vente.montant_total:.2f}"


def test_numero_en_double_est_impossible_par_construction(saine):
    boutique, _terminal, _article = saine
    vente = Vente.objects.filter(boutique=boutique).first()
    with pytest.raises(IntegrityError), transaction.atomic():
        Vente.objects.create(
            boutique=boutique,
            numero_facture=vente.numero_facture,
            montant_total=0,
            date_vente=timezone.now(),
            date_synchro=timezone.now(),
        )
    _, rapport = commande_json("verifier_ventes")
    constat = constats(rapport)["numeros_facture_en_double"]
    assert constat["nombre"] == 0
    assert "vente_numero_par_boutique" in constat["impossible_par_construction"]
    _, texte = commande("verifier_ventes")
    assert "impossible par construction" in texte


def test_vente_sans_boutique_est_impossible_par_construction(saine):
    with pytest.raises(IntegrityError), transaction.atomic():
        Vente.objects.create(
            boutique_id=None,
            numero_facture="ORPHELINE",
            montant_total=0,
            date_vente=timezone.now(),
            date_synchro=timezone.now(),
        )
    _, rapport = commande_json("verifier_ventes")
    constat = constats(rapport)["ventes_sans_boutique"]
    assert constat["nombre"] == 0
    assert constat["impossible_par_construction"]


def test_compteur_en_retard_sur_un_numero_serveur_envoye_par_un_terminal(saine):
    boutique, terminal, article = saine
    annee, mois = mois_de(timezone.now())
    compteur = SequenceFacture.objects.get(boutique=boutique, annee=annee, mois=mois)
    # A terminal (or an import) used a number of our own format, far above the counter.
    numero = formater_numero(boutique=boutique, annee=annee, mois=mois, numero=42)
    vendre(terminal, article, numero=numero)
    statut, rapport = commande_json("verifier_ventes")
    assert statut == 1
    (element,) = constats(rapport)["sequences_en_retard"]["elements"]
    assert element == {
        "boutique": boutique.code,
        "periode": f"{annee:04d}-{mois:02d}",
        "dernier_numero": compteur.dernier_numero,
        "plus_haut_utilise": 42,
    }


def test_numero_qui_ressemble_au_format_serveur_sans_en_etre_n_est_pas_compte(saine):
    boutique, terminal, article = saine
    annee, mois = mois_de(timezone.now())
    vendre(terminal, article, numero=f"{boutique.prefixe_facture}-{boutique.code}-{annee}{mois:02d}-A7")
    _, rapport = commande_json("verifier_ventes")
    assert constats(rapport)["sequences_en_retard"]["nombre"] == 0


def test_quarantaine_est_comptee_par_code_et_anciennete(saine):
    _boutique, terminal, article = saine
    vendre(terminal, article, numero="Q-1", article_id=999_999)
    vendre(terminal, article, numero="Q-2", article_id=999_998)
    vendre(terminal, article, numero="Q-3", quantite=10_000)
    VenteQuarantaine.objects.filter(numero_facture="Q-1").update(date_reception=timezone.now() - timedelta(days=10))
    statut, rapport = commande_json("verifier_ventes")
    assert statut == 1
    constat = constats(rapport)["quarantaine_en_attente"]
    assert constat["nombre"] == 3
    par_code = {e["code"]: e for e in constat["elements"]}
    assert par_code["ARTICLE_INTROUVABLE"]["ventes"] == 2
    assert par_code["ARTICLE_INTROUVABLE"]["plus_de_7_jours"] == 1
    assert par_code["ARTICLE_INTROUVABLE"]["age_jours"] == 10
    assert par_code["STOCK_INSUFFISANT"]["ventes"] == 1


def test_trous_de_sequence_d_un_terminal_sont_listes(saine):
    _, terminal, article = saine
    vendre(terminal, article, sequence=5)
    statut, rapport = commande_json("verifier_ventes")
    assert statut == 1
    (element,) = constats(rapport)["terminaux_trous_de_sequence"]["elements"]
    assert element["manquantes"] == 2
    assert element["exemples"] == [3, 4]


def test_terminal_silencieux_au_dela_de_n_jours(saine):
    _, terminal, _ = saine
    type(terminal).objects.filter(pk=terminal.pk).update(derniere_synchro=timezone.now() - timedelta(days=5))
    statut, rapport = commande_json("verifier_ventes", "--jours", "7")
    assert statut == 0
    statut, rapport = commande_json("verifier_ventes", "--jours", "3")
    assert statut == 1
    (element,) = constats(rapport)["terminaux_silencieux"]["elements"]
    assert (element["numero_serie"], element["jours"]) == (terminal.numero_serie, 5)


def test_option_boutique_limite_le_rapport_a_cette_boutique(saine):
    boutique, _terminal, _article = saine
    autre = BoutiqueFactory()
    autre_terminal, _ = creer_terminal(autre)
    vendre(autre_terminal, creer_article(autre), sequence=3)
    creer_terminal(None)
    assert commande("verifier_ventes", "--boutique", boutique.code)[0] == 0
    statut, rapport = commande_json("verifier_ventes", "--boutique", autre.code)
    assert statut == 1
    assert "terminaux_sans_boutique" not in constats(rapport)
    assert constats(rapport)["terminaux_trous_de_sequence"]["nombre"] == 1
    assert commande("verifier_ventes", "--boutique", "INCONNUE")[0] == 2


def test_diagnostic_ventes_coute_un_nombre_borne_de_requetes(saine, django_assert_max_num_queries):
    _boutique, terminal, article = saine
    for n in range(3, 40, 3):
        vendre(terminal, article, sequence=n, numero=f"B-{n}")
    with django_assert_max_num_queries(27):
        rapport = diagnostic_ventes()
    assert rapport.problemes
