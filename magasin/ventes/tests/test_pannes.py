"""Crashes and concurrency: a worker killed mid-batch, a connection cut mid-batch, 32 writers.

Each time: every sale exactly once after the retry, nothing half-written, stock and ledger exact.
"""

from __future__ import annotations

import json
import os
import re
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client

from magasin.boutiques.models import Boutique
from magasin.boutiques.tests.factories import BoutiqueFactory, creer_terminal
from magasin.stock.models import Article, MouvementStock
from magasin.stock.tests.factories import creer_article
from magasin.stock.tests.invariants import verifier_registre
from magasin.ventes.models import SequenceFacture, Vente
from magasin.ventes.tests.fils import en_parallele

from .serveur import gunicorn

pytestmark = [pytest.mark.concurrence, pytest.mark.django_db(transaction=True)]

BACKEND = os.environ.get("MAGASIN_BACKEND_SOUS_TEST", "sqlite")


def exiger_postgres() -> None:
    if connection.vendor != "postgresql":
        pytest.skip(
            f"needs PostgreSQL (gunicorn against the test database, pg_stat_activity); backend is {connection.vendor}"
        )


def _lot(prefixe: str, articles: list[Article], n: int) -> list[dict[str, Any]]:
    return [
        {
            "numero_facture": f"{prefixe}-{i:04d}",
            "lignes": [
                {"article_id": a.pk, "quantite": 1, "prix_unitaire": 100} for a in articles[i % 2 :] + articles[: i % 2]
            ],
        }
        for i in range(n)
    ]


def _attendre_transaction_du_lot(exclure: int, pid: int | None = None, delai: float = 60) -> int:
    """Pid of a backend of the test database inside the batch's write transaction."""
    fin = time.monotonic() + delai
    with connection.cursor() as c:
        while time.monotonic() < fin:
            c.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> %s "
                "AND backend_xid IS NOT NULL AND state <> 'idle' AND query NOT ILIKE '%%derniere_synchro%%' "
                + ("AND pid = %s" if pid else ""),
                [exclure, pid] if pid else [exclure],
            )
            ligne = c.fetchone()
            if ligne:
                return int(ligne[0])
            time.sleep(0.002)
    raise AssertionError("the batch never started its transaction")


def _etat(articles: list[Article]) -> tuple[int, int, list[int]]:
    return (
        Vente.objects.count(),
        MouvementStock.objects.filter(type_mouvement="VENTE").count(),
        [Article.objects.get(pk=a.pk).quantite_stock for a in articles],
    )


def test_lot_renvoye_apres_sigkill_de_l_ouvrier_chaque_vente_une_seule_fois():
    exiger_postgres()
    if BACKEND == "pgbouncer":
        # Its pid here may serve the worker's batch next: the batch cannot be told apart.
        pytest.skip("pg_backend_pid() names a session; PgBouncer's transaction pooling has none")
    boutique = BoutiqueFactory()
    articles = [creer_article(boutique, stock=10_000) for _ in range(3)]
    terminal, jeton = creer_terminal(boutique)
    entetes = {"X-Device-Serial": terminal.numero_serie, "Authorization": f"Bearer {jeton}"}
    lot = _lot("K", articles, 500)
    with connection.cursor() as c:
        c.execute("SELECT pg_backend_pid()")
        moi = c.fetchone()[0]
    with gunicorn() as serveur:
        serveur.attendre_pret(entetes)
        reponse: dict[str, Any] = {}

        def envoyer() -> None:
            try:
                reponse["statut"] = serveur.requete("POST", "/api/v2/simple/ventes/sync", lot, entetes)[0]
            except OSError as exc:  # the worker died under the request: what the terminal sees
                reponse["erreur"] = exc

        fil = threading.Thread(target=envoyer)
        fil.start()
        _attendre_transaction_du_lot(exclure=moi)
        tues = serveur.tuer_ouvriers()
        fil.join(timeout=120)
        assert tues and "statut" not in reponse, reponse
        # The killed worker's transaction is rolled back whole: nothing, or (if it had just
        # committed) everything.
        fin = time.monotonic() + 30
        while time.monotonic() < fin:
            with connection.cursor() as c:
                c.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND backend_xid IS NOT NULL AND pid <> %s",
                    [moi],
                )
                if c.fetchone()[0] == 0:
                    break
            time.sleep(0.05)
        ventes, mouvements, _stocks = _etat(articles)
        assert (ventes, mouvements) in ((0, 0), (500, 1500)), (ventes, mouvements)
        verifier_registre(*articles)
        # The terminal retries the same batch (the master has started a new worker).
        serveur.attendre_pret(entetes)
        statut, corps = serveur.requete("POST", "/api/v2/simple/ventes/sync", lot, entetes)
    assert statut == 201
    assert corps["ventes_creees"] == 500 and corps["ventes_erreurs"] == 0
    assert corps["statistiques"]["nouvelles"] + corps["statistiques"]["doublons"] == 500
    assert Vente.objects.count() == 500
    assert sorted(Vente.objects.values_list("numero_facture", flat=True)) == sorted(v["numero_facture"] for v in lot)
    assert _etat(articles)[2] == [10_000 - 500] * 3
    verifier_registre(*articles)


