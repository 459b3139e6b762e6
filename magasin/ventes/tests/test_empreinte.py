"""A sale's fingerprint says what the sale is, not how it was written."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from magasin.ventes.entrees import LigneEntree, VenteEntree, lire_vente
from magasin.ventes.models import ModePaiement


def empreinte_de_reference(vente: VenteEntree) -> str:
    """The formula, written plainly with json.dumps (sorted keys, \\u escapes)."""
    contenu = {
        "lignes": [[lg.article_id, lg.quantite, str(lg.prix_unitaire)] for lg in vente.lignes],
        "mode_paiement": str(vente.mode_paiement),
        "paye": vente.paye,
        "date_vente": None
        if vente.date_vente is None
        else vente.date_vente.astimezone(UTC).replace(microsecond=0).isoformat(),
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
    prix_unitaire=st.decimals(0, 10**6, places=2),
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
def test_empreinte_egale_a_la_formule_ecrite_simplement(v: VenteEntree):
    # orjson writes ASCII content, json.dumps the rest: the result must not depend on which.
    assert v.empreinte() == empreinte_de_reference(v)


def test_nom_accentue_et_nom_ascii():
    lignes = [LigneEntree(article_id=7, quantite=2, prix_unitaire=Decimal("1500.00"))]
    for nom in ("Kabasele", "Élodie Mbuyi « chez Mama »", 'guillemet " et \\'):
        v = VenteEntree(lignes=lignes, client_nom=nom)
        assert v.empreinte() == empreinte_de_reference(v)


ECRITURES_D_UNE_MEME_VENTE = [
    {
        "uuid": "9F1C2B3A-0000-4000-8000-00000000ABCD",
        "date_vente": "2026-11-04T10:30:00.987654+01:00",
        "mode_paiement": "ESPECES",
        "montant_total": 9000,
        "lignes": [{"article_id": 3, "quantite": 2, "prix_unitaire": 4500}],
    },
    {
        "lignes": [{"prix_unitaire": "4500.00", "quantite": "2", "article_id": "3"}],
        "mode_paiement": "cash",
        "date_vente": "2026-11-04T09:30:00Z",
        "uuid": "9f1c2b3a-0000-4000-8000-00000000abcd",
    },
    {
        "uuid": "9f1c2b3a-0000-4000-8000-00000000ABCD",
        "date_vente": "2026-11-04T09:30:00.1+00:00",
        "mode_paiement": None,
        "paye": "true",
        "montant_total": "9000.0",
        "lignes": [{"article_id": 3.0, "quantite": 2.0, "prix_unitaire": 4500.0, "remise": 0}],
    },
]


def test_une_vente_ecrite_de_trois_facons_a_une_seule_empreinte():
    lues = [lire_vente(brut) for brut in ECRITURES_D_UNE_MEME_VENTE]
    assert all(lue.erreur is None for lue in lues), [lue.erreur for lue in lues]
    assert len({lue.empreinte() for lue in lues}) == 1
    assert {lue.uuid for lue in lues} == {"9f1c2b3a-0000-4000-8000-00000000abcd"}


def test_un_autre_contenu_a_une_autre_empreinte():
    base = ECRITURES_D_UNE_MEME_VENTE[1]
    variantes = [
        {**base, "lignes": [{"article_id": 3, "quantite": 3, "prix_unitaire": 4500}]},
        {**base, "lignes": [{"article_id": 4, "quantite": 2, "prix_unitaire": 4500}]},
        {**base, "lignes": [{"article_id": 3, "quantite": 2, "prix_unitaire": 4500.01}]},
        {**base, "date_vente": "2026-11-04T09:30:01Z"},
        {**base, "mode_paiement": "M-PESA"},
        {**base, "paye": False},
        {**base, "client_nom": "Mbuyi"},
    ]
    empreintes = {lire_vente(v).empreinte() for v in variantes} | {lire_vente(base).empreinte()}
    assert len(empreintes) == len(variantes) + 1
