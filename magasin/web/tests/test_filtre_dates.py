"""The back-office's date filters: an end date covers its whole Kinshasa day (issue 17), as in the API."""

from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

from django.db import transaction
from django.test import Client

from magasin.stock.models import TypeMouvement
from magasin.stock.services import registre_ouvrir
from magasin.stock.tests.factories import creer_article
from magasin.web.tests.conftest import Monde

KINSHASA = ZoneInfo("Africa/Kinshasa")
# Ten moments of 4 November 2026, from its first instant to its last millisecond, then the
# last millisecond of the day before and the first instant of the day after.
JOURNEE = [
    datetime(2026, 11, 4, h, m, s, us, tzinfo=KINSHASA)
    for h, m, s, us in [
        (0, 0, 0, 0),
        (0, 0, 1, 0),
        (7, 30, 0, 0),
        (9, 15, 0, 0),
        (11, 59, 59, 0),
        (12, 0, 0, 0),
        (15, 45, 0, 0),
        (18, 20, 0, 0),
        (22, 10, 0, 0),
        (23, 59, 59, 999000),
    ]
]
VEILLE = datetime(2026, 11, 3, 23, 59, 59, 999000, tzinfo=KINSHASA)
LENDEMAIN = datetime(2026, 11, 5, tzinfo=KINSHASA)


def test_historique_date_fin_couvre_toute_la_journee(monde: Monde, client_gerant: Client):
    # Recorded as a terminal records them: through the sync.
    lot = [
        {
            "numero_facture": f"J-{i:02d}",
            "date_vente": moment.isoformat(),
            "lignes": [{"article_id": monde.article.pk, "quantite": 1, "prix_unitaire": 1250000}],
        }
        for i, moment in enumerate([VEILLE, *JOURNEE, LENDEMAIN])
    ]
    entetes = {"X-Device-Serial": monde.terminal.numero_serie, "Authorization": f"Bearer {monde.jeton}"}
    r = Client().post("/api/v2/simple/ventes/sync", json.dumps(lot), content_type="application/json", headers=entetes)
    assert r.status_code == 201 and r.json()["statistiques"]["nouvelles"] == 12, r.content[:300]
    r = client_gerant.get("/ventes/", {"date_debut": "2026-11-04", "date_fin": "2026-11-04"})
    assert r.status_code == 200
    assert sorted(v.numero_facture for v in r.context["page"].object_list) == [f"J-{i:02d}" for i in range(1, 11)]
    contenu = r.content.decode()
    assert all(f"J-{i:02d}" in contenu for i in range(1, 11))
    assert "J-00" not in contenu and "J-11" not in contenu
    # The CSV export applies the same filters.
    r = client_gerant.get("/ventes/", {"date_fin": "2026-11-04", "format": "csv"})
    export = b"".join(r.streaming_content).decode("utf-8-sig")
    assert [f"J-{i:02d}" in export for i in range(12)] == [True] * 11 + [False]


def test_mouvements_date_fin_couvre_toute_la_journee(monde: Monde, client_gerant: Client):
    article = creer_article(monde.boutique, stock=0, nom="Huile Mbuji 1 L")
    for i, moment in enumerate([VEILLE, *JOURNEE, LENDEMAIN]):
        with transaction.atomic():
            registre = registre_ouvrir(
                boutique=monde.boutique, article_ids=[article.pk], utilisateur="tests", moment=moment
            )
            registre.mouvement(
                article_id=article.pk, quantite=1, type_mouvement=TypeMouvement.ENTREE, reference_document=f"L-{i:02d}"
            )
            registre.ecrire()
    r = client_gerant.get("/stock/", {"article": article.pk, "date_debut": "2026-11-04", "date_fin": "2026-11-04"})
    assert r.status_code == 200
    lus = sorted(m.reference_document for m in r.context["page"].object_list)
    assert lus == [f"L-{i:02d}" for i in range(1, 11)]


def test_date_illisible_ou_hors_limites_est_une_erreur_de_formulaire(monde: Monde, client_gerant: Client):
    for valeur in ("04/11/2026", "2026-02-30", "0001-01-01"):
        r = client_gerant.get("/ventes/", {"date_debut": valeur})
        assert r.status_code == 200
        assert r.context["erreurs"] == {"date_debut": "Date attendue (AAAA-MM-JJ)."}
