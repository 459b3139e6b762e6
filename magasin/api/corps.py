"""A sync request's body as sent: size limits, and `Content-Encoding: gzip` decompressed.

Mobile data in Kinshasa is slow and paid by the megabyte: a gzipped batch is about an eighth
of its size (figures in docs/API.md, measured by `python -m bench.compression`). The limit of
every body, settings.DATA_UPLOAD_MAX_MEMORY_SIZE, applies to the compressed size (Django's own
check of `request.body`) and to the decompressed one, so a zip bomb costs that many bytes of
work, never its full size.
"""

from __future__ import annotations

import logging
import zlib
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, UnreadablePostError

from magasin.core.erreurs import CodeErreur, ErreurMetier

logger = logging.getLogger("magasin.api")

_GZIP = zlib.MAX_WBITS | 16  # zlib reads the gzip container, not a bare deflate stream
_MORCEAU = 64 * 1024


class CorpsTropGros(Exception):
    pass


class CorpsTronque(Exception):
    pass


def gunzip_borne(lire: Callable[[int], bytes], limite: int) -> bytes:
    """The gzip stream read by `lire(n)`, decompressed; `CorpsTropGros` as soon as the output
    passes `limite` bytes, `CorpsTronque` when it stops before its end, `zlib.error` when it is
    not gzip. Several gzip members one after the other (`cat a.gz b.gz`) are one body, as
    RFC 1952 has it."""
    sortie = bytearray()
    decompresseur = zlib.decompressobj(wbits=_GZIP)
    while entree := lire(_MORCEAU):
        while entree:
            if decompresseur.eof:
                decompresseur = zlib.decompressobj(wbits=_GZIP)
            # Never more than one byte past the limit, however much the input inflates.
            sortie += decompresseur.decompress(entree, limite + 1 - len(sortie))
            if len(sortie) > limite:
                raise CorpsTropGros
            entree = decompresseur.unused_data if decompresseur.eof else decompresseur.unconsumed_tail
    if not decompresseur.eof:
        raise CorpsTronque
    return bytes(sortie)


def _trop_gros(decompresse: bool) -> ErreurMetier:
    precision = ", une fois décompressé" if decompresse else ""
    return ErreurMetier(
        CodeErreur.BODY_TOO_LARGE,
        f"Corps de requête trop volumineux (maximum {settings.DATA_UPLOAD_MAX_MEMORY_SIZE} octets{precision}).",
    )


def _brut(request: HttpRequest, serie: str) -> bytes:
    try:
        return request.body
    except RequestDataTooBig:
        raise _trop_gros(False) from None
    except UnreadablePostError:
        # The terminal dropped the connection mid-body: its problem, not ours, and nothing written.
        logger.warning("corps incomplet", extra={"terminal": serie})
        raise ErreurMetier(
            CodeErreur.REQUETE_INCOMPLETE,
            "Corps de requête incomplet (connexion coupée) : rien n'a été écrit, renvoyez l'envoi.",
        ) from None


def corps_de_requete(request: HttpRequest, *, serie: str) -> bytes:
    """The body as the terminal meant it, decompressed if it came gzipped, or the API error."""
    brut = _brut(request, serie)
    encodage = request.headers.get("Content-Encoding", "").strip().lower()
    if encodage in ("", "identity") or not brut:
        # An empty body has nothing to decode (some clients set the header on every request).
        return brut
    if encodage not in ("gzip", "x-gzip"):
        raise ErreurMetier(
            CodeErreur.UNSUPPORTED_ENCODING,
            f"Content-Encoding « {encodage[:50]} » non pris en charge : envoyez du gzip ou un corps non compressé.",
        )
    flux = memoryview(brut)
    position = 0

    def lire(n: int) -> bytes:
        nonlocal position
        morceau = bytes(flux[position : position + n])
        position += len(morceau)
        return morceau

    try:
        return gunzip_borne(lire, settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
    except CorpsTropGros:
        raise _trop_gros(True) from None
    except (CorpsTronque, zlib.error):
        raise ErreurMetier(
            CodeErreur.INVALID_ENCODING, "Corps gzip illisible (compression corrompue ou tronquée)."
        ) from None
