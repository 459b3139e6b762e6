"""The client's address behind a trusted proxy, and failure counters every worker sees."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.cache import cache
from django.test import RequestFactory, override_settings

from magasin.core.limitation import Limite, adresse_client, blocage_restant, echec_compter, echecs_effacer

RACINE = Path(__file__).resolve().parents[3]


@pytest.fixture(autouse=True)
def _cache_vide() -> None:
    cache.clear()


def _requete(remote: str, xff: str | None = None):  # type: ignore[no-untyped-def]
    meta = {"REMOTE_ADDR": remote}
    if xff is not None:
        meta["HTTP_X_FORWARDED_FOR"] = xff
    return RequestFactory().get("/", **meta)


# --- adresse_client ------------------------------------------------------------------------------


@override_settings(MAGASIN_PROXIES_DE_CONFIANCE=[])
def test_sans_proxy_de_confiance_x_forwarded_for_est_ignore():
    assert adresse_client(_requete("127.0.0.1", "203.0.113.7")) == "127.0.0.1"
    assert adresse_client(_requete("198.51.100.2", "203.0.113.7, 10.0.0.1")) == "198.51.100.2"


@override_settings(MAGASIN_PROXIES_DE_CONFIANCE=["127.0.0.1"])
def test_d_un_proxy_de_confiance_l_adresse_la_plus_a_droite_non_fiable():
    assert adresse_client(_requete("127.0.0.1", "203.0.113.7")) == "203.0.113.7"
    # Whatever the client wrote on the left is not believed: nginx appended the real peer.
    assert adresse_client(_requete("127.0.0.1", "6.6.6.6, 203.0.113.7")) == "203.0.113.7"
    # No header from our proxy: the proxy itself is all we know.
    assert adresse_client(_requete("127.0.0.1")) == "127.0.0.1"
    # A peer that is not our proxy cannot choose its address.
    assert adresse_client(_requete("198.51.100.2", "203.0.113.7")) == "198.51.100.2"


@override_settings(MAGASIN_PROXIES_DE_CONFIANCE=["127.0.0.1", "10.0.0.0/8"])
def test_chaine_de_proxies_de_confiance_en_cidr():
    # client -> load balancer 10.1.2.3 -> nginx 127.0.0.1
    assert adresse_client(_requete("127.0.0.1", "6.6.6.6, 203.0.113.7, 10.1.2.3")) == "203.0.113.7"
    # Only our proxies in the chain: the left-most, the closest to the client we know.
    assert adresse_client(_requete("127.0.0.1", "10.9.9.9, 10.1.2.3")) == "10.9.9.9"
    # Dual-stack sockets and bracketed IPv6 with a port.
    assert adresse_client(_requete("::ffff:127.0.0.1", "[2001:db8::1]:4711")) == "2001:db8::1"
    # A right-most entry that is no address was the client's own: it stands for that client.
    assert adresse_client(_requete("127.0.0.1", "203.0.113.7, pas-une-adresse")) == "pas-une-adresse"


def test_proxies_de_confiance_lus_dans_l_environnement():
    sortie = _python(
        "from django.conf import settings; print(settings.MAGASIN_PROXIES_DE_CONFIANCE)",
        MAGASIN_PROXIES_DE_CONFIANCE="127.0.0.1, 10.0.0.0/8",
    )
    assert sortie.stdout.strip() == "['127.0.0.1', '10.0.0.0/8']"
    mauvais = _python("import django; django.setup()", MAGASIN_PROXIES_DE_CONFIANCE="nginx.local", verifier=False)
    assert mauvais.returncode != 0 and "MAGASIN_PROXIES_DE_CONFIANCE" in mauvais.stderr


# --- Counters ------------------------------------------------------------------------------------

LIMITE = Limite(espace="essai", maximum=3, fenetre_s=60)


def test_bloque_au_maximum_avec_les_secondes_restantes():
    assert [echec_compter(LIMITE, "cle") for _ in range(2)] == [1, 2]
    assert blocage_restant(LIMITE, "cle") == 0
    assert echec_compter(LIMITE, "cle") == 3
    assert 58 <= blocage_restant(LIMITE, "cle") <= 60
    # Other keys and other spaces are not affected.
    assert blocage_restant(LIMITE, "autre") == 0
    assert blocage_restant(Limite(espace="ailleurs", maximum=3, fenetre_s=60), "cle") == 0
    echecs_effacer(LIMITE, "cle")
    assert blocage_restant(LIMITE, "cle") == 0
    assert echec_compter(LIMITE, "cle") == 1


def test_la_fenetre_se_ferme_et_le_compte_repart_de_zero():
    courte = Limite(espace="courte", maximum=2, fenetre_s=1)
    echec_compter(courte, "cle")
    echec_compter(courte, "cle")
    assert blocage_restant(courte, "cle") == 1
    time.sleep(1.1)
    assert blocage_restant(courte, "cle") == 0
    assert echec_compter(courte, "cle") == 1


def test_identifiants_quelconques_acceptes():
    bizarre = "série\x00 avec espaces " + "x" * 500 + "\ud800"
    for _ in range(3):
        echec_compter(LIMITE, bizarre)
    assert blocage_restant(LIMITE, bizarre) > 0


# --- Where the counters live -------------------------------------------------------------------


def _python(code: str, *, verifier: bool = True, **env: str) -> subprocess.CompletedProcess[str]:
    """Run `code` in a fresh process with production settings (not the test settings)."""
    environnement = {
        k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "MAGASIN_PROXIES_DE_CONFIANCE", "DATABASE_URL"}
    }
    environnement.update({"DJANGO_SETTINGS_MODULE": "magasin.settings", "DEBUG": "1", **env})
    sortie = subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); " + code],
        cwd=RACINE,
        env=environnement,
        capture_output=True,
        text=True,
        timeout=60,
    )
    if verifier:
        assert sortie.returncode == 0, sortie.stderr
    return sortie


def test_cache_de_production_partage_sans_redis_et_redis_avec_redis_url(tmp_path: Path):
    lire = "from django.conf import settings; c = settings.CACHES['default']; print(c['BACKEND'], c['LOCATION'])"
    sans = _python(lire, MAGASIN_VAR_DIR=str(tmp_path)).stdout.split()
    assert sans == ["django.core.cache.backends.filebased.FileBasedCache", str(tmp_path / "cache")]
    avec = _python(lire, MAGASIN_VAR_DIR=str(tmp_path), REDIS_URL="redis://127.0.0.1:6379/3").stdout.split()
    assert avec == ["django.core.cache.backends.redis.RedisCache", "redis://127.0.0.1:6379/3"]


def test_deux_processus_voient_les_memes_compteurs_avec_le_cache_de_production(tmp_path: Path):
    """Two gunicorn workers are two processes: failures counted by one block in the other."""
    compter = (
        "from magasin.core.limitation import Limite, echec_compter; "
        "[echec_compter(Limite(espace='essai', maximum=3, fenetre_s=60), 'serie-X') for _ in range(2)]"
    )
    _python(compter, MAGASIN_VAR_DIR=str(tmp_path))
    _python(compter.replace("range(2)", "range(1)"), MAGASIN_VAR_DIR=str(tmp_path))
    # This process (a third worker) reads the same store: three failures, blocked.
    production = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(tmp_path / "cache"),
        }
    }
    with override_settings(CACHES=production):
        assert blocage_restant(LIMITE, "serie-X") > 0
        assert blocage_restant(LIMITE, "serie-Y") == 0
    assert blocage_restant(LIMITE, "serie-X") == 0  # the test settings' own cache knows nothing
