"""Best sellers narrowed to a terminal, a web cashier or a payment mode over closed months
(issue 21, a year of data): read from `AgregatArticlesMoisDetail`, they equal the live sums,
and a late sale or the cancellation of an old sale makes the month live again until the next
summary."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.db import transaction

from magasin.boutiques.models import Boutique, Terminal
from magasin.boutiques.tests.factories import creer_terminal
from magasin.caisse.tests.mondes import Monde, monde_creer
from magasin.stock.tests.factories import creer_article
from magasin.ventes.agregats import agregats_calculer, agregats_mettre_a_jour
from magasin.ventes.models import AgregatArticlesMois, AgregatArticlesMoisDetail, Retour, Vente
from magasin.ventes.selectors import FiltreRapport, rapport_ventes
from magasin.ventes.services import vente_annuler, vente_retourner
from magasin.web.tests.outils import synchroniser
from magasin.web.tests.test_rapports import AUJOURD_HUI, _moment, _web

pytestmark = pytest.mark.django_db

MOIS = (AUJOURD_HUI.replace(day=1) - timedelta(days=1)).replace(day=1)  # last month, closed
AVANT = (MOIS - timedelta(days=1)).replace(day=1)  # the month before, partly in the period
DEBUT = AVANT.replace(day=20)


@pytest.fixture
def monde(db: None) -> Monde:
    return monde_creer(stock=1000)


def _sync(terminal: Terminal, jeton: str, numero: str, article: Any, quantite: int, jour: date, mode: str) -> Vente:
    vente = {
        "numero_facture": numero,
        "date_vente": _moment(jour, 10).isoformat(),
        "mode_paiement": mode,
        "lignes": [{"article_id": article.pk, "quantite": quantite, "prix_unitaire": 1000}],
    }
    synchroniser(terminal, jeton, [vente])
    return Vente.objects.get(numero_facture=numero)


@pytest.fixture
def annee(monde: Monde) -> dict[str, Any]:
    """Two terminals and the web over two months and today: four modes, a return made in the
    closed month, a cancelled sale, a sale of the other shop."""
    pain = creer_article(monde.boutique, stock=1000, prix="1000", nom="Pain", code="PAIN")
    lait = creer_article(monde.boutique, stock=1000, prix="1000", nom="Lait", code="LAIT")
    deuxieme, jeton2 = creer_terminal(monde.boutique, nom="Caisse 2")
    t1, t2 = (monde.terminal, monde.jeton), (deuxieme, jeton2)
    _sync(*t1, "A-1", pain, 2, AVANT.replace(day=25), "ESPECES")
    _sync(*t2, "A-2", lait, 1, AVANT.replace(day=28), "M-PESA")
    _sync(*t1, "M-1", pain, 3, MOIS.replace(day=2), "ESPECES")
    _sync(*t1, "M-2", lait, 4, MOIS.replace(day=9), "ORANGE MONEY")
    _sync(*t2, "M-3", pain, 5, MOIS.replace(day=15), "CARTE")
    rendue = _sync(*t2, "M-4", lait, 6, MOIS.replace(day=16), "M-PESA")
    annulee = _sync(*t1, "M-5", pain, 7, MOIS.replace(day=20), "ESPECES")
    _web(monde, pain, 8, _moment(MOIS.replace(day=21), 11), mode="CREDIT")
    web = _web(monde, lait, 9, _moment(MOIS.replace(day=22), 11), mode="MOBILE_MONEY")
    vente_annuler(vente=annulee, utilisateur=monde.gerant, motif="erreur")
    # Two returns, then dated back into the closed month as if made then.
    for vente, quantite in ((rendue, 2), (web, 3)):
        retour = vente_retourner(
            vente=vente, utilisateur=monde.gerant, quantites={vente.lignes.get().pk: quantite}, motif="rendu"
        )
        Retour.objects.filter(pk=retour.pk).update(date_retour=_moment(MOIS.replace(day=25), 9))
    # Today (never summarised) and the other shop.
    _sync(*t1, "J-1", pain, 1, AUJOURD_HUI, "ESPECES")
    _sync(*t2, "J-2", lait, 2, AUJOURD_HUI, "M-PESA")
    _web(
        monde,
        monde.article_autre,
        1,
        _moment(MOIS.replace(day=3), 10),
        boutique=monde.autre,
        utilisateur=monde.gerant_autre,
    )
    return {"pain": pain, "t1": t1, "t2": t2}


def _filtres(monde: Monde, annee: dict[str, Any]) -> list[dict[str, Any]]:
    t1, t2 = annee["t1"][0].pk, annee["t2"][0].pk
    return [
        {},
        {"terminal_id": t1},
        {"terminal_id": t2},
        {"caissier_id": monde.gerant.pk},
        {"caissier_id": monde.caissier.pk},
        {"mode_paiement": "CASH"},
        {"mode_paiement": "MOBILE_MONEY"},
        {"mode_paiement": "CREDIT"},
        {"terminal_id": t2, "mode_paiement": "MOBILE_MONEY"},
    ]


def _meilleures(monde: Monde, annee: dict[str, Any], debut: date = DEBUT) -> list[list[tuple[Any, ...]]]:
    boutiques = Boutique.objects.filter(pk=monde.boutique.pk)
    etats = []
    for filtres in _filtres(monde, annee):
        r = rapport_ventes(FiltreRapport(boutiques=boutiques, debut=debut, fin=AUJOURD_HUI, **filtres), par="article")
        etats.append(
            [(x.cle, x.libelle, x.nombre, x.montant, x.nombre_retours, x.retours) for x in [*r.lignes, r.total]]
        )
    return etats


def test_meilleures_ventes_retreintes_lues_du_mois_egales_au_calcul_en_direct(monde, annee):  # type: ignore[no-untyped-def]
    en_direct = _meilleures(monde, annee)
    # Not a vacuous comparison: the narrowed reports differ from one another and count returns.
    assert len({str(e) for e in en_direct}) == len(en_direct)
    assert any(ligne[4] for etat in en_direct for ligne in etat)
    agregats_calculer(boutique=monde.boutique, debut=DEBUT, fin=AUJOURD_HUI)
    assert AgregatArticlesMois.objects.filter(boutique=monde.boutique, mois=MOIS).exists()
    details = AgregatArticlesMoisDetail.objects.filter(boutique=monde.boutique, mois=MOIS)
    # Per article, terminal or web cashier, and mode: the cancelled sale is not there.
    assert {(d.article.code, d.terminal_id, d.cree_par_id, d.mode_paiement) for d in details} == {
        ("PAIN", annee["t1"][0].pk, None, "CASH"),
        ("LAIT", annee["t1"][0].pk, None, "MOBILE_MONEY"),
        ("PAIN", annee["t2"][0].pk, None, "CARTE"),
        ("LAIT", annee["t2"][0].pk, None, "MOBILE_MONEY"),
        ("PAIN", None, monde.gerant.pk, "CREDIT"),
        ("LAIT", None, monde.gerant.pk, "MOBILE_MONEY"),
    }
    assert not AgregatArticlesMoisDetail.objects.filter(mois=AVANT).exists()  # not all its days summarised
    assert _meilleures(monde, annee) == en_direct
    # A period of the closed month alone, and one starting inside it: the same as live.
    assert _meilleures(monde, annee, debut=MOIS) == _meilleures_en_direct(monde, annee, debut=MOIS)
    assert _meilleures(monde, annee, debut=MOIS.replace(day=10)) == _meilleures_en_direct(
        monde, annee, debut=MOIS.replace(day=10)
    )


def _meilleures_en_direct(monde: Monde, annee: dict[str, Any], debut: date) -> list[list[tuple[Any, ...]]]:
    """The same reports with every summary set aside (inside a rolled-back transaction)."""
    from magasin.ventes.models import AgregatArticlesJour, AgregatVentesJour

    with transaction.atomic():
        AgregatVentesJour.objects.all().delete()
        AgregatArticlesJour.objects.all().delete()
        AgregatArticlesMois.objects.all().delete()
        AgregatArticlesMoisDetail.objects.all().delete()
        etats = _meilleures(monde, annee, debut=debut)
        transaction.set_rollback(True)
    return etats


def test_une_vente_tardive_dans_le_mois_le_rend_au_calcul_en_direct(monde, annee):  # type: ignore[no-untyped-def]
    agregats_calculer(boutique=monde.boutique, debut=DEBUT, fin=AUJOURD_HUI)
    assert AgregatArticlesMoisDetail.objects.filter(mois=MOIS).exists()
    # The sync forgets the late sale's day, its month and the month's detail, in its transaction.
    _sync(*annee["t2"], "M-TARD", annee["pain"], 11, MOIS.replace(day=12), "ESPECES")
    assert not AgregatArticlesMoisDetail.objects.filter(mois=MOIS).exists()
    assert not AgregatArticlesMois.objects.filter(mois=MOIS).exists()
    en_direct = _meilleures_en_direct(monde, annee, debut=DEBUT)
    assert _meilleures(monde, annee) == en_direct
    t2_especes = rapport_ventes(
        FiltreRapport(
            boutiques=[monde.boutique],
            debut=DEBUT,
            fin=AUJOURD_HUI,
            terminal_id=annee["t2"][0].pk,
            mode_paiement="CASH",
        ),
        par="article",
    )
    assert [(x.libelle, x.nombre) for x in t2_especes.lignes] == [("Pain (PAIN)", 11)]
    agregats_calculer(boutique=monde.boutique, debut=DEBUT, fin=AUJOURD_HUI)
    assert AgregatArticlesMoisDetail.objects.filter(mois=MOIS, terminal=annee["t2"][0], mode_paiement="CASH").exists()
    assert _meilleures(monde, annee) == en_direct


def test_annuler_une_vente_du_mois_retournee_oublie_le_mois(monde, annee):  # type: ignore[no-untyped-def]
    agregats_calculer(boutique=monde.boutique, debut=DEBUT, fin=AUJOURD_HUI)
    rendue = Vente.objects.get(numero_facture="M-4")
    with transaction.atomic():
        vente_annuler(vente=rendue, utilisateur=monde.gerant, motif="client parti")
        agregats_mettre_a_jour([rendue])
    assert not AgregatArticlesMoisDetail.objects.filter(mois=MOIS).exists()
    en_direct = _meilleures_en_direct(monde, annee, debut=DEBUT)
    assert _meilleures(monde, annee) == en_direct
    # Its 6 units and the 2 returned no longer count for terminal 2 in mobile money.
    etat = _meilleures(monde, annee)[
        _filtres(monde, annee).index({"terminal_id": annee["t2"][0].pk, "mode_paiement": "MOBILE_MONEY"})
    ]
    assert [(libelle, n, nr) for _, libelle, n, _, nr, _ in etat] == [("Lait (LAIT)", 3, 0), ("Total", 3, 0)]
    agregats_calculer(boutique=monde.boutique, debut=DEBUT, fin=AUJOURD_HUI)
    assert _meilleures(monde, annee) == en_direct


def _recevoir(terminal: Terminal, *sequences: int) -> None:
    from django.utils import timezone

    from magasin.ventes.models import SequenceRecue

    SequenceRecue.objects.bulk_create(
        SequenceRecue(terminal=terminal, boutique=terminal.boutique, sequence=s, date_reception=timezone.now())
        for s in sequences
    )


def test_les_trous_de_sequence_au_dessus_de_la_marque_de_la_nuit(monde):  # type: ignore[no-untyped-def]
    from magasin.ventes.models import SequencesContinues
    from magasin.ventes.selectors import sequences_manquantes

    terminal = monde.terminal
    _recevoir(terminal, 1, 2, 3, 4, 5, 7, 8, 10)
    assert sequences_manquantes(terminal=terminal) == [6, 9]
    agregats_calculer(boutique=monde.boutique, debut=AUJOURD_HUI, fin=AUJOURD_HUI)
    assert SequencesContinues.objects.get(terminal=terminal).jusqu_a == 5  # up to the first gap
    assert sequences_manquantes(terminal=terminal) == [6, 9]
    assert sequences_manquantes(terminal=terminal, limite=1) == [6]
    # 6 arrives: seen at once (the count is above the mark); the mark moves the next night.
    _recevoir(terminal, 6)
    assert sequences_manquantes(terminal=terminal) == [9]
    agregats_calculer(boutique=monde.boutique, debut=AUJOURD_HUI, fin=AUJOURD_HUI)
    assert SequencesContinues.objects.get(terminal=terminal).jusqu_a == 8
    # Values right above the mark missing, then everything received: no gap, and the mark at the top.
    _recevoir(terminal, 12)
    assert sequences_manquantes(terminal=terminal) == [9, 11]
    _recevoir(terminal, 9, 11)
    assert sequences_manquantes(terminal=terminal) == []
    agregats_calculer(boutique=monde.boutique, debut=AUJOURD_HUI, fin=AUJOURD_HUI)
    assert SequencesContinues.objects.get(terminal=terminal).jusqu_a == 12
    assert sequences_manquantes(terminal=terminal) == []
    _recevoir(terminal, 14)
    assert sequences_manquantes(terminal=terminal) == [13]
    # A terminal of another shop that never sent anything: nothing missing, no mark written.
    assert sequences_manquantes(terminal=monde.terminal_autre) == []
    assert not SequencesContinues.objects.filter(terminal=monde.terminal_autre).exists()