def test_connexion_coupee_au_milieu_du_lot_5xx_json_rien_d_ecrit_et_le_renvoi_reussit():
    exiger_postgres()
    if BACKEND == "pgbouncer":
        # (test_replique.py restarts PgBouncer under a terminal's resend instead.)
        pytest.skip("pg_backend_pid() names a session; PgBouncer's transaction pooling has none")
    boutique = BoutiqueFactory()
    articles = [creer_article(boutique, stock=10_000) for _ in range(3)]
    terminal, jeton = creer_terminal(boutique)
    entetes = {"X-Device-Serial": terminal.numero_serie, "Authorization": f"Bearer {jeton}"}
    lot = _lot("C", articles, 500)
    with connection.cursor() as c:
        c.execute("SELECT pg_backend_pid()")
        moi = c.fetchone()[0]
    resultat: dict[str, Any] = {}
    pret = threading.Event()

    def envoyer() -> None:
        try:
            with connection.cursor() as c:
                c.execute("SELECT pg_backend_pid()")
                resultat["pid"] = c.fetchone()[0]
            pret.set()
            r = Client().post(
                "/api/v2/simple/ventes/sync",
                data=json.dumps(lot),
                content_type="application/json",
                headers=entetes,
            )
            resultat["reponse"] = r
        finally:
            pret.set()
            connection.close()

    fil = threading.Thread(target=envoyer)
    fil.start()
    assert pret.wait(60)
    pid = _attendre_transaction_du_lot(exclure=moi, pid=resultat["pid"])
    with connection.cursor() as c:
        c.execute("SELECT pg_terminate_backend(%s)", [pid])
    fil.join(timeout=120)
    r = resultat["reponse"]
    assert 500 <= r.status_code < 600
    assert r["Content-Type"].startswith("application/json")
    corps = r.json()
    assert corps["success"] is False and corps["code"] in ("BASE_INDISPONIBLE", "ERREUR_SERVEUR") and corps["error"]
    assert _etat(articles) == (0, 0, [10_000] * 3)
    verifier_registre(*articles)
    # The retry, on a fresh connection, records everything once.
    r = Client().post(
        "/api/v2/simple/ventes/sync", data=json.dumps(lot), content_type="application/json", headers=entetes
    )
    assert r.status_code == 201 and r.json()["statistiques"]["nouvelles"] == 500
    assert _etat(articles) == (500, 1500, [10_000 - 500] * 3)
    verifier_registre(*articles)


def test_32_terminaux_synchronisent_dans_une_boutique_sans_interblocage_visible():
    if connection.vendor == "sqlite":
        pytest.skip("32 concurrent writers are a PostgreSQL/MariaDB matter (SQLite serialises writers)")
    boutique = BoutiqueFactory()
    articles = [creer_article(boutique, stock=100_000) for _ in range(4)]
    postes = [creer_terminal(boutique) for _ in range(32)]
    statuts: list[int] = []
    verrou = threading.Lock()
    ordres = [articles, list(reversed(articles)), articles[2:] + articles[:2]]

    def terminal_qui_vend(i: int) -> Callable[[], None]:
        terminal, jeton = postes[i]
        entetes = {"X-Device-Serial": terminal.numero_serie, "Authorization": f"Bearer {jeton}"}

        def vendre() -> None:
            client = Client()
            for n in range(3):
                lot = [
                    {
                        # Half numbered by the terminal, half by the server (concurrent numbering).
                        **({"numero_facture": f"T{i}-L{n}-V{v}"} if v % 2 else {"uuid": f"T{i}-L{n}-V{v}"}),
                        "lignes": [
                            {"article_id": a.pk, "quantite": 1, "prix_unitaire": 100} for a in ordres[(i + v) % 3]
                        ],
                    }
                    for v in range(6)
                ]
                for _ in range(2):  # each batch twice: the second is all resends
                    r = client.post(
                        "/api/v2/simple/ventes/sync",
                        data=json.dumps(lot),
                        content_type="application/json",
                        headers=entetes,
                    )
                    with verrou:
                        statuts.append(r.status_code)
                    assert r.status_code == 201, r.content[:300]
                    assert r.json()["ventes_erreurs"] == 0, r.json()["details"]["erreurs"][:2]

        return vendre

    assert en_parallele([terminal_qui_vend(i) for i in range(32)]) == []
    assert statuts == [201] * (32 * 3 * 2)
    assert Vente.objects.count() == 32 * 3 * 6
    for a in articles:
        a.refresh_from_db()
        assert a.quantite_stock == 100_000 - 32 * 3 * 6
    verifier_registre(*articles)
    b = Boutique.objects.get(pk=boutique.pk)
    motif = re.compile(rf"^{re.escape(b.prefixe_facture)}-{re.escape(b.code)}-\d{{6}}-(\d{{5}})$")
    serveur = sorted(int(m[1]) for n in Vente.objects.values_list("numero_facture", flat=True) if (m := motif.match(n)))
    assert serveur == list(range(1, 32 * 3 * 3 + 1))
    assert sum(SequenceFacture.objects.filter(boutique=b).values_list("dernier_numero", flat=True)) == 32 * 3 * 3
