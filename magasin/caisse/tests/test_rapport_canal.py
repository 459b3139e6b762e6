"""One channel rule for the till and the reports; the report by channel reads the payment
documents (a sale settled partly in USD counts by them), and the credit repayments received."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from magasin.boutiques.models import Boutique
from magasin.caisse.models import Canal, Devise, Paiement
from magasin.caisse.selectors import Caisse, rapport_par_canal, remboursements_par_canal
from magasin.caisse.services import credit_rembourser, taux_fixer, vente_encaisser
from magasin.caisse.tests.conftest import Caisses, hier, synchroniser, vente_terminal
from magasin.ventes.agregats import agregats_calculer
from magasin.ventes.canaux import CREDIT, canal_de, cle_de_rapport, libelle_canal
from magasin.ventes.entrees import VenteEntree
from magasin.ventes.models import ModePaiement, Vente
from magasin.ventes.selectors import FiltreRapport, Rapport
from magasin.ventes.services import vente_annuler, vente_creer

pytestmark = pytest.mark.django_db

D = Decimal


def _cle() -> str:
    return uuid.uuid4().hex


def test_une_regle_des_canaux_pour_la_caisse_et_les_rapports() -> None:
    mobile = ModePaiement.MOBILE_MONEY
    assert canal_de(mobile, "M-PESA") == Canal.MPESA
    assert canal_de(mobile, "Orange money") == Canal.ORANGE_MONEY
    assert canal_de(mobile, "AIRTEL MONEY") == Canal.AIRTEL_MONEY
    assert canal_de(mobile, "") == Canal.MOBILE_MONEY
    assert canal_de(ModePaiement.CASH, "ESPECES") == Canal.CASH
    assert canal_de(ModePaiement.CARTE) == Canal.CARTE
    # A credit sale brought no money: no channel for the till, a row of its own in the reports.
    assert canal_de(ModePaiement.CREDIT) == Canal.AUTRE
    assert cle_de_rapport(ModePaiement.CREDIT) == CREDIT
    assert cle_de_rapport(mobile, "M-PESA") == "MPESA"
    assert [libelle_canal(c) for c in ("CASH", "MPESA", CREDIT)] == ["Espèces", "M-Pesa", "Crédit"]
    assert libelle_canal("CASH", "USD") == "Espèces (USD)"


def _web(monde: Caisses, *, quantite: int = 1, boutique: Boutique | None = None, **champs: object) -> Vente:
    boutique = boutique or monde.boutique
    article = monde.article if boutique == monde.boutique else monde.article_autre
    entree = VenteEntree.model_validate(
        {
            "uuid": _cle(),
            "lignes": [{"article_id": article.pk, "quantite": quantite, "prix_unitaire": str(article.prix_vente)}],
            **champs,
        }
    )
    utilisateur = monde.caissier if boutique == monde.boutique else monde.gerant_autre
    vente = vente_creer(boutique=boutique, utilisateur=utilisateur, entree=entree).vente
    assert vente is not None
    return vente


@pytest.fixture
def ventes(monde: Caisses) -> dict[str, Vente]:
    """Yesterday on the terminal: 20 000 cash, and 10 000 by M-Pesa later declared paid with
    5 USD at 2 500 (2 500 CDF back). Today on the web: 50 000 paid 15 USD at 2 800 + 10 000 CDF
    (2 000 back), 10 000 on credit, 10 000 paid in USD then cancelled; another shop's USD sale."""
    aujourd_hui = timezone.localdate()
    taux_fixer(boutique=monde.boutique, jour=hier(), taux=D("2500"), utilisateur=monde.gerant)
    taux_fixer(boutique=monde.boutique, jour=aujourd_hui, taux=D("2800"), utilisateur=monde.gerant)
    synchroniser(
        monde.terminal,
        monde.jeton,
        [
            vente_terminal(monde.article, sequence=1, jour=hier(), quantite=2),
            vente_terminal(monde.article, sequence=2, jour=hier(), mode_paiement="M-PESA"),
        ],
    )
    mpesa = Vente.objects.get(sequence_terminal=2)
    vente_encaisser(vente=mpesa, usd=D("5"), cdf=D("0"), cle=_cle(), utilisateur=monde.gerant)
    usd = _web(monde, quantite=5)
    vente_encaisser(vente=usd, usd=D("15"), cdf=D("10000"), cle=_cle(), utilisateur=monde.caissier)
    credit = _web(monde, mode_paiement="CREDIT", client_nom="Mama Nsimba")
    annulee = _web(monde)
    vente_encaisser(vente=annulee, usd=D("5"), cdf=D("0"), cle=_cle(), utilisateur=monde.caissier)
    vente_annuler(vente=annulee, utilisateur=monde.gerant, motif="erreur")
    taux_fixer(boutique=monde.autre, jour=aujourd_hui, taux=D("2800"), utilisateur=monde.gerant_autre)
    autre = _web(monde, boutique=monde.autre, quantite=2)  # 1 000 CDF
    vente_encaisser(vente=autre, usd=D("1"), cdf=D("0"), cle=_cle(), utilisateur=monde.gerant_autre)
    return {"mpesa": mpesa, "usd": usd, "credit": credit, "annulee": annulee}


def _filtre(monde: Caisses, **champs: object) -> FiltreRapport:
    valeurs: dict[str, object] = {
        "boutiques": Boutique.objects.filter(pk=monde.boutique.pk),
        "debut": hier(),
        "fin": timezone.localdate(),
    }
    return FiltreRapport(**{**valeurs, **champs})  # type: ignore[arg-type]


