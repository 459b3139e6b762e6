"""An invoice as a PDF (fpdf2): shop, number, date, lines and totals in CDF, and how it was
settled when the till recorded it as payments (USD at a rate, the CDF part, the change).

Amounts use narrow no-break spaces between thousands (`1 250 000 CDF`), which Latin-1 core
fonts cannot draw: the DejaVu TTF font is embedded when installed (Debian fonts-dejavu-core),
otherwise those spaces fall back to ordinary ones and text is kept in Latin-1.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from django.utils import timezone
from fpdf import FPDF

from magasin.core.formats import montant_affiche
from magasin.ventes.models import StatutVente, Vente

POLICE_DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
POLICE_DEJAVU_GRAS = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")


@dataclass(frozen=True)
class PartReglement:
    """One payment of the sale as the invoice shows it: plain data read by the caller from the
    till's documents (`caisse.selectors.reglement_de_vente`; the sales floor cannot read them)."""

    devise: str
    montant: Decimal  # in `devise`
    taux: Decimal | None  # CDF for 1 USD, for a USD payment
    montant_cdf: Decimal
    monnaie_rendue_cdf: Decimal


def _taux(taux: Decimal) -> str:
    entier = taux == taux.to_integral_value()
    return montant_affiche(taux, "CDF") if entier else f"{taux.normalize():f}".replace(".", ",") + " CDF"


def lignes_reglement(reglement: Sequence[PartReglement], devise: str = "CDF") -> list[str]:
    """`Reçu en USD : 400 USD au taux de 1 USD = 2 900 CDF, soit 1 160 000 CDF`, then the CDF
    part, then the change given back in CDF."""
    lignes = []
    for part in reglement:
        if part.taux is not None:
            lignes.append(
                f"Reçu en {part.devise} : {montant_affiche(part.montant, part.devise)} au taux de "
                f"1 {part.devise} = {_taux(part.taux)}, soit {montant_affiche(part.montant_cdf, devise)}"
            )
        else:
            lignes.append(f"Reçu en {part.devise} : {montant_affiche(part.montant, part.devise)}")
    monnaie = sum((part.monnaie_rendue_cdf for part in reglement), Decimal(0))
    if monnaie:
        lignes.append(f"Monnaie rendue : {montant_affiche(monnaie, devise)}")
    return lignes


class _Document(FPDF):
    def __init__(self) -> None:
        super().__init__(format="A4")
        self.unicode = POLICE_DEJAVU.exists()
        if self.unicode:
            self.add_font("DejaVu", "", str(POLICE_DEJAVU))
            gras = POLICE_DEJAVU_GRAS if POLICE_DEJAVU_GRAS.exists() else POLICE_DEJAVU
            self.add_font("DejaVu", "B", str(gras))
            self.police = "DejaVu"
        else:
            self.police = "Helvetica"

    def texte(self, valeur: str) -> str:
        if self.unicode:
            return valeur
        valeur = valeur.replace("\u202f", " ").replace("\xa0", " ")
        return valeur.encode("latin-1", "replace").decode("latin-1")

    def ecrire(self, largeur: float, hauteur: float, valeur: str, **options: object) -> None:
        self.cell(largeur, hauteur, self.texte(valeur), **options)  # type: ignore[arg-type]


def facture_pdf(*, vente: Vente, reglement: Sequence[PartReglement] = ()) -> bytes:
    """The invoice of `vente` (lines prefetched or not) as PDF bytes; `reglement`: the payments
    the till recorded for it, if any (shown under the total)."""
    boutique = vente.boutique
    devise = boutique.devise
    pdf = _Document()
    pdf.set_title(pdf.texte(f"Facture {vente.numero_facture}"))
    pdf.add_page()
    pdf.set_font(pdf.police, "B", 16)
    pdf.ecrire(0, 9, boutique.nom, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(pdf.police, "", 10)
    for ligne_entete in (boutique.adresse, boutique.telephone and f"Tél. {boutique.telephone}"):
        if ligne_entete:
            pdf.ecrire(0, 5, ligne_entete, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.set_font(pdf.police, "B", 13)
    pdf.ecrire(0, 8, f"Facture {vente.numero_facture}", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(pdf.police, "", 10)
    date = timezone.localtime(vente.date_vente).strftime("%d/%m/%Y %H:%M")
    pdf.ecrire(0, 5, f"Date : {date} (heure de Kinshasa)", new_x="LMARGIN", new_y="NEXT")
    pdf.ecrire(
        0,
        5,
        f"Paiement : {vente.get_mode_paiement_display()} — {'payée' if vente.paye else 'non payée'}",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    if vente.client_nom or vente.client_telephone:
        client = " — ".join(x for x in (vente.client_nom, vente.client_telephone) if x)
        pdf.ecrire(0, 5, f"Client : {client}", new_x="LMARGIN", new_y="NEXT")
    if vente.statut == StatutVente.ANNULEE:
        pdf.set_text_color(180, 0, 0)
        pdf.set_font(pdf.police, "B", 11)
        pdf.ecrire(0, 7, f"ANNULÉE — {vente.motif_annulation}", new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(0, 0, 0)
        pdf.set_font(pdf.police, "", 10)
    pdf.ln(4)

    colonnes = (("Article", 80), ("Qté", 20), ("Prix unitaire", 40), ("Total", 40))
    pdf.set_font(pdf.police, "B", 10)
    pdf.set_fill_color(235, 235, 235)
    for titre, largeur in colonnes:
        pdf.ecrire(largeur, 7, titre, border=1, fill=True, align="L" if titre == "Article" else "R")
    pdf.ln()
    pdf.set_font(pdf.police, "", 10)
    for ligne in vente.lignes.all():
        nom = f"{ligne.article.nom} [{ligne.article.code}]"
        pdf.ecrire(80, 7, nom[:48], border=1)
        pdf.ecrire(20, 7, str(ligne.quantite), border=1, align="R")
        pdf.ecrire(40, 7, montant_affiche(ligne.prix_unitaire, devise), border=1, align="R")
        pdf.ecrire(40, 7, montant_affiche(ligne.total_ligne, devise), border=1, align="R")
        pdf.ln()
    pdf.set_font(pdf.police, "B", 11)
    pdf.ecrire(140, 8, "Total", border=1, align="R")
    pdf.ecrire(40, 8, montant_affiche(vente.montant_total, devise), border=1, align="R")
    pdf.ln(12)
    if reglement:
        pdf.set_font(pdf.police, "B", 10)
        pdf.ecrire(0, 6, "Règlement", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(pdf.police, "", 10)
        for ligne_reglement in lignes_reglement(reglement, devise):
            pdf.ecrire(0, 5, ligne_reglement, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(6)
    pdf.set_font(pdf.police, "", 8)
    pdf.ecrire(0, 4, f"{boutique.nom} ({boutique.code}) — merci de votre achat.")
    return bytes(pdf.output())
