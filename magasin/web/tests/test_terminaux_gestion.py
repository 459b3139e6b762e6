"""Terminal management without the admin: creation with a setup sheet shown once (POST-redirect-
GET), rotation that a reload does not repeat, move to another shop, isolation."""

from __future__ import annotations

import re

import pytest

from magasin.boutiques.models import Role, Terminal
from magasin.boutiques.services import jeton_valide
from magasin.boutiques.tests.factories import MembreFactory
from magasin.web.tests.conftest import client_de

pytestmark = pytest.mark.django_db


def _jeton(page: str) -> str | None:
    trouve = re.search(r'id="jeton">([^<]+)<', page)
    return trouve.group(1) if trouve else None


def test_creer_un_terminal_affiche_la_fiche_d_installation_une_seule_fois(monde, client_gerant):
    r = client_gerant.post(
        "/terminaux/nouveau/", {"nom_terminal": "Caisse 2", "numero_serie": "SN-NEUF", "boutique": monde.boutique.pk}
    )
    terminal = Terminal.objects.get(numero_serie="SN-NEUF")
    assert r.status_code == 302 and r["Location"] == f"/terminaux/{terminal.pk}/jeton/"
    # The token is kept server-side for the redirect, never in a cookie.
    assert "mgs_" not in str(r.cookies)
    r = client_gerant.get(r["Location"])
    assert r["Cache-Control"] == "no-store"
    page = r.content.decode()
    jeton = _jeton(page)
    assert jeton and jeton_valide(terminal, jeton)
    assert "http://testserver/" in page and "SN-NEUF" in page
    assert 'src="data:image/svg+xml' in page and "data-imprimer" in page
    # A reload shows the sheet without the token, and nothing changed.
    recharge = client_gerant.get(f"/terminaux/{terminal.pk}/jeton/").content.decode()
    assert jeton not in recharge and "Déjà affiché" in recharge
    terminal.refresh_from_db()
    assert jeton_valide(terminal, jeton)
    assert terminal.boutique == monde.boutique


def test_rotation_puis_rechargement_ne_tourne_pas_deux_fois(monde, client_gerant):
    r = client_gerant.post(f"/terminaux/{monde.terminal.pk}/rotation/")
    assert r.status_code == 302
    jeton = _jeton(client_gerant.get(r["Location"]).content.decode())
    monde.terminal.refresh_from_db()
    empreinte = monde.terminal.jeton_hash
    assert jeton and jeton_valide(monde.terminal, jeton) and not jeton_valide(monde.terminal, monde.jeton)
    client_gerant.get(r["Location"])
    monde.terminal.refresh_from_db()
    assert monde.terminal.jeton_hash == empreinte


def test_numero_de_serie_en_double_est_une_erreur_de_formulaire(monde, client_gerant):
    r = client_gerant.post(
        "/terminaux/nouveau/",
        {"nom_terminal": "Doublon", "numero_serie": monde.terminal.numero_serie, "boutique": monde.boutique.pk},
    )
    assert r.status_code == 200 and "déjà" in r.content.decode()


def test_rien_d_une_autre_boutique_par_url_ni_par_valeur_de_formulaire(monde, client_gerant, client_caissier):
    r = client_gerant.post(
        "/terminaux/nouveau/", {"nom_terminal": "Intrus", "numero_serie": "SN-INTRUS", "boutique": monde.autre.pk}
    )
    assert r.status_code == 200 and not Terminal.objects.filter(numero_serie="SN-INTRUS").exists()
    assert client_gerant.get(f"/terminaux/{monde.terminal_autre.pk}/jeton/").status_code == 404
    assert (
        client_gerant.post(
            f"/terminaux/{monde.terminal_autre.pk}/deplacer/", {"boutique": monde.boutique.pk}
        ).status_code
        == 404
    )
    # Moving one's own terminal into a shop one does not manage: refused.
    client_gerant.post(f"/terminaux/{monde.terminal.pk}/deplacer/", {"boutique": monde.autre.pk})
    monde.terminal.refresh_from_db()
    monde.terminal_autre.refresh_from_db()
    assert monde.terminal.boutique == monde.boutique and monde.terminal_autre.boutique == monde.autre
    # A cashier creates nothing and sees no sheet.
    r = client_caissier.post(
        "/terminaux/nouveau/", {"nom_terminal": "C", "numero_serie": "SN-C", "boutique": monde.boutique.pk}
    )
    assert not Terminal.objects.filter(numero_serie="SN-C").exists()
    assert client_caissier.get(f"/terminaux/{monde.terminal.pk}/jeton/").status_code == 404


def test_un_jeton_en_attente_ne_s_affiche_que_sur_son_terminal(monde, client_gerant):
    autre_terminal = Terminal.objects.create(numero_serie="SN-X", nom_terminal="X", boutique=monde.boutique)
    r = client_gerant.post(f"/terminaux/{monde.terminal.pk}/rotation/")
    assert _jeton(client_gerant.get(f"/terminaux/{autre_terminal.pk}/jeton/").content.decode()) is None
    assert _jeton(client_gerant.get(r["Location"]).content.decode())


def test_deplacer_vers_une_autre_boutique_geree(monde, client_gerant):
    MembreFactory(boutique=monde.autre, utilisateur=monde.gerant, role=Role.GERANT)
    page = client_gerant.get("/terminaux/").content.decode()
    assert f'action="/terminaux/{monde.terminal.pk}/deplacer/"' in page
    r = client_gerant.post(f"/terminaux/{monde.terminal.pk}/deplacer/", {"boutique": monde.autre.pk})
    assert r.status_code == 302
    monde.terminal.refresh_from_db()
    assert monde.terminal.boutique == monde.autre


def test_un_proprietaire_cree_depuis_la_liste(monde):
    proprietaire = MembreFactory(boutique=monde.boutique, role=Role.PROPRIETAIRE).utilisateur
    client = client_de(proprietaire)
    assert 'href="/terminaux/nouveau/"' in client.get("/terminaux/").content.decode()
    page = client.get("/terminaux/nouveau/").content.decode()
    # One shop managed: it is preselected.
    assert f'<option value="{monde.boutique.pk}" selected>' in page
