"""Shared plumbing of the benchmarks: the database, the seed data, the gunicorn server, stats.

Benchmarks run as their own process: `preparer_django()` points Django at the benchmark
database (BENCH_DATABASE_URL, default PostgreSQL `magasin_bench` on 127.0.0.1) before setup.
"""

from __future__ import annotations

import math
import os
import random
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

RACINE = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
URL_DEFAUT = "postgres://postgres@127.0.0.1:5432/magasin_bench"
PORT_DEFAUT = 8310
STOCK_INITIAL = 1_000_000_000  # never runs out during a benchmark: no refusal skews a figure


def env_serveur(url_base: str, **extra: str) -> dict[str, str]:
    """Environment of a production-like server on the benchmark database."""
    env = dict(os.environ)
    env.update(
        DATABASE_URL=url_base,
        SECRET_KEY="bench-not-a-secret",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        DEBUG="0",
        LOG_LEVEL=os.environ.get("BENCH_LOG_LEVEL", "WARNING"),
        CONN_MAX_AGE=os.environ.get("BENCH_CONN_MAX_AGE", "600"),
        DJANGO_SETTINGS_MODULE="bench.reglages",
    )
    env.pop("MAGASIN_TEST_DB_NAME", None)
    env.update(extra)
    return env


def preparer_django(url_base: str | None = None) -> str:
    """Configure and set up Django in this process on the benchmark database; return its URL."""
    url = url_base or url_bench()
    for cle, valeur in env_serveur(url).items():
        if cle in {
            "DATABASE_URL",
            "SECRET_KEY",
            "ALLOWED_HOSTS",
            "DEBUG",
            "LOG_LEVEL",
            "CONN_MAX_AGE",
            "DJANGO_SETTINGS_MODULE",
        }:
            os.environ[cle] = valeur
    import django

    django.setup()
    return url


def url_bench() -> str:
    """The benchmark database: BENCH_DATABASE_URL, else PostgreSQL `magasin_bench` on 127.0.0.1."""
    return os.environ.get("BENCH_DATABASE_URL", URL_DEFAUT)


def base_existante() -> str:
    """Migrate the benchmark database (kept if it exists), set Django up on it; its URL."""
    url = url_bench()
    creer_base(url, neuve=False)
    preparer_django(url)
    return url


def creer_base(url: str, *, neuve: bool = True) -> None:
    """Create the benchmark database if it does not exist (`neuve`: drop it first), then
    migrate it."""
    creer_base_vide(url, neuve=neuve)
    subprocess.run(
        [PYTHON, "manage.py", "migrate", "--noinput", "-v0"],
        cwd=RACINE,
        env=env_serveur(url),
        check=True,
    )


