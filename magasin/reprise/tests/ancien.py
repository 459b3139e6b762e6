"""Exports shaped like the old system's `dumpdata`, built in code (no committed giant file).

`export_desordonne` has the old system's mess (seeds 000-004): orphan sales, a terminal
without a shop, a duplicate invoice number, a negative stock, unknown fields and models, lines
listed before their sales, a line whose article is gone, a total that differs from its lines,
a sale without its date. `ecrire_export_genere` streams a large regular export to disk (tests
of batching, and the 1,000,000-sale benchmark).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.utils import timezone

SERIE_BTQ9 = "0a1badae951f8473"
SERIE_GOMBE = "gombe-caisse-1"
SERIE_SANS_BOUTIQUE = "sans-boutique-77"


def _el(modele: str, pk: Any, **champs: Any) -> dict[str, Any]:
    return {"model": modele, "pk": pk, "fields": champs}


def numero_magasin_du_mois(n: int, *, code: str = "BTQ-011", padding: bool = True) -> str:
    """A number in Magasin's own format for this month (the old data may hold some)."""
    mois = timezone.localtime().strftime("%Y%m")
    return f"FAC-{code}-{mois}-{n:05d}" if padding else f"FAC-{code}-{mois}-{n}"


def export_desordonne() -> list[dict[str, Any]]:
    date = "2024-11-04T10:30:00Z"
    lignes = [
        # Lines first: dumpdata's order is by app and model, and the old app had several.
        _el("inventory.lignevente", 1001, vente=101, article=15, quantite=2, prix_unitaire="25000.00"),
        _el("inventory.lignevente", 1002, vente=101, article=18, quantite=1, prix_unitaire="1500.00"),
        _el("inventory.lignevente", 1003, vente=102, article=15, quantite=1, prix_unitaire="25000.00"),
        _el("inventory.lignevente", 1004, vente=103, article=15, quantite=1, prix_unitaire="25000.00"),
        _el("inventory.lignevente", 1005, vente=104, article=15, quantite=3, prix_unitaire="25000.00"),
        _el("inventory.lignevente", 1006, vente=105, article=21, quantite=1, prix_unitaire="3000.00"),
        _el("inventory.lignevente", 1007, vente=106, article=21, quantite=2, prix_unitaire="3000.00"),
        # Its article was deleted in the old system.
        _el("inventory.lignevente", 1008, vente=106, article=999, quantite=1, prix_unitaire="700.00"),
        _el("inventory.lignevente", 1009, vente=108, article=21, quantite=1, prix_unitaire="3000.00", remise="0"),
        _el("inventory.lignevente", 1010, vente=109, article=22, quantite=1, prix_unitaire="800.00"),
    ]
    return [
        _el("auth.user", 1, username="admin", password="pbkdf2_sha256$x"),
        *lignes,
        _el(
            "inventory.boutique",
            9,
            nom="Ma Boutique",
            code_boutique="BTQ-009",
            adresse="Avenue du Commerce",
            logo="btq9.png",
        ),
        _el("core.boutique", 11, nom="Boutique Gombe", code="BTQ-011", est_active=True),
        _el("inventory.client", 5, numero_serie=SERIE_BTQ9, nom_terminal="Terminal MAUI", boutique=9, est_actif=True),
        _el("inventory.client", 6, numero_serie=SERIE_GOMBE, nom_terminal="Caisse Gombe", boutique=11),
        _el("inventory.client", 7, numero_serie=SERIE_SANS_BOUTIQUE, nom_terminal="Caisse perdue", boutique=None),
        _el(
            "inventory.article",
            15,
            boutique=9,
            code="ART-001",
            nom="Sucre Kwilu 1 kg",
            prix_vente="25000.00",
            quantite_stock=40,
            seuil_alerte=5,
            est_actif=True,
            categorie=3,
        ),
        _el("inventory.article", 18, boutique=9, code="ART-002", nom="Savon", prix_vente="1500.00", quantite_stock=-3),
        # Same code as 15 in the same shop (the old database had no such constraint).
        _el("inventory.article", 19, boutique=9, code="ART-001", nom="Sucre (doublon)", prix_vente="24000.00"),
        _el(
            "inventory.article",
            21,
            boutique=11,
            code="ART-001",
            nom="Riz 5 kg",
            prix_vente="3000.00",
            quantite_stock=10,
        ),
        _el(
            "inventory.article",
            22,
            boutique=11,
            code="ART-009",
            nom="Ancien",
            prix_vente="800.00",
            quantite_stock=0,
            est_actif=False,
        ),
        _el("inventory.categorie", 3, nom="Épicerie"),
        # A sale as the old sync recorded it.
        _el(
            "inventory.vente",
            101,
            numero_facture="FAC-20241104-001",
            montant_total="51500.00",
            mode_paiement="CASH",
            paye=True,
            client_maui=5,
            boutique=9,
            date_vente=date,
        ),
        # Orphan (seed 000), its terminal knows its shop: attached.
        _el(
            "inventory.vente",
            102,
            numero_facture="FAC-20241104-002",
            montant_total="25000.00",
            mode_paiement="CASH",
            paye=True,
            client_maui=5,
            boutique=None,
            date_vente=date,
        ),
        # Orphan whose terminal has no shop: cannot be attached, kept aside.
        _el(
            "inventory.vente",
            103,
            numero_facture="FAC-PERDUE-001",
            montant_total="25000.00",
            mode_paiement="CASH",
            paye=True,
            client_maui=7,
            boutique=None,
            date_vente=date,
        ),
        # Same number as 101 in the same shop (the old unique index was wrong, seed 004).
        _el(
            "inventory.vente",
            104,
            numero_facture="FAC-20241104-001",
            montant_total="75000.00",
            mode_paiement="MOBILE_MONEY",
            paye=True,
            client_maui=5,
            boutique=9,
            date_vente=date,
        ),
        # Numbers in Magasin's own format, this month: the counter must go past them.
        _el(
            "inventory.vente",
            105,
            numero_facture=numero_magasin_du_mois(7),
            montant_total="3000.00",
            mode_paiement="CASH",
            paye=True,
            client_maui=6,
            boutique=11,
            date_vente=date,
        ),
        # Total differs from its lines (and one line's article is gone).
        _el(
            "inventory.vente",
            106,
            numero_facture="FAC-GOMBE-0042",
            montant_total="9999.00",
            mode_paiement="ESPECES",
            paye=False,
            client_maui=6,
            boutique=11,
            date_vente=date,
            tva="0",
        ),
        # Missing a required field.
        _el(
            "inventory.vente",
            107,
            numero_facture="FAC-SANS-DATE",
            montant_total="10.00",
            mode_paiement="CASH",
            client_maui=6,
            boutique=11,
        ),
        _el(
            "inventory.vente",
            108,
            numero_facture=numero_magasin_du_mois(12, padding=False),
            montant_total="3000.00",
            mode_paiement="CASH",
            paye=True,
            client_maui=6,
            boutique=11,
            date_vente="2024-11-05T09:00:00",
        ),
        _el(
            "inventory.vente",
            109,
            numero_facture="FAC-20241105-001",
            montant_total="800.00",
            client_maui=6,
            boutique=11,
            date_vente="2024-11-05T09:05:00Z",
        ),
        # The old ledger, inconsistent as known (its chain breaks between 501 and 502).
        _el(
            "inventory.mouvementstock",
            501,
            article=15,
            type_mouvement="ENTREE",
            quantite=50,
            stock_avant=0,
            stock_apres=50,
            commentaire="Livraison",
            date_mouvement=date,
        ),
        _el(
            "inventory.mouvementstock",
            502,
            article=15,
            type_mouvement="VENTE",
            quantite=-2,
            stock_avant=45,
            stock_apres=43,
            reference_document="FAC-20241104-001",
            utilisateur="Terminal MAUI",
            date_mouvement=date,
        ),
        _el("inventory.mouvementstock", 503, article=999, type_mouvement="VENTE", quantite=-1, date_mouvement=date),
        _el("core.sequencefacture", 1, boutique=9, annee=2024, mois=11, dernier_numero=3),
        _el("core.sequencefacture", 2, boutique=11, annee=2024, mois=11, dernier_numero=1),
        _el("admin.logentry", 1, action_flag=1),
    ]


