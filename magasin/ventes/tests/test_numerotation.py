"""Invoice numbers: format, months, no gap on rollback, and no collision under real contention."""

from __future__ import annotations

import threading
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, transaction

from magasin.boutiques.tests.factories import BoutiqueFactory
from magasin.ventes.models import SequenceFacture
from magasin.ventes.numerotation import numero_facture_suivant, numeros_reserver

KIN = ZoneInfo("Africa/Kinshasa")


@pytest.mark.django_db
def test_format_et_mois_en_heure_de_kinshasa():
    boutique = BoutiqueFactory(code="BTQ-009")
    with transaction.atomic():
        premier = numero_facture_suivant(boutique=boutique, moment=datetime(2024, 11, 30, 23, 30, tzinfo=KIN))
        second = numero_facture_suivant(boutique=boutique, moment=datetime(2024, 11, 2, tzinfo=KIN))
        # 23:30 UTC on 30 Nov is already 1 Dec in Kinshasa (UTC+1): December's counter.
        decembre = numero_facture_suivant(
            boutique=boutique, moment=datetime(2024, 11, 30, 23, 30, tzinfo=ZoneInfo("UTC"))
        )
    assert premier == "FAC-BTQ-009-202411-00001"
    assert second == "FAC-BTQ-009-202411-00002"
    assert decembre == "FAC-BTQ-009-202412-00001"


@pytest.mark.django_db
def test_le_prefixe_est_un_reglage_de_la_boutique():
    boutique = BoutiqueFactory(code="BTQ-011", prefixe_facture="GMB")
    with transaction.atomic():
        numero = numero_facture_suivant(boutique=boutique, moment=datetime(2025, 1, 5, tzinfo=KIN))
    assert numero == "GMB-BTQ-011-202501-00001"


@pytest.mark.django_db
def test_un_numero_pris_par_une_transaction_annulee_est_rendu():
    boutique = BoutiqueFactory()
    moment = datetime(2025, 3, 1, tzinfo=KIN)
    with pytest.raises(RuntimeError), transaction.atomic():
        numero_facture_suivant(boutique=boutique, moment=moment)
        raise RuntimeError("the sale failed")
    with transaction.atomic():
        assert numero_facture_suivant(boutique=boutique, moment=moment).endswith("-00001")


@pytest.mark.django_db
def test_reserver_plusieurs_numeros_d_un_coup():
    boutique = BoutiqueFactory()
    with transaction.atomic():
        assert list(numeros_reserver(boutique=boutique, annee=2025, mois=2, combien=3)) == [1, 2, 3]
        assert list(numeros_reserver(boutique=boutique, annee=2025, mois=2, combien=2)) == [4, 5]
    assert SequenceFacture.objects.get(boutique=boutique, annee=2025, mois=2).dernier_numero == 5


@pytest.mark.django_db(transaction=True)
def test_hors_transaction_refuse():
    with pytest.raises(RuntimeError):
        numeros_reserver(boutique=BoutiqueFactory(), annee=2025, mois=2)


@pytest.mark.concurrence
@pytest.mark.django_db(transaction=True)
def test_seize_ecrivains_prennent_2000_numeros_sans_trou_ni_doublon():
    boutique = BoutiqueFactory()
    obtenus: list[int] = []
    erreurs: list[BaseException] = []
    verrou = threading.Lock()
    depart = threading.Barrier(16)

    def ecrivain() -> None:
        try:
            depart.wait()
            for _ in range(125):
                with transaction.atomic():
                    (n,) = numeros_reserver(boutique=boutique, annee=2025, mois=6)
                with verrou:
                    obtenus.append(n)
        except BaseException as exc:
            erreurs.append(exc)
        finally:
            connection.close()

    fils = [threading.Thread(target=ecrivain) for _ in range(16)]
    for f in fils:
        f.start()
    for f in fils:
        f.join(timeout=300)
    assert erreurs == []
    assert sorted(obtenus) == list(range(1, 2001))
