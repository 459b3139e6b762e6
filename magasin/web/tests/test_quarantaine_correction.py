"""A sale that could not be read is kept as sent; a manager corrects it, replays it, and the
terminal's resend of the original is then recognised, never recorded twice."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from magasin.ventes.models import StatutQuarantaine, Vente, VenteQuarantaine
from magasin.web.tests.outils import synchroniser

pytestmark = pytest.mark.django_db


def _illisible(monde):  # type: ignore[no-untyped-def]
    envoyee = {
        "numero_facture": "T1-ILL",
        "remise": 0,
        "lignes": [{"article_id": monde.article.pk, "quantite": "une", "prix_unitaire": 1250000}],
    }
    corps = synchroniser(monde.terminal, monde.jeton, [envoyee])
    assert corps["details"]["erreurs"][0]["code"] == "QUANTITE_INVALIDE"
    return envoyee, VenteQuarantaine.objects.get(numero_facture="T1-ILL")


def test_correction_gardee_a_cote_de_l_envoi_puis_rejouee(monde, client_gerant):
    envoyee, q = _illisible(monde)
    page = client_gerant.get(f"/quarantaine/{q.pk}/").content.decode()
    assert "&quot;une&quot;" in page  # what the terminal sent is shown as it came
    corrigee = {**envoyee, "lignes": [{**envoyee["lignes"][0], "quantite": 1}]}
    r = client_gerant.post(f"/quarantaine/{q.pk}/corriger/", {"json": json.dumps(corrigee)})
    assert r.status_code == 302
    q.refresh_from_db()
    assert q.payload == envoyee and q.payload_corrige == corrigee
    assert q.corrige_par == monde.gerant and q.corrige_le is not None
    assert client_gerant.post(f"/quarantaine/{q.pk}/rejouer/").status_code == 302
    q.refresh_from_db()
    assert q.statut == StatutQuarantaine.REJOUEE
    assert q.vente.lignes.get().quantite == 1
    # The terminal never learnt: it sends the original again. Recognised, not re-quarantined.
    corps = synchroniser(monde.terminal, monde.jeton, [envoyee])
    assert corps["details"]["creees"][0]["status"] == "already_exists"
    assert Vente.objects.count() == 1 and VenteQuarantaine.objects.count() == 1


def test_correction_encore_illisible_refusee_et_non_gardee(monde, client_gerant):
    _, q = _illisible(monde)
    r = client_gerant.post(f"/quarantaine/{q.pk}/corriger/", {"json": '{"numero_facture": "T1-ILL", "lignes": []}'})
    assert r.status_code == 422
    assert "Champ « lignes » : au moins 1 élément" in r.content.decode()
    r = client_gerant.post(f"/quarantaine/{q.pk}/corriger/", {"json": "{pas du json"})
    assert r.status_code == 400
    q.refresh_from_db()
    assert q.payload_corrige is None


def test_caissier_ne_peut_pas_corriger(monde, client_caissier):
    envoyee, q = _illisible(monde)
    r = client_caissier.post(f"/quarantaine/{q.pk}/corriger/", {"json": json.dumps(envoyee)})
    assert r.status_code == 403
    q.refresh_from_db()
    assert q.payload_corrige is None


def test_page_de_quarantaine_d_une_vente_qui_n_est_pas_un_objet(monde, client_gerant):
    synchroniser(monde.terminal, monde.jeton, [42, {"lignes": "abc"}])
    for q in VenteQuarantaine.objects.all():
        assert client_gerant.get(f"/quarantaine/{q.pk}/").status_code == 200


def _lignes(formulaire: dict[str, object], lignes: list[tuple[object, object, object]]) -> dict[str, object]:
    donnees: dict[str, object] = {"form-TOTAL_FORMS": len(lignes), "form-INITIAL_FORMS": len(lignes), **formulaire}
    for i, (article, quantite, prix) in enumerate(lignes):
        donnees.update({f"form-{i}-article": article, f"form-{i}-quantite": quantite, f"form-{i}-prix_unitaire": prix})
    return donnees


def _article_inconnu(monde):  # type: ignore[no-untyped-def]
    envoyee = {
        "numero_facture": "T1-INC",
        "mode_paiement": "M-PESA",
        "lignes": [{"article_id": 999_999, "quantite": 2, "prix_unitaire": 1000, "nom_article": "Riz"}],
    }
    synchroniser(monde.terminal, monde.jeton, [envoyee])
    q = VenteQuarantaine.objects.get(numero_facture="T1-INC")
    assert q.code == "ARTICLE_INTROUVABLE"
    return envoyee, q


def test_ligne_pointee_vers_un_article_de_la_boutique_puis_rejouee(monde, client_gerant):
    envoyee, q = _article_inconnu(monde)
    page = client_gerant.get(f"/quarantaine/{q.pk}/").content.decode()
    assert 'id="corriger-lignes"' in page and "Sac de riz 25 kg" in page
    r = client_gerant.post(f"/quarantaine/{q.pk}/corriger-lignes/", _lignes({}, [(monde.article.pk, 1, "1250000")]))
    assert r.status_code == 302, r.content.decode()[:500]
    q.refresh_from_db()
    assert q.payload == envoyee  # what the terminal sent stays as it was
    assert q.payload_corrige["lignes"] == [
        {"article_id": monde.article.pk, "quantite": 1, "prix_unitaire": "1250000", "nom_article": "Riz"}
    ]
    assert q.payload_corrige["mode_paiement"] == "M-PESA" and q.corrige_par == monde.gerant
    assert client_gerant.post(f"/quarantaine/{q.pk}/rejouer/").status_code == 302
    q.refresh_from_db()
    ligne = q.vente.lignes.get()
    assert (ligne.article_id, ligne.quantite) == (monde.article.pk, 1)
    monde.article.refresh_from_db()
    assert monde.article.quantite_stock == 19


@pytest.mark.parametrize(
    ("valeurs", "message"),
    [
        ((None, 1, "10"), "Ce champ est obligatoire"),
        (("autre", 1, "10"), "Sélectionnez un choix valide"),
        (("article", 0, "10"), "supérieure ou égale à 1"),
        (("article", 99999999999999999999, "10"), "inférieure ou égale à 1000000"),
        (("article", 1, "9223372036854775000"), "inférieure ou égale à 999999999999.99"),
        (("article", 1, "-1"), "supérieure ou égale à 0"),
    ],
)
def test_ligne_corrigee_invalide_refusee_en_francais_rien_garde(monde, client_gerant, valeurs, message):
    _, q = _article_inconnu(monde)
    article, quantite, prix = valeurs
    choix = {"article": monde.article.pk, "autre": monde.article_autre.pk, None: ""}[article]
    r = client_gerant.post(f"/quarantaine/{q.pk}/corriger-lignes/", _lignes({}, [(choix, quantite, prix)]))
    assert r.status_code == 400
    assert message in r.content.decode()
    q.refresh_from_db()
    assert q.payload_corrige is None


def test_vente_sans_date_rejouee_garde_le_jour_ou_le_terminal_l_a_envoyee(monde, client_gerant):
    synchroniser(
        monde.terminal,
        monde.jeton,
        [
            {
                "numero_facture": "T1-HIER",
                "lignes": [{"article_id": monde.article.pk, "quantite": 25, "prix_unitaire": 1}],
            }
        ],
    )
    q = VenteQuarantaine.objects.get(numero_facture="T1-HIER")
    hier = q.date_reception - timedelta(days=1)
    VenteQuarantaine.objects.filter(pk=q.pk).update(date_reception=hier)
    client_gerant.post("/stock/livraison/", {"article": monde.article.pk, "quantite": 10})
    assert client_gerant.post(f"/quarantaine/{q.pk}/rejouer/").status_code == 302
    q.refresh_from_db()
    assert q.vente.date_vente == hier
