"""Layers look down only: core is the ground floor, then the domains in order, then the apps
that use them (API, back-office, operations, import). Tests and migrations are left out."""

from __future__ import annotations

import ast
from pathlib import Path

MAGASIN = Path(__file__).resolve().parents[2]
# An app imports only apps of a lower floor (and itself).
ETAGE = {
    "core": 0,
    "boutiques": 1,
    "stock": 2,
    "ventes": 3,
    "caisse": 4,
    "api": 5,
    "web": 5,
    "exploitation": 5,
    "reprise": 5,
}


def _imports(fichier: Path) -> set[str]:
    apps = set()
    for noeud in ast.walk(ast.parse(fichier.read_text(encoding="utf-8"))):
        noms = []
        if isinstance(noeud, ast.ImportFrom) and noeud.module and noeud.level == 0:
            noms = [noeud.module]
        elif isinstance(noeud, ast.Import):
            noms = [alias.name for alias in noeud.names]
        for nom in noms:
            parties = nom.split(".")
            if parties[0] == "magasin" and len(parties) > 1:
                apps.add(parties[1])
    return apps


def test_chaque_app_n_importe_que_des_etages_inferieurs():
    remontees = []
    for app, etage in ETAGE.items():
        for fichier in sorted((MAGASIN / app).rglob("*.py")):
            if {"tests", "migrations"} & set(fichier.relative_to(MAGASIN).parts):
                continue
            for importee in _imports(fichier) & set(ETAGE) - {app}:
                if ETAGE[importee] >= etage:
                    remontees.append(f"{fichier.relative_to(MAGASIN)} importe magasin.{importee}")
    assert remontees == []


def test_toutes_les_apps_ont_un_etage():
    apps = {p.name for p in MAGASIN.iterdir() if (p / "apps.py").exists()}
    assert apps == set(ETAGE)
