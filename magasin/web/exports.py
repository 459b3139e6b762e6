"""CSV and XLSX downloads (streamed rows, Kinshasa time, real dates and numbers).

Every export goes through `reponse_csv` / `reponse_xlsx`: text that a terminal or a cashier
typed (invoice numbers, customer names, terminal and article names) must not turn into a formula
in the spreadsheet of whoever opens the file. In CSV a text cell starting with = + - @ tab or
carriage return gets a leading apostrophe (the spreadsheet then shows it as text); in XLSX every
text cell is written as a string, never as a formula, and characters XML cannot hold are dropped.

Both stream: the first bytes leave before the last row is read, and memory stays bounded
whatever the period (a year of sales is ~370,000 rows). The XLSX is written by hand (a minimal
SpreadsheetML package zipped on the fly, inline strings): openpyxl's write-only mode needs the
whole file on disk before the first byte and writes ~10,000 rows/s, more than a worker's
timeout for a year. Dates are real dates (Excel serial numbers with a date format) in local
Kinshasa time, amounts and quantities real numbers.
"""

from __future__ import annotations

import csv
import re
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime, tzinfo
from decimal import Decimal
from typing import cast
from xml.sax.saxutils import escape

from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header

from magasin.ventes.models import ModePaiement, StatutVente, Vente

# What a spreadsheet reads as the start of a formula (OWASP "CSV injection").
_DEBUTS_DE_FORMULE = ("=", "+", "-", "@", "\t", "\r")
_PREMIERS = frozenset("".join(_DEBUTS_DE_FORMULE) + "'")
# Control characters an XLSX (XML 1.0) cannot hold.
_INTERDITS_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
# Rows written between two chunks handed to the server.
_RANGEES_PAR_MORCEAU = 500

Rangee = Sequence[object]


def texte_csv(valeur: str) -> str:
    """A text cell made inert: a leading apostrophe before what would start a formula.

    A text already starting with an apostrophe followed by one of those (or by another
    apostrophe) gets one too, so the catalogue import can strip it back without ambiguity.
    """
    if not valeur or valeur[0] not in _PREMIERS:  # nearly every cell: one test
        return valeur
    neutraliser = valeur.startswith(_DEBUTS_DE_FORMULE) or (
        valeur.startswith("'") and valeur[1:2] != "" and valeur[1] in (*_DEBUTS_DE_FORMULE, "'")
    )
    return "'" + valeur if neutraliser else valeur


def _local(moment: datetime, fuseau: tzinfo | None = None) -> datetime:
    """A datetime as the Kinshasa wall clock shows it, without offset (what a sheet holds)."""
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(fuseau or timezone.get_current_timezone()).replace(tzinfo=None)


def _cellule_csv(valeur: object, fuseau: tzinfo) -> object:
    # By exact type first: a year is ~4 million cells.
    genre = type(valeur)
    if genre is str:
        return texte_csv(valeur)  # type: ignore[arg-type]
    if genre is Decimal:
        return f"{valeur:.2f}".replace(".", ",")
    if genre is datetime:
        return f"{_local(valeur, fuseau):%Y-%m-%d %H:%M:%S}"  # type: ignore[arg-type]
    if genre is date:
        return valeur.isoformat()  # type: ignore[attr-defined]
    if isinstance(valeur, str):
        return texte_csv(valeur)
    return valeur


class _Tampon:
    def write(self, valeur: str) -> str:
        return valeur


def _piece_jointe(reponse: StreamingHttpResponse, nom_fichier: str) -> None:
    reponse["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=nom_fichier)


def reponse_csv(*, nom: str, entetes: Sequence[str], rangees: Iterable[Rangee]) -> StreamingHttpResponse:
    """A streamed `;`-separated UTF-8 CSV (with BOM, for Excel), every cell neutralised.

    Dates as `AAAA-MM-JJ HH:MM:SS` (Kinshasa), amounts with a decimal comma: what a French
    spreadsheet reads as a date and a number."""
    ecrivain = csv.writer(_Tampon(), delimiter=";")
    fuseau = timezone.get_current_timezone()

    def lignes() -> Iterator[str]:
        morceau = ["\ufeff" + ecrivain.writerow([texte_csv(e) for e in entetes])]
        for rangee in rangees:
            morceau.append(ecrivain.writerow([_cellule_csv(x, fuseau) for x in rangee]))
            if len(morceau) >= _RANGEES_PAR_MORCEAU:
                yield "".join(morceau)
                morceau = []
        yield "".join(morceau)

    reponse = StreamingHttpResponse(lignes(), content_type="text/csv; charset=utf-8")
    _piece_jointe(reponse, f"{nom}.csv")
    return reponse


# --- XLSX, streamed ---------------------------------------------------------------------------

# Excel's day 0 (with its 1900 leap-year quirk: right from 1 March 1900). Naive: wall-clock time.
_EPOQUE = datetime(1899, 12, 30)  # noqa: DTZ001
# Cell styles (index in styles.xml cellXfs): 1 date and time, 2 date, 3 amount, 4 header.
_STYLE_MOMENT, _STYLE_JOUR, _STYLE_MONTANT, _STYLE_ENTETE = 1, 2, 3, 4

_TYPES_DE_CONTENU = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/styles.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    "</Types>"
)
_RELATIONS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)
_RELATIONS_CLASSEUR = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" '
    'Target="styles.xml"/></Relationships>'
)
_STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<numFmts count="2"><numFmt numFmtId="164" formatCode="dd/mm/yyyy hh:mm"/>'
    '<numFmt numFmtId="165" formatCode="dd/mm/yyyy"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="5"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="4" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)


