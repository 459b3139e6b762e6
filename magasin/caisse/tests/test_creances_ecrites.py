"""A receivable is written with its sale, whatever door the sale came in by, and reading the
credit pages writes nothing."""

from __future__ import annotations

import importlib
import json
import uuid
from decimal import Decimal as D
from pathlib import Path

from django.apps import apps
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from magasin.caisse.models import Canal, Creance, Devise
from magasin.caisse.selectors import Caisse, soldes_clients, soldes_des_creances
from magasin.caisse.services import credit_rembourser, taux_fixer
from magasin.caisse.tests.conftest import Caisses, hier, synchroniser, vente_terminal
from magasin.exploitation.tests.outils import commande_json
from magasin.reprise.tests.ancien import ecrire_export, export_desordonne
from magasin.ventes.entrees import VenteEntree
from magasin.ventes.models import OrigineVente, Vente, VenteQuarantaine
from magasin.ventes.services import quarantaine_rejouer, vente_annuler, vente_creer, vente_retourner


def _creances() -> list[tuple[str, str, D]]:
    return list(
        Creance.objects.order_by("vente__numero_facture").values_list("vente__numero_facture", "client__cle", "montant")
    )


def test_lot_d_un_terminal_ecrit_ses_creances_et_seulement_elles(monde: Caisses) -> None:
    synchroniser(
        monde.terminal,
        monde.jeton,
        [
            vente_terminal(monde.article, sequence=1, jour=hier(), paye=False, client_telephone="+243 81 000 0001"),
            vente_terminal(monde.article, sequence=2, jour=hier(), mode_paiement="CREDIT", client_nom="Mama Nsimba"),
            vente_terminal(monde.article, sequence=3, jour=hier()),  # paid: no receivable
        ],
    )
    numeros = [v.numero_facture for v in Vente.objects.order_by("sequence_terminal")]
    assert _creances() == sorted(
        [(numeros[0], "tel:810000001", D("10000.00")), (numeros[1], "nom:mama nsimba", D("10000.00"))]
    )


def test_facture_web_a_credit_ecrit_sa_creance(monde: Caisses) -> None:
    entree = VenteEntree.model_validate(
        {
            "uuid": str(uuid.uuid4()),
            "paye": False,
            "client_nom": "Papa Kabeya",
            "lignes": [{"article_id": monde.article.pk, "quantite": 2, "prix_unitaire": "10000"}],
        }
    )
    vente = vente_creer(boutique=monde.boutique, utilisateur=monde.caissier, entree=entree).vente
    assert vente is not None
    assert _creances() == [(vente.numero_facture, "nom:papa kabeya", D("20000.00"))]


def test_vente_rejouee_depuis_la_quarantaine_ecrit_sa_creance(monde: Caisses) -> None:
    inconnu = vente_terminal(monde.article, sequence=1, jour=hier(), paye=False, client_nom="Tata Mbuyi")
    inconnu["lignes"][0]["article_id"] = 999_999
    corps = Client().post(
        "/api/v2/simple/ventes/sync",
        data=json.dumps([inconnu]),
        content_type="application/json",
        headers={"X-Device-Serial": monde.terminal.numero_serie, "Authorization": f"Bearer {monde.jeton}"},
    )
    assert corps.status_code == 201 and corps.json()["ventes_erreurs"] == 1
    assert _creances() == []
    en_attente = VenteQuarantaine.objects.get()
    en_attente.payload_corrige = {**inconnu, "lignes": [{**inconnu["lignes"][0], "article_id": monde.article.pk}]}
    en_attente.save(update_fields=["payload_corrige"])
    quarantaine_rejouer(quarantaine=en_attente, utilisateur=monde.gerant)
    vente = Vente.objects.get()
    assert _creances() == [(vente.numero_facture, "nom:tata mbuyi", D("10000.00"))]


def test_lire_les_pages_de_credit_n_ecrit_rien(monde: Caisses) -> None:
    client_gerant = Client()
    client_gerant.force_login(monde.gerant)
    synchroniser(
        monde.terminal,
        monde.jeton,
        [vente_terminal(monde.article, sequence=1, jour=hier(), paye=False, client_nom="Mama Nsimba")],
    )
    client_id = Creance.objects.get().client_id
    Creance.objects.all().delete()  # a credit sale without its receivable: a page must not add it
    for url in ("/caisse/creances/", f"/caisse/clients/{client_id}/"):
        with CaptureQueriesContext(connection) as requetes:
            assert client_gerant.get(url).status_code == 200
        ecritures = [
            q["sql"] for q in requetes if q["sql"].lstrip().split()[0].upper() in {"INSERT", "UPDATE", "DELETE"}
        ]
        assert [q for q in ecritures if "caisse_" in q or "ventes_" in q] == [], url
    assert not Creance.objects.exists()


