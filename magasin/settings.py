"""Magasin settings: every knob is an environment variable, read here and nowhere else."""

from __future__ import annotations

import ipaddress
import os
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from magasin.core.journal import configuration as configuration_journal

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("MAGASIN_VAR_DIR", BASE_DIR / "var"))


def _env_bool(name: str, default: bool) -> bool:
    valeur = os.environ.get(name)
    if valeur is None:
        return default
    return valeur.strip().lower() in {"1", "true", "yes", "on", "oui"}


def _env_list(name: str, default: str) -> list[str]:
    return [x.strip() for x in os.environ.get(name, default).split(",") if x.strip()]


DEBUG = _env_bool("DEBUG", False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY is required when DEBUG is off (set DEBUG=1 for development).")
    # A throwaway key for development: sessions do not survive a restart, which is fine there.
    SECRET_KEY = "dev-" + secrets.token_urlsafe(48)

ALLOWED_HOSTS = _env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
if DEBUG:
    ALLOWED_HOSTS += ["testserver"]
CSRF_TRUSTED_ORIGINS = _env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # Only for its static files and templates: /api/docs serves Swagger UI from the site, not a CDN.
    "ninja",
    "magasin.core",
    "magasin.boutiques",
    "magasin.stock",
    "magasin.ventes",
    "magasin.reprise",
    # The till: exchange rates, payments, receivables, cash movements and closings (issue 21).
    "magasin.caisse",
    # Above the domains: diagnostics and the commands that span them (demo, verifier_*, ...).
    "magasin.exploitation",
    "magasin.api",
    "magasin.web",
]

MIDDLEWARE = [
    # First: it times the whole request and tags every log line with the request id.
    "magasin.core.middleware.JournalRequetes",
    # Counts refused calls of known but unusable terminals (inactive, no shop): sees the final status.
    "magasin.api.middleware.TentativesTerminauxRefusees",
    # gzip of the API's JSON answers (never the back-office's pages: see its docstring). Outside
    # every middleware that writes a body, so it compresses what is finally sent.
    "magasin.api.middleware.CompressionApi",
    "django.middleware.security.SecurityMiddleware",
    "magasin.web.csp.PolitiqueSecuriteContenu",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # Django's CommonMiddleware, but a POST under /api/ is never redirected to add a slash.
    "magasin.api.middleware.CommunSansRedirigerLesEnvoisApi",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After a user's write, their next pages read the primary (magasin.core.routage).
    "magasin.core.routage.LectureDeSesEcritures",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # /api/ only: 404/405 built outside an endpoint answered in the API's JSON error shape.
    "magasin.api.middleware.ErreursHttpEnJSON",
]

