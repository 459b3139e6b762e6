"""Closings submitted at once: one per key, one first closing per till and day (real threads)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone

from magasin.boutiques.models import Role
from magasin.boutiques.tests.factories import BoutiqueFactory, MembreFactory, creer_terminal
from magasin.caisse.models import Cloture, LigneCloture
from magasin.caisse.selectors import Caisse
from magasin.caisse.services import cloture_enregistrer
from magasin.core.erreurs import CodeErreur, ErreurMetier
from magasin.ventes.tests.fils import en_parallele

pytestmark = [pytest.mark.concurrence, pytest.mark.django_db(transaction=True)]


def test_double_envoi_simultane_et_clotures_concurrentes() -> None:
    boutique = BoutiqueFactory()
    gerant = MembreFactory(boutique=boutique, role=Role.GERANT).utilisateur
    terminal, _ = creer_terminal(boutique)
    caisse = Caisse(boutique=boutique, terminal=terminal)
    jour = timezone.localdate()
    obtenues: list[int] = []

    def envoyer(cle: str) -> None:
        cloture = cloture_enregistrer(
            caisse=caisse, jour=jour, comptes={("CASH", "CDF"): Decimal("0")}, cle=cle, utilisateur=gerant
        )
        obtenues.append(cloture.pk)

    # The same form posted six times at once, and two other managers' forms for the same till.
    erreurs = en_parallele([lambda: envoyer("meme-cle")] * 6 + [lambda: envoyer("autre-1"), lambda: envoyer("autre-2")])
    assert Cloture.objects.count() == 1
    gagnante = Cloture.objects.get()
    assert all(isinstance(e, ErreurMetier) and e.code == CodeErreur.CLOTURE_PERIMEE for e in erreurs), erreurs
    assert set(obtenues) == {gagnante.pk}
    assert len(obtenues) + len(erreurs) == 8
    assert LigneCloture.objects.filter(cloture=gagnante).count() == 2  # CASH CDF and CASH USD, once
