"""CSV and XLSX downloads of the filtered sales history (streamed rows, Kinshasa time).

Every export goes through `reponse_csv` / `reponse_xlsx`: text that a terminal or a cashier
typed (invoice numbers, customer names, terminal and article names) must not turn into a formula
in the spreadsheet of whoever opens the file. In CSV a text cell starting with = + - @ tab or
carriage return gets a leading apostrophe (the spreadsheet then shows it as text); in XLSX every
text cell is written as a string, never as a formula, and characters XML cannot hold are dropped.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal

from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header

from magasin.ventes.models import Vente

# What a spreadsheet reads as the start of a formula (OWASP "CSV injection").
_DEBUTS_DE_FORMULE = ("=", "+", "-", "@", "\t", "\r")
# Control characters an XLSX (XML 1.0) cannot hold; openpyxl refuses them with an exception.
_INTERDITS_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")

Rangee = Sequence[object]


def texte_csv(valeur: str) -> str:
    """A text cell made inert: a leading apostrophe before what would start a formula.

    A text already starting with an apostrophe followed by one of those (or by another
    apostrophe) gets one too, so the catalogue import can strip it back without ambiguity.
    """
    neutraliser = valeur.startswith(_DEBUTS_DE_FORMULE) or (
        valeur.startswith("'") and valeur[1:2] != "" and valeur[1] in (*_DEBUTS_DE_FORMULE, "'")
    )
    return "'" + valeur if neutraliser else valeur


def _cellule_csv(valeur: object) -> object:
    if isinstance(valeur, Decimal):
        return f"{valeur:.2f}".replace(".", ",")
    if isinstance(valeur, str):
        return texte_csv(valeur)
    return valeur


class _Tampon:
    def write(self, valeur: str) -> str:
        return valeur


def _piece_jointe(reponse: HttpResponse | StreamingHttpResponse, nom_fichier: str) -> None:
    reponse["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=nom_fichier)


def reponse_csv(*, nom: str, entetes: Sequence[str], rangees: Iterable[Rangee]) -> StreamingHttpResponse:
    """A streamed `;`-separated UTF-8 CSV (with BOM, for Excel), every cell neutralised."""
    ecrivain = csv.writer(_Tampon(), delimiter=";")

    def lignes() -> Iterator[str]:
        yield "\ufeff" + ecrivain.writerow([texte_csv(e) for e in entetes])
        for rangee in rangees:
            yield ecrivain.writerow([_cellule_csv(x) for x in rangee])

    reponse = StreamingHttpResponse(lignes(), content_type="text/csv; charset=utf-8")
    _piece_jointe(reponse, f"{nom}.csv")
    return reponse


def reponse_xlsx(*, nom: str, feuille: str, entetes: Sequence[str], rangees: Iterable[Rangee]) -> HttpResponse:
    """An XLSX of one sheet; text is always a string cell, numbers are numbers."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    classeur = Workbook(write_only=True)
    ws = classeur.create_sheet(feuille)

    def cellule(valeur: object) -> object:
        if isinstance(valeur, Decimal):
            return float(valeur)
        if isinstance(valeur, str):
            c = WriteOnlyCell(ws, value=_INTERDITS_XML.sub("", valeur))
            # openpyxl makes any string starting with "=" a formula: force a string cell.
            c.data_type = "s"
            return c
        return valeur

    ws.append([cellule(e) for e in entetes])
    for rangee in rangees:
        ws.append([cellule(x) for x in rangee])
    tampon = io.BytesIO()
    classeur.save(tampon)
    reponse = HttpResponse(
        tampon.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    _piece_jointe(reponse, f"{nom}.xlsx")
    return reponse


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


def _rangee(v: Vente) -> list[object]:
    return [
        v.numero_facture,
        v.boutique.code,
        v.terminal.nom_terminal if v.terminal else "Web",
        timezone.localtime(v.date_vente).strftime("%Y-%m-%d %H:%M"),
        v.get_mode_paiement_display(),
        "oui" if v.paye else "non",
        v.get_statut_display(),
        v.montant_total,
        v.boutique.devise,
        v.client_nom,
        v.client_telephone,
    ]


def ventes_csv(ventes: Iterable[Vente], nom: str) -> StreamingHttpResponse:
    return reponse_csv(nom=nom, entetes=ENTETES, rangees=(_rangee(v) for v in ventes))


def ventes_xlsx(ventes: Iterable[Vente], nom: str) -> HttpResponse:
    return reponse_xlsx(nom=nom, feuille="Ventes", entetes=ENTETES, rangees=(_rangee(v) for v in ventes))
