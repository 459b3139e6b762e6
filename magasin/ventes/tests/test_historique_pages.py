"""The history's pages of the second half are read from the list's other end (issue 21: the
last page of a year of sales was an OFFSET of 370,000 rows): every page holds exactly the sales
the plain OFFSET gives, in the same order, whatever the filters."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client

from magasin.caisse.tests.mondes import Monde, monde_creer
from magasin.stock.tests.factories import creer_article
from magasin.ventes.selectors import ventes_de_boutiques
from magasin.web.tests.test_rapports import AUJOURD_HUI, _moment, _web

pytestmark = pytest.mark.django_db


@pytest.fixture
def monde(db: None) -> Monde:
    return monde_creer(stock=1000)


@pytest.mark.parametrize("filtres", [{}, {"mode_paiement": "CASH"}, {"statut": "VALIDEE"}])
def test_chaque_page_de_l_historique_comme_par_offset(monde, monkeypatch, filtres):  # type: ignore[no-untyped-def]
    monkeypatch.setattr("magasin.web.views.ventes.PAR_PAGE", 3)
    pain = creer_article(monde.boutique, stock=1000, prix="1000", nom="Pain", code="PAIN")
    # Eleven sales, two at the same moment (the order then falls back to the id).
    for n in range(11):
        moment = _moment(AUJOURD_HUI - timedelta(days=n // 2), 10)
        _web(monde, pain, 1 + n % 3, moment, mode="CASH" if n % 4 else "MOBILE_MONEY")
    attendu = list(
        ventes_de_boutiques(
            boutiques=[monde.boutique],
            mode_paiement=filtres.get("mode_paiement"),
            statut=filtres.get("statut"),
        ).values_list("pk", flat=True)
    )
    assert len(attendu) >= 7
    client = Client()
    client.force_login(monde.gerant)
    lues = []
    pages = (len(attendu) + 2) // 3
    for numero in range(1, pages + 1):
        page = client.get("/ventes/", {**filtres, "page": numero}).context["page"]
        lues += [v.pk for v in page.object_list]
    assert lues == attendu
    # Past the end: the last page, read from the other end too.
    derniere = client.get("/ventes/", {**filtres, "page": 99}).context["page"]
    assert [v.pk for v in derniere.object_list] == attendu[(pages - 1) * 3 :]
