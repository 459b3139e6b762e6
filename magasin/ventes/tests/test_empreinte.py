"""A sale's fingerprint stays what it was when the fingerprints already stored were made."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from magasin.ventes.entrees import LigneEntree, VenteEntree
from magasin.ventes.models import ModePaiement


def empreinte_d_origine(vente: VenteEntree) -> str:
    """The formula every stored fingerprint was computed with (json.dumps, sorted keys)."""
    contenu = {
        "lignes": [[lg.article_id, lg.quantite, str(lg.prix_unitaire)] for lg in vente.lignes],
        "mode_paiement": str(vente.mode_paiement),
        "paye": vente.paye,
        "montant_total": None if vente.montant_total is None else str(vente.montant_total),
        "date_vente": None if vente.date_vente is None else vente.date_vente.astimezone(UTC).isoformat(),
        "client": [vente.client_nom, vente.client_telephone],
    }
    return hashlib.sha256(json.dumps(contenu, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


# Printable text of any script (the validators refuse control characters), and quotes and
# backslashes, which both encoders must escape alike.
texte = st.text(st.characters(blacklist_categories=("Cc", "Cs")) | st.sampled_from('"\\/'), max_size=40)
ligne = st.builds(
    LigneEntree,
    article_id=st.integers(1, 2**63 - 1),
    quantite=st.integers(1, 1_000_000),
    prix_unitaire=st.decimals(0, 10**9, places=2),
)
vente = st.builds(
    VenteEntree,
    lignes=st.lists(ligne, min_size=1, max_size=4),
    mode_paiement=st.sampled_from(list(ModePaiement)),
    paye=st.booleans(),
    montant_total=st.none() | st.decimals(0, 10**9, places=2),
    date_vente=st.none()
    | st.datetimes(
        datetime(2001, 1, 1),  # noqa: DTZ001 (hypothesis takes naive bounds; the zone comes from `timezones`)
        datetime(2026, 1, 1),  # noqa: DTZ001
        timezones=st.sampled_from([UTC, timezone(timedelta(hours=1))]),
    ),
    client_nom=texte,
    client_telephone=texte,
)


@given(vente)
def test_empreinte_identique_a_la_formule_d_origine(v: VenteEntree):
    assert v.empreinte() == empreinte_d_origine(v)


def test_nom_accentue_et_nom_ascii():
    lignes = [LigneEntree(article_id=7, quantite=2, prix_unitaire=Decimal("1500.00"))]
    for nom in ("Kabasele", "Élodie Mbuyi « chez Mama »", 'guillemet " et \\'):
        v = VenteEntree(lignes=lignes, client_nom=nom)
        assert v.empreinte() == empreinte_d_origine(v)