ROOT_URLCONF = "magasin.urls"
WSGI_APPLICATION = "magasin.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'magasin.sqlite3'}"
_db = dj_database_url.parse(DATABASE_URL, conn_max_age=int(os.environ.get("CONN_MAX_AGE", "0")))
_moteur = _db["ENGINE"]
if _moteur == "django.db.backends.sqlite3":
    # WAL lets readers work while one writer writes; IMMEDIATE takes the write lock at BEGIN,
    # so concurrent writers queue on busy_timeout instead of failing with "database is locked".
    _db["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
elif _moteur == "django.db.backends.mysql":
    _db["OPTIONS"] = {
        "charset": "utf8mb4",
        "isolation_level": "read committed",
        "init_command": "SET sql_mode='STRICT_TRANS_TABLES'",
    }
    _db.setdefault("TEST", {})["CHARSET"] = "utf8mb4"
    _db["TEST"]["COLLATION"] = "utf8mb4_unicode_ci"
elif _moteur == "django.db.backends.postgresql":
    # Parameters bound by the server, and a statement run five times on a connection prepared
    # there (psycopg's default threshold): a sync's dozen statements are then neither rendered
    # in Python nor parsed again (nor planned again in the sync batch: core.db.plans_generiques).
    # Measured under load at 50 x 32: 9.7 -> 7.9 ms of PostgreSQL CPU per 50-sale request
    # (docs/PERFORMANCE.md, seventh pass). Behind PgBouncer in transaction mode before 1.21,
    # named prepared statements break: they are off there by default (below).
    _db.setdefault("OPTIONS", {})
    _db["OPTIONS"]["server_side_binding"] = True
    # PgBouncer in transaction pooling (port 6432, or DATABASE_PGBOUNCER=1) hands each transaction
    # to any server connection: 1.18 keeps neither a named prepared statement nor a WITH HOLD
    # cursor (QuerySet.iterator()) from one transaction to the next. Both are off by default there.
    DATABASE_PGBOUNCER = _env_bool("DATABASE_PGBOUNCER", str(_db.get("PORT")) == "6432")
    if DATABASE_PGBOUNCER and _env_bool("DATABASE_PREPARED_STATEMENTS", False):
        raise ImproperlyConfigured(
            "DATABASE_PREPARED_STATEMENTS=1 behind PgBouncer (DATABASE_URL on port 6432 or "
            "DATABASE_PGBOUNCER=1): PgBouncer before 1.21 in transaction pooling loses prepared "
            "statements between transactions. Remove DATABASE_PREPARED_STATEMENTS, or, with "
            "PgBouncer 1.21+ and max_prepared_statements set, say DATABASE_PGBOUNCER=0."
        )
    _db["OPTIONS"]["prepare_threshold"] = (
        5 if _env_bool("DATABASE_PREPARED_STATEMENTS", not DATABASE_PGBOUNCER) else None
    )
    _db["DISABLE_SERVER_SIDE_CURSORS"] = DATABASE_PGBOUNCER
if os.environ.get("MAGASIN_TEST_DB_NAME"):
    # Lets several test runs share one database server without clobbering each other.
    _db.setdefault("TEST", {})["NAME"] = os.environ["MAGASIN_TEST_DB_NAME"]
DATABASES = {"default": _db}
# A streaming replica for the back-office's heavy reads (magasin.core.routage): only the views
# marked @lecture_replique read it, outside transactions, never right after the user's own write,
# never when it lags past MAGASIN_REPLIQUE_RETARD_MAX_S or does not answer (then: the primary).
DATABASE_REPLICA_URL = os.environ.get("DATABASE_REPLICA_URL", "")
if DATABASE_REPLICA_URL:
    if _moteur != "django.db.backends.postgresql":
        raise ImproperlyConfigured("DATABASE_REPLICA_URL needs PostgreSQL (streaming replication) for DATABASE_URL")
    _replique = dj_database_url.parse(DATABASE_REPLICA_URL, conn_max_age=_db["CONN_MAX_AGE"])
    # Through a PgBouncer of its own (port 6432 or DATABASE_REPLICA_PGBOUNCER=1): as above.
    _replique_pgbouncer = _env_bool("DATABASE_REPLICA_PGBOUNCER", str(_replique.get("PORT")) == "6432")
    _replique["OPTIONS"] = {
        "server_side_binding": True,
        "prepare_threshold": None if _replique_pgbouncer else 5,
        # A replica that does not answer must cost a page little: then it is left for a while.
        "connect_timeout": 2,
    }
    _replique["DISABLE_SERVER_SIDE_CURSORS"] = _replique_pgbouncer
    # Tests: the replica's copy of the test database (the standby replicates its creation).
    _replique["TEST"] = {"MIRROR": "default"}
    DATABASES["replique"] = _replique
DATABASE_ROUTERS = ["magasin.core.routage.RouteurReplique"]
MAGASIN_REPLIQUE_RETARD_MAX_S = float(os.environ.get("MAGASIN_REPLIQUE_RETARD_MAX_S", "5"))
# After a user's POST, that user's pages read the primary this long (read-your-writes).
MAGASIN_REPLIQUE_FRAICHEUR_S = float(os.environ.get("MAGASIN_REPLIQUE_FRAICHEUR_S", "15"))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The cache holds the authentication failure counters (magasin.core.limitation), which every
# worker must see: a per-process memory cache would multiply the limit by the worker count.
# Redis when there are several servers; otherwise files in var/, seen by all the workers of the
# machine with nothing to create or migrate, and no write in the sales database (SQLite has one
# writer). The counters only change on failures: a terminal's accepted request reads nothing here.
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": os.environ["REDIS_URL"]}
        if os.environ.get("REDIS_URL")
        else {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
            "OPTIONS": {"MAX_ENTRIES": 5000},
        }
    )
}

