"""The admin shows a terminal's token on a page of its own, never through the messages cookie."""

from __future__ import annotations

import pytest
from django.urls import reverse

from magasin.boutiques.models import Terminal
from magasin.boutiques.services import jeton_valide
from magasin.boutiques.tests.factories import BoutiqueFactory, creer_terminal

pytestmark = pytest.mark.django_db


def _jeton_de(page: str) -> str:
    return page.split('<code class="jeton">')[1].split("</code>")[0]


def test_creation_d_un_terminal_montre_le_jeton_sur_une_page_non_mise_en_cache(admin_client):
    boutique = BoutiqueFactory()
    reponse = admin_client.post(
        reverse("admin:boutiques_terminal_add"),
        {"numero_serie": "MAUI-ADM-1", "nom_terminal": "Caisse admin", "boutique": boutique.pk, "est_actif": "on"},
    )
    assert reponse.status_code == 200
    assert "no-store" in reponse["Cache-Control"]
    assert "messages" not in reponse.cookies
    jeton = _jeton_de(reponse.content.decode())
    assert jeton_valide(Terminal.objects.get(numero_serie="MAUI-ADM-1"), jeton)
    # Nothing left to show on the next page either.
    assert jeton not in admin_client.get(reverse("admin:boutiques_terminal_changelist")).content.decode()


def test_regeneration_montre_les_jetons_sur_une_page_non_mise_en_cache(admin_client):
    boutique = BoutiqueFactory()
    t1, ancien = creer_terminal(boutique, nom="Caisse 1")
    t2, _ = creer_terminal(boutique, nom="Caisse 2")
    reponse = admin_client.post(
        reverse("admin:boutiques_terminal_changelist"),
        {"action": "regenerer_jeton", "_selected_action": [t1.pk, t2.pk]},
    )
    assert reponse.status_code == 200
    assert "no-store" in reponse["Cache-Control"]
    assert "messages" not in reponse.cookies
    page = reponse.content.decode()
    jetons = [morceau.split("</code>")[0] for morceau in page.split('<code class="jeton">')[1:]]
    assert len(jetons) == 2
    t1.refresh_from_db()
    t2.refresh_from_db()
    assert any(jeton_valide(t1, j) for j in jetons) and any(jeton_valide(t2, j) for j in jetons)
    assert not jeton_valide(t1, ancien)
