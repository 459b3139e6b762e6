"""A credit sale cancelled (or refunded) after a repayment: the shop owes the customer an
"avoir". It is shown, never allocated by itself: a later repayment settles what is owed only."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from magasin.caisse.models import Affectation, Canal, Devise, Paiement
from magasin.caisse.selectors import Caisse, creances_en_avoir, creances_ouvertes, soldes_clients
from magasin.caisse.services import credit_rembourser
from magasin.caisse.tests.conftest import Caisses
from magasin.core.erreurs import CodeErreur, ErreurMetier
from magasin.ventes.entrees import VenteEntree
from magasin.ventes.models import Vente
from magasin.ventes.services import vente_annuler, vente_creer, vente_retourner

pytestmark = pytest.mark.django_db

D = Decimal


def _a_credit(monde: Caisses, quantite: int = 1) -> Vente:
    entree = VenteEntree.model_validate(
        {
            "uuid": uuid.uuid4().hex,
            "paye": False,
            "client_nom": "Papa Kabeya",
            "client_telephone": "0991234567",
            "lignes": [{"article_id": monde.article.pk, "quantite": quantite, "prix_unitaire": "10000"}],
        }
    )
    vente = vente_creer(boutique=monde.boutique, utilisateur=monde.caissier, entree=entree).vente
    assert vente is not None
    return vente


def _rembourser(monde: Caisses, montant: str, vente: Vente | None = None) -> Paiement:
    return credit_rembourser(
        client=monde.boutique.clients.get(),
        caisse=Caisse(boutique=monde.boutique, caissier=monde.caissier),
        canal=Canal.CASH,
        devise=Devise.CDF,
        montant=D(montant),
        cle=uuid.uuid4().hex,
        utilisateur=monde.caissier,
        vente=vente,
    )


def _compte(monde: Caisses) -> tuple[Decimal, int, Decimal]:
    (solde,) = soldes_clients(boutique=monde.boutique)
    return solde.solde, solde.nombre, solde.avoir


def test_credit_annule_apres_un_remboursement_partiel_laisse_un_avoir(monde: Caisses) -> None:
    premiere = _a_credit(monde)
    _rembourser(monde, "4000")
    vente_annuler(vente=premiere, utilisateur=monde.gerant, motif="Marchandise rendue")
    client = monde.boutique.clients.get()
    # The shop owes the customer the 4 000 received: listed, with nothing owed.
    assert _compte(monde) == (D("0"), 0, D("4000"))
    assert soldes_clients(boutique=monde.boutique)[0].age_jours is None
    assert creances_ouvertes(client=client) == []
    (avoir,) = creances_en_avoir(client=client)
    assert (avoir.vente_id, avoir.du, avoir.regle, avoir.avoir) == (premiere.pk, D("0"), D("4000"), D("4000"))
    # An avoir is not a debt: nothing to repay.
    with pytest.raises(ErreurMetier) as exc:
        _rembourser(monde, "1000")
    assert exc.value.code == CodeErreur.PAIEMENT_INVALIDE and "ne doit rien" in exc.value.message

    # A later credit sale is owed in full: the avoir is shown beside it, never netted.
    seconde = _a_credit(monde)
    assert _compte(monde) == (D("10000"), 1, D("4000"))
    with pytest.raises(ErreurMetier) as exc:
        _rembourser(monde, "10001")
    assert "10\u202f000 CDF" in exc.value.message  # the balance owed, not 6 000 nor 14 000
    paiement = _rembourser(monde, "10000")
    assert list(paiement.affectations.values_list("creance__vente_id", "montant_cdf")) == [(seconde.pk, D("10000"))]
    # The first repayment stays allocated to the cancelled sale: the avoir is still there.
    assert list(Affectation.objects.filter(creance__vente=premiere).values_list("montant_cdf", flat=True)) == [
        D("4000")
    ]
    assert _compte(monde) == (D("0"), 0, D("4000"))
    assert [c.vente_id for c in creances_en_avoir(client=client)] == [premiere.pk]


def test_retour_apres_remboursement_laisse_un_avoir_sur_cette_vente(monde: Caisses) -> None:
    vente = _a_credit(monde, quantite=3)  # 30 000
    _rembourser(monde, "25000")
    assert _compte(monde) == (D("5000"), 1, D("0"))
    vente_retourner(vente=vente, utilisateur=monde.gerant, quantites={vente.lignes.get().pk: 1}, motif="Abîmé")
    # 20 000 owed now, 25 000 paid: 5 000 to give back or deduct.
    assert _compte(monde) == (D("0"), 0, D("5000"))
    (avoir,) = creances_en_avoir(client=monde.boutique.clients.get())
    assert (avoir.du, avoir.regle, avoir.avoir) == (D("20000"), D("25000"), D("5000"))


def test_soldes_clients_dus_d_abord_puis_avoirs(monde: Caisses) -> None:
    annulee = _a_credit(monde)
    _rembourser(monde, "4000")
    vente_annuler(vente=annulee, utilisateur=monde.gerant, motif="Rendu")
    entree = VenteEntree.model_validate(
        {
            "uuid": uuid.uuid4().hex,
            "paye": False,
            "client_nom": "Mama Nsimba",
            "lignes": [{"article_id": monde.article.pk, "quantite": 1, "prix_unitaire": "10000"}],
        }
    )
    vente_creer(boutique=monde.boutique, utilisateur=monde.caissier, entree=entree)
    lus = [(s.client.nom, s.solde, s.avoir) for s in soldes_clients(boutique=monde.boutique)]
    assert lus == [("Mama Nsimba", D("10000"), D("0")), ("Papa Kabeya", D("0"), D("4000"))]
    assert [s.client.nom for s in soldes_clients(boutique=monde.boutique, recherche="kabeya")] == ["Papa Kabeya"]
