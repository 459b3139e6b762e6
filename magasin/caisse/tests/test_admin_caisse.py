"""The till in the admin: documents read-only; a rate added goes through taux_fixer."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from magasin.caisse.models import Cloture, TauxChange
from magasin.caisse.tests.conftest import Caisses

pytestmark = pytest.mark.django_db


def test_taux_ajoute_par_l_admin_passe_par_le_service_et_documents_en_lecture_seule(monde: Caisses) -> None:
    admin = get_user_model().objects.create_superuser("admin-caisse", password="x")
    client = Client()
    client.force_login(admin)
    jour = timezone.localdate().isoformat()
    reponse = client.post(
        "/admin/caisse/tauxchange/add/", {"boutique": monde.boutique.pk, "jour": jour, "taux": "2800", "motif": ""}
    )
    assert reponse.status_code == 302
    taux = TauxChange.objects.get()
    assert taux.saisi_par == admin and taux.saisi_le is not None
    # A second rate the same day without a reason is refused by the service, nothing written.
    reponse = client.post(
        "/admin/caisse/tauxchange/add/",
        {"boutique": monde.boutique.pk, "jour": jour, "taux": "2900", "motif": ""},
        follow=True,
    )
    assert reponse.status_code == 200
    assert "indiquez le motif de la correction" in reponse.content.decode()
    assert TauxChange.objects.count() == 1
    for modele in ("cloture", "paiement", "mouvementcaisse", "client", "creance", "priseencompte"):
        assert client.get(f"/admin/caisse/{modele}/").status_code == 200
        assert client.get(f"/admin/caisse/{modele}/add/").status_code == 403
    assert not Cloture.objects.exists()
