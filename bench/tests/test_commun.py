"""The benchmark database is created on whichever backend the URL names, and `neuve` empties it."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dj_database_url
import pytest
from django.conf import settings

from bench.commun import connexion_mysql, creer_base_vide


@pytest.fixture
def url_d_essai(tmp_path: Path) -> Iterator[str]:
    """A database that does not exist yet, on the server this run of the suite uses."""
    url = settings.DATABASE_URL
    if url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'bench.sqlite3'}"
        return
    url = f"{url.rsplit('/', 1)[0]}/magasin_bench_essai_{os.getpid()}"
    _supprimer(url)  # a leftover of an interrupted run
    yield url
    _supprimer(url)


def _supprimer(url: str) -> None:
    reglages = dj_database_url.parse(url)
    nom = reglages["NAME"]
    if reglages["ENGINE"] == "django.db.backends.postgresql":
        import psycopg

        with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as cx:
            cx.execute(f'drop database if exists "{nom}" with (force)')
    else:
        cx = connexion_mysql(url, base=False)
        cx.cursor().execute(f"DROP DATABASE IF EXISTS `{nom}`")
        cx.close()


def _connexion(url: str) -> Any:
    reglages = dj_database_url.parse(url)
    if reglages["ENGINE"] == "django.db.backends.sqlite3":
        return sqlite3.connect(str(reglages["NAME"]))
    if reglages["ENGINE"] == "django.db.backends.postgresql":
        import psycopg

        return psycopg.connect(url)
    return connexion_mysql(url)


def _executer(url: str, requete: str) -> list[Any]:
    cx = _connexion(url)
    try:
        curseur = cx.cursor()
        curseur.execute(requete)
        lignes = list(curseur.fetchall()) if curseur.description else []
        cx.commit()
        return lignes
    finally:
        cx.close()


def test_la_base_est_creee_gardee_puis_videe(url_d_essai: str) -> None:
    creer_base_vide(url_d_essai, neuve=False)
    _executer(url_d_essai, "CREATE TABLE essai (x integer)")
    _executer(url_d_essai, "INSERT INTO essai VALUES (1)")

    creer_base_vide(url_d_essai, neuve=False)  # exists: kept as it is
    assert _executer(url_d_essai, "SELECT x FROM essai") == [(1,)]

    creer_base_vide(url_d_essai, neuve=True)  # dropped and created again: empty
    with pytest.raises(Exception, match="essai"):
        _executer(url_d_essai, "SELECT x FROM essai")
