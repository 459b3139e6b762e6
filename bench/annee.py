"""A year of one busy owner's data on PostgreSQL, and the back-office pages timed against it.

    python -m bench.annee generer   # once: database magasin_annee, ~373,000 sales, 1.1 M lines
    python -m bench.annee agreger   # summarise the closed days (generer does it too)
    python -m bench.annee mesurer   # each page a few times through Django's test client
    python -m bench.annee rapport FICHIER.json  # what `make bench` runs: all of it, JSON out

Issue 21: an owner with three busy terminals has about a million sale lines a year; every
back-office page must answer in under 200 ms at that size. The data is written by SQL
(`INSERT ... SELECT generate_series`): a minute, where the sync path would take an hour. Columns
this script does not know (added later to a model) get the field's default, so the script
follows the models. Sales, lines and ledger rows are consistent (a line per ledger row, amounts
adding up); stock counts are not replayed (no page timed here depends on them).
"""

from __future__ import annotations

import contextlib
import json
import os
import statistics
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
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
    # Always (not a default): run by `bench.rapport`, this process inherits its server's hosts.
    os.environ["ALLOWED_HOSTS"] = "testserver,127.0.0.1"
    os.environ.setdefault("DEBUG", "0")
    os.environ.setdefault("LOG_LEVEL", "WARNING")  # not a line per request timed
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

    call_command("migrate", verbosity=0)
    t0 = time.monotonic()
    # The nightly command itself, with its default depth (400 days): the year's first month is
    # then whole, and summarised monthly as in production.
    call_command("agreger_ventes", "--boutique", CODE, verbosity=0)
    print("agrégats en", round(time.monotonic() - t0, 1), "s")


# Pages an owner opens, with the filters he uses (`jours`: the period's first day, that many
# days back; `terminal`: the n-th terminal; `vente`/`article`: the latest sale / first article).
PAGES = [
    ("tableau de bord", "/", {}),
    ("historique", "/ventes/", {}),
    ("historique, dernière page", "/ventes/", {"page": "last"}),
    ("historique, page du milieu", "/ventes/", {"page": "milieu"}),
    ("historique filtré (mobile money, un mois)", "/ventes/", {"mode_paiement": "MOBILE_MONEY", "jours": 30}),
    ("historique, un terminal, l'année", "/ventes/", {"terminal": 1, "jours": 365}),
    ("historique, recherche d'un numéro", "/ventes/", {"numero_facture": "AN-37"}),
    ("une vente", "/ventes/{vente}/", {}),
    ("facture d'une vente", "/ventes/{vente}/facture/", {}),
    ("stock (grand livre)", "/stock/", {}),
    ("articles", "/articles/", {}),
    ("un article", "/articles/{article}/", {}),
    ("terminaux", "/terminaux/", {}),
    ("quarantaine", "/quarantaine/", {}),
    ("facturation", "/facturation/", {}),
    ("caisse (clôtures)", "/caisse/", {}),
    ("caisse, créances", "/caisse/creances/", {}),
    ("caisse, mouvements", "/caisse/mouvements/", {}),
    ("marges, 30 jours", "/marges/", {}),
    ("marges, l'année", "/marges/", {"jours": 365}),
    ("rapport par jour, ce mois", "/rapports/", {}),
    ("rapport par jour, l'année", "/rapports/", {"par": "jour", "jours": 365}),
    ("rapport par semaine, l'année", "/rapports/", {"par": "semaine", "jours": 365}),
    ("rapport par mois, l'année", "/rapports/", {"par": "mois", "jours": 365}),
    ("rapport par boutique, l'année", "/rapports/", {"par": "boutique", "jours": 365}),
    ("rapport par terminal, l'année", "/rapports/", {"par": "terminal", "jours": 365}),
    ("rapport par caissier, l'année", "/rapports/", {"par": "caissier", "jours": 365}),
    ("rapport par mode de paiement, l'année", "/rapports/", {"par": "canal", "jours": 365}),
    ("rapport par jour, un terminal, l'année", "/rapports/", {"par": "jour", "jours": 365, "terminal": 1}),
    ("meilleures ventes, l'année", "/rapports/", {"par": "article", "jours": 365}),
    ("meilleures ventes, un terminal, un mois", "/rapports/", {"par": "article", "jours": 30, "terminal": 1}),
    ("meilleures ventes, un terminal, l'année", "/rapports/", {"par": "article", "jours": 365, "terminal": 1}),
    (
        "meilleures ventes, mobile money, l'année",
        "/rapports/",
        {"par": "article", "jours": 365, "mode_paiement": "MOBILE_MONEY"},
    ),
    ("meilleures ventes, un caissier web, l'année", "/rapports/", {"par": "article", "jours": 365, "caissier": 0}),
]
EXPORTS = [
    ("export CSV de l'année (historique)", "/ventes/", {"format": "csv"}),
    ("export XLSX de l'année (historique)", "/ventes/", {"format": "xlsx"}),
    ("export CSV rapport par jour, l'année", "/rapports/", {"format": "csv", "par": "jour", "jours": 365}),
    ("export XLSX meilleures ventes, l'année", "/rapports/", {"format": "xlsx", "par": "article", "jours": 365}),
]
OBJECTIF_MS = 200


