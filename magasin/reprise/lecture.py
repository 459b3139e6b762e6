"""Streaming read of a `manage.py dumpdata` file: one JSON array of {"model", "pk", "fields"}.

The array is never loaded whole: the file is read in blocks and each element is decoded with
the C scanner of `json.JSONDecoder.raw_decode` as soon as it is complete, so memory holds one
block and one element whatever the file's size (a year of sales is millions of elements).

Encodings: UTF-8 (with or without BOM) and UTF-16 with BOM, which is what `dumpdata > f.json`
writes from Windows PowerShell 5.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

TAILLE_BLOC = 1 << 20
# An element bigger than this is not a dumpdata row: the file is damaged (or not an export).
TAILLE_ELEMENT_MAX = 64 << 20
_NON_BLANC = re.compile(r"\S")


class ErreurLecture(Exception):
    """The file is not a readable dumpdata export (message in French, for the operator)."""


def _encodage(chemin: Path) -> str:
    with chemin.open("rb") as f:
        debut = f.read(4)
    if debut.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    return "utf-8-sig"


def lire_elements(chemin: str | Path, *, taille_bloc: int = TAILLE_BLOC) -> Iterator[dict[str, Any]]:
    """Yield the elements of the file's top-level array, one by one, in file order.

    Numbers with a fraction are read as Decimal (money). Raises ErreurLecture, naming the
    position, when the file is not a JSON array of objects.
    """
    chemin = Path(chemin)
    decodeur = json.JSONDecoder(parse_float=Decimal)
    with chemin.open(encoding=_encodage(chemin), newline="") as f:
        tampon = ""
        pos = 0
        consommes = 0  # characters dropped from the front of the buffer
        fin_fichier = False
        etat = "debut"  # debut -> element_ou_fin -> apres_element <-> element -> fini

        def remplir() -> None:
            nonlocal tampon, pos, consommes, fin_fichier
            bloc = f.read(taille_bloc)
            if not bloc:
                fin_fichier = True
                return
            consommes += pos
            tampon = tampon[pos:] + bloc
            pos = 0

        while True:
            trouve = _NON_BLANC.search(tampon, pos)
            if trouve is None:
                if fin_fichier:
                    break
                pos = len(tampon)
                remplir()
                continue
            pos = trouve.start()
            car = tampon[pos]
            position = consommes + pos
            if etat == "fini":
                raise ErreurLecture(f"Données après la fin de la liste (caractère {position}).")
            if etat == "debut":
                if car != "[":
                    raise ErreurLecture("Ce fichier n'est pas un export dumpdata : il doit commencer par « [ ».")
                pos += 1
                etat = "element_ou_fin"
                continue
            if etat == "apres_element":
                if car == ",":
                    pos += 1
                    etat = "element"
                    continue
                if car == "]":
                    pos += 1
                    etat = "fini"
                    continue
                raise ErreurLecture(f"« , » ou « ] » attendu au caractère {position}, trouvé « {car} ».")
            if etat == "element_ou_fin" and car == "]":
                pos += 1
                etat = "fini"
                continue
            try:
                element, fin = decodeur.raw_decode(tampon, pos)
            except json.JSONDecodeError as exc:
                # Cut by the block's end: the error is within a literal's length of it (`tru`,
                # `1.5e`, `\u00`) or in a string still open. Otherwise a real error.
                incomplet = exc.pos >= len(tampon) - 16 or exc.msg.startswith("Unterminated")
                if fin_fichier or not incomplet or len(tampon) - pos > TAILLE_ELEMENT_MAX:
                    raise ErreurLecture(
                        f"JSON invalide au caractère {consommes + exc.pos} : {exc.msg}"
                        + (" (fichier tronqué ?)" if fin_fichier else "")
                    ) from None
                remplir()
                continue
            if not isinstance(element, dict):
                raise ErreurLecture(f"Élément qui n'est pas un objet au caractère {position}.")
            yield element
            pos = fin
            etat = "apres_element"
        if etat != "fini":
            raise ErreurLecture("Fichier tronqué : la liste ne se termine pas par « ] ».")
