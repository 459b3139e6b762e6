"""Catalogue uploads that cannot take the server down: size, zip bombs, declared dimensions, rows."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import textwrap
import time
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook

from magasin.core.erreurs import ErreurMetier
from magasin.stock.import_catalogue import TAILLE_MAX, catalogue_lire


def _xlsx_avec_feuille(xml_feuille: str) -> bytes:
    """A real workbook whose first sheet's XML is replaced by `xml_feuille`."""
    classeur = Workbook()
    classeur.active.append(["code"])
    tampon = io.BytesIO()
    classeur.save(tampon)
    sortie = io.BytesIO()
    with zipfile.ZipFile(tampon) as source, zipfile.ZipFile(sortie, "w", zipfile.ZIP_DEFLATED) as cible:
        for info in source.infolist():
            donnees = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                donnees = xml_feuille.encode()
            cible.writestr(info.filename, donnees, compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
    return sortie.getvalue()


def _feuille(dimension: str, rangees: str) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f'<dimension ref="{dimension}"/><sheetData>'
        '<row r="1"><c r="A1" t="inlineStr"><is><t>code</t></is></c>'
        '<c r="B1" t="inlineStr"><is><t>nom</t></is></c></row>'
        f"{rangees}</sheetData></worksheet>"
    )


class _FichierQuiNeDoitPasEtreLu(io.BytesIO):
    size = TAILLE_MAX + 1

    def read(self, *args: object) -> bytes:
        raise AssertionError("lu avant que sa taille soit vérifiée")


def test_taille_verifiee_avant_de_lire_le_fichier():
    with pytest.raises(ErreurMetier, match="trop volumineux"):
        catalogue_lire(nom_fichier="catalogue.csv", fichier=_FichierQuiNeDoitPasEtreLu())


def test_bombe_zip_refusee_avant_l_analyse():
    # 1.6 million rows (rows and cells may omit their references): 40 MB of XML, 60 KB zipped.
    contenu = _xlsx_avec_feuille(_feuille("A1:B1600000", "<row><c><v>1</v></c></row>" * 1_600_000))
    assert len(contenu) < TAILLE_MAX
    debut = time.perf_counter()
    with pytest.raises(ErreurMetier, match="une fois décompressé"):
        catalogue_lire(nom_fichier="catalogue.xlsx", fichier=contenu)
    assert time.perf_counter() - debut < 2


def test_ligne_de_centaines_de_milliers_de_cellules_refusee_avant_l_analyse():
    # openpyxl parses a row whole, past the columns read: 20 s and 1 GB for 2 million cells.
    contenu = _xlsx_avec_feuille(_feuille("A1:B2", "<row>" + "<c><v>1</v></c>" * 2_000_000 + "</row>"))
    assert len(contenu) < 100_000
    debut = time.perf_counter()
    with pytest.raises(ErreurMetier, match="cellules au plus"):
        catalogue_lire(nom_fichier="catalogue.xlsx", fichier=contenu)
    assert time.perf_counter() - debut < 2


def test_lecture_arretee_a_la_limite_de_lignes():
    # A row far below the others: the dimension and the row numbers are the file's word only.
    rangees = '<row r="2"><c r="A2"><v>1</v></c></row><row r="200000"><c r="A200000"><v>2</v></c></row>'
    contenu = _xlsx_avec_feuille(_feuille("A1:B200000", rangees))
    with pytest.raises(ErreurMetier, match="Fichier trop long"):
        catalogue_lire(nom_fichier="catalogue.xlsx", fichier=contenu)


def test_dimension_declaree_geante_ne_fait_pas_exploser_la_memoire(tmp_path: Path):
    """A few KB declaring A1:XFD1048576 with one cell in its last row: read in a child process
    capped at 1.5 GB of address space, so that a regression is a MemoryError there, not here."""
    contenu = _xlsx_avec_feuille(_feuille("A1:XFD1048576", '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'))
    assert len(contenu) < 8192
    fichier = tmp_path / "bombe.xlsx"
    fichier.write_bytes(contenu)
    script = textwrap.dedent(
        f"""
        import resource, django
        django.setup()
        resource.setrlimit(resource.RLIMIT_AS, (1536 * 1024 * 1024, resource.RLIM_INFINITY))
        from magasin.core.erreurs import ErreurMetier
        from magasin.stock.import_catalogue import catalogue_lire
        try:
            catalogue_lire(nom_fichier="bombe.xlsx", fichier=open({str(fichier)!r}, "rb").read())
        except ErreurMetier as erreur:
            print("REFUS", erreur.message)
        else:
            print("ACCEPTE")
        """
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "magasin.settings_tests"}
    debut = time.perf_counter()
    fini = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, env=env)
    assert fini.returncode == 0, fini.stderr[-2000:]
    assert "REFUS Fichier trop long" in fini.stdout
    assert time.perf_counter() - debut < 30


def test_champ_csv_au_dela_de_la_limite_est_une_erreur_francaise():
    contenu = b'code;nom\nA1;"' + b"x" * 200_000 + b"\n"
    with pytest.raises(ErreurMetier, match="Fichier CSV illisible"):
        catalogue_lire(nom_fichier="catalogue.csv", fichier=contenu)


def test_csv_trop_long_arrete_a_la_limite():
    contenu = b"code;nom\n" + b"".join(b"C%d;Article\n" % n for n in range(6000))
    with pytest.raises(ErreurMetier, match="Fichier trop long : 5000 lignes au plus"):
        catalogue_lire(nom_fichier="catalogue.csv", fichier=contenu)