def test_la_migration_rattache_les_ventes_a_credit_d_avant(monde: Caisses) -> None:
    synchroniser(
        monde.terminal,
        monde.jeton,
        [
            vente_terminal(monde.article, sequence=1, jour=hier(), paye=False, client_nom="Mama Nsimba"),
            vente_terminal(monde.article, sequence=2, jour=hier(), paye=False, client_nom="mama  NSIMBA"),
        ],
    )
    attendues = _creances()
    # As the database was before this version: credit sales without their receivables.
    Creance.objects.all().delete()
    migration = importlib.import_module("magasin.caisse.migrations.0002_creances_des_ventes_anterieures")
    migration.rattacher(apps, None)
    assert _creances() == attendues
    migration.rattacher(apps, None)  # nothing left to do the second time
    assert len(_creances()) == 2


def test_l_import_de_l_ancien_systeme_ecrit_les_creances_de_ses_ventes_impayees(db: None, tmp_path: Path) -> None:
    fichier = ecrire_export(tmp_path / "ancien.json", export_desordonne())
    commande_json("importer_ancien", str(fichier))
    impayees = Vente.objects.filter(origine=OrigineVente.IMPORT, paye=False)
    assert impayees.exists()  # the export holds unpaid sales: they are the old system's credit
    assert sorted(Creance.objects.values_list("vente_id", flat=True)) == sorted(impayees.values_list("pk", flat=True))


def _soldes_gardes_et_calcules() -> list[tuple[D, D]]:
    """Per receivable: the kept balance and the rule's, which must be equal."""
    return [(c.solde, c.du - c.regle) for c in soldes_des_creances(Creance.objects.order_by("pk"))]


def _rembourser(monde: Caisses, montant: str, devise: str = Devise.CDF) -> None:
    if devise == Devise.USD:
        taux_fixer(boutique=monde.boutique, jour=timezone.localdate(), taux=D("2800"), utilisateur=monde.gerant)
    credit_rembourser(
        client=monde.boutique.clients.get(),
        caisse=Caisse(boutique=monde.boutique, caissier=monde.caissier),
        canal=Canal.CASH,
        devise=devise,
        montant=D(montant),
        cle=str(uuid.uuid4()),
        utilisateur=monde.caissier,
    )


def test_le_solde_garde_suit_remboursements_retours_et_annulations(monde: Caisses) -> None:
    synchroniser(
        monde.terminal,
        monde.jeton,
        [
            vente_terminal(monde.article, sequence=s, jour=hier(), quantite=3, paye=False, client_nom="Mama Nsimba")
            for s in (1, 2)
        ],
    )
    premiere, seconde = Vente.objects.order_by("sequence_terminal")
    etapes = [_soldes_gardes_et_calcules()]
    _rembourser(monde, "35000")  # the first in full, 5 000 of the second
    etapes.append(_soldes_gardes_et_calcules())
    vente_retourner(vente=seconde, utilisateur=monde.gerant, quantites={seconde.lignes.get().pk: 1}, motif="Abîmé")
    etapes.append(_soldes_gardes_et_calcules())
    _rembourser(monde, "5", devise=Devise.USD)  # 14 000 CDF of the 15 000 left
    etapes.append(_soldes_gardes_et_calcules())
    vente_annuler(vente=premiere, utilisateur=monde.gerant, motif="Rendue")  # paid in full: an avoir
    etapes.append(_soldes_gardes_et_calcules())
    assert [[garde for garde, _ in e] for e in etapes] == [
        [D("30000"), D("30000")],
        [D("0"), D("25000")],
        [D("0"), D("15000")],
        [D("0"), D("1000")],
        [D("-30000"), D("1000")],
    ]
    assert all(garde == calcule for e in etapes for garde, calcule in e)
    (solde,) = soldes_clients(boutique=monde.boutique)
    assert (solde.solde, solde.nombre, solde.avoir) == (D("1000"), 1, D("30000"))


def test_la_migration_remplit_les_soldes_gardes(monde: Caisses) -> None:
    synchroniser(
        monde.terminal,
        monde.jeton,
        [vente_terminal(monde.article, sequence=1, jour=hier(), quantite=2, paye=False, client_nom="Tata Mbuyi")],
    )
    _rembourser(monde, "5000")
    Creance.objects.update(solde=0)  # as the column was added, before it was filled
    migration = importlib.import_module("magasin.caisse.migrations.0003_creance_solde")
    migration.remplir(apps, None)
    assert _soldes_gardes_et_calcules() == [(D("15000"), D("15000"))]