def _lignes(rapport: Rapport) -> dict[str, tuple[int, Decimal, int, Decimal]]:
    return {lg.libelle: (lg.nombre, lg.montant, lg.annulees, lg.montant_annule) for lg in rapport.lignes}


def test_rapport_par_canal_compte_une_vente_par_ses_paiements(monde: Caisses, ventes: dict[str, Vente]) -> None:
    zero = D("0")
    rapport = rapport_par_canal(_filtre(monde))
    assert _lignes(rapport) == {
        # Yesterday's 20 000 by its mode, and the 10 000 CDF part of today's USD sale.
        "Espèces": (2, D("30000"), 1, D("10000")),
        # 42 000 - 2 000 given back, and the M-Pesa sale settled in USD: 12 500 - 2 500.
        "Espèces (USD)": (2, D("50000"), 0, zero),
        "Crédit": (1, D("10000"), 0, zero),
    }
    assert {lg.cle for lg in rapport.lignes} == {("CASH", "CDF"), ("CASH", "USD"), ("CREDIT", "CDF")}
    # The documents of a sale add up to its total: the report's total is the sales'.
    total = rapport.total
    assert (total.nombre, total.montant, total.annulees, total.montant_annule) == (4, D("90000"), 1, D("10000"))
    assert sum((lg.montant for lg in rapport.lignes), zero) == total.montant
    # The same once yesterday is summarised: the documents are read live beside the summaries.
    agregats_calculer(boutique=monde.boutique, debut=hier(), fin=hier())
    assert _lignes(rapport_par_canal(_filtre(monde))) == _lignes(rapport)


def test_rapport_par_canal_garde_les_filtres(monde: Caisses, ventes: dict[str, Vente]) -> None:
    zero = D("0")
    terminal = rapport_par_canal(_filtre(monde, terminal_id=monde.terminal.pk))
    assert _lignes(terminal) == {"Espèces": (1, D("20000"), 0, zero), "Espèces (USD)": (1, D("10000"), 0, zero)}
    caissier = rapport_par_canal(_filtre(monde, caissier_id=monde.caissier.pk))
    assert _lignes(caissier) == {
        "Espèces": (1, D("10000"), 1, D("10000")),
        "Espèces (USD)": (1, D("40000"), 0, zero),
        "Crédit": (1, D("10000"), 0, zero),
    }
    # The M-Pesa sale settled in USD leaves no M-Pesa row behind.
    mobile = rapport_par_canal(_filtre(monde, mode_paiement=ModePaiement.MOBILE_MONEY))
    assert _lignes(mobile) == {"Espèces (USD)": (1, D("10000"), 0, zero)}
    hier_seul = rapport_par_canal(_filtre(monde, fin=hier()))
    assert _lignes(hier_seul) == _lignes(terminal)
    autre = rapport_par_canal(_filtre(monde, boutiques=Boutique.objects.filter(pk=monde.autre.pk)))
    assert _lignes(autre) == {"Espèces (USD)": (1, D("1000"), 0, zero)}


def test_rapport_par_canal_en_requetes_bornees(monde: Caisses, ventes: dict[str, Vente]) -> None:
    def requetes() -> int:
        with CaptureQueriesContext(connection) as capture:
            rapport_par_canal(_filtre(monde))
        return len(capture.captured_queries)

    avant = requetes()
    for _ in range(3):
        vente_encaisser(vente=_web(monde), usd=D("4"), cdf=D("0"), cle=_cle(), utilisateur=monde.caissier)
    assert requetes() == avant
    assert _lignes(rapport_par_canal(_filtre(monde)))["Espèces (USD)"][:2] == (5, D("80000"))


def test_remboursements_de_credit_recus_par_canal_et_devise(monde: Caisses, ventes: dict[str, Vente]) -> None:
    client = ventes["credit"].creance.client
    caisse = Caisse(boutique=monde.boutique, caissier=monde.caissier)
    commun = {"client": client, "caisse": caisse, "utilisateur": monde.caissier}
    credit_rembourser(**commun, canal=Canal.CASH, devise=Devise.USD, montant=D("2"), cle=_cle())  # 5 600
    credit_rembourser(**commun, canal=Canal.MPESA, devise=Devise.CDF, montant=D("3000"), cle=_cle())
    assert Paiement.objects.filter(objet="CREDIT").count() == 2
    lues = [(r.libelle, r.nombre, r.montant, r.net_cdf) for r in remboursements_par_canal(_filtre(monde, debut=hier()))]
    assert lues == [("Espèces (USD)", 1, D("2"), D("5600")), ("M-Pesa", 1, D("3000"), D("3000"))]
    # The till that took them, the period, the shop: the report's filters.
    assert remboursements_par_canal(_filtre(monde, terminal_id=monde.terminal.pk)) == []
    assert remboursements_par_canal(_filtre(monde, fin=hier())) == []
    assert remboursements_par_canal(_filtre(monde, boutiques=Boutique.objects.filter(pk=monde.autre.pk))) == []
    # A repayment has no sale mode: a report narrowed to one shows none.
    assert remboursements_par_canal(_filtre(monde, mode_paiement=ModePaiement.CASH)) == []
    # Not sales: the report by channel is unchanged by them.
    assert rapport_par_canal(_filtre(monde)).total.montant == D("90000")


def test_vente_hors_periode_ne_deplace_rien(monde: Caisses, ventes: dict[str, Vente]) -> None:
    avant_hier = hier() - timedelta(days=1)
    assert rapport_par_canal(_filtre(monde, debut=avant_hier, fin=avant_hier)).lignes == []