def _classeur(feuille: str) -> str:
    nom = escape(_INTERDITS_XML.sub("", feuille)[:31] or "Feuille", {'"': "&quot;"})
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        f'<sheets><sheet name="{nom}" sheetId="1" r:id="rId1"/></sheets></workbook>'
    )


def _cellule_xlsx(valeur: object, style: int = 0, fuseau: tzinfo | None = None) -> str:
    """One `<c>`: text as an inline string (never a formula), numbers, booleans, and dates as
    serial numbers with a date format. No cell reference: readers take the next column."""
    s = f' s="{style}"' if style else ""
    genre = type(valeur)
    if genre is str or isinstance(valeur, str):
        texte = cast(str, valeur)
        if not texte:
            return "<c/>"
        if not texte.isprintable():  # rare: only then look for what XML cannot hold
            texte = _INTERDITS_XML.sub("", texte)
        return f'<c t="inlineStr"{s}><is><t xml:space="preserve">{escape(texte)}</t></is></c>'
    if valeur is None:
        return "<c/>"
    if genre is bool:
        return f'<c t="b"{s}><v>{int(valeur)}</v></c>'  # type: ignore[call-overload]
    if genre is Decimal:
        return f'<c s="{style or _STYLE_MONTANT}"><v>{valeur:f}</v></c>'
    if isinstance(valeur, int | float):
        return f"<c{s}><v>{valeur!r}</v></c>"
    if isinstance(valeur, datetime):
        serie = (_local(valeur, fuseau) - _EPOQUE).total_seconds() / 86400
        return f'<c s="{_STYLE_MOMENT}"><v>{serie!r}</v></c>'
    if isinstance(valeur, date):
        return f'<c s="{_STYLE_JOUR}"><v>{(valeur - _EPOQUE.date()).days}</v></c>'
    return _cellule_xlsx(str(valeur), style)


class _Flux:
    """A write-only file whose bytes are taken back after each chunk (zipfile streams into it)."""

    def __init__(self) -> None:
        self.morceaux: list[bytes] = []

    def write(self, donnees: bytes) -> int:
        self.morceaux.append(bytes(donnees))
        return len(donnees)

    def flush(self) -> None:
        pass

    def vider(self) -> bytes:
        donnees = b"".join(self.morceaux)
        self.morceaux = []
        return donnees


def flux_xlsx(*, feuille: str, entetes: Sequence[str], rangees: Iterable[Rangee]) -> Iterator[bytes]:
    """The bytes of a one-sheet XLSX, produced as the rows are read."""
    flux = _Flux()
    with zipfile.ZipFile(flux, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as paquet:  # type: ignore[call-overload]
        paquet.writestr("[Content_Types].xml", _TYPES_DE_CONTENU)
        paquet.writestr("_rels/.rels", _RELATIONS)
        paquet.writestr("xl/workbook.xml", _classeur(feuille))
        paquet.writestr("xl/_rels/workbook.xml.rels", _RELATIONS_CLASSEUR)
        paquet.writestr("xl/styles.xml", _STYLES)
        with paquet.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as xml:
            xml.write(
                b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
            )
            morceau = ["<row>" + "".join(_cellule_xlsx(e, _STYLE_ENTETE) for e in entetes) + "</row>"]
            fuseau = timezone.get_current_timezone()
            for rangee in rangees:
                morceau.append("<row>" + "".join([_cellule_xlsx(x, 0, fuseau) for x in rangee]) + "</row>")
                if len(morceau) >= _RANGEES_PAR_MORCEAU:
                    xml.write("".join(morceau).encode())
                    morceau = []
                    yield flux.vider()
            xml.write("".join(morceau).encode())
            xml.write(b"</sheetData></worksheet>")
    yield flux.vider()


def reponse_xlsx(*, nom: str, feuille: str, entetes: Sequence[str], rangees: Iterable[Rangee]) -> StreamingHttpResponse:
    """A streamed XLSX of one sheet; text is always a string cell, numbers and dates are real."""
    reponse = StreamingHttpResponse(
        flux_xlsx(feuille=feuille, entetes=entetes, rangees=rangees),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    _piece_jointe(reponse, f"{nom}.xlsx")
    return reponse


# --- The sales history ------------------------------------------------------------------------

ENTETES = [
    "Numéro de facture",
    "Boutique",
    "Terminal",
    "Date (Kinshasa)",
    "Mode de paiement",
    "Payée",
    "Statut",
    "Montant",
    "Devise",
    "Client",
    "Téléphone",
]
_CHAMPS = (
    "numero_facture",
    "boutique__code",
    "terminal__nom_terminal",
    "date_vente",
    "mode_paiement",
    "paye",
    "statut",
    "montant_total",
    "boutique__devise",
    "client_nom",
    "client_telephone",
)


def _rangees_ventes(ventes: QuerySet[Vente]) -> Iterator[list[object]]:
    """Plain values read in chunks (no model instance): a year of sales in a few seconds."""
    modes, statuts = dict(ModePaiement.choices), dict(StatutVente.choices)
    for numero, code, terminal, moment, mode, paye, statut, montant, devise, client, tel in ventes.values_list(
        *_CHAMPS
    ).iterator(chunk_size=2000):
        yield [
            numero,
            code,
            terminal or "Web",
            moment,
            modes.get(mode, mode),
            "oui" if paye else "non",
            statuts.get(statut, statut),
            montant,
            devise,
            client,
            tel,
        ]


def ventes_csv(ventes: QuerySet[Vente], nom: str) -> StreamingHttpResponse:
    return reponse_csv(nom=nom, entetes=ENTETES, rangees=_rangees_ventes(ventes))


def ventes_xlsx(ventes: QuerySet[Vente], nom: str) -> StreamingHttpResponse:
    return reponse_xlsx(nom=nom, feuille="Ventes", entetes=ENTETES, rangees=_rangees_ventes(ventes))
