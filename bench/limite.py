"""The database's own limit: the rows of N sales written by COPY in one transaction.

`python -m bench.limite [--ventes 20000]`. Same tables, same columns, same indexes and
constraints as a Magasin sync: per sale one `ventes_vente` row, three `ventes_lignevente` rows
and three `stock_mouvementstock` rows, plus the new stock of every touched article. Nothing is
decided (no duplicate check, no stock check): it is the floor no server can go below.
Also used to bulk-load the million ledger rows of the read benchmark (`charger_registre`).
Rows are built from the models (`Gabarit`): a column the models add is filled with its default.
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg

from bench.commun import base_existante, peupler


class Gabarit:
    """COPY rows of one model's table: every concrete column, the model's own defaults where a
    row gives no value (as the ORM would write them), so that a column added to the model is
    filled without a change here. Django must be set up on the tree whose tables are written."""

    def __init__(self, modele: Any, *, avec_id: bool = False) -> None:
        from django.db import connection

        instance = modele()
        # Without the id, the column's default (its sequence) numbers the rows.
        self.champs = [f for f in modele._meta.concrete_fields if avec_id or not f.primary_key]
        self.table = modele._meta.db_table
        self.colonnes = ", ".join(connection.ops.quote_name(f.column) for f in self.champs)
        self.defauts = [f.get_db_prep_save(f.pre_save(instance, add=True), connection) for f in self.champs]
        self.positions = {f.attname: i for i, f in enumerate(self.champs)}

    @property
    def copie(self) -> str:
        return f"COPY {self.table} ({self.colonnes}) FROM STDIN"

    def rangee(self, *noms: str) -> Callable[..., list[Any]]:
        """A function of the values of `noms`, in that order, returning a whole row."""
        positions = [self.positions[n] for n in noms]
        defauts = self.defauts

        def ligne(*valeurs: Any) -> list[Any]:
            rangee = defauts.copy()
            for p, v in zip(positions, valeurs, strict=True):
                rangee[p] = v
            return rangee

        return ligne


def gabarits() -> tuple[Gabarit, Gabarit, Gabarit]:
    from magasin.stock.models import MouvementStock
    from magasin.ventes.models import LigneVente, Vente

    return Gabarit(Vente, avec_id=True), Gabarit(LigneVente), Gabarit(MouvementStock)


VENTE = (
    "id",
    "boutique_id",
    "terminal_id",
    "numero_facture",
    "uuid",
    "montant_total",
    "mode_paiement",
    "paye",
    "date_vente",
    "date_synchro",
    "statut",
)
LIGNE = ("vente_id", "article_id", "boutique_id", "quantite", "prix_unitaire", "total_ligne")
MOUVEMENT = (
    "article_id",
    "boutique_id",
    "type_mouvement",
    "quantite",
    "stock_avant",
    "stock_apres",
    "reference_document",
    "utilisateur",
    "commentaire",
    "date_mouvement",
)


def _conninfo(url: str) -> str:
    return url.replace("postgres://", "postgresql://", 1)


def _reserver_ids(cx: psycopg.Connection[Any], table: str, n: int) -> int:
    """First of n fresh ids of `table`'s sequence (taken by moving the sequence forward)."""
    (premier,) = cx.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id'))", [table]).fetchone()  # type: ignore[misc]
    cx.execute("SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)", [table, premier + n])
    return int(premier)


def copier_ventes(
    url: str, *, boutique_id: int, terminal_id: int, articles: list[tuple[int, str]], ventes: int
) -> dict[str, Any]:
    """COPY `ventes` sales of 3 lines in one transaction; return the timing."""
    rng = random.Random(3)
    maintenant = datetime.now(UTC)
    prefixe = f"LIM{time.time_ns() % 10**9}"
    g_vente, g_ligne, g_mouvement = gabarits()
    vente, ligne, mouvement = g_vente.rangee(*VENTE), g_ligne.rangee(*LIGNE), g_mouvement.rangee(*MOUVEMENT)
    with psycopg.connect(_conninfo(url)) as cx:
        stocks: dict[Any, Any] = dict(
            cx.execute(  # type: ignore[arg-type]
                "SELECT id, quantite_stock FROM stock_article WHERE boutique_id = %s", [boutique_id]
            ).fetchall()
        )
        cx.commit()
        debut = time.perf_counter()
        with cx.transaction():
            premier = _reserver_ids(cx, "ventes_vente", ventes)
            with cx.cursor() as cur:
                lignes: list[list[Any]] = []
                mouvements: list[list[Any]] = []
                with cur.copy(g_vente.copie) as copie:
                    for i in range(ventes):
                        vid = premier + i
                        numero = f"{prefixe}-{i:07d}"
                        total: float = 0
                        for article_id, prix in rng.sample(articles, 3):
                            q = rng.randint(1, 3)
                            total_ligne = float(prix) * q
                            total += total_ligne
                            lignes.append(ligne(vid, article_id, boutique_id, q, prix, f"{total_ligne:.2f}"))
                            avant = stocks[article_id]
                            stocks[article_id] = avant - q
                            mouvements.append(
                                mouvement(
                                    article_id,
                                    boutique_id,
                                    "VENTE",
                                    -q,
                                    avant,
                                    avant - q,
                                    numero,
                                    "limite",
                                    f"Vente #{numero} - Prix: {prix} CDF",
                                    maintenant,
                                )
                            )
                        copie.write_row(
                            vente(
                                vid,
                                boutique_id,
                                terminal_id,
                                numero,
                                numero,
                                f"{total:.2f}",
                                "CASH",
                                True,
                                maintenant,
                                maintenant,
                                "VALIDEE",
                            )
                        )
                with cur.copy(g_ligne.copie) as copie:
                    for rangee in lignes:
                        copie.write_row(rangee)
                with cur.copy(g_mouvement.copie) as copie:
                    for m in mouvements:
                        copie.write_row(m)
                cur.execute(
                    "UPDATE stock_article SET quantite_stock = v.q, date_modification = now() "
                    "FROM unnest(%s::bigint[], %s::integer[]) AS v(id, q) "
                    "WHERE stock_article.id = v.id",
                    [list(stocks), list(stocks.values())],
                )
        duree = time.perf_counter() - debut
    return {"ventes": ventes, "duree_s": round(duree, 3), "ventes_par_s": round(ventes / duree, 1)}


