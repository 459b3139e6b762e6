"""Setting up terminals and users from the shell, without the admin."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth import authenticate, get_user_model

from magasin.boutiques.models import Membre, Role, Terminal
from magasin.boutiques.services import jeton_valide, terminal_authentifier
from magasin.boutiques.tests.factories import BoutiqueFactory, creer_terminal
from magasin.core.tests.outils import commande, commande_json

pytestmark = pytest.mark.django_db


def test_creer_terminal_rattache_a_la_boutique_et_donne_un_jeton_qui_authentifie():
    boutique = BoutiqueFactory()
    statut, sortie = commande_json(
        "creer_terminal", "--serie", "CAISSE-07", "--nom", "Caisse 7", "--boutique", boutique.code
    )
    assert statut == 0
    terminal = Terminal.objects.get(numero_serie="CAISSE-07")
    assert terminal.boutique == boutique and not terminal.serie_seule
    assert sortie["jeton"] not in terminal.jeton_hash  # only a hash is kept
    assert terminal_authentifier(numero_serie="CAISSE-07", jeton=sortie["jeton"]) == terminal


def test_creer_terminal_refuse_un_numero_de_serie_existant_et_une_boutique_inconnue():
    terminal, _ = creer_terminal(BoutiqueFactory())
    assert commande("creer_terminal", "--serie", terminal.numero_serie, "--nom", "x")[0] == 2
    assert commande("creer_terminal", "--serie", "NEUF", "--nom", "x", "--boutique", "NON")[0] == 2
    assert not Terminal.objects.filter(numero_serie="NEUF").exists()


def test_rotation_jeton_invalide_l_ancien_jeton():
    terminal, ancien = creer_terminal(BoutiqueFactory())
    statut, texte = commande("rotation_jeton", "--serie", terminal.numero_serie)
    assert statut == 0
    nouveau = texte.split("Jeton (affiché une seule fois) : ")[1].split()[0]
    terminal.refresh_from_db()
    assert jeton_valide(terminal, nouveau)
    assert not jeton_valide(terminal, ancien)
    assert commande("rotation_jeton", "--serie", "INCONNU")[0] == 2


def test_creer_utilisateur_avec_boutique_et_role_lit_le_mot_de_passe_sur_stdin():
    boutique = BoutiqueFactory()
    statut, sortie = commande_json(
        "creer_utilisateur",
        "--nom",
        "gerante",
        "--boutique",
        boutique.code,
        "--role",
        "GERANT",
        "--mot-de-passe-stdin",
        stdin=StringIO("un-mot-de-passe-solide\n"),
    )
    assert statut == 0 and sortie["role"] == "GERANT"
    utilisateur = authenticate(username="gerante", password="un-mot-de-passe-solide")
    assert utilisateur is not None
    assert Membre.objects.get(utilisateur=utilisateur).role == Role.GERANT
    assert "un-mot-de-passe-solide" not in str(sortie)


def test_creer_utilisateur_refuse_mot_de_passe_court_boutique_absente_et_doublon():
    boutique = BoutiqueFactory()
    assert (
        commande(
            "creer_utilisateur",
            "--nom",
            "a",
            "--boutique",
            boutique.code,
            "--mot-de-passe-stdin",
            stdin=StringIO("court\n"),
        )[0]
        == 2
    )
    assert commande("creer_utilisateur", "--nom", "b", "--mot-de-passe-stdin", stdin=StringIO("x" * 12))[0] == 2
    assert not get_user_model().objects.filter(username__in=["a", "b"]).exists()
    options = ("--nom", "c", "--boutique", boutique.code, "--mot-de-passe-stdin")
    assert commande("creer_utilisateur", *options, stdin=StringIO("m" * 12))[0] == 0
    assert commande("creer_utilisateur", *options, stdin=StringIO("m" * 12))[0] == 2


def test_creer_utilisateur_sans_terminal_ni_stdin_refuse_de_deviner():
    boutique = BoutiqueFactory()
    statut, _ = commande("creer_utilisateur", "--nom", "d", "--boutique", boutique.code, stdin=StringIO(""))
    assert statut == 2
