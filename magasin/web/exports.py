"""CSV and XLSX downloads of the filtered sales history (streamed rows, Kinshasa time)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from decimal import Decimal

from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone

from magasin.ventes.models import Vente

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


class _Tampon:
    def write(self, valeur: str) -> str:
        return valeur


def ventes_csv(ventes: Iterable[Vente], nom: str) -> StreamingHttpResponse:
    ecrivain = csv.writer(_Tampon(), delimiter=";")

    def lignes() -> Iterable[str]:
        yield "\ufeff" + ecrivain.writerow(ENTETES)
        for v in ventes:
            yield ecrivain.writerow([f"{x:.2f}".replace(".", ",") if isinstance(x, Decimal) else x for x in _rangee(v)])

    reponse = StreamingHttpResponse(lignes(), content_type="text/csv; charset=utf-8")
    reponse["Content-Disposition"] = f'attachment; filename="{nom}.csv"'
    return reponse


def ventes_xlsx(ventes: Iterable[Vente], nom: str) -> HttpResponse:
    from openpyxl import Workbook

    classeur = Workbook(write_only=True)
    feuille = classeur.create_sheet("Ventes")
    feuille.append(ENTETES)
    for v in ventes:
        feuille.append([float(x) if isinstance(x, Decimal) else x for x in _rangee(v)])
    tampon = io.BytesIO()
    classeur.save(tampon)
    reponse = HttpResponse(
        tampon.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    reponse["Content-Disposition"] = f'attachment; filename="{nom}.xlsx"'
    return reponse