def charger_registre(url: str, *, boutique_id: int, articles: list[int], mouvements: int, ventes: int) -> float:
    """Bulk-load a year of history for one shop: `mouvements` ledger rows (chains consistent,
    stocks updated) and `ventes` sales of 3 lines. Returns the seconds it took."""
    rng = random.Random(5)
    debut_histoire = datetime.now(UTC) - timedelta(days=365)
    pas = timedelta(days=365) / max(mouvements, 1)
    g_vente, g_ligne, g_mouvement = gabarits()
    vente, ligne, mouvement = g_vente.rangee(*VENTE), g_ligne.rangee(*LIGNE), g_mouvement.rangee(*MOUVEMENT)
    debut = time.perf_counter()
    with psycopg.connect(_conninfo(url)) as cx, cx.transaction():
        stocks: dict[Any, Any] = dict(
            cx.execute("SELECT id, quantite_stock FROM stock_article WHERE boutique_id = %s", [boutique_id]).fetchall()
        )
        with cx.cursor() as cur:
            with cur.copy(g_mouvement.copie) as c:
                for i in range(mouvements):
                    article_id = articles[i % len(articles)]
                    avant = stocks[article_id]
                    if rng.random() < 0.2 or avant < 10:
                        q, type_ = rng.randint(10, 100), "ENTREE"
                    else:
                        q, type_ = -rng.randint(1, 3), "VENTE"
                    stocks[article_id] = avant + q
                    c.write_row(
                        mouvement(
                            article_id,
                            boutique_id,
                            type_,
                            q,
                            avant,
                            avant + q,
                            f"H-{i // 3:07d}",
                            "historique",
                            "",
                            debut_histoire + pas * i,
                        )
                    )
            premier = _reserver_ids(cx, "ventes_vente", ventes)
            pas_v = timedelta(days=365) / max(ventes, 1)
            lignes = []
            with cur.copy(g_vente.copie) as c:
                for i in range(ventes):
                    moment = debut_histoire + pas_v * i
                    numero = f"H-{i:07d}"
                    for article_id in rng.sample(articles, 3):
                        lignes.append(ligne(premier + i, article_id, boutique_id, 1, "1000.00", "1000.00"))
                    c.write_row(
                        vente(
                            premier + i,
                            boutique_id,
                            None,
                            numero,
                            None,
                            "3000.00",
                            "CASH",
                            True,
                            moment,
                            moment,
                            "VALIDEE",
                        )
                    )
            with cur.copy(g_ligne.copie) as c:
                for rangee in lignes:
                    c.write_row(rangee)
            cur.execute(
                "UPDATE stock_article SET quantite_stock = v.q FROM unnest(%s::bigint[], "
                "%s::integer[]) AS v(id, q) WHERE stock_article.id = v.id",
                [list(stocks), list(stocks.values())],
            )
    with psycopg.connect(_conninfo(url), autocommit=True) as cx:
        cx.execute("ANALYZE")
    return time.perf_counter() - debut


def mesurer(url: str, *, ventes: int = 20_000) -> dict[str, Any]:
    (terminal,) = peupler(prefixe=f"LIM{time.time_ns() % 10**6}", boutiques=1, terminaux=1)
    from magasin.boutiques.models import Terminal

    terminal_id = Terminal.objects.get(numero_serie=terminal.serie).pk
    return copier_ventes(
        url,
        boutique_id=terminal.boutique_id,
        terminal_id=terminal_id,
        articles=terminal.articles,
        ventes=ventes,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--ventes", type=int, default=20_000)
    args = parser.parse_args()
    url = base_existante()
    r = mesurer(url, ventes=args.ventes)
    print(f"COPY : {r['ventes_par_s']:.0f} ventes/s ({r['ventes']} ventes en {r['duree_s']} s)")


if __name__ == "__main__":
    main()
