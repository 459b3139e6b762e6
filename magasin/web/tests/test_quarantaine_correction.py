"""A sale that could not be read is kept as sent; a manager corrects it, replays it, and the
terminal's resend of the original is then recognised, never recorded twice."""

from __future__ import annotations

import json

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
