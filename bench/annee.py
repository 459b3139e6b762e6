"""A year of one busy owner's data on PostgreSQL, and the back-office pages timed against it.

    python -m bench.annee generer   # once: database magasin_annee, ~373,000 sales, 1.1 M lines
    python -m bench.annee agreger   # summarise the closed days (generer does it too)
    python -m bench.annee mesurer   # each page a few times through Django's test client

Issue 21: an owner with three busy terminals has about a million sale lines a year; every
back-office page must answer in under 200 ms at that size. The data is written by SQL
(`INSERT ... SELECT generate_series`): a minute, where the sync path would take an hour. Columns
this script does not know (added later to a model) get the field's default, so the script
follows the models. Sales, lines and ledger rows are consistent (a line per ledger row, amounts
adding up); stock counts are not replayed (no page timed here depends on them).
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from datetime import timedelta
from typing import Any

URL = os.environ.get("ANNEE_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/magasin_annee")
VENTES = int(os.environ.get("ANNEE_VENTES", "373000"))
ARTICLES = 1000
JOURS = 365
CODE = "ANNEE-1"
PROPRIETAIRE = "proprietaire-annee"


def _django() -> None:
    os.environ["DATABASE_URL"] = URL
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "magasin.settings")
    os.environ.setdefault("SECRET_KEY", "bench-annee")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1")
    os.environ.setdefault("DEBUG", "0")
    import django

    django.setup()


def _creer_base() -> None:
    import psycopg

    nom = URL.rsplit("/", 1)[1]
    with psycopg.connect(URL.rsplit("/", 1)[0] + "/postgres", autocommit=True) as c:
        if not c.execute("SELECT 1 FROM pg_database WHERE datname = %s", [nom]).fetchone():
            c.execute(f'CREATE DATABASE "{nom}"')


def _inserer(modele: Any, expressions: dict[str, str], source: str, params: list[Any] | None = None) -> int:
    """INSERT INTO modele's table SELECT ... FROM source: `expressions` per column, the field's
    default for any other column (NULL when nullable)."""
    from django.db import connection

    colonnes, valeurs, tous = [], [], list(params or [])
    defauts: list[Any] = []
    for champ in modele._meta.concrete_fields:
        colonne = champ.column
        if champ.primary_key and colonne not in expressions:
            continue
        colonnes.append(connection.ops.quote_name(colonne))
        if colonne in expressions:
            valeurs.append(expressions[colonne])
        elif champ.has_default() or not champ.null:
            valeurs.append("%s")
            defauts.append(champ.get_db_prep_save(champ.get_default(), connection))
        else:
            valeurs.append("NULL")
    # Defaults come first in the SELECT list, the source's own parameters after it.
    sql = f"INSERT INTO {modele._meta.db_table} ({', '.join(colonnes)}) SELECT {', '.join(valeurs)} FROM {source}"
    with connection.cursor() as curseur:
        curseur.execute(sql, defauts + tous)
        return curseur.rowcount


def generer() -> None:
    _creer_base()
    _django()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from magasin.boutiques.models import Boutique, Membre, Role, Terminal
    from magasin.stock.models import Article, MouvementStock
    from magasin.ventes.models import LigneVente, Retour, SequenceRecue, Vente

    call_command("migrate", verbosity=0)
    if Boutique.objects.filter(code=CODE).exists():
        print("déjà générée:", Vente.objects.count(), "ventes")
        return
    t0 = time.monotonic()
    with transaction.atomic():
        boutique = Boutique.objects.create(nom="Boutique d'une année", code=CODE)
        proprietaire = get_user_model().objects.create_user(PROPRIETAIRE, password="annee")
        Membre.objects.create(utilisateur=proprietaire, boutique=boutique, role=Role.PROPRIETAIRE)
        terminaux = [
            Terminal.objects.create(numero_serie=f"ANNEE-T{i}", nom_terminal=f"Caisse {i}", boutique=boutique)
            for i in (1, 2, 3)
        ]
        Article.objects.bulk_create(
            Article(
                boutique=boutique,
                code=f"A{n:04d}",
                nom=f"Article {n}",
                prix_vente=500 + (n % 50) * 250,
                quantite_stock=1_000_000,
            )
            for n in range(ARTICLES)
        )
    fin = timezone.now()
    debut = fin - timedelta(days=JOURS)
    t = [t.pk for t in terminaux]
    # Sale i: every 10th on the web (the owner), else terminal 1 + i % 3; lines k = 0..2 of article
    # (i*7 + k*131) % 1000, quantity 1 + (i + k) % 4, at the article's price.
    # Uncorrelated subqueries: computed once per statement (an InitPlan), not per row.
    article = (
        f"(SELECT array_agg(id ORDER BY code) FROM stock_article WHERE boutique_id = {boutique.pk})"
        "[1 + ((g.i * 7 + k * 131) %% 1000)]"
    )
    prix = "(500 + (((g.i * 7 + k * 131) %% 1000) %% 50) * 250)"
    quantite = "(1 + (g.i + k) %% 4)"
    moment = f"('{debut.isoformat()}'::timestamptz + (g.i * ({JOURS}::float / {VENTES})) * interval '1 day')"
    with connection.cursor() as c:
        c.execute("SET synchronous_commit = off")
    vente = {
        "boutique_id": str(boutique.pk),
        "terminal_id": f"CASE WHEN g.i %% 10 = 0 THEN NULL ELSE (ARRAY{t}::bigint[])[1 + g.i %% 3] END",
        "numero_facture": "'AN-' || g.i",
        "origine": "CASE WHEN g.i %% 10 = 0 THEN 'WEB' ELSE 'TERMINAL' END",
        "montant_total": f"(SELECT sum({quantite} * {prix}) FROM generate_series(0, 2) k)",
        "mode_paiement": "(ARRAY['CASH','CASH','CASH','CASH','CASH','CASH','CASH','CASH','MOBILE_MONEY',"
        "'MOBILE_MONEY','MOBILE_MONEY','MOBILE_MONEY','CARTE','CREDIT'])[1 + g.i %% 14]",
        "mode_paiement_libelle": "(ARRAY['ESPECES','ESPECES','ESPECES','ESPECES','ESPECES','ESPECES','ESPECES',"
        "'ESPECES','M-PESA','M-PESA','ORANGE MONEY','AIRTEL MONEY','CARTE','CREDIT'])[1 + g.i %% 14]",
        "paye": "g.i %% 14 <> 13",
        "date_vente": moment,
        "date_synchro": moment,
        "statut": "CASE WHEN g.i %% 97 = 0 THEN 'ANNULEE' ELSE 'VALIDEE' END",
        "sequence_terminal": "CASE WHEN g.i %% 10 = 0 THEN NULL ELSE g.i / 3 + 1 END",
        "cree_par_id": f"CASE WHEN g.i %% 10 = 0 THEN {proprietaire.pk} ELSE NULL END",
    }
    with transaction.atomic():
        n = _inserer(Vente, vente, f"generate_series(0, {VENTES - 1}) AS g(i)")
        print("ventes", n, round(time.monotonic() - t0), "s", flush=True)
        source = (
            "ventes_vente v CROSS JOIN LATERAL (SELECT substr(v.numero_facture, 4)::bigint AS i) g "
            f"CROSS JOIN generate_series(0, 2) k WHERE v.boutique_id = {boutique.pk}"
        )
        n = _inserer(
            LigneVente,
            {
                "vente_id": "v.id",
                "article_id": article,
                "boutique_id": str(boutique.pk),
                "quantite": quantite,
                "prix_unitaire": prix,
                "total_ligne": f"{quantite} * {prix}",
            },
            source,
        )
        print("lignes", n, round(time.monotonic() - t0), "s", flush=True)
        n = _inserer(
            MouvementStock,
            {
                "article_id": "l.article_id",
                "boutique_id": "l.boutique_id",
                "type_mouvement": "'VENTE'",
                "quantite": "-l.quantite",
                "stock_avant": "1000000",
                "stock_apres": "1000000 - l.quantite",
                "reference_document": "v.numero_facture",
                "date_mouvement": "v.date_vente",
            },
            f"ventes_lignevente l JOIN ventes_vente v ON v.id = l.vente_id WHERE l.boutique_id = {boutique.pk}",
        )
        print("mouvements", n, round(time.monotonic() - t0), "s", flush=True)
        n = _inserer(
            SequenceRecue,
            {
                "terminal_id": "v.terminal_id",
                "boutique_id": "v.boutique_id",
                "sequence": "v.n",
                "date_reception": "v.date_synchro",
            },
            # Each terminal numbers its own sales 1, 2, 3... (no gap: a year of them is complete).
            "(SELECT *, row_number() OVER (PARTITION BY terminal_id ORDER BY id) AS n FROM ventes_vente "
            f"WHERE boutique_id = {boutique.pk} AND terminal_id IS NOT NULL) v",
        )
        print("séquences", n, round(time.monotonic() - t0), "s", flush=True)
        # One return a day or so: a line's worth refunded the next morning.
        n = _inserer(
            Retour,
            {
                "vente_id": "v.id",
                "boutique_id": "v.boutique_id",
                "numero": "1",
                "date_retour": "v.date_vente + interval '14 hours'",
                "motif": "'bench'",
                "montant": "500",
            },
            f"ventes_vente v WHERE v.boutique_id = {boutique.pk} AND v.statut = 'VALIDEE' AND v.id %% 1000 = 7 "
            "AND v.date_vente < now() - interval '1 day'",
        )
        print("retours", n, round(time.monotonic() - t0), "s", flush=True)
    with connection.cursor() as c:
        for table in ("ventes_vente", "ventes_lignevente", "stock_mouvementstock", "ventes_sequencerecue"):
            c.execute(f"VACUUM ANALYZE {table}")
    print("généré en", round(time.monotonic() - t0), "s")
    agreger()


def agreger() -> None:
    """Summarise the closed days (what the nightly `agreger_ventes` does)."""
    _django()
    from django.core.management import call_command

    from magasin.boutiques.models import Boutique
    from magasin.ventes.agregats import agregats_calculer

    call_command("migrate", verbosity=0)
    t0 = time.monotonic()
    boutique = Boutique.objects.get(code=CODE)
    from django.utils import timezone

    jours = agregats_calculer(
        boutique=boutique, debut=timezone.localdate() - timedelta(days=JOURS + 1), fin=timezone.localdate()
    )
    print("agrégats:", jours, "jours en", round(time.monotonic() - t0, 1), "s")


# Pages an owner opens, with the filters he uses. Exports are timed to their last byte.
PAGES = [
    ("tableau de bord", "/", {}),
    ("historique", "/ventes/", {}),
    ("historique filtré (mobile money, un mois)", "/ventes/", {"mode_paiement": "MOBILE_MONEY", "jours": 30}),
    ("stock (grand livre)", "/stock/", {}),
    ("articles", "/articles/", {}),
    ("terminaux", "/terminaux/", {}),
    ("rapport par jour, l'année", "/rapports/", {"par": "jour", "jours": 365}),
    ("rapport par mois, l'année", "/rapports/", {"par": "mois", "jours": 365}),
    ("rapport par mode de paiement, l'année", "/rapports/", {"par": "canal", "jours": 365}),
    ("rapport par caissier, l'année", "/rapports/", {"par": "caissier", "jours": 365}),
    ("meilleures ventes, l'année", "/rapports/", {"par": "article", "jours": 365}),
    ("meilleures ventes, un terminal, un mois", "/rapports/", {"par": "article", "jours": 30, "terminal": 1}),
]
EXPORTS = [
    ("export CSV de l'année (historique)", "/ventes/", {"format": "csv"}),
    ("export XLSX de l'année (historique)", "/ventes/", {"format": "xlsx"}),
    ("export XLSX rapport par jour, l'année", "/rapports/", {"format": "xlsx", "par": "jour", "jours": 365}),
]


def _params(brut: dict[str, Any], terminaux: list[int]) -> dict[str, Any]:
    from datetime import timedelta

    from django.utils import timezone

    params = dict(brut)
    jours = params.pop("jours", None)
    if jours:
        params["date_debut"] = (timezone.localdate() - timedelta(days=jours)).isoformat()
    if "terminal" in params:
        params["terminal"] = terminaux[params["terminal"] - 1]
    return params


def mesurer(repetitions: int = 5) -> None:
    _django()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client

    from magasin.boutiques.models import Terminal

    # No collectstatic here: plain static URLs instead of the production manifest.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    client = Client()
    client.force_login(get_user_model().objects.get(username=PROPRIETAIRE))
    terminaux = list(Terminal.objects.filter(boutique__code=CODE).order_by("nom_terminal").values_list("pk", flat=True))
    print(f"charge: {os.getloadavg()}")
    for nom, url, brut in PAGES:
        params = _params(brut, terminaux)
        durees = []
        for _ in range(repetitions):
            t = time.perf_counter()
            r = client.get(url, params)
            assert r.status_code == 200, (url, r.status_code)
            durees.append((time.perf_counter() - t) * 1000)
        print(f"{nom:45} médiane {statistics.median(durees):7.0f} ms  min {min(durees):6.0f} ms", flush=True)
    for nom, url, brut in EXPORTS:
        t = time.perf_counter()
        r = client.get(url, _params(brut, terminaux))
        taille = sum(len(m) for m in r.streaming_content)
        premier = "flux" if r.streaming else "d'un bloc"
        print(f"{nom:45} {time.perf_counter() - t:6.1f} s  {taille / 1e6:6.1f} Mo ({premier})", flush=True)
    print(f"charge: {os.getloadavg()}")


if __name__ == "__main__":
    commande = sys.argv[1] if len(sys.argv) > 1 else "mesurer"
    if commande == "generer":
        generer()
    elif commande == "agreger":
        agreger()
    else:
        mesurer(int(sys.argv[2]) if len(sys.argv) > 2 else 5)
