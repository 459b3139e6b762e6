"""Shared plumbing of the benchmarks: the database, the seed data, the gunicorn server, stats.

Benchmarks run as their own process: `preparer_django()` points Django at the benchmark
database (BENCH_DATABASE_URL, default PostgreSQL `magasin_bench` on 127.0.0.1) before setup.

Another source tree (`bench.rapport --avant`): the processes that serve or prepare it run in a
directory of links (`dossier_d_execution`) where `magasin` and the rest are that tree's and
`bench` is this one's, so that the same benchmark measures both trees.
"""

from __future__ import annotations

import hashlib
import importlib.util
import math
import os
import random
import signal
import subprocess
import sys
import tempfile
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

# The floor's table (bench.plancher): a bench-only table, no foreign key (see bench.plancher).
TABLE_PLANCHER = "bench_plancher"
DDL_PLANCHER = {
    "postgresql": (
        f"CREATE TABLE IF NOT EXISTS {TABLE_PLANCHER} (id bigserial PRIMARY KEY, terminal_id bigint NOT NULL, "
        "ventes integer NOT NULL, corps text NOT NULL, recu_le timestamp with time zone NOT NULL)"
    ),
    "mysql": (
        f"CREATE TABLE IF NOT EXISTS {TABLE_PLANCHER} (id bigint AUTO_INCREMENT PRIMARY KEY, "
        "terminal_id bigint NOT NULL, ventes integer NOT NULL, corps longtext NOT NULL, "
        "recu_le datetime(6) NOT NULL) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4"
    ),
    "sqlite": (
        f"CREATE TABLE IF NOT EXISTS {TABLE_PLANCHER} (id integer PRIMARY KEY AUTOINCREMENT, "
        "terminal_id bigint NOT NULL, ventes integer NOT NULL, corps text NOT NULL, recu_le datetime NOT NULL)"
    ),
}


def dossier_d_execution(sources: Path | None = None, *, liens: Path | None = None) -> Path:
    """Where a process measuring the code of `sources` runs (`python -m ...`, cwd first on the
    path): this tree itself, or a directory of links to every entry of `sources` but `bench`,
    which links to this tree's. Settings resolve their own path (BASE_DIR), so templates,
    static files and migrations are those of `sources`."""
    if sources is None:
        # This process's own: where it imports `magasin` from (a directory of links already,
        # when this process prepares another tree for `bench.arbre`).
        spec = importlib.util.find_spec("magasin")
        return Path(spec.origin).absolute().parent.parent if spec and spec.origin else RACINE
    if sources.resolve() == RACINE:
        return RACINE
    sources = sources.resolve()
    cle = hashlib.sha1(str(sources).encode()).hexdigest()[:10]
    dossier = (liens or Path(tempfile.gettempdir())) / f"magasin-bench-{sources.name}-{cle}"
    dossier.mkdir(exist_ok=True)
    cibles = {e.name: e for e in sources.iterdir() if e.name not in {"bench", ".git", ".venv", "var"}}
    cibles["bench"] = RACINE / "bench"
    for nom, cible in cibles.items():
        lien = dossier / nom
        if not lien.is_symlink():
            lien.symlink_to(cible)
    (dossier / "var").mkdir(exist_ok=True)
    return dossier


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
    env.pop("PYTHONPATH", None)  # the working directory decides which tree is imported
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


def creer_base(url: str, *, neuve: bool = True, sources: Path | None = None) -> None:
    """Create the benchmark database if it does not exist (`neuve`: drop it first), migrate it
    with the migrations of `sources` (default: this tree), and add the floor's table."""
    creer_base_vide(url, neuve=neuve)
    subprocess.run(
        [PYTHON, "-m", "django", "migrate", "--noinput", "-v0"],
        cwd=dossier_d_execution(sources),
        env=env_serveur(url),
        check=True,
    )
    executer_sql(url, DDL_PLANCHER[moteur(url)])


def moteur(url: str) -> str:
    """'postgresql', 'mysql' or 'sqlite', as Django's `connection.vendor` says it."""
    import dj_database_url

    return str(dj_database_url.parse(url)["ENGINE"]).rsplit(".", 1)[1].replace("sqlite3", "sqlite")


def executer_sql(url: str, requete: str, parametres: list[Any] | None = None) -> None:
    """Run one statement on the database of `url` and commit, outside Django (for a tree whose
    models this process does not import). `%s` placeholders, on the three backends."""
    import dj_database_url

    vendeur = moteur(url)
    if vendeur == "postgresql":
        import psycopg

        with psycopg.connect(url.replace("postgres://", "postgresql://", 1), autocommit=True) as cx:
            cx.execute(requete, parametres)  # type: ignore[arg-type]
    elif vendeur == "mysql":
        cx = connexion_mysql(url)
        try:
            cx.cursor().execute(requete, parametres)
            cx.commit()
        finally:
            cx.close()
    else:
        import sqlite3

        fichier = sqlite3.connect(str(dj_database_url.parse(url)["NAME"]))
        try:
            fichier.execute(requete.replace("%s", "?"), parametres or [])
            fichier.commit()
        finally:
            fichier.close()


def url_voisine(url: str, suffixe: str) -> str:
    """The URL of a second benchmark database beside `url` (`magasin_bench` -> `magasin_bench_avant`)."""
    base, _, nom = url.rpartition("/")
    if moteur(url) == "sqlite":
        chemin = Path(nom)
        return f"{base}/{chemin.stem}_{suffixe}{chemin.suffix}"
    return f"{base}/{nom}_{suffixe}"


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
    """A gunicorn subprocess on 127.0.0.1 serving bench.wsgi (Magasin + the baseline and floor
    views), with the code of `sources` (default: this tree)."""

    def __init__(
        self,
        url_base: str,
        *,
        port: int = PORT_DEFAUT,
        workers: int | None = None,
        threads: int = 1,
        wsgi: str = "bench.wsgi:application",
        sources: Path | None = None,
    ) -> None:
        if not 8300 <= port <= 8399:
            raise ValueError("benchmark servers use ports 8300-8399 only")
        self.url_base = url_base
        self.port = port
        self.workers = workers or int(os.environ.get("BENCH_WORKERS", "4"))
        self.threads = threads
        self.wsgi = wsgi
        self.sources = sources
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
        self.processus = subprocess.Popen(
            commande, cwd=dossier_d_execution(self.sources), env=env_serveur(self.url_base)
        )
        # Generous: on a machine shared with other runs, workers may take long to import Django.
        limite = time.monotonic() + 90
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
        raise RuntimeError("gunicorn did not answer in 90 s")

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


def analyser(url: str | None = None) -> None:
    """Refresh the planner's statistics (a fresh benchmark database has none yet), of Django's
    database or of the one `url` names."""
    if url is not None:
        if moteur(url) == "postgresql":
            executer_sql(url, "ANALYZE")
        return
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
