"""People services: who may create accounts, grant roles, reset passwords and deactivate."""

from __future__ import annotations

import pytest

from magasin.boutiques.models import Membre, Role
from magasin.boutiques.services import (
    membre_changer_role,
    membre_creer,
    utilisateur_desactiver,
    utilisateur_reinitialiser_mot_de_passe,
)
from magasin.boutiques.tests.factories import BoutiqueFactory, MembreFactory
from magasin.core.erreurs import CodeErreur, ErreurMetier

pytestmark = pytest.mark.django_db

MDP = "un-mot-de-passe-solide"


def _membre(boutique, role):  # type: ignore[no-untyped-def]
    return MembreFactory(boutique=boutique, role=role).utilisateur


def test_un_proprietaire_cree_gerant_et_caissier():
    b = BoutiqueFactory()
    proprietaire = _membre(b, Role.PROPRIETAIRE)
    for nom, role in (("g1", Role.GERANT), ("c1", Role.CAISSIER)):
        u = membre_creer(acteur=proprietaire, boutique=b, username=nom, role=role, password=MDP)
        assert Membre.objects.get(utilisateur=u, boutique=b).role == role
        assert u.check_password(MDP)


def test_un_gerant_n_accorde_pas_plus_que_son_role():
    b = BoutiqueFactory()
    gerant = _membre(b, Role.GERANT)
    membre_creer(acteur=gerant, boutique=b, username="g2", role=Role.GERANT, password=MDP)
    with pytest.raises(ErreurMetier) as e:
        membre_creer(acteur=gerant, boutique=b, username="p2", role=Role.PROPRIETAIRE, password=MDP)
    assert e.value.code == CodeErreur.ACCES_REFUSE
    caissier = _membre(b, Role.CAISSIER)
    with pytest.raises(ErreurMetier):
        membre_changer_role(acteur=gerant, utilisateur=caissier, boutique=b, role=Role.PROPRIETAIRE)
    assert Membre.objects.get(utilisateur=caissier).role == Role.CAISSIER


def test_un_caissier_ne_cree_personne_et_un_gerant_rien_dans_une_autre_boutique():
    b, autre = BoutiqueFactory(), BoutiqueFactory()
    with pytest.raises(ErreurMetier):
        membre_creer(acteur=_membre(b, Role.CAISSIER), boutique=b, username="x", role=Role.CAISSIER, password=MDP)
    with pytest.raises(ErreurMetier):
        membre_creer(acteur=_membre(b, Role.GERANT), boutique=autre, username="y", role=Role.CAISSIER, password=MDP)
    assert not Membre.objects.filter(utilisateur__username__in=["x", "y"]).exists()


def test_mot_de_passe_trop_court_refuse_par_les_validateurs_de_django():
    b = BoutiqueFactory()
    with pytest.raises(ErreurMetier) as e:
        membre_creer(acteur=_membre(b, Role.PROPRIETAIRE), boutique=b, username="z", role=Role.CAISSIER, password="abc")
    assert e.value.code == CodeErreur.CHAMP_INVALIDE


def test_un_gerant_n_agit_pas_sur_un_proprietaire_ni_sur_soi():
    b = BoutiqueFactory()
    gerant, proprietaire = _membre(b, Role.GERANT), _membre(b, Role.PROPRIETAIRE)
    for action in (
        lambda: utilisateur_desactiver(acteur=gerant, utilisateur=proprietaire),
        lambda: utilisateur_reinitialiser_mot_de_passe(acteur=gerant, utilisateur=proprietaire, password=MDP),
        lambda: membre_changer_role(acteur=gerant, utilisateur=proprietaire, boutique=b, role=Role.CAISSIER),
        lambda: utilisateur_desactiver(acteur=gerant, utilisateur=gerant),
    ):
        with pytest.raises(ErreurMetier):
            action()
    proprietaire.refresh_from_db()
    assert proprietaire.is_active and not proprietaire.check_password(MDP)
    assert Membre.objects.get(utilisateur=proprietaire).role == Role.PROPRIETAIRE


def test_un_compte_partage_avec_une_boutique_non_geree_reste_hors_de_portee():
    """Resetting or deactivating an account touches every shop it belongs to."""
    b, autre = BoutiqueFactory(), BoutiqueFactory()
    gerant = _membre(b, Role.GERANT)
    partage = _membre(b, Role.CAISSIER)
    MembreFactory(boutique=autre, utilisateur=partage, role=Role.CAISSIER)
    with pytest.raises(ErreurMetier):
        utilisateur_desactiver(acteur=gerant, utilisateur=partage)
    partage.refresh_from_db()
    assert partage.is_active


def test_reinitialiser_desactiver_reactiver_changer_role_retirer():
    b = BoutiqueFactory()
    proprietaire, caissier = _membre(b, Role.PROPRIETAIRE), _membre(b, Role.CAISSIER)
    utilisateur_reinitialiser_mot_de_passe(acteur=proprietaire, utilisateur=caissier, password=MDP)
    caissier.refresh_from_db()
    assert caissier.check_password(MDP)
    utilisateur_desactiver(acteur=proprietaire, utilisateur=caissier)
    caissier.refresh_from_db()
    assert not caissier.is_active
    utilisateur_desactiver(acteur=proprietaire, utilisateur=caissier, actif=True)
    caissier.refresh_from_db()
    assert caissier.is_active
    membre_changer_role(acteur=proprietaire, utilisateur=caissier, boutique=b, role=Role.GERANT)
    assert Membre.objects.get(utilisateur=caissier, boutique=b).role == Role.GERANT
    membre_changer_role(acteur=proprietaire, utilisateur=caissier, boutique=b, role=None)
    assert not Membre.objects.filter(utilisateur=caissier).exists()