# --- Auth -----------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]
LOGIN_URL = "web:connexion"
LOGIN_REDIRECT_URL = "web:tableau_de_bord"
LOGOUT_REDIRECT_URL = "web:connexion"

# --- i18n -----------------------------------------------------------------------------------
LANGUAGE_CODE = os.environ.get("LANGUAGE_CODE", "fr")
TIME_ZONE = os.environ.get("TIME_ZONE", "Africa/Kinshasa")
USE_I18N = True
USE_TZ = True

# --- Static ---------------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# --- Security (HTTPS settings are opt-in: Magasin usually sits behind a proxy) ----------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
# No script reads the CSRF cookie: templates give htmx the token (hx-headers in base.html).
CSRF_COOKIE_HTTPONLY = True
SECURE_SSL_REDIRECT = _env_bool("SECURE_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
SECURE_HSTS_PRELOAD = _env_bool("SECURE_HSTS_PRELOAD", False)
# Preload listing binds the whole domain and its subdomains to HTTPS for months and is slow to
# undo: the operator opts in with SECURE_HSTS_PRELOAD=1; not choosing it is not a defect.
# models.W037: MariaDB/MySQL have no partial index; Vente's two partial indexes on its user
# references are then served by the indexes MySQL keeps for those foreign keys (see the model).
# models.W040: only PostgreSQL has INCLUDE columns; elsewhere the sale lines' index on `vente`
# is a plain one, as it was before it was made covering (ventes 0008).
SILENCED_SYSTEM_CHECKS = ["security.W021", "models.W037", "models.W040"]
SESSION_COOKIE_SECURE = _env_bool("SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
if _env_bool("BEHIND_PROXY", False):
    # Only behind a proxy that sets X-Forwarded-Proto itself (and strips the client's).
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Load balancers probe over plain HTTP on the private network: no redirect for the probes.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]

# --- Magasin --------------------------------------------------------------------------------
MAGASIN_SYNC_MAX_VENTES = int(os.environ.get("MAGASIN_SYNC_MAX_VENTES", "500"))
# Addresses or networks (CIDR) of our own reverse proxies: only from them is X-Forwarded-For
# believed when counting authentication failures per client (magasin.core.limitation).
MAGASIN_PROXIES_DE_CONFIANCE = _env_list("MAGASIN_PROXIES_DE_CONFIANCE", "")
for _proxy in MAGASIN_PROXIES_DE_CONFIANCE:
    try:
        ipaddress.ip_network(_proxy, strict=False)
    except ValueError as _exc:
        raise ImproperlyConfigured(f"MAGASIN_PROXIES_DE_CONFIANCE: {_proxy!r} is no address or network") from _exc
# A 500-sale batch of generous sales fits well under this; anything larger is refused early.
DATA_UPLOAD_MAX_MEMORY_SIZE = int(os.environ.get("MAGASIN_MAX_BODY_BYTES", str(5 * 1024 * 1024)))

LOGGING = configuration_journal(
    os.environ.get("LOG_LEVEL", "INFO"),
    {
        "django.db.backends": {"level": "WARNING"},
        # JournalRequetes logs every request once; Django's own 4xx lines would repeat it.
        "django.request": {"level": "ERROR"},
        "django.server": {"level": "WARNING"},
        "magasin": {"level": os.environ.get("LOG_LEVEL", "INFO"), "propagate": True},
    },
)