def ecrire_export(chemin: Path, elements: list[dict[str, Any]], *, indent: int | None = 2) -> Path:
    chemin.write_text(json.dumps(elements, indent=indent, ensure_ascii=False), encoding="utf-8")
    return chemin


def _elements_generes(
    *, ventes: int, lignes_par_vente: int, boutiques: int, articles_par_boutique: int, terminaux_par_boutique: int
) -> Iterator[dict[str, Any]]:
    for b in range(1, boutiques + 1):
        yield _el("inventory.boutique", b, nom=f"Boutique {b}", code_boutique=f"BTQ-{b:03d}")
        for t in range(terminaux_par_boutique):
            pk = (b - 1) * terminaux_par_boutique + t + 1
            yield _el("inventory.client", pk, numero_serie=f"serie-{pk}", nom_terminal=f"Caisse {pk}", boutique=b)
        for a in range(articles_par_boutique):
            pk = (b - 1) * articles_par_boutique + a + 1
            yield _el(
                "inventory.article",
                pk,
                boutique=b,
                code=f"A{a:05d}",
                nom=f"Article {pk}",
                prix_vente="1500.00",
                quantite_stock=1000,
                seuil_alerte=5,
                est_actif=True,
            )
    debut = datetime(2025, 1, 1, 8, 0, tzinfo=UTC).timestamp()
    for v in range(1, ventes + 1):
        b = (v % boutiques) + 1
        terminal = (b - 1) * terminaux_par_boutique + (v % terminaux_par_boutique) + 1
        moment = datetime.fromtimestamp(debut + v * 30).strftime("%Y-%m-%dT%H:%M:%SZ")  # noqa: DTZ006
        yield _el(
            "inventory.vente",
            v,
            numero_facture=f"FAC-{terminal}-{v:08d}",
            montant_total=f"{1500 * lignes_par_vente}.00",
            mode_paiement="CASH",
            paye=True,
            client_maui=terminal,
            boutique=b,
            date_vente=moment,
        )
    for v in range(1, ventes + 1):
        b = (v % boutiques) + 1
        for k in range(lignes_par_vente):
            article = (b - 1) * articles_par_boutique + ((v + k) % articles_par_boutique) + 1
            yield _el(
                "inventory.lignevente",
                (v - 1) * lignes_par_vente + k + 1,
                vente=v,
                article=article,
                quantite=1,
                prix_unitaire="1500.00",
            )


def ecrire_export_genere(
    chemin: Path,
    *,
    ventes: int,
    lignes_par_vente: int = 3,
    boutiques: int = 4,
    articles_par_boutique: int = 500,
    terminaux_par_boutique: int = 4,
) -> Path:
    """A regular export of `ventes` sales, written element by element (bounded memory)."""
    with chemin.open("w", encoding="utf-8") as f:
        f.write("[")
        premier = True
        for element in _elements_generes(
            ventes=ventes,
            lignes_par_vente=lignes_par_vente,
            boutiques=boutiques,
            articles_par_boutique=articles_par_boutique,
            terminaux_par_boutique=terminaux_par_boutique,
        ):
            f.write("\n" if premier else ",\n")
            f.write(json.dumps(element))
            premier = False
        f.write("\n]\n")
    return chemin
