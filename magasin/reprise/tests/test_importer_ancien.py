"""`importer_ancien`: the old export, with its mess, into Magasin; then the terminals as on the
morning after, through the HTTP API (old serials, old article ids, resends of old sales)."""

from __future__ import annotations

import json
from decimal import Decimal
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from magasin.boutiques.models import Boutique, Terminal
from magasin.boutiques.tests.factories import BoutiqueFactory, MembreFactory
from magasin.exploitation.tests.outils import commande, commande_json
from magasin.reprise.models import ImportAncien, MouvementAncien, RejetImport
from magasin.reprise.services import REFERENCE_OUVERTURE, importer_ancien
from magasin.reprise.tests.ancien import (
    SERIE_BTQ9,
    SERIE_GOMBE,
    SERIE_SANS_BOUTIQUE,
    ecrire_export,
    ecrire_export_genere,
    export_desordonne,
    numero_magasin_du_mois,
)
from magasin.stock.models import Article, MouvementStock
from magasin.stock.services import article_creer
from magasin.ventes.entrees import VenteEntree
from magasin.ventes.models import LigneVente, OrigineVente, SequenceFacture, Vente
from magasin.ventes.services import vente_creer

pytestmark = pytest.mark.django_db

SYNC = "/api/v2/simple/ventes/sync"
TABLES = (Boutique, Terminal, Article, MouvementStock, Vente, LigneVente, SequenceFacture, MouvementAncien, RejetImport)


@pytest.fixture
def export(tmp_path: Path) -> Path:
    return ecrire_export(tmp_path / "ancien.json", export_desordonne())


# Sale 101 of the export as its terminal queued it, in the old contract's shape (seeds/001).
RENVOI_101 = {
    "numero_facture": "FAC-20241104-001",
    "mode_paiement": "CASH",
    "paye": True,
    "lignes": [
        {"article_id": 15, "quantite": 2, "prix_unitaire": 25000.00},
        {"article_id": 18, "quantite": 1, "prix_unitaire": 1500.00},
    ],
}


def importer(fichier: Path, *options: str) -> tuple[int, dict[str, Any]]:
    return commande_json("importer_ancien", str(fichier), *options)


def sync(serie: str, ventes: list[dict[str, Any]]) -> dict[str, Any]:
    reponse = Client().post(
        SYNC, data=json.dumps(ventes), content_type="application/json", headers={"X-Device-Serial": serie}
    )
    assert reponse.status_code in (200, 201), reponse.content
    return reponse.json()


def statuts(reponse: dict[str, Any]) -> list[str]:
    details = reponse["details"]
    return [d.get("status", "refused") for d in details["creees"] + details["erreurs"]]


