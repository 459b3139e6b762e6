"""The cluster path (`make cluster`): reports read on the streaming standby, never at a cost, and
PgBouncer in front of the primary.

Runs when DATABASE_REPLICA_URL names the standby (the suite's "pgbouncer" pass sets it, with
DATABASE_URL through PgBouncer): the test database is replicated, so the standby holds its copy.
Transactional tests: a replica sees only what is committed.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import OperationalError, connection, connections, transaction
from django.test import Client, RequestFactory

from magasin.core.routage import (
    ALIAS_REPLIQUE,
    RouteurReplique,
    alias_de_lecture,
    lecture_replique,
    oublier_mesure,
)
from magasin.stock.models import Article
from magasin.ventes.models import Vente
from magasin.web.tests.outils import synchroniser

from .conftest import Monde, client_de

RACINE = Path(__file__).resolve().parents[3]
AVEC_REPLIQUE = ALIAS_REPLIQUE in settings.DATABASES

pytestmark = [
    pytest.mark.skipif(not AVEC_REPLIQUE, reason="no DATABASE_REPLICA_URL (make cluster; the pgbouncer pass sets it)"),
    pytest.mark.django_db(transaction=True, databases=["default", ALIAS_REPLIQUE] if AVEC_REPLIQUE else ["default"]),
]


@pytest.fixture(autouse=True)
def _mesure_neuve() -> Iterator[None]:
    oublier_mesure()
    yield
    oublier_mesure()


def rattraper(delai: float = 20) -> None:
    """Wait until the standby has replayed everything the primary has written so far."""
    with connection.cursor() as c:
        c.execute("SELECT pg_current_wal_lsn()")
        (cible,) = c.fetchone()
    fin = time.monotonic() + delai
    while time.monotonic() < fin:
        try:
            with connections[ALIAS_REPLIQUE].cursor() as c:
                c.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [cible])
                if c.fetchone()[0]:
                    return
        except OperationalError:  # the test database's creation not replayed there yet
            connections[ALIAS_REPLIQUE].close()
        time.sleep(0.05)
    raise AssertionError(f"the standby did not replay up to {cible} in {delai} s")


@contextmanager
def lectures_sur(alias: str) -> Iterator[list[str]]:
    """The SQL run on connection `alias` meanwhile (across its reconnections)."""
    vues: list[str] = []

    def noter(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        vues.append(sql)
        return execute(sql, params, many, context)

    with connections[alias].execute_wrapper(noter):
        yield vues


def _sur_la_replique(requetes: list[str], table: str) -> bool:
    return any(table in sql for sql in requetes)


def _vente_terminal(monde: Monde, numero: str, quantite: int = 1) -> dict[str, Any]:
    return {
        "numero_facture": numero,
        "lignes": [{"article_id": monde.article.pk, "quantite": quantite, "prix_unitaire": "1250000"}],
    }


def test_standby_est_une_replique_qui_diffuse() -> None:
    rattraper()
    with connections[ALIAS_REPLIQUE].cursor() as c:
        c.execute("SELECT pg_is_in_recovery(), (SELECT status FROM pg_stat_wal_receiver), current_database()")
        en_recuperation, statut, base = c.fetchone()
    assert en_recuperation is True and statut == "streaming"
    assert base == connection.settings_dict["NAME"]  # the replica's copy of the test database


TABLE_LUE = {"grand livre": "stock_", "export catalogue": "stock_", "crédits": "caisse_creance"}


def test_rapports_lus_sur_la_replique(monde: Monde) -> None:
    synchroniser(monde.terminal, monde.jeton, [_vente_terminal(monde, "REP-001")])
    rattraper()
    gerant = client_de(monde.gerant)
    pages = {
        "tableau de bord": "/",
        "historique": "/ventes/",
        "export": "/ventes/?format=csv",
        "grand livre": "/stock/",
        "export catalogue": "/articles/export/?format=csv",
        "rapport de l'année": "/rapports/?par=mois&date_debut=2026-01-01",
        "crédits": "/caisse/creances/",
    }
    for nom, url in pages.items():
        with lectures_sur(ALIAS_REPLIQUE) as replique, lectures_sur("default") as primaire:
            reponse = gerant.get(url)
            contenu = b"".join(reponse.streaming_content) if reponse.streaming else reponse.content
        assert reponse.status_code == 200, (nom, reponse.status_code)
        table = TABLE_LUE.get(nom, "ventes_vente")
        assert _sur_la_replique(replique, table), (nom, replique)
        # The primary only serves the session and the user (Django's own tables).
        assert not any(t in sql for t in ("ventes_", "stock_", "caisse_") for sql in primaire), (nom, primaire)
        if nom in {"historique", "export"}:
            assert b"REP-001" in contenu
    # The sync path never reads the replica.
    with lectures_sur(ALIAS_REPLIQUE) as replique:
        synchroniser(monde.terminal, monde.jeton, [_vente_terminal(monde, "REP-002")])
    assert replique == []


def test_la_vente_de_l_auteur_est_sur_sa_page_suivante_meme_si_la_replique_retarde(monde: Monde, settings: Any) -> None:
    # The standby's replay is paused: it lags behind everything written from now on, but
    # measured under the threshold here, so it is still used.
    settings.MAGASIN_REPLIQUE_RETARD_MAX_S = 600
    caissier, gerant = client_de(monde.caissier), client_de(monde.gerant)
    rattraper()
    with connections[ALIAS_REPLIQUE].cursor() as c:
        c.execute("SELECT pg_wal_replay_pause()")
    try:
        with lectures_sur(ALIAS_REPLIQUE) as replique:
            assert caissier.get("/ventes/").status_code == 200
        assert _sur_la_replique(replique, "ventes_vente")  # before any write: the replica

        reponse = caissier.post(
            "/facturation/",
            {
                "boutique": monde.boutique.pk,
                "uuid": "replique-uuid-1",
                "article_id": [str(monde.article.pk)],
                "quantite": ["2"],
                "prix_unitaire": ["1250000"],
                "mode_paiement": "CASH",
                "paye": "on",
            },
        )
        assert reponse.status_code == 302, reponse.content
        numero = Vente.objects.get().numero_facture

        # Its author's next pages: the primary, so the invoice is there.
        with lectures_sur(ALIAS_REPLIQUE) as replique:
            page = caissier.get("/ventes/").content.decode()
            tableau = caissier.get("/").content.decode()
        assert numero in page and "Boutique Gombe" in tableau
        assert replique == []

        # Someone else reads the (paused) replica: the sale is not there yet. This is what the
        # author's cookie spared them.
        with lectures_sur(ALIAS_REPLIQUE) as replique:
            autre = gerant.get("/ventes/").content.decode()
        assert _sur_la_replique(replique, "ventes_vente")
        assert numero not in autre
    finally:
        with connections[ALIAS_REPLIQUE].cursor() as c:
            c.execute("SELECT pg_wal_replay_resume()")
    rattraper()
    assert numero in gerant.get("/ventes/").content.decode()


def test_cookie_d_ecriture_expire(monde: Monde, settings: Any) -> None:
    settings.MAGASIN_REPLIQUE_FRAICHEUR_S = 4
    gerant = client_de(monde.gerant)
    ecrit = time.monotonic()
    assert gerant.post("/stock/livraison/", {"article": monde.article.pk, "quantite": 3}).status_code in {200, 302}
    assert "magasin_ecriture" in gerant.cookies
    with lectures_sur(ALIAS_REPLIQUE) as replique:
        gerant.get("/stock/")
    if time.monotonic() - ecrit < 4:  # (a machine so loaded that 4 s went by proves nothing here)
        assert replique == []
    rattraper()
    time.sleep(max(0.0, ecrit + 4.5 - time.monotonic()))
    with lectures_sur(ALIAS_REPLIQUE) as replique:
        gerant.get("/stock/")
    assert _sur_la_replique(replique, "stock_")


def _port_muet() -> int:
    for port in range(5439, 5499):
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) != 0:
                return port
    raise AssertionError("no free port")


@contextmanager
def replique_injoignable() -> Iterator[None]:
    reglages = connections[ALIAS_REPLIQUE].settings_dict
    port = reglages["PORT"]
    connections[ALIAS_REPLIQUE].close()
    reglages["PORT"] = _port_muet()
    oublier_mesure()
    try:
        yield
    finally:
        connections[ALIAS_REPLIQUE].close()
        reglages["PORT"] = port
        oublier_mesure()


def test_replique_arretee_tout_est_lu_sur_le_primaire(monde: Monde) -> None:
    synchroniser(monde.terminal, monde.jeton, [_vente_terminal(monde, "REP-101")])
    gerant = client_de(monde.gerant)
    with replique_injoignable():
        debut = time.monotonic()
        for url in ("/", "/ventes/", "/ventes/?format=csv", "/stock/"):
            reponse = gerant.get(url)
            assert reponse.status_code == 200, url
        assert b"REP-101" in gerant.get("/ventes/").content
        # Measured once, then remembered: a dead replica costs one connection attempt, not one per page.
        assert time.monotonic() - debut < 10
        sante = Client().get("/readyz")
        assert sante.status_code == 200
        assert sante.json()["replique"] == {"etat": "injoignable", "retard_s": None, "lectures": "primaire"}
    rattraper()
    oublier_mesure()
    assert Client().get("/readyz").json()["replique"]["etat"] == "ok"


def test_replique_en_retard_tout_est_lu_sur_le_primaire(monde: Monde, settings: Any) -> None:
    settings.MAGASIN_REPLIQUE_RETARD_MAX_S = 600
    rattraper()
    with connections[ALIAS_REPLIQUE].cursor() as c:
        c.execute("SELECT pg_wal_replay_pause()")
    try:
        synchroniser(monde.terminal, monde.jeton, [_vente_terminal(monde, "REP-201")])
        time.sleep(1.2)  # the replica is now over a second behind the sale
        settings.MAGASIN_REPLIQUE_RETARD_MAX_S = 1
        oublier_mesure()
        gerant = client_de(monde.gerant)
        with lectures_sur(ALIAS_REPLIQUE) as replique:
            page = gerant.get("/ventes/").content
        assert b"REP-201" in page
        assert not _sur_la_replique(replique, "ventes_vente")
        etat = Client().get("/readyz").json()["replique"]
        assert etat["etat"] == "en_retard" and etat["lectures"] == "primaire" and etat["retard_s"] > 1
    finally:
        with connections[ALIAS_REPLIQUE].cursor() as c:
            c.execute("SELECT pg_wal_replay_resume()")


def test_jamais_dans_une_transaction_ni_apres_une_ecriture(monde: Monde) -> None:
    rattraper()
    routeur = RouteurReplique()
    vus: list[str | None] = []

    @lecture_replique
    def vue(request: Any) -> Any:
        from django.http import HttpResponse

        vus.append(routeur.db_for_read(Vente))
        with transaction.atomic():
            vus.append(routeur.db_for_read(Vente))
        vus.append(routeur.db_for_read(Article))
        # A snapshot opened where alias_de_lecture() says: its reads follow it.
        with transaction.atomic(using=alias_de_lecture()):
            vus.append(routeur.db_for_read(Vente))
        Article.objects.filter(pk=monde.article.pk).update(seuil_alerte=7)
        vus.append(routeur.db_for_read(Vente))
        return HttpResponse()

    vue(RequestFactory().get("/"))
    assert vus == [ALIAS_REPLIQUE, None, ALIAS_REPLIQUE, ALIAS_REPLIQUE, None]
    vus.clear()
    vue(RequestFactory().post("/"))  # a POST is never routed
    assert vus == [None, None, None, None, None]
    # Outside a marked view: the primary.
    assert routeur.db_for_read(Vente) is None


PGBOUNCER = str(settings.DATABASES["default"].get("PORT")) == "6432"


@pytest.mark.skipif(not PGBOUNCER, reason="DATABASE_URL does not go through PgBouncer (port 6432)")
def test_redemarrage_de_pgbouncer_ne_perd_aucune_vente(monde: Monde) -> None:
    assert connection.settings_dict["OPTIONS"]["prepare_threshold"] is None
    assert connection.settings_dict["DISABLE_SERVER_SIDE_CURSORS"] is True
    lot = [_vente_terminal(monde, f"PGB-{i:03d}") for i in range(5)]
    premier = synchroniser(monde.terminal, monde.jeton, lot)
    assert [c["status"] for c in premier["details"]["creees"]] == ["created"] * 5

    # The terminal never got that answer (PgBouncer restarted under it): it sends again.
    subprocess.run(["bash", str(RACINE / "scripts" / "cluster.sh"), "restart-pgbouncer"], check=True, env=os.environ)
    connection.close()  # the test's own connection went with PgBouncer
    renvoi = synchroniser(monde.terminal, monde.jeton, lot)
    assert [c["status"] for c in renvoi["details"]["creees"]] == ["already_exists"] * 5
    assert [c["id"] for c in renvoi["details"]["creees"]] == [c["id"] for c in premier["details"]["creees"]]
    suivant = synchroniser(monde.terminal, monde.jeton, [_vente_terminal(monde, "PGB-100")])
    assert suivant["details"]["creees"][0]["status"] == "created"
    assert Vente.objects.filter(numero_facture__startswith="PGB-").count() == 6
    monde.article.refresh_from_db()
    assert monde.article.quantite_stock == 20 - 6
