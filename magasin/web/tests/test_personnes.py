"""The people pages: an owner or manager manages the accounts of their shops, nothing more."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from magasin.boutiques.models import Membre, Role
from magasin.boutiques.tests.factories import MembreFactory
from magasin.web.tests.conftest import client_de

pytestmark = pytest.mark.django_db

MDP = "un-mot-de-passe-solide"


def _creer(client, boutique, username, role):  # type: ignore[no-untyped-def]
    return client.post(
        "/personnes/nouvelle/",
        {"username": username, "boutique": boutique.pk, "role": role, "password1": MDP, "password2": MDP},
    )


def test_un_proprietaire_cree_un_gerant_qui_peut_se_connecter(monde):
    proprietaire = MembreFactory(boutique=monde.boutique, role=Role.PROPRIETAIRE).utilisateur
    r = _creer(client_de(proprietaire), monde.boutique, "nouveau-gerant", Role.GERANT)
    nouveau = get_user_model().objects.get(username="nouveau-gerant")
    assert r.status_code == 302 and r["Location"] == f"/personnes/{nouveau.pk}/"
    assert Membre.objects.get(utilisateur=nouveau).role == Role.GERANT
    from django.test import Client

    assert Client().login(username="nouveau-gerant", password=MDP)


def test_un_gerant_ne_peut_pas_creer_un_proprietaire(monde, client_gerant):
    page = client_gerant.get("/personnes/nouvelle/").content.decode()
    assert 'value="GERANT"' in page and 'value="PROPRIETAIRE"' not in page
    r = _creer(client_gerant, monde.boutique, "faux-proprio", Role.PROPRIETAIRE)
    assert r.status_code == 200
    assert not get_user_model().objects.filter(username="faux-proprio").exists()


def test_mots_de_passe_differents_ou_trop_courts_refuses_en_francais(monde, client_gerant):
    r = client_gerant.post(
        "/personnes/nouvelle/",
        {"username": "u1", "boutique": monde.boutique.pk, "role": "CAISSIER", "password1": MDP, "password2": "autre"},
    )
    assert "ne sont pas identiques" in r.content.decode()
    r = client_gerant.post(
        "/personnes/nouvelle/",
        {"username": "u1", "boutique": monde.boutique.pk, "role": "CAISSIER", "password1": "ab", "password2": "ab"},
    )
    assert "trop court" in r.content.decode()
    assert not get_user_model().objects.filter(username="u1").exists()


def test_rien_d_une_autre_boutique_par_url_ni_par_valeur_de_formulaire(monde, client_gerant):
    # Listing: the other shop's manager does not show.
    assert "gerant-autre" not in client_gerant.get("/personnes/").content.decode()
    autre = monde.gerant_autre
    assert client_gerant.get(f"/personnes/{autre.pk}/").status_code == 404
    for url, corps in (
        (f"/personnes/{autre.pk}/role/", {"boutique": monde.boutique.pk, "role": "CAISSIER"}),
        (f"/personnes/{autre.pk}/mot-de-passe/", {"password1": MDP, "password2": MDP}),
        (f"/personnes/{autre.pk}/activation/", {"actif": "0"}),
    ):
        assert client_gerant.post(url, corps).status_code == 404, url
    # Creating someone in the other shop, or giving the cashier a role there: a form error.
    r = _creer(client_gerant, monde.autre, "intrus", Role.CAISSIER)
    assert r.status_code == 200 and not get_user_model().objects.filter(username="intrus").exists()
    r = client_gerant.post(f"/personnes/{monde.caissier.pk}/role/", {"boutique": monde.autre.pk, "role": "CAISSIER"})
    assert r.status_code == 400
    autre.refresh_from_db()
    assert autre.is_active and not autre.check_password(MDP)
    assert list(Membre.objects.filter(boutique=monde.autre).values_list("utilisateur__username", flat=True)) == [
        "gerant-autre"
    ]


def test_un_caissier_ne_gere_personne(monde, client_caissier):
    assert "gerant" not in client_caissier.get("/personnes/").content.decode()
    assert client_caissier.get(f"/personnes/{monde.gerant.pk}/").status_code == 404
    assert _creer(client_caissier, monde.boutique, "x", Role.CAISSIER).status_code == 200
    assert not get_user_model().objects.filter(username="x").exists()


def test_reinitialiser_desactiver_et_changer_le_role_du_caissier(monde, client_gerant):
    c = monde.caissier
    r = client_gerant.post(f"/personnes/{c.pk}/mot-de-passe/", {"password1": MDP, "password2": MDP})
    assert r.status_code == 302
    c.refresh_from_db()
    assert c.check_password(MDP)
    client_gerant.post(f"/personnes/{c.pk}/role/", {"boutique": monde.boutique.pk, "role": "GERANT"})
    assert Membre.objects.get(utilisateur=c).role == Role.GERANT
    client_caissier = client_de(c)
    assert client_caissier.get("/").status_code == 200
    client_gerant.post(f"/personnes/{c.pk}/activation/", {"actif": "0"})
    c.refresh_from_db()
    assert not c.is_active
    # A deactivated account's open session ends; the account is kept (sales name it).
    assert client_caissier.get("/").status_code == 302
    assert "Désactivé" in client_gerant.get("/personnes/").content.decode()


def test_un_gerant_ne_touche_pas_au_proprietaire(monde, client_gerant):
    proprietaire = MembreFactory(boutique=monde.boutique, role=Role.PROPRIETAIRE).utilisateur
    r = client_gerant.post(f"/personnes/{proprietaire.pk}/activation/", {"actif": "0"})
    assert r.status_code == 403
    assert "rôle supérieur" in r.content.decode()
    proprietaire.refresh_from_db()
    assert proprietaire.is_active