def instantane() -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table the import writes (all fields): equal means nothing changed."""
    return {
        modele.__name__: sorted(
            tuple(str(v) for v in ligne)
            for ligne in modele.objects.values_list(*[f.attname for f in modele._meta.concrete_fields])
        )
        for modele in TABLES
    }


def sans_duree(rapport: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in rapport.items() if k not in ("duree_s", "mode")}


# --- The report -----------------------------------------------------------------------------------


def test_le_desordre_est_importe_et_chaque_anomalie_rapportee(export: Path):
    statut, rapport = importer(export)
    assert statut == 1  # imported, anomalies need a human
    assert rapport["code_sortie"] == 1 and rapport["erreur"] is None
    m = rapport["modeles"]
    assert (m["boutique"]["importes"], m["terminal"]["importes"], m["article"]["importes"]) == (2, 3, 5)
    assert (m["vente"]["lus"], m["vente"]["importes"], m["vente"]["rejetes"]) == (9, 7, 2)
    assert (m["lignevente"]["lus"], m["lignevente"]["importes"], m["lignevente"]["rejetes"]) == (10, 8, 2)
    assert m["mouvementstock"]["importes"] == 3
    assert rapport["ignores"]["modeles_inconnus"] == {"admin.logentry": 1, "auth.user": 1, "inventory.categorie": 1}
    assert rapport["ignores"]["champs_inconnus"] == {
        "article.categorie": 1,
        "boutique.logo": 1,
        "lignevente.remise": 1,
        "vente.tva": 1,
    }
    a = rapport["anomalies"]
    assert a["champs_obligatoires_absents"]["elements"] == [
        {"erreur": "vente pk=107 : champ obligatoire « date_vente » absent"}
    ]
    assert a["terminaux_sans_boutique"]["elements"][0]["numero_serie"] == SERIE_SANS_BOUTIQUE
    assert a["stocks_negatifs"]["elements"] == [
        {"article_id": 18, "boutique": "BTQ-009", "code": "ART-002", "stock": -3}
    ]
    assert a["codes_modifies"]["elements"] == [
        {"modele": "article", "pk": 19, "ancien": "ART-001", "nouveau": "ART-001-19"}
    ]
    assert a["ventes_orphelines_rattachees"]["elements"][0]["vente_id"] == 102
    assert a["ventes_orphelines_rattachees"]["a_traiter"] is False
    assert "pk=103" in a["ventes_orphelines_non_rattachees"]["elements"][0]["erreur"]
    assert a["numeros_en_double"]["elements"] == [
        {
            "boutique": "BTQ-009",
            "vente_id": 104,
            "numero_facture": "FAC-20241104-001",
            "importee_sous": "FAC-20241104-001-DOUBLON-104",
        }
    ]
    assert "article 999 absent" in a["lignes_article_absent"]["elements"][0]["erreur"]
    assert "vente 103 non importée" in a["lignes_vente_absente"]["elements"][0]["erreur"]
    (total,) = a["ventes_total_different"]["elements"]
    assert (total["vente_id"], total["ancien_total"], total["total_des_lignes"]) == (106, "9999.00", "6000.00")
    # Everything left out is kept whole, with why.
    rejets = {(r.modele, r.ancien_pk): r for r in RejetImport.objects.all()}
    assert set(rejets) == {("vente", "103"), ("vente", "107"), ("lignevente", "1004"), ("lignevente", "1008")}
    assert rejets[("vente", "107")].donnees["fields"]["numero_facture"] == "FAC-SANS-DATE"
    trace = ImportAncien.objects.get()
    assert trace.statut == "TERMINE" and trace.code_sortie == 1 and trace.rapport["modeles"] == m


def test_rapport_texte_et_progression(export: Path):
    sortie, erreurs = StringIO(), StringIO()
    with pytest.raises(Exception) as exc:
        call_command("importer_ancien", str(export), stdout=sortie, stderr=erreurs)
    assert exc.value.returncode == 1  # type: ignore[attr-defined]
    texte = sortie.getvalue()
    assert "vente                     9          7          0          2" in texte
    assert "Ventes sans boutique rattachées à la boutique de leur terminal : 1 (pour information)" in texte
    assert "Résultat : importé, avec des anomalies à traiter." in texte
    progression = erreurs.getvalue()
    assert "lignes de vente : 10/10 (100 %)" in progression
    assert "ventes et anciens mouvements : 12/12 (100 %)" in progression


def test_un_export_propre_sort_en_zero(tmp_path: Path):
    fichier = ecrire_export_genere(tmp_path / "propre.json", ventes=30, articles_par_boutique=10)
    statut, rapport = importer(fichier)
    assert statut == 0, rapport["anomalies"]
    assert rapport["modeles"]["vente"]["importes"] == 30 and rapport["modeles"]["lignevente"]["importes"] == 90


# --- What is in the books --------------------------------------------------------------------------


def test_donnees_sous_leurs_anciens_ids(export: Path):
    importer(export)
    assert Boutique.objects.get(pk=9).code == "BTQ-009"  # the notes' code_boutique
    assert Boutique.objects.get(pk=11).code == "BTQ-011"  # or code
    terminaux = Terminal.objects.in_bulk()
    assert terminaux[5].numero_serie == SERIE_BTQ9 and terminaux[5].boutique_id == 9
    assert all(t.serie_seule and not t.jeton_hash for t in terminaux.values())
    assert terminaux[7].boutique_id is None  # reported, not dropped
    articles = Article.objects.in_bulk()
    assert sorted(articles) == [15, 18, 19, 21, 22]
    assert articles[19].code == "ART-001-19"  # the old data's duplicate code, made unique
    assert (articles[15].quantite_stock, articles[15].prix_vente, articles[15].code) == (
        40,
        Decimal("25000.00"),
        "ART-001",
    )
    assert articles[18].quantite_stock == -3 and articles[22].est_actif is False
    # One opening movement per article with stock, from 0: the ledger explains each stock.
    ouvertures = {m.article_id: m for m in MouvementStock.objects.all()}
    assert set(ouvertures) == {15, 18, 21}
    assert all(m.reference_document == REFERENCE_OUVERTURE and m.stock_avant == 0 for m in ouvertures.values())
    assert ouvertures[18].stock_apres == -3
    # The old ledger as history, outside the checked chain.
    assert sorted(MouvementAncien.objects.values_list("pk", "article_id_ancien", "boutique_id_ancien")) == [
        (501, 15, 9),
        (502, 15, 9),
        (503, 999, None),
    ]
    ventes = Vente.objects.in_bulk()
    assert sorted(ventes) == [101, 102, 104, 105, 106, 108, 109]
    assert {v.origine for v in ventes.values()} == {OrigineVente.IMPORT}
    assert ventes[102].boutique_id == 9  # orphan attached to its terminal's shop
    assert ventes[104].numero_facture == "FAC-20241104-001-DOUBLON-104"
    assert (ventes[106].montant_total, ventes[106].montant_declare) == (Decimal("6000.00"), Decimal("9999.00"))
    assert ventes[106].mode_paiement == "AUTRE" and ventes[106].paye is False
    assert ventes[101].terminal_id == 5
    # The fingerprint the terminal's queued copy has, sent as the old contract shows it.
    assert ventes[101].empreinte == VenteEntree.model_validate(RENVOI_101).empreinte()
    assert LigneVente.objects.filter(vente_id=101).count() == 2


def test_verifier_stock_accepte_l_ouverture_et_verifier_ventes_les_ventes(export: Path):
    importer(export)
    statut, rapport = commande_json("verifier_stock")
    assert statut == 0, rapport
    assert rapport["derives"] == [] and rapport["ruptures"] == []
    _, ventes = commande_json("verifier_ventes")
    constats = {c["cle"]: c["nombre"] for c in ventes["constats"]}
    for cle in (
        "references_incoherentes",
        "ventes_total_different_des_lignes",
        "numeros_facture_en_double",
        "sequences_en_retard",
    ):
        assert constats[cle] == 0, cle


# --- The morning after: terminals through the API ----------------------------------------------------


def test_ancien_numero_de_serie_et_ancien_article_vendent(export: Path):
    importer(export)
    r = sync(
        SERIE_BTQ9,
        [{"numero_facture": "FAC-20250101-001", "lignes": [{"article_id": 15, "quantite": 2, "prix_unitaire": 25000}]}],
    )
    assert statuts(r) == ["created"]
    assert Article.objects.get(pk=15).quantite_stock == 38
    statut, _ = commande_json("verifier_stock")
    assert statut == 0


def test_renvoi_d_une_vente_deja_enregistree_par_l_ancien_systeme(export: Path):
    importer(export)
    avant = (Vente.objects.count(), Article.objects.get(pk=15).quantite_stock)
    r = sync(SERIE_BTQ9, [RENVOI_101])
    assert statuts(r) == ["already_exists"]
    assert (Vente.objects.count(), Article.objects.get(pk=15).quantite_stock) == avant


def test_renvoi_d_une_vente_ancienne_sous_une_autre_forme(export: Path):
    """The old export cannot give the exact fingerprint (date, total sent or not): a sale of
    origin IMPORT, same terminal and number, is a resend whatever the representation."""
    importer(export)
    avant = (Vente.objects.count(), Article.objects.get(pk=21).quantite_stock)
    r = sync(
        SERIE_GOMBE,
        [
            {
                "numero_facture": "FAC-20241105-001",
                "montant_total": 800.0,
                "date_vente": "2024-11-05T09:05:00Z",
                "lignes": [{"article_id": 22, "quantite": 1, "prix_unitaire": 800}],
            }
        ],
    )
    assert statuts(r) == ["already_exists"]
    assert (Vente.objects.count(), Article.objects.get(pk=21).quantite_stock) == avant


def test_un_numero_serveur_ne_reprend_aucun_numero_importe(export: Path):
    importer(export)
    importes = set(Vente.objects.values_list("numero_facture", flat=True))
    # A terminal sale sent without number: numbered by the server, past the imported 00007 and 12.
    r = sync(SERIE_GOMBE, [{"lignes": [{"article_id": 21, "quantite": 1, "prix_unitaire": 3000}]}])
    assert statuts(r) == ["created"]
    (creee,) = r["details"]["creees"]
    assert creee["numero_facture"] == numero_magasin_du_mois(13)
    # A web invoice of the same shop continues the same counter.
    membre = MembreFactory(boutique=Boutique.objects.get(pk=11))
    web = vente_creer(
        boutique=membre.boutique,
        utilisateur=membre.utilisateur,
        entree=VenteEntree(lignes=[{"article_id": 21, "quantite": 1, "prix_unitaire": Decimal("3000")}]),
    )
    assert web.vente is not None and web.vente.numero_facture == numero_magasin_du_mois(14)
    assert not {creee["numero_facture"], web.vente.numero_facture} & importes
    # Old counters are kept when higher than anything seen in the numbers.
    assert SequenceFacture.objects.get(boutique_id=9, annee=2024, mois=11).dernier_numero == 3


def test_les_nouveaux_ids_passent_apres_les_anciens(export: Path):
    importer(export)
    assert BoutiqueFactory().pk > 11
    article = article_creer(
        boutique=Boutique.objects.get(pk=9),
        code="NEUF",
        nom="Neuf",
        prix_vente=Decimal("10"),
        acteur=None,
        stock_initial=5,
    )
    assert article.pk > 22
    r = sync(
        SERIE_BTQ9,
        [{"numero_facture": "FAC-NEUVE-1", "lignes": [{"article_id": article.pk, "quantite": 1, "prix_unitaire": 10}]}],
    )
    assert statuts(r) == ["created"]
    vente = Vente.objects.get(numero_facture="FAC-NEUVE-1")
    assert vente.pk > 109 and vente.lignes.get().pk > 1010


def test_le_terminal_sans_boutique_est_la_mais_refuse_jusqu_a_son_rattachement(export: Path):
    importer(export)
    reponse = Client().post(
        SYNC, data="[]", content_type="application/json", headers={"X-Device-Serial": SERIE_SANS_BOUTIQUE}
    )
    assert reponse.json()["code"] == "NO_BOUTIQUE"


# --- Running it again, trying it, stopping it --------------------------------------------------------


def test_un_second_import_ne_change_rien(export: Path):
    statut1, premier = importer(export)
    avant = instantane()
    statut2, second = importer(export)
    assert instantane() == avant
    assert statut2 == statut1 == 1
    for nom, compte in second["modeles"].items():
        assert compte["importes"] == 0, nom
        assert compte["deja_presents"] == premier["modeles"][nom]["importes"], nom
    assert second["anomalies"] == premier["anomalies"]
    assert ImportAncien.objects.count() == 2


def test_rattacher_le_terminal_puis_relancer_reprend_ses_ventes_orphelines(export: Path):
    importer(export)
    assert RejetImport.objects.filter(modele="vente", ancien_pk="103").exists()
    Terminal.objects.filter(numero_serie=SERIE_SANS_BOUTIQUE).update(boutique_id=9)
    _, rapport = importer(export)
    assert rapport["modeles"]["vente"]["importes"] == 1 and rapport["modeles"]["lignevente"]["importes"] == 1
    vente = Vente.objects.get(pk=103)
    assert vente.boutique_id == 9 and vente.lignes.count() == 1
    assert "terminaux_sans_boutique" not in rapport["anomalies"]
    assert not RejetImport.objects.filter(ancien_pk__in=["103", "1004"]).exists()
    assert RejetImport.objects.filter(modele="vente", ancien_pk="107").exists()


def test_le_dry_run_n_ecrit_rien_et_donne_le_meme_rapport(export: Path):
    statut, essai = importer(export, "--dry-run")
    assert statut == 1
    assert essai["mode"].startswith("essai")
    assert all(not modele.objects.exists() for modele in (*TABLES, ImportAncien))
    statut_reel, reel = importer(export)
    assert statut_reel == statut
    assert sans_duree(reel) == sans_duree(essai)


def test_interrompu_par_ctrl_c_puis_relance_a_l_identique(export: Path):
    def ctrl_c(texte: str) -> None:
        if texte.startswith("ventes et anciens mouvements"):  # the sales are committed, not the lines
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        importer_ancien(chemin=export, progression=ctrl_c)
    assert Vente.objects.count() == 7 and not LigneVente.objects.exists()
    assert ImportAncien.objects.get().statut == "EN_COURS"
    statut, rapport = importer(export)
    assert statut == 1
    assert rapport["modeles"]["vente"]["deja_presents"] == 7 and rapport["modeles"]["lignevente"]["importes"] == 8
    assert MouvementStock.objects.count() == 3  # each article opened once
    assert Vente.objects.get(pk=106).montant_declare == Decimal("9999.00")
    assert commande_json("verifier_stock")[0] == 0


def test_un_import_interrompu_se_reprend_sans_doublon(tmp_path: Path):
    complet = ecrire_export_genere(tmp_path / "complet.json", ventes=2500, boutiques=2, articles_par_boutique=20)
    elements = json.loads(complet.read_text())
    # Stopped partway through the sales: everything before is committed, batch by batch.
    coupe = next(i for i, e in enumerate(elements) if e["model"] == "inventory.vente" and e["pk"] == 1300)
    ecrire_export(tmp_path / "interrompu.json", elements[:coupe])
    importer(tmp_path / "interrompu.json", "--taille-lot", "500")
    assert Vente.objects.count() == 1299
    statut, rapport = importer(complet, "--taille-lot", "500")
    assert statut == 0, rapport["anomalies"]
    assert rapport["modeles"]["vente"]["deja_presents"] == 1299 and rapport["modeles"]["vente"]["importes"] == 1201
    assert Vente.objects.count() == 2500 and LigneVente.objects.count() == 7500
    assert MouvementStock.objects.count() == 40  # one opening per article, not two
    assert Vente.objects.filter(empreinte="").count() == 0
    statut, _ = commande_json("verifier_stock")
    assert statut == 0


# --- When nothing can be imported --------------------------------------------------------------------


def test_un_fichier_qui_n_est_pas_un_export_sort_en_deux(tmp_path: Path):
    fichier = tmp_path / "x.json"
    fichier.write_text('{"pas": "une liste"}')
    statut, rapport = importer(fichier)
    assert statut == 2 and "dumpdata" in rapport["erreur"]
    fichier.write_text('[{"model": "inventory.boutique", "pk": 1, "fields": {"nom": "A", "code": "A"}}')
    assert importer(fichier)[0] == 2  # truncated
    fichier.write_text('[{"model": "auth.user", "pk": 1, "fields": {}}]')
    statut, rapport = importer(fichier)
    assert statut == 2 and "Aucun modèle connu" in rapport["erreur"]
    assert importer(tmp_path / "absent.json")[0] == 2
    assert not ImportAncien.objects.exists() and not Boutique.objects.exists()


def test_une_base_deja_occupee_n_est_pas_touchee(export: Path):
    BoutiqueFactory(code="BTQ-009")
    statut, sortie = commande("importer_ancien", str(export))
    assert statut == 2
    assert "Magasin contient déjà des données" in sortie
    assert Boutique.objects.count() == 1 and not Vente.objects.exists()
