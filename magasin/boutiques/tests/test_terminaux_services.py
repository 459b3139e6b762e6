"""Terminal services called by a web user: the actor must manage the shop(s)."""

from __future__ import annotations

import pytest

from magasin.boutiques.models import Role, Terminal
from magasin.boutiques.services import (
    jeton_valide,
    terminal_creer,
    terminal_deplacer,
    terminal_desactiver,
    terminal_revoquer_jeton,
    terminal_rotation_jeton,
)
from magasin.boutiques.tests.factories import BoutiqueFactory, MembreFactory, creer_terminal
from magasin.core.erreurs import CodeErreur, ErreurMetier

pytestmark = pytest.mark.django_db


def test_creer_un_terminal_demande_un_gerant_de_la_boutique():
    b = BoutiqueFactory()
    gerant = MembreFactory(boutique=b, role=Role.GERANT).utilisateur
    caissier = MembreFactory(boutique=b, role=Role.CAISSIER).utilisateur
    terminal, jeton = terminal_creer(acteur=gerant, boutique=b, nom_terminal="Caisse", numero_serie=" SN-1 ")
    assert terminal.numero_serie == "SN-1" and jeton_valide(terminal, jeton)
    with pytest.raises(ErreurMetier) as e:
        terminal_creer(acteur=caissier, boutique=b, nom_terminal="Caisse 2", numero_serie="SN-2")
    assert e.value.code == CodeErreur.ACCES_REFUSE
    with pytest.raises(ErreurMetier):
        terminal_creer(acteur=gerant, boutique=b, nom_terminal="Doublon", numero_serie="SN-1")
    assert Terminal.objects.count() == 1


def test_rotation_revocation_desactivation_refusees_hors_de_ses_boutiques():
    b, autre = BoutiqueFactory(), BoutiqueFactory()
    gerant = MembreFactory(boutique=b, role=Role.GERANT).utilisateur
    terminal, jeton = creer_terminal(autre)
    for action in (terminal_rotation_jeton, terminal_revoquer_jeton, terminal_desactiver):
        with pytest.raises(ErreurMetier):
            action(terminal=terminal, acteur=gerant)
    terminal.refresh_from_db()
    assert terminal.est_actif and jeton_valide(terminal, jeton)


def test_deplacer_demande_gerant_des_deux_boutiques():
    b, c, autre = BoutiqueFactory(), BoutiqueFactory(), BoutiqueFactory()
    gerant = MembreFactory(boutique=b, role=Role.GERANT).utilisateur
    MembreFactory(boutique=c, utilisateur=gerant, role=Role.GERANT)
    MembreFactory(boutique=autre, utilisateur=gerant, role=Role.CAISSIER)
    terminal, _ = creer_terminal(b)
    with pytest.raises(ErreurMetier):
        terminal_deplacer(acteur=gerant, terminal=terminal, boutique=autre)
    terminal.refresh_from_db()
    assert terminal.boutique == b
    terminal_deplacer(acteur=gerant, terminal=terminal, boutique=c)
    terminal.refresh_from_db()
    assert terminal.boutique == c