def creer_base_vide(url: str, *, neuve: bool) -> None:
    """The database of `url` exists afterwards; with `neuve`, empty. PostgreSQL, MySQL/MariaDB
    (in utf8mb4, as the settings connect) or SQLite (a file, which `migrate` creates)."""
    import dj_database_url

    reglages = dj_database_url.parse(url)
    moteur, nom = reglages["ENGINE"], str(reglages["NAME"])
    if moteur == "django.db.backends.postgresql":
        import psycopg

        admin = url.rsplit("/", 1)[0] + "/postgres"
        with psycopg.connect(admin, autocommit=True) as cx:
            existe = cx.execute("select 1 from pg_database where datname = %s", [nom]).fetchone()
            if existe and neuve:
                cx.execute(f'drop database "{nom}" with (force)')
            if not existe or neuve:
                cx.execute(f'create database "{nom}"')
    elif moteur == "django.db.backends.mysql":
        cx = connexion_mysql(url, base=False)
        try:
            curseur = cx.cursor()
            if neuve:
                curseur.execute(f"DROP DATABASE IF EXISTS `{nom}`")
            curseur.execute(f"CREATE DATABASE IF NOT EXISTS `{nom}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
        finally:
            cx.close()
    elif moteur == "django.db.backends.sqlite3" and neuve:
        for suffixe in ("", "-wal", "-shm"):
            Path(nom + suffixe).unlink(missing_ok=True)


def connexion_mysql(url: str, *, base: bool = True) -> Any:
    """A MySQLdb connection to the server of `url`, to its database unless `base=False`."""
    import dj_database_url
    import MySQLdb

    reglages = dj_database_url.parse(url)
    return MySQLdb.connect(
        host=reglages.get("HOST") or "127.0.0.1",
        port=int(reglages.get("PORT") or 3306),
        user=reglages.get("USER") or "root",
        password=reglages.get("PASSWORD") or "",
        **({"database": str(reglages["NAME"])} if base else {}),
    )


# --- Seed data ---------------------------------------------------------------------------


@dataclass
class TerminalBench:
    serie: str
    jeton: str
    boutique_id: int
    articles: list[tuple[int, str]] = field(default_factory=list)  # (id, prix "1234.00")

    def entetes(self) -> dict[str, str]:
        return {
            "X-Device-Serial": self.serie,
            "Authorization": f"Bearer {self.jeton}",
            "Content-Type": "application/json",
        }


def peupler(*, prefixe: str, boutiques: int, terminaux: int, articles_par_boutique: int = 200) -> list[TerminalBench]:
    """Shops, terminals (through the service, with tokens) and articles whose opening stock
    is an ENTREE movement (bulk-written, ledger-consistent). Terminals fill the shops in order,
    the same number in each (terminal t is in shop t // ceil(terminaux / boutiques))."""
    from django.db import transaction
    from django.utils import timezone

    from magasin.boutiques.models import Boutique, PolitiqueStock
    from magasin.boutiques.services import terminal_creer
    from magasin.stock.models import Article, MouvementStock, TypeMouvement

    rng = random.Random(prefixe)
    maintenant = timezone.now()
    liste_boutiques = []
    catalogues: dict[int, list[tuple[int, str]]] = {}
    with transaction.atomic():
        for b in range(boutiques):
            boutique = Boutique.objects.create(
                nom=f"Boutique {prefixe} {b}",
                code=f"{prefixe}-{b:03d}"[:20],
                politique_stock=PolitiqueStock.REFUSER,
            )
            liste_boutiques.append(boutique)
            articles = Article.objects.bulk_create(
                [
                    Article(
                        boutique=boutique,
                        code=f"A{i:05d}",
                        nom=f"Article {i} ({prefixe})",
                        prix_vente=Decimal(rng.randrange(500, 250_000, 50)),
                        quantite_stock=STOCK_INITIAL,
                    )
                    for i in range(articles_par_boutique)
                ]
            )
            if any(a.pk is None for a in articles):  # MySQL: read the ids back
                articles = list(Article.objects.filter(boutique=boutique).order_by("pk"))
            MouvementStock.objects.bulk_create(
                [
                    MouvementStock(
                        article=a,
                        boutique=boutique,
                        type_mouvement=TypeMouvement.ENTREE,
                        quantite=STOCK_INITIAL,
                        stock_avant=0,
                        stock_apres=STOCK_INITIAL,
                        utilisateur="bench",
                        commentaire="Stock initial",
                        date_mouvement=maintenant,
                    )
                    for a in articles
                ],
                batch_size=1000,
            )
            catalogues[boutique.pk] = [(a.pk, f"{a.prix_vente:.2f}") for a in articles]
        resultat = []
        par_boutique = -(-terminaux // boutiques)
        for t in range(terminaux):
            boutique = liste_boutiques[(t // par_boutique) % boutiques]
            terminal, jeton = terminal_creer(
                numero_serie=f"{prefixe}-T{t:03d}",
                nom_terminal=f"Caisse {prefixe} {t}",
                boutique=boutique,
            )
            resultat.append(
                TerminalBench(
                    serie=terminal.numero_serie,
                    jeton=jeton,
                    boutique_id=boutique.pk,
                    articles=catalogues[boutique.pk],
                )
            )
    return resultat


def vente_aleatoire(rng: random.Random, terminal: TerminalBench, numero: str, *, lignes: int = 3) -> dict[str, Any]:
    """One sale of `lignes` distinct articles, with its number and a uuid (the identity)."""
    choisis = rng.sample(terminal.articles, lignes)
    corps_lignes = []
    total = Decimal(0)
    for article_id, prix in choisis:
        q = rng.randint(1, 3)
        corps_lignes.append({"article_id": article_id, "quantite": q, "prix_unitaire": prix})
        total += Decimal(prix) * q
    return {
        "numero_facture": numero,
        "uuid": f"{numero}-{rng.getrandbits(64):016x}",
        "montant_total": f"{total:.2f}",
        "mode_paiement": "CASH",
        "paye": True,
        "lignes": corps_lignes,
    }


# --- Server ------------------------------------------------------------------------------


class Serveur:
    """A gunicorn subprocess on 127.0.0.1 serving bench.wsgi (Magasin + the baseline view)."""

    def __init__(
        self,
        url_base: str,
        *,
        port: int = PORT_DEFAUT,
        workers: int | None = None,
        threads: int = 1,
        wsgi: str = "bench.wsgi:application",
    ) -> None:
        if not 8300 <= port <= 8399:
            raise ValueError("benchmark servers use ports 8300-8399 only")
        self.url_base = url_base
        self.port = port
        self.workers = workers or int(os.environ.get("BENCH_WORKERS", "4"))
        self.threads = threads
        self.wsgi = wsgi
        self.processus: subprocess.Popen[bytes] | None = None

    @property
    def adresse(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def demarrer(self) -> Serveur:
        commande = [
            PYTHON,
            "-m",
            "gunicorn",
            self.wsgi,
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(self.workers),
            "--backlog",
            "256",
            "--timeout",
            "120",
            "--log-level",
            "warning",
        ]
        if self.threads > 1:
            commande += ["--threads", str(self.threads)]
        self.processus = subprocess.Popen(commande, cwd=RACINE, env=env_serveur(self.url_base))
        limite = time.monotonic() + 30
        while time.monotonic() < limite:
            if self.processus.poll() is not None:
                raise RuntimeError("gunicorn exited at start")
            try:
                with urllib.request.urlopen(self.adresse + "/healthz", timeout=1):
                    pass
                return self
            except OSError as exc:
                if getattr(exc, "code", None):  # any HTTP answer means it is up
                    return self
                time.sleep(0.2)
        self.arreter()
        raise RuntimeError("gunicorn did not answer in 30 s")

    def arreter(self) -> None:
        if self.processus is not None and self.processus.poll() is None:
            self.processus.send_signal(signal.SIGTERM)
            try:
                self.processus.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.processus.kill()
                self.processus.wait()
        self.processus = None

    def __enter__(self) -> Serveur:
        return self.demarrer()

    def __exit__(self, *exc: object) -> None:
        self.arreter()


# --- Statistics --------------------------------------------------------------------------


def analyser() -> None:
    """Refresh the planner's statistics (a fresh benchmark database has none yet)."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as curseur:
            curseur.execute("ANALYZE")


def centile(valeurs: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of a list of numbers; 0.0 when empty."""
    if not valeurs:
        return 0.0
    tries = sorted(valeurs)
    rang = max(1, min(len(tries), math.ceil(p / 100 * len(tries))))
    return tries[rang - 1]


def mediane(valeurs: list[float]) -> float:
    return centile(valeurs, 50)
