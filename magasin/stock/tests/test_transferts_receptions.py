"""Receipts from suppliers and transfers between shops: through the ledger, at the weighted
average cost, each shop isolated (services, on the three databases)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from magasin.boutiques.models import Boutique, PolitiqueStock, Role
from magasin.boutiques.tests.factories import BoutiqueFactory, MembreFactory
from magasin.core.erreurs import CodeErreur, ErreurMetier
from magasin.stock.models import (
    Article,
    BonReception,
    Fournisseur,
    LigneReception,
    LigneTransfert,
    MouvementStock,
    StatutTransfert,
    Transfert,
    TypeMouvement,
)
from magasin.stock.receptions import LigneRecue, cout_moyen_pondere, reception_enregistrer
from magasin.stock.services import stock_sortie
from magasin.stock.tests.factories import creer_article
from magasin.stock.tests.invariants import verifier_registre
from magasin.stock.transferts import LigneAEnvoyer, transfert_envoyer, transfert_recevoir

pytestmark = pytest.mark.django_db


class Deux:
    """Two shops of one owner (a manager of both), a third shop he is not a member of."""

    def __init__(self) -> None:
        self.gombe = BoutiqueFactory(nom="Boutique Gombe", code="BTQ-009")
        self.limete = BoutiqueFactory(nom="Boutique Limete", code="BTQ-011")
        self.etrangere = BoutiqueFactory(nom="Boutique d'un autre", code="BTQ-099")
        self.patron = MembreFactory(boutique=self.gombe, role=Role.GERANT, utilisateur__username="patron").utilisateur
        MembreFactory(boutique=self.limete, role=Role.GERANT, utilisateur=self.patron)
        self.caissier_limete = MembreFactory(boutique=self.limete, role=Role.CAISSIER).utilisateur
        MembreFactory(boutique=self.gombe, role=Role.GERANT, utilisateur=self.caissier_limete)
        self.gerant_gombe = MembreFactory(boutique=self.gombe, role=Role.GERANT).utilisateur
        self.gerant_limete = MembreFactory(boutique=self.limete, role=Role.GERANT).utilisateur
        self.riz = creer_article(self.gombe, stock=0, code="RIZ25", nom="Sac de riz 25 kg")
        self.riz_limete = creer_article(self.limete, stock=0, code="RIZ25", nom="Riz 25 kg")
        self.huile = creer_article(self.gombe, stock=0, code="HUI1", nom="Huile 1 L")
        self.huile_limete = creer_article(self.limete, stock=0, code="HUI1", nom="Huile 1 L")
        self.savon_etranger = creer_article(self.etrangere, stock=0, code="RIZ25", nom="Riz d'ailleurs")


@pytest.fixture
def deux() -> Deux:
    return Deux()


def _recevoir(boutique: Boutique, acteur: Any, *lignes: tuple[Article, int, str], fournisseur: str = "Grossiste Kin"):
    return reception_enregistrer(
        boutique=boutique,
        fournisseur=fournisseur,
        lignes=[LigneRecue(article_id=a.pk, quantite=q, cout_unitaire=Decimal(c)) for a, q, c in lignes],
        acteur=acteur,
        reference_fournisseur="BL-77",
    )


def _cout(article: Article) -> tuple[int, Decimal]:
    article.refresh_from_db()
    return article.quantite_stock, article.cout_moyen


# --- Weighted average ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stock", "cout", "quantite", "unitaire", "attendu"),
    [
        (0, "0", 10, "1000", "1000.00"),
        (10, "1000", 30, "2000", "1750.00"),
        (3, "100", 1, "101", "100.25"),
        (2, "1", 1, "2", "1.33"),  # rounded to the centime
        (1, "1", 2, "2", "1.67"),  # half up
        (-5, "900", 10, "3000", "3000.00"),  # negative stock counts as zero
        (50, "0", 10, "1200", "1200.00"),  # stock of unknown cost (0) does not weigh
        (50, "700", 4, "0", "700.00"),  # units of unknown cost enter at the average
        (0, "0", 4, "0", "0.00"),  # still unknown
    ],
)
def test_cout_moyen_pondere(stock, cout, quantite, unitaire, attendu):
    assert cout_moyen_pondere(
        stock_avant=stock, cout_moyen=Decimal(cout), quantite=quantite, cout_unitaire=Decimal(unitaire)
    ) == Decimal(attendu)


def test_receptions_successives_moyenne_ponderee_et_registre(deux):
    bon = _recevoir(deux.gombe, deux.gerant_gombe, (deux.riz, 10, "80000"), (deux.huile, 24, "9000"))
    assert _cout(deux.riz) == (10, Decimal("80000.00"))
    assert bon.montant_total == Decimal(10 * 80000 + 24 * 9000)
    assert bon.fournisseur.nom == "Grossiste Kin" and bon.recu_par == deux.gerant_gombe
    mouvements = MouvementStock.objects.filter(reference_document=bon.reference_registre)
    assert sorted((m.article_id, m.type_mouvement, m.quantite) for m in mouvements) == sorted(
        [(deux.riz.pk, TypeMouvement.ENTREE, 10), (deux.huile.pk, TypeMouvement.ENTREE, 24)]
    )
    # Second delivery, dearer: (10 × 80 000 + 30 × 90 000) / 40 = 87 500.
    _recevoir(deux.gombe, deux.gerant_gombe, (deux.riz, 30, "90000"))
    assert _cout(deux.riz) == (40, Decimal("87500.00"))
    # A loss does not move the average; the next receipt averages over what is left.
    stock_sortie(article=deux.riz, quantite=20, acteur=None, motif="Sacs mouillés")
    _recevoir(deux.gombe, deux.gerant_gombe, (deux.riz, 20, "95000"))
    # (20 × 87 500 + 20 × 95 000) / 40 = 91 250.
    assert _cout(deux.riz) == (40, Decimal("91250.00"))
    ligne = LigneReception.objects.filter(article=deux.riz).latest("pk")
    assert (ligne.stock_avant, ligne.cout_moyen_avant, ligne.cout_moyen_apres) == (
        20,
        Decimal("87500.00"),
        Decimal("91250.00"),
    )
    # Same supplier name in another case: the same supplier of the shop.
    _recevoir(deux.gombe, deux.gerant_gombe, (deux.huile, 1, "9000"), fournisseur="GROSSISTE   kin")
    assert Fournisseur.objects.filter(boutique=deux.gombe).count() == 1
    verifier_registre()


def test_stock_negatif_avant_reception_compte_pour_zero(deux):
    Boutique.objects.filter(pk=deux.gombe.pk).update(politique_stock=PolitiqueStock.AUTORISER_NEGATIF)
    _recevoir(deux.gombe, deux.gerant_gombe, (deux.riz, 5, "1000"))
    deux.riz.refresh_from_db()
    stock_sortie(article=deux.riz, quantite=8, acteur=None, motif="Vendu à découvert")
    assert _cout(deux.riz) == (-3, Decimal("1000.00"))
    _recevoir(deux.gombe, deux.gerant_gombe, (deux.riz, 10, "1300"))
    assert _cout(deux.riz) == (7, Decimal("1300.00"))
    verifier_registre()


@pytest.mark.parametrize(
    ("lignes", "code"),
    [
        ([], CodeErreur.QUANTITE_INVALIDE),
        ([("riz", 0, "10")], CodeErreur.QUANTITE_INVALIDE),
        ([("riz", 1_000_001, "10")], CodeErreur.QUANTITE_INVALIDE),
        ([("riz", 1, "-1")], CodeErreur.MONTANT_HORS_LIMITES),
        ([("riz", 1, "1000000000000")], CodeErreur.MONTANT_HORS_LIMITES),
        ([("riz", 1, "NaN")], CodeErreur.MONTANT_HORS_LIMITES),
        ([("riz", 1, "10"), ("riz", 2, "10")], CodeErreur.QUANTITE_INVALIDE),
        ([("riz_limete", 1, "10")], CodeErreur.ARTICLE_INTROUVABLE),  # another shop's article
        ([("riz", 1, "10"), ("savon_etranger", 1, "10")], CodeErreur.ARTICLE_INTROUVABLE),
    ],
)
def test_reception_refusee_sans_rien_ecrire(deux, lignes, code):
    with pytest.raises(ErreurMetier) as erreur:
        _recevoir(deux.gombe, deux.gerant_gombe, *[(getattr(deux, nom), q, c) for nom, q, c in lignes])
    assert erreur.value.code == code
    assert not BonReception.objects.exists() and not Fournisseur.objects.exists()
    assert _cout(deux.riz) == (0, Decimal("0.00"))


def test_reception_reservee_aux_gerants_de_la_boutique(deux):
    for acteur in (deux.caissier_limete, deux.gerant_gombe):
        with pytest.raises(ErreurMetier) as erreur:
            _recevoir(deux.limete, acteur, (deux.riz_limete, 1, "10"))
        assert erreur.value.code == CodeErreur.ACCES_REFUSE
    with pytest.raises(ErreurMetier):
        _recevoir(deux.limete, deux.gerant_limete, (deux.riz_limete, 1, "10"), fournisseur="   ")
    assert not BonReception.objects.exists()


def test_reception_refusee_dans_une_boutique_inactive(deux):
    Boutique.objects.filter(pk=deux.gombe.pk).update(est_active=False)
    with pytest.raises(ErreurMetier) as erreur:
        _recevoir(deux.gombe, deux.gerant_gombe, (deux.riz, 1, "10"))
    assert erreur.value.code == CodeErreur.BOUTIQUE_INACTIVE
    assert not BonReception.objects.exists() and _cout(deux.riz) == (0, Decimal("0.00"))


# --- Transfers ---------------------------------------------------------------------------------------


def _envoyer(deux: Deux, *lignes: tuple[Article, int], acteur: Any = None, destination: Boutique | None = None):
    return transfert_envoyer(
        source=deux.gombe,
        destination=destination or deux.limete,
        lignes=[LigneAEnvoyer(article_id=a.pk, quantite=q) for a, q in lignes],
        acteur=acteur or deux.patron,
        commentaire="Réassort",
    )


def _recues(transfert: Transfert, par_article: dict[int, int]) -> dict[int, int]:
    return {ligne.pk: par_article[ligne.article_source_id] for ligne in transfert.lignes.all()}


def test_transfert_en_deux_temps_avec_manquant(deux):
    _recevoir(deux.gombe, deux.gerant_gombe, (deux.riz, 40, "80000"), (deux.huile, 10, "9000"))
    _recevoir(deux.limete, deux.gerant_limete, (deux.riz_limete, 10, "86000"))
    transfert = _envoyer(deux, (deux.riz, 15), (deux.huile, 10))
    # Sent: out of the source, in transit at the source's average; the destination has not moved.
    assert transfert.statut == StatutTransfert.EN_TRANSIT and transfert.envoye_par == deux.patron
    assert _cout(deux.riz) == (25, Decimal("80000.00"))
    assert _cout(deux.riz_limete) == (10, Decimal("86000.00"))
    sorties = MouvementStock.objects.filter(reference_document=transfert.reference_registre)
    assert sorted((m.boutique_id, m.type_mouvement, m.quantite) for m in sorties) == [
        (deux.gombe.pk, TypeMouvement.TRANSFERT_SORTIE, -15),
        (deux.gombe.pk, TypeMouvement.TRANSFERT_SORTIE, -10),
    ]
    lignes = {ligne.article_source_id: ligne for ligne in transfert.lignes.all()}
    assert lignes[deux.riz.pk].cout_unitaire == Decimal("80000.00")
    assert lignes[deux.riz.pk].article_destination_id == deux.riz_limete.pk
    # Received: 13 sacks of 15 arrived (2 short), all the oil.
    recu = transfert_recevoir(
        transfert=transfert,
        quantites_recues=_recues(transfert, {deux.riz.pk: 13, deux.huile.pk: 10}),
        acteur=deux.gerant_limete,
    )
    assert recu.statut == StatutTransfert.RECU and recu.recu_par == deux.gerant_limete and recu.recu_le
    # (10 × 86 000 + 13 × 80 000) / 23 = 82 608.695… → 82 608.70
    assert _cout(deux.riz_limete) == (23, Decimal("82608.70"))
    assert _cout(deux.huile_limete) == (10, Decimal("9000.00"))
    riz = LigneTransfert.objects.get(transfert=transfert, article_source=deux.riz)
    assert (riz.quantite_recue, riz.manquant, riz.valeur_manquante) == (13, 2, Decimal("160000.00"))
    entrees = MouvementStock.objects.filter(
        reference_document=transfert.reference_registre, type_mouvement=TypeMouvement.TRANSFERT_ENTREE
    )
    assert sorted((m.boutique_id, m.article_id, m.quantite) for m in entrees) == sorted(
        [(deux.limete.pk, deux.riz_limete.pk, 13), (deux.limete.pk, deux.huile_limete.pk, 10)]
    )
    assert "2 manquant(s) sur 15" in entrees.get(article=deux.riz_limete).commentaire
    # The source's average did not move.
    assert _cout(deux.riz) == (25, Decimal("80000.00"))
    verifier_registre()


def test_transfert_entierement_perdu(deux):
    _recevoir(deux.gombe, deux.gerant_gombe, (deux.riz, 5, "1000"))
    transfert = _envoyer(deux, (deux.riz, 5))
    transfert_recevoir(transfert=transfert, quantites_recues=_recues(transfert, {deux.riz.pk: 0}), acteur=deux.patron)
    transfert.refresh_from_db()
    assert transfert.statut == StatutTransfert.RECU
    assert _cout(deux.riz_limete) == (0, Decimal("0.00"))
    assert not MouvementStock.objects.filter(type_mouvement=TypeMouvement.TRANSFERT_ENTREE).exists()
    verifier_registre()


def test_transfert_vers_une_boutique_dont_on_n_est_pas_membre_refuse(deux):
    _recevoir(deux.gombe, deux.gerant_gombe, (deux.riz, 5, "1000"))
    # A manager of the source only, towards a shop he does not belong to (nor manage).
    for acteur, destination in (
        (deux.gerant_gombe, deux.limete),
        (deux.patron, deux.etrangere),
        (deux.caissier_limete, deux.limete),  # a cashier of the destination only
    ):
        with pytest.raises(ErreurMetier) as erreur:
            _envoyer(deux, (deux.riz, 1), acteur=acteur, destination=destination)
        assert erreur.value.code == CodeErreur.ACCES_REFUSE
    assert not Transfert.objects.exists()
    assert _cout(deux.riz) == (5, Decimal("1000.00"))


@pytest.mark.parametrize(
    ("quoi", "code"),
    [
        ("meme_boutique", CodeErreur.TRANSFERT_INVALIDE),
        ("article_absent_a_destination", CodeErreur.TRANSFERT_INVALIDE),
        ("article_d_une_autre_boutique", CodeErreur.ARTICLE_INTROUVABLE),
        ("plus_que_le_stock", CodeErreur.STOCK_INSUFFISANT),
        ("quantite_nulle", CodeErreur.QUANTITE_INVALIDE),
        ("deux_fois_le_meme", CodeErreur.QUANTITE_INVALIDE),
    ],
)
def test_envoi_refuse_sans_rien_ecrire(deux, quoi, code):
    _recevoir(deux.gombe, deux.gerant_gombe, (deux.riz, 5, "1000"))
    seul_a_gombe = creer_article(deux.gombe, stock=3, code="SUC1", nom="Sucre")
    lignes, destination = {
        "meme_boutique": ([(deux.riz, 1)], deux.gombe),
        "article_absent_a_destination": ([(deux.riz, 1), (seul_a_gombe, 1)], deux.limete),
        "article_d_une_autre_boutique": ([(deux.riz_limete, 1)], deux.limete),
        "plus_que_le_stock": ([(deux.riz, 6)], deux.limete),
        "quantite_nulle": ([(deux.riz, 0)], deux.limete),
        "deux_fois_le_meme": ([(deux.riz, 1), (deux.riz, 1)], deux.limete),
    }[quoi]
    avant = MouvementStock.objects.count()
    with pytest.raises(ErreurMetier) as erreur:
        _envoyer(deux, *lignes, destination=destination)
    assert erreur.value.code == code
    if quoi == "article_absent_a_destination":
        assert "SUC1" in erreur.value.message
    assert not Transfert.objects.exists() and MouvementStock.objects.count() == avant


def test_reception_du_transfert_controlee(deux):
    _recevoir(deux.gombe, deux.gerant_gombe, (deux.riz, 5, "1000"), (deux.huile, 5, "500"))
    transfert = _envoyer(deux, (deux.riz, 4), (deux.huile, 2))
    bonnes = _recues(transfert, {deux.riz.pk: 4, deux.huile.pk: 2})
    riz = LigneTransfert.objects.get(transfert=transfert, article_source=deux.riz)

    def refus(acteur: Any, quantites: dict[int, int]) -> CodeErreur:
        with pytest.raises(ErreurMetier) as erreur:
            transfert_recevoir(transfert=transfert, quantites_recues=quantites, acteur=acteur)
        return erreur.value.code

    # Only a manager of the destination confirms.
    assert refus(deux.gerant_gombe, bonnes) == CodeErreur.ACCES_REFUSE
    assert refus(deux.caissier_limete, bonnes) == CodeErreur.ACCES_REFUSE
    # Received more than sent, negative, a line missing or a line of another transfer.
    assert refus(deux.gerant_limete, {**bonnes, riz.pk: 5}) == CodeErreur.QUANTITE_INVALIDE
    assert refus(deux.gerant_limete, {**bonnes, riz.pk: -1}) == CodeErreur.QUANTITE_INVALIDE
    assert refus(deux.gerant_limete, {riz.pk: 4}) == CodeErreur.QUANTITE_INVALIDE
    assert refus(deux.gerant_limete, {**bonnes, riz.pk + 1000: 1}) == CodeErreur.QUANTITE_INVALIDE
    assert Transfert.objects.get().statut == StatutTransfert.EN_TRANSIT
    transfert_recevoir(transfert=transfert, quantites_recues=bonnes, acteur=deux.gerant_limete)
    # Twice: refused, nothing enters a second time.
    assert refus(deux.gerant_limete, bonnes) == CodeErreur.TRANSFERT_DEJA_RECU
    assert _cout(deux.riz_limete) == (4, Decimal("1000.00"))
    verifier_registre()


# --- What the database itself refuses --------------------------------------------------------------


def _ligne_brute(deux: Deux, transfert: Transfert, **champs: Any) -> None:
    valeurs = {
        "transfert": transfert,
        "boutique_source": deux.gombe,
        "boutique_destination": deux.limete,
        "article_source": deux.riz,
        "article_destination": deux.riz_limete,
        "quantite_envoyee": 2,
        "cout_unitaire": Decimal("10"),
        **champs,
    }
    with transaction.atomic():
        LigneTransfert.objects.create(**valeurs)


def test_contraintes_de_la_base(deux, backend):
    transfert = Transfert.objects.create(
        boutique_source=deux.gombe, boutique_destination=deux.limete, envoye_le=timezone.now()
    )
    for champs in ({"quantite_envoyee": 0}, {"quantite_recue": 3}, {"quantite_recue": -1}, {"cout_unitaire": -1}):
        with pytest.raises(IntegrityError):
            _ligne_brute(deux, transfert, **champs)
    with pytest.raises(IntegrityError), transaction.atomic():
        Transfert.objects.create(boutique_source=deux.gombe, boutique_destination=deux.gombe, envoye_le=timezone.now())
    with pytest.raises(IntegrityError), transaction.atomic():
        Transfert.objects.filter(pk=transfert.pk).update(statut=StatutTransfert.RECU)  # received without a date
    if backend != "sqlite":
        # Composite keys: an article of another shop than the line's, a line's shops not its transfer's.
        for champs in (
            {"article_source": deux.riz_limete},
            {"article_destination": deux.riz},
            {"boutique_destination": deux.etrangere, "article_destination": deux.savon_etranger},
        ):
            with pytest.raises(IntegrityError):
                _ligne_brute(deux, transfert, **champs)
        fournisseur = Fournisseur.objects.create(boutique=deux.limete, nom="X")
        with pytest.raises(IntegrityError), transaction.atomic():
            BonReception.objects.create(
                boutique=deux.gombe, fournisseur=fournisseur, recu_le=timezone.now(), montant_total=0
            )
    _ligne_brute(deux, transfert, quantite_recue=2)
    assert LigneTransfert.objects.count() == 1
