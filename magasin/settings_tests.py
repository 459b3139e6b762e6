"""Settings for the test suite: production settings with a throwaway key and test hosts."""

import os

os.environ.setdefault("SECRET_KEY", "tests-only-not-a-secret")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")

from magasin.settings import *  # noqa: F403
from magasin.settings import DATABASES, VAR_DIR

# Hashing admin/admin at full strength on every test user costs seconds; tests need no strength.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file in var/, not shared memory: threads then meet real WAL locking as in production.
    _nom = os.environ.get("MAGASIN_TEST_DB_NAME", "test_magasin")
    DATABASES["default"].setdefault("TEST", {})["NAME"] = str(VAR_DIR / f"{_nom}.sqlite3")

if not os.environ.get("REDIS_URL"):
    # Counters per test process: concurrent runs on one machine must not share (or clear) them.
    # Production's shared file cache is proven in magasin/core/tests/test_limitation.py.
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# No collectstatic in tests: serve from the finders and skip WhiteNoise's STATIC_ROOT scan.
STATIC_ROOT = None  # type: ignore[assignment]
WHITENOISE_USE_FINDERS = True
