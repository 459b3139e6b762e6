"""The streaming reader gives exactly what `json.load` would, in bounded memory, or a clear error."""

from __future__ import annotations

import json
import re
import tracemalloc
from decimal import Decimal
from pathlib import Path

import pytest

from magasin.reprise.lecture import ErreurLecture, lire_elements
from magasin.reprise.tests.ancien import ecrire_export, ecrire_export_genere, export_desordonne


@pytest.mark.parametrize("taille_bloc", [1, 7, 64, 1 << 20])
@pytest.mark.parametrize("indent", [None, 2])
def test_les_elements_sont_ceux_du_fichier_quel_que_soit_le_decoupage(tmp_path: Path, taille_bloc: int, indent):
    elements = export_desordonne()
    fichier = ecrire_export(tmp_path / "a.json", elements, indent=indent)
    lus = list(lire_elements(fichier, taille_bloc=taille_bloc))
    assert lus == json.loads(fichier.read_text(), parse_float=Decimal)
    assert len(lus) == len(elements)


def test_utf16_avec_bom_comme_l_ecrit_powershell(tmp_path: Path):
    elements = [{"model": "inventory.boutique", "pk": 1, "fields": {"nom": "Kinshasa Gombé", "code": "BTQ-1"}}]
    fichier = tmp_path / "ps.json"
    fichier.write_text(json.dumps(elements, ensure_ascii=False), encoding="utf-16")
    assert list(lire_elements(fichier)) == elements
    fichier.write_bytes(b"\xef\xbb\xbf" + json.dumps(elements).encode())  # UTF-8 with BOM
    assert list(lire_elements(fichier)) == elements


def test_liste_vide(tmp_path: Path):
    fichier = tmp_path / "vide.json"
    fichier.write_text(" [ ] \n")
    assert list(lire_elements(fichier)) == []


@pytest.mark.parametrize(
    ("contenu", "message"),
    [
        ('{"model": "x"}', "doit commencer par « [ »"),
        ('[{"model": "x", "pk": 1}', "tronqué"),
        ('[{"model": "x", "pk": 1} {"model": "y"}]', "« , » ou « ] » attendu"),
        ('[{"model": "x", "pk": tru}]', "JSON invalide"),
        ("[1, 2]", "n'est pas un objet"),
        ('[{"model": "x"}] [', "après la fin"),
        ('[{"model": "x", "fields": {"nom": "sans fin', "JSON invalide"),
    ],
)
def test_un_fichier_abime_est_une_erreur_claire(tmp_path: Path, contenu: str, message: str):
    fichier = tmp_path / "abime.json"
    fichier.write_text(contenu)
    with pytest.raises(ErreurLecture, match=re.escape(message)):
        list(lire_elements(fichier, taille_bloc=5))


def test_la_memoire_ne_depend_pas_de_la_taille_du_fichier(tmp_path: Path):
    def pic(ventes: int) -> int:
        fichier = ecrire_export_genere(tmp_path / f"{ventes}.json", ventes=ventes, articles_par_boutique=5)
        tracemalloc.start()
        n = sum(1 for _ in lire_elements(fichier, taille_bloc=1 << 16))
        _, haut = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert n > ventes
        return haut

    petit, grand = pic(2_000), pic(20_000)
    assert grand < 2 * petit  # ten times the file, not ten times the memory