@dataclass
class Mesure:
    nom: str
    url: str
    mediane_ms: float
    min_ms: float
    requetes: int


@dataclass
class MesureExport:
    nom: str
    url: str
    duree_s: float
    mo: float
    pic_memoire_mo: float | None  # the process's peak RSS growth while exporting
    flux: bool


def _params(brut: dict[str, Any], ids: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    from django.utils import timezone

    params = dict(brut)
    jours = params.pop("jours", None)
    if jours:
        params["date_debut"] = (timezone.localdate() - timedelta(days=jours)).isoformat()
    if "terminal" in params:
        params["terminal"] = ids["terminaux"][params["terminal"] - 1]
    if "caissier" in params:
        params["caissier"] = ids["proprietaire"]
    if params.get("page") == "last":
        params["page"] = 10**6  # the paginator answers its last page
    elif params.get("page") == "milieu":
        params["page"] = ids["page_milieu"]
    return params, ids


@contextlib.contextmanager
def _pic_rss(intervalle_s: float = 0.02) -> Iterator[list[int]]:
    """The process's highest resident size (kB) while the block runs, sampled by a thread
    (VmHWM cannot be reset everywhere); [0] where /proc is missing."""
    pic = [0]
    fini = threading.Event()

    def echantillonner() -> None:
        while not fini.is_set():
            pic[0] = max(pic[0], _rss_ko("VmRSS"))
            fini.wait(intervalle_s)

    fil = threading.Thread(target=echantillonner, daemon=True)
    fil.start()
    try:
        yield pic
    finally:
        fini.set()
        fil.join()


def _rss_ko(champ: str) -> int:
    if not os.path.exists("/proc/self/status"):
        return 0
    with open("/proc/self/status") as f:
        for ligne in f:
            if ligne.startswith(champ + ":"):
                return int(ligne.split()[1])
    return 0


def mesurer(repetitions: int = 5, *, afficher: bool = True) -> dict[str, Any]:
    """Each page `repetitions` times (median and min), each export once to its last byte."""
    _django()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client

    from magasin.boutiques.models import Terminal
    from magasin.stock.models import Article
    from magasin.ventes.models import Vente

    # No collectstatic here: plain static URLs instead of the production manifest.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    proprietaire = get_user_model().objects.get(username=PROPRIETAIRE)
    client = Client()
    client.force_login(proprietaire)
    ids: dict[str, Any] = {
        "terminaux": list(
            Terminal.objects.filter(boutique__code=CODE).order_by("nom_terminal").values_list("pk", flat=True)
        ),
        "proprietaire": proprietaire.pk,
        "vente": Vente.objects.filter(boutique__code=CODE).order_by("-date_vente").values_list("pk", flat=True)[0],
        "article": Article.objects.filter(boutique__code=CODE).order_by("code").values_list("pk", flat=True)[0],
        "page_milieu": Vente.objects.filter(boutique__code=CODE).count() // 50,  # 25 sales a page
    }
    charge_debut = os.getloadavg()
    if afficher:
        print(f"charge au début: {charge_debut[0]:.2f} {charge_debut[1]:.2f} {charge_debut[2]:.2f}", flush=True)
    # Exports first: the process's resident size is then still that of a fresh worker, and its
    # growth is the export's (memory a page of seconds took is kept by the allocator).
    exports: list[MesureExport] = []
    for nom, url, brut in EXPORTS:
        params, _ = _params(brut, ids)
        avant = _rss_ko("VmRSS")
        with _pic_rss() as pic_ko:
            t = time.perf_counter()
            r = client.get(url, params)
            assert r.status_code == 200, (url, r.status_code)
            taille = sum(len(m) for m in r.streaming_content) if r.streaming else len(r.content)
            duree = time.perf_counter() - t
        pic = round((pic_ko[0] - avant) / 1024, 1) if pic_ko[0] else None
        e = MesureExport(nom, url, round(duree, 2), round(taille / 1e6, 1), pic, r.streaming)
        exports.append(e)
        if afficher:
            print(
                f"{nom:50} {e.duree_s:6.1f} s  {e.mo:6.1f} Mo  pic mémoire +{e.pic_memoire_mo} Mo"
                f"  ({'flux' if e.flux else 'en un bloc'})",
                flush=True,
            )
    pages: list[Mesure] = []
    requetes: list[str] = []

    def compter(execute: Any, sql: str, *args: Any) -> Any:
        requetes.append(sql)
        return execute(sql, *args)

    for nom, url, brut in PAGES:
        params, _ = _params(brut, ids)
        adresse = url.format(**ids)
        # A first request, untimed, counts the queries (and warms the caches as an owner's
        # second look would find them).
        requetes.clear()
        t = time.perf_counter()
        with connection.execute_wrapper(compter):
            r = client.get(adresse, params)
        assert r.status_code == 200, (adresse, r.status_code)
        # A page of several seconds is timed twice only: its verdict does not need five.
        fois = repetitions if time.perf_counter() - t < 2 else min(repetitions, 2)
        durees = []
        for _ in range(fois):
            t = time.perf_counter()
            r = client.get(adresse, params)
            durees.append((time.perf_counter() - t) * 1000)
            assert r.status_code == 200, (adresse, r.status_code)
        m = Mesure(nom, adresse, round(statistics.median(durees), 1), round(min(durees), 1), len(requetes))
        pages.append(m)
        if afficher:
            marque = "" if m.mediane_ms < OBJECTIF_MS else "  > 200 ms"
            print(
                f"{nom:50} médiane {m.mediane_ms:7.0f} ms  min {m.min_ms:6.0f} ms  {m.requetes:3} requêtes{marque}",
                flush=True,
            )
    charge_fin = os.getloadavg()
    if afficher:
        print(f"charge à la fin: {charge_fin[0]:.2f} {charge_fin[1]:.2f} {charge_fin[2]:.2f}", flush=True)
    return {
        "base": URL.rsplit("/", 1)[1],
        "ventes": Vente.objects.filter(boutique__code=CODE).count(),
        "repetitions": repetitions,
        "charge_debut": [round(x, 2) for x in charge_debut],
        "charge_fin": [round(x, 2) for x in charge_fin],
        "objectif_ms": OBJECTIF_MS,
        "pages": [asdict(p) for p in pages],
        "exports": [asdict(e) for e in exports],
    }


def existe() -> bool:
    """Whether the year's database exists and holds the generated shop."""
    import psycopg

    try:
        with psycopg.connect(URL, connect_timeout=5) as c:
            return bool(
                c.execute("SELECT 1 FROM information_schema.tables WHERE table_name = 'boutiques_boutique'").fetchone()
                and c.execute("SELECT 1 FROM boutiques_boutique WHERE code = %s", [CODE]).fetchone()
            )
    except psycopg.OperationalError:
        return False


def age_jours() -> int | None:
    """Days since the year's last sale (the pages read "the last 365 days": an old database
    would measure fewer sales than a year); None without the database."""
    import psycopg

    if not existe():
        return None
    with psycopg.connect(URL) as c:
        (jours,) = c.execute(  # type: ignore[misc]
            "SELECT COALESCE(EXTRACT(DAY FROM now() - max(date_vente)), 0) FROM ventes_vente v "
            "JOIN boutiques_boutique b ON b.id = v.boutique_id WHERE b.code = %s",
            [CODE],
        ).fetchone()
    return int(jours)


def supprimer() -> None:
    import psycopg

    nom = URL.rsplit("/", 1)[1]
    with psycopg.connect(URL.rsplit("/", 1)[0] + "/postgres", autocommit=True) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{nom}"')


def rapport(fichier: str, repetitions: int = 5, *, regenerer_apres_jours: int = 7) -> None:
    """What `make bench` runs (in its own process: Django set up on this database): the year's
    database generated when absent or older than `regenerer_apres_jours`, its closed days
    summarised (the nightly job's work), then every page and export measured; JSON to `fichier`."""
    age = age_jours()
    if age is not None and age > regenerer_apres_jours:
        print(f"base de l'année vieille de {age} jours : régénérée", flush=True)
        supprimer()
    if not existe():
        generer()
    else:
        agreger()
    resultats = mesurer(repetitions)
    with open(fichier, "w") as f:
        json.dump(resultats, f, indent=2, ensure_ascii=False)


if __name__ == "__main__":
    commande = sys.argv[1] if len(sys.argv) > 1 else "mesurer"
    if commande == "generer":
        generer()
    elif commande == "agreger":
        agreger()
    elif commande == "rapport":
        rapport(sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 5)
    else:
        mesurer(int(sys.argv[2]) if len(sys.argv) > 2 else 5)
