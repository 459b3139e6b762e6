"""Every rule of the sync endpoint beyond the original five tests.

Tolerant at the door, strict in the books: what concerns the request as a whole (serial, token,
JSON, an array or a {"ventes": [...]} wrapper, size, the wrapper's shop) refuses the request and
writes nothing; what concerns one sale (its shape, a value that cannot be read, its stock, its
number) refuses that sale alone, keeps its JSON in quarantine, and the other sales of the batch
are recorded. What the terminals send beyond the contract (unknown fields, any payment label)
is recorded and kept with the sale.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from magasin.boutiques.models import ChampInconnu, PolitiqueStock, Terminal
from magasin.boutiques.tests.factories import creer_terminal
from magasin.stock.models import Article, MouvementStock
from magasin.stock.tests.factories import creer_article
from magasin.stock.tests.invariants import verifier_registre
from magasin.ventes.models import LigneVente, SequenceRecue, StatutQuarantaine, Vente, VenteQuarantaine

from .conftest import Monde, Poste, refus_de_la_vente, vente


def stock(article) -> int:
    article.refresh_from_db()
    return article.quantite_stock


# --- Identity and credentials --------------------------------------------------------------------


def test_sans_numero_de_serie_400(monde: Monde):
    r = monde.poste.client.post("/api/v2/simple/ventes/sync", data="[]", content_type="application/json")
    assert r.status_code == 400
    assert r.json() == {"success": False, "error": "Header X-Device-Serial requis", "code": "MISSING_SERIAL"}


@pytest.mark.parametrize("entete", ["X-Device-Serial", "Device-Serial", "Serial-Number"])
def test_les_trois_entetes_de_serie_sont_acceptes(monde: Monde, entete: str):
    t = monde.poste.terminal
    r = monde.poste.client.get(
        "/api/v2/simple/terminal/", headers={entete: t.numero_serie, "Authorization": f"Bearer {monde.poste.jeton}"}
    )
    assert r.status_code == 200 and r.json()["terminal"]["id"] == t.pk


def test_terminal_inconnu_ou_inactif_404(monde: Monde):
    r = monde.poste.client.get("/api/v2/simple/terminal/", headers={"X-Device-Serial": "inconnu"})
    assert (r.status_code, r.json()["code"]) == (404, "TERMINAL_NOT_FOUND")
    Terminal.objects.filter(pk=monde.poste.terminal.pk).update(est_actif=False)
    r = monde.poste.get("/api/v2/simple/terminal/")
    assert (r.status_code, r.json()["code"]) == (404, "TERMINAL_NOT_FOUND")


def test_terminal_sans_boutique_400(db):
    terminal, jeton = creer_terminal(None)
    r = Poste(monde_client(), terminal, jeton).sync([])
    assert (r.status_code, r.json()["code"]) == (400, "NO_BOUTIQUE")


def monde_client():
    from django.test import Client

    return Client()


def test_jeton_absent_ou_faux_401(monde: Monde):
    t = monde.poste.terminal
    for entetes in (
        {"X-Device-Serial": t.numero_serie},
        {"X-Device-Serial": t.numero_serie, "Authorization": "Bearer faux"},
        {"X-Device-Serial": t.numero_serie, "X-Device-Token": monde.poste_autre.jeton},
    ):
        r = monde.poste.client.get("/api/v2/simple/terminal/", headers=entetes)
        assert (r.status_code, r.json()["code"]) == (401, "TOKEN_INVALIDE")
    ok = monde.poste.client.get(
        "/api/v2/simple/terminal/", headers={"X-Device-Serial": t.numero_serie, "X-Device-Token": monde.poste.jeton}
    )
    assert ok.status_code == 200


def test_terminal_serie_seule_entre_sans_jeton(monde: Monde):
    t = monde.poste.terminal
    Terminal.objects.filter(pk=t.pk).update(serie_seule=True)
    r = monde.poste.client.get("/api/v2/simple/terminal/", headers={"X-Device-Serial": t.numero_serie})
    assert r.status_code == 200
    assert r.json()["terminal"]["authentification"] == "serie_seule"


def test_rotation_du_jeton_invalide_l_ancien(monde: Monde):
    from magasin.boutiques.services import terminal_rotation_jeton

    ancien = monde.poste.jeton
    nouveau = terminal_rotation_jeton(terminal=monde.poste.terminal)
    assert ancien != nouveau
    assert monde.poste.get("/api/v2/simple/terminal/").status_code == 401
    monde.poste.jeton = nouveau
    assert monde.poste.get("/api/v2/simple/terminal/").status_code == 200


def test_jeton_stocke_hache(monde: Monde):
    t = Terminal.objects.get(pk=monde.poste.terminal.pk)
    assert monde.poste.jeton not in (t.jeton_hash, t.jeton_prefixe)
    assert len(t.jeton_hash) == 64


def test_chaque_requete_met_a_jour_derniere_synchro(monde: Monde):
    assert Terminal.objects.get(pk=monde.poste.terminal.pk).derniere_synchro is None
    monde.poste.get("/api/v2/simple/articles/")
    assert Terminal.objects.get(pk=monde.poste.terminal.pk).derniere_synchro is not None


def test_echecs_repetes_limites_429(monde: Monde, settings):
    from django.core.cache import cache

    cache.clear()
    t = monde.poste.terminal
    codes = [
        monde.poste.client.get(
            "/api/v2/simple/terminal/", headers={"X-Device-Serial": t.numero_serie, "Authorization": "Bearer faux"}
        ).status_code
        for _ in range(25)
    ]
    cache.clear()
    assert codes[0] == 401 and codes[-1] == 429


# --- Body shape ----------------------------------------------------------------------------------


def test_json_malforme_400(monde: Monde):
    r = monde.poste.sync("[{pas du json")
    assert (r.status_code, r.json()["code"]) == (400, "INVALID_JSON")


def test_vente_illisible_refusee_seule_nomme_le_champ(monde: Monde):
    illisible = {
        "numero_facture": "F2",
        "lignes": [{"article_id": monde.article.pk, "quantite": "deux", "prix_unitaire": 1}],
    }
    r = monde.poste.sync([vente("F1", (monde.article.pk, 2, 100)), illisible])
    erreur = refus_de_la_vente(r, "QUANTITE_INVALIDE", 2, champ="lignes[0].quantite", envoye=illisible)
    assert erreur["numero_facture"] == "F2"
    # The good sale of the batch is recorded, and only it: stock moved by its 2.
    assert [c["numero_facture"] for c in r.json()["details"]["creees"]] == ["F1"]
    assert list(Vente.objects.values_list("numero_facture", flat=True)) == ["F1"]
    assert list(LigneVente.objects.values_list("vente__numero_facture", "quantite")) == [("F1", 2)]
    assert list(MouvementStock.objects.filter(type_mouvement="VENTE").values_list("reference_document")) == [("F1",)]
    assert stock(monde.article) == 98


@pytest.mark.parametrize(
    "corps",
    [
        {"pas_ventes": []},
        {"ventes": "non"},
        {"ventes": None},
        42,
        '"ventes"',  # raw JSON: a string
    ],
)
def test_corps_qui_n_est_ni_un_tableau_ni_une_enveloppe_refuse_en_entier(monde: Monde, corps):
    bonne = vente("F-BONNE", (monde.article.pk, 1, 1))
    if isinstance(corps, dict):
        corps = {**corps, "autre": [bonne]}
    r = monde.poste.sync(corps)
    assert (r.status_code, r.json()["code"]) == (400, "INVALID_PAYLOAD")
    assert r.json()["success"] is False and r.json()["error"]
    assert not Vente.objects.exists() and not VenteQuarantaine.objects.exists()


@pytest.mark.parametrize(
    ("ligne_ou_lignes", "code", "champ"),
    [
        ({"lignes": []}, "LIGNES_MANQUANTES", "lignes"),
        ({}, "LIGNES_MANQUANTES", "lignes"),
        ({"lignes": None}, "LIGNES_MANQUANTES", "lignes"),
        ({"quantite": 0}, "QUANTITE_INVALIDE", "lignes[0].quantite"),
        ({"prix_unitaire": -1}, "CHAMP_INVALIDE", "lignes[0].prix_unitaire"),
    ],
    ids=["lignes-vides", "sans-lignes", "lignes-nulles", "quantite-nulle", "prix-negatif"],
)
def test_vente_mal_formee_refusee_seule_et_gardee(monde: Monde, ligne_ou_lignes, code: str, champ: str):
    if "lignes" in ligne_ou_lignes or not ligne_ou_lignes:
        mauvaise = {"numero_facture": "F", **ligne_ou_lignes}
    else:
        ligne = {"article_id": monde.article.pk, "quantite": 1, "prix_unitaire": 1, **ligne_ou_lignes}
        mauvaise = {"numero_facture": "F", "lignes": [ligne]}
    r = monde.poste.sync([mauvaise, vente("F-BONNE", (monde.article2.pk, 4, 1500))])
    refus_de_la_vente(r, code, 1, champ=champ, envoye=mauvaise)
    assert list(Vente.objects.values_list("numero_facture", flat=True)) == ["F-BONNE"]
    assert list(LigneVente.objects.values_list("vente__numero_facture", "article_id", "quantite")) == [
        ("F-BONNE", monde.article2.pk, 4)
    ]
    assert MouvementStock.objects.filter(type_mouvement="VENTE").count() == 1
    assert (stock(monde.article), stock(monde.article2)) == (100, 6)


def test_un_lot_melant_chaque_sorte_de_mauvaise_vente_a_des_bonnes(monde: Monde):
    a, a2 = monde.article.pk, monde.article2.pk
    mauvaises = {
        2: ("VENTE_ILLISIBLE", ["pas", "une", "vente"]),
        3: ("LIGNES_MANQUANTES", {"numero_facture": "M-3", "lignes": []}),
        4: ("QUANTITE_INVALIDE", vente("M-4", (a, 1.5, 10))),
        6: ("MONTANT_HORS_LIMITES", vente("M-6", (a, 1, "1000000000000"))),
        7: ("INVALID_DATE", vente("M-7", (a, 1, 10), date_vente="hier")),
        8: ("DATE_HORS_FENETRE", vente("M-8", (a, 1, 10), date_vente="1999-12-31T23:59:59Z")),
        9: ("TEXTE_TROP_LONG", vente("M-9" + "9" * 100, (a, 1, 10))),
        10: ("CHAMP_INVALIDE", vente("M-10", (a, 1, 10), paye="peut-être")),
        11: ("ARTICLE_INTROUVABLE", vente("M-11", (monde.article_autre.pk, 1, 10))),
        12: ("STOCK_INSUFFISANT", vente("M-12", (a2, 10, 10))),
    }
    bonnes = {1: vente("B-1", (a, 2, 10)), 5: vente("B-5", (a2, 1, 10), remise=1), 13: vente("B-13", (a, 3, 10))}
    lot = [bonnes[i] if i in bonnes else mauvaises[i][1] for i in range(1, 14)]
    r = monde.poste.sync(lot)
    for index, (code, envoye) in mauvaises.items():
        refus_de_la_vente(r, code, index, envoye=envoye)
    d = r.json()
    assert [c["numero_facture"] for c in d["details"]["creees"]] == ["B-1", "B-5", "B-13"]
    assert (d["ventes_creees"], d["ventes_erreurs"]) == (3, 10)
    assert sorted(Vente.objects.values_list("numero_facture", flat=True)) == ["B-1", "B-13", "B-5"]
    assert LigneVente.objects.count() == 3 and VenteQuarantaine.objects.count() == 10
    assert MouvementStock.objects.filter(type_mouvement="VENTE").count() == 3
    # Stock moved by the good sales alone: 2 + 3 of article, 1 of article2 (then 10 refused).
    assert (stock(monde.article), stock(monde.article2)) == (95, 9)
    verifier_registre(monde.article, monde.article2)


def test_mode_de_paiement_inconnu_enregistre_sous_autre_avec_son_libelle(monde: Monde):
    d = monde.poste.sync([vente("F-TROC", (monde.article.pk, 1, 1), mode_paiement="TROC")]).json()
    v = Vente.objects.get(pk=d["details"]["creees"][0]["id"])
    assert (v.mode_paiement, v.mode_paiement_libelle) == ("AUTRE", "TROC")
    assert stock(monde.article) == 99


def test_lot_trop_grand_413(monde: Monde, settings):
    settings.MAGASIN_SYNC_MAX_VENTES = 3
    r = monde.poste.sync([vente(f"F{i}", (monde.article.pk, 1, 1)) for i in range(4)])
    assert (r.status_code, r.json()["code"]) == (413, "BATCH_TOO_LARGE")


def test_enveloppe_d_une_autre_boutique_403(monde: Monde):
    r = monde.poste.sync({"boutique_id": monde.autre_boutique.pk, "ventes": [vente("F", (monde.article.pk, 1, 1))]})
    assert (r.status_code, r.json()["code"]) == (403, "BOUTIQUE_MISMATCH")
    r = monde.poste.sync(
        {"boutique_id": str(monde.autre_boutique.pk), "ventes": [vente("F", (monde.article.pk, 1, 1))]}
    )
    assert (r.status_code, r.json()["code"]) == (403, "BOUTIQUE_MISMATCH")
    r = monde.poste.sync({"device_serial": "autre", "ventes": [vente("F", (monde.article.pk, 1, 1))]})
    assert (r.status_code, r.json()["code"]) == (403, "BOUTIQUE_MISMATCH")
    assert not Vente.objects.exists() and not VenteQuarantaine.objects.exists()
    # Its own shop's id, as a number or as text, is no mismatch.
    r = monde.poste.sync({"boutique_id": str(monde.boutique.pk), "ventes": [vente("F", (monde.article.pk, 1, 1))]})
    assert r.status_code == 201 and r.json()["ventes_creees"] == 1


# --- Sales ------------------------------------------------------------------------------------------


def test_valeurs_par_defaut(monde: Monde):
    d = monde.poste.sync(
        [{"numero_facture": "F-DEF", "lignes": [{"article_id": monde.article.pk, "quantite": 1, "prix_unitaire": 10}]}]
    ).json()
    v = Vente.objects.get(pk=d["details"]["creees"][0]["id"])
    assert (v.mode_paiement, v.paye, v.statut) == ("CASH", True, "VALIDEE")
    assert abs((v.date_vente - v.date_synchro).total_seconds()) < 1


def test_date_vente_hors_ligne_conservee(monde: Monde):
    d = monde.poste.sync([vente("F-DATE", (monde.article.pk, 1, 10), date_vente="2026-11-01T09:15:00+01:00")]).json()
    v = Vente.objects.get(pk=d["details"]["creees"][0]["id"])
    assert v.date_vente.isoformat() == "2026-11-01T08:15:00+00:00"
    assert v.date_synchro > v.date_vente


def test_numero_attribue_par_le_serveur_selon_le_mois_de_la_vente(monde: Monde):
    d = monde.poste.sync(
        [
            vente(None, (monde.article.pk, 1, 10), date_vente="2026-10-15T10:00:00+01:00"),
            vente(None, (monde.article.pk, 1, 10), date_vente="2026-10-16T10:00:00+01:00"),
            vente(None, (monde.article.pk, 1, 10), date_vente="2026-11-02T10:00:00+01:00"),
        ]
    ).json()
    numeros = [c["numero_facture"] for c in d["details"]["creees"]]
    assert numeros == ["FAC-BTQ-009-202610-00001", "FAC-BTQ-009-202610-00002", "FAC-BTQ-009-202611-00001"]
    assert MouvementStock.objects.filter(reference_document="FAC-BTQ-009-202610-00002").count() == 1


def test_numero_serveur_saute_un_numero_deja_pris_par_un_terminal(monde: Monde):
    monde.poste.sync(
        [vente("FAC-BTQ-009-202611-00001", (monde.article.pk, 1, 10), date_vente="2026-11-02T10:00:00+01:00")]
    )
    d = monde.poste.sync([vente(None, (monde.article.pk, 1, 10), date_vente="2026-11-03T10:00:00+01:00")]).json()
    assert d["details"]["creees"][0]["numero_facture"] == "FAC-BTQ-009-202611-00002"


def test_total_calcule_par_le_serveur_et_ecart_signale(monde: Monde):
    d = monde.poste.sync(
        [vente("F-TOT", (monde.article.pk, 2, 25000.5), (monde.article2.pk, 3, 1500), montant_total=1)]
    ).json()
    (c,) = d["details"]["creees"]
    assert c["montant_total"] == "54501.00"
    assert len(c["avertissements"]) == 1 and "54501.00" in c["avertissements"][0]
    v = Vente.objects.get(pk=c["id"])
    assert (v.montant_total, v.montant_declare) == (Decimal("54501.00"), Decimal("1.00"))
    # Within 0.01 is no discrepancy.
    d = monde.poste.sync([vente("F-TOT2", (monde.article2.pk, 1, 1500), montant_total=1500.01)]).json()
    assert d["details"]["creees"][0]["avertissements"] == []


def test_une_vente_avec_une_ligne_bonne_et_une_mauvaise_n_ecrit_rien(monde: Monde):
    r = monde.poste.sync([vente("F-MIX", (monde.article.pk, 2, 10), (monde.article_autre.pk, 1, 10))]).json()
    assert r["details"]["erreurs"][0]["code"] == "ARTICLE_INTROUVABLE"
    assert stock(monde.article) == 100
    assert not Vente.objects.filter(numero_facture="F-MIX").exists()
    assert not LigneVente.objects.exists()
    assert MouvementStock.objects.filter(type_mouvement="VENTE").count() == 0


def test_une_mauvaise_vente_ne_bloque_pas_les_autres(monde: Monde):
    d = monde.poste.sync(
        [
            vente("OK-1", (monde.article.pk, 1, 10)),
            vente("KO-1", (monde.article2.pk, 11, 10)),
            vente("OK-2", (monde.article2.pk, 10, 10)),
        ]
    ).json()
    assert [c["numero_facture"] for c in d["details"]["creees"]] == ["OK-1", "OK-2"]
    assert [(e["index"], e["code"]) for e in d["details"]["erreurs"]] == [(2, "STOCK_INSUFFISANT")]
    assert stock(monde.article2) == 0


def test_stock_verifie_sur_le_cumul_du_lot(monde: Monde):
    # 10 in stock: 6 then 6 — the second must be refused, seeing the first.
    d = monde.poste.sync([vente("C-1", (monde.article2.pk, 6, 1)), vente("C-2", (monde.article2.pk, 6, 1))]).json()
    assert [c["numero_facture"] for c in d["details"]["creees"]] == ["C-1"]
    assert d["details"]["erreurs"][0]["details"]["disponible"] == 4
    assert stock(monde.article2) == 4


def test_article_inactif_refuse(monde: Monde):
    inactif = creer_article(monde.boutique, est_actif=False)
    d = monde.poste.sync([vente("F-IN", (inactif.pk, 1, 1))]).json()
    assert d["details"]["erreurs"][0]["code"] == "ARTICLE_INTROUVABLE"


def test_politique_autoriser_negatif_enregistre_et_alerte(monde: Monde):
    monde.boutique.politique_stock = PolitiqueStock.AUTORISER_NEGATIF
    monde.boutique.save()
    d = monde.poste.sync([vente("NEG-1", (monde.article2.pk, 15, 1))]).json()
    assert d["ventes_creees"] == 1
    assert stock(monde.article2) == -5
    assert d["statistiques"]["articles_stock_zero"] >= 1 and d["statistiques"]["alerte_stock"] is True
    verifier_registre(monde.article2)


# --- Resends and conflicts ---------------------------------------------------------------------------


def test_renvoi_d_un_lot_entier_ne_bouge_le_stock_qu_une_fois(monde: Monde):
    lot = [vente(f"R-{i}", (monde.article.pk, 2, 10), (monde.article2.pk, 1, 5)) for i in range(5)]
    premier = monde.poste.sync(lot).json()
    for _ in range(3):
        d = monde.poste.sync(lot).json()
        assert [c["status"] for c in d["details"]["creees"]] == ["already_exists"] * 5
        assert [c["id"] for c in d["details"]["creees"]] == [c["id"] for c in premier["details"]["creees"]]
        assert d["statistiques"]["doublons"] == 5 and d["statistiques"]["nouvelles"] == 0
    assert (stock(monde.article), stock(monde.article2)) == (90, 5)
    assert Vente.objects.count() == 5
    verifier_registre(monde.article, monde.article2)


def test_renvoi_identifie_par_uuid_sans_numero(monde: Monde):
    corps = [vente(None, (monde.article.pk, 1, 10), uuid="7f1c9a4e-0000-4000-8000-000000000001")]
    a = monde.poste.sync(corps).json()["details"]["creees"][0]
    b = monde.poste.sync(corps).json()["details"]["creees"][0]
    assert (b["status"], b["id"], b["numero_facture"]) == ("already_exists", a["id"], a["numero_facture"])
    assert stock(monde.article) == 99


def test_meme_numero_contenu_different_conflit_et_quarantaine(monde: Monde):
    monde.poste.sync([vente("F-X", (monde.article.pk, 1, 10))])
    d = monde.poste.sync([vente("F-X", (monde.article.pk, 5, 10))]).json()
    assert d["ventes_creees"] == 0
    (err,) = d["details"]["erreurs"]
    assert err["code"] == "NUMERO_FACTURE_CONFLIT"
    q = VenteQuarantaine.objects.get(pk=err["quarantaine_id"])
    assert (q.code, q.statut, q.terminal_id) == ("NUMERO_FACTURE_CONFLIT", "EN_ATTENTE", monde.poste.terminal.pk)
    assert q.payload["lignes"][0]["quantite"] == 5
    assert stock(monde.article) == 99


def test_deux_terminaux_d_une_boutique_meme_numero(monde: Monde):
    t2, j2 = creer_terminal(monde.boutique, nom="Caisse 2")
    caisse2 = Poste(monde_client(), t2, j2)
    monde.poste.sync([vente("FAC-0001", (monde.article.pk, 1, 10))])
    d = caisse2.sync([vente("FAC-0001", (monde.article.pk, 1, 10))]).json()
    assert d["details"]["erreurs"][0]["code"] == "NUMERO_FACTURE_CONFLIT"
    assert "autre terminal" in d["details"]["erreurs"][0]["erreur"]
    assert Vente.objects.filter(numero_facture="FAC-0001").get().terminal_id == monde.poste.terminal.pk
    assert VenteQuarantaine.objects.filter(terminal=t2, code="NUMERO_FACTURE_CONFLIT").count() == 1
    assert stock(monde.article) == 99


def test_meme_numero_dans_deux_boutiques_n_est_pas_un_conflit(monde: Monde):
    monde.poste.sync([vente("FAC-0001", (monde.article.pk, 1, 10))])
    d = monde.poste_autre.sync([vente("FAC-0001", (monde.article_autre.pk, 1, 10))]).json()
    assert d["details"]["creees"][0]["status"] == "created"


def test_meme_uuid_contenu_different_conflit(monde: Monde):
    monde.poste.sync([vente(None, (monde.article.pk, 1, 10), uuid="u-1")])
    d = monde.poste.sync([vente(None, (monde.article.pk, 2, 10), uuid="u-1")]).json()
    assert d["details"]["erreurs"][0]["code"] == "NUMERO_FACTURE_CONFLIT"


def test_doublon_dans_un_meme_lot(monde: Monde):
    d = monde.poste.sync(
        [
            vente("D-1", (monde.article.pk, 1, 10)),
            vente("D-1", (monde.article.pk, 1, 10)),
            vente("D-1", (monde.article.pk, 3, 10)),
        ]
    ).json()
    assert [c["status"] for c in d["details"]["creees"]] == ["created", "already_exists"]
    assert d["details"]["creees"][0]["id"] == d["details"]["creees"][1]["id"]
    # The repeat is answered with the lines of the sale it repeats.
    assert d["details"]["creees"][1]["lignes"] == d["details"]["creees"][0]["lignes"]
    assert [lg["quantite"] for lg in d["details"]["creees"][1]["lignes"]] == [1]
    assert d["details"]["erreurs"][0]["code"] == "NUMERO_FACTURE_CONFLIT"
    assert stock(monde.article) == 99


# --- Quarantine -----------------------------------------------------------------------------------------


def test_toute_vente_refusee_est_gardee_en_quarantaine_une_seule_fois(monde: Monde):
    lot = [vente("Q-1", (monde.article.pk, 1000, 10)), vente("Q-2", (999999, 1, 10))]
    monde.poste.sync(lot)
    monde.poste.sync(lot)
    qs = VenteQuarantaine.objects.order_by("numero_facture")
    assert [(q.numero_facture, q.code, q.nombre_receptions) for q in qs] == [
        ("Q-1", "STOCK_INSUFFISANT", 2),
        ("Q-2", "ARTICLE_INTROUVABLE", 2),
    ]


def test_renvoi_accepte_apres_livraison_ferme_la_quarantaine(monde: Monde):
    from magasin.stock.services import stock_entree

    lot = [vente("Q-L", (monde.article2.pk, 15, 10))]
    assert monde.poste.sync(lot).json()["details"]["erreurs"][0]["code"] == "STOCK_INSUFFISANT"
    stock_entree(article=monde.article2, quantite=10, acteur=None)
    d = monde.poste.sync(lot).json()
    assert d["details"]["creees"][0]["status"] == "created"
    q = VenteQuarantaine.objects.get(numero_facture="Q-L")
    assert q.statut == StatutQuarantaine.REJOUEE and q.vente_id == d["details"]["creees"][0]["id"]


def test_rejouer_depuis_la_quarantaine_apres_correction(monde: Monde):
    from magasin.stock.services import stock_entree
    from magasin.ventes.services import quarantaine_rejouer

    monde.poste.sync([vente("Q-R", (monde.article2.pk, 12, 10))])
    q = VenteQuarantaine.objects.get(numero_facture="Q-R")
    stock_entree(article=monde.article2, quantite=5, acteur=None)
    quarantaine_rejouer(quarantaine=q, utilisateur=None)
    q.refresh_from_db()
    assert q.statut == "REJOUEE" and q.vente.numero_facture == "Q-R"
    assert stock(monde.article2) == 3
    # The terminal resending it later gets already_exists, not a second sale.
    d = monde.poste.sync([vente("Q-R", (monde.article2.pk, 12, 10))]).json()
    assert d["details"]["creees"][0]["status"] == "already_exists"


# --- Cost and gap tracking -------------------------------------------------------------------------------


def test_nombre_de_requetes_borne_quelle_que_soit_la_taille_du_lot(monde: Monde):
    articles = [creer_article(monde.boutique, stock=1000) for _ in range(6)]

    def requetes(n: int, prefixe: str) -> int:
        lot = [
            vente(f"{prefixe}-{i}", *[(a.pk, 1, 10) for a in articles[i % 3 : i % 3 + 3]], sequence=None)
            for i in range(n)
        ]
        with CaptureQueriesContext(connection) as ctx:
            r = monde.poste.sync(lot)
        assert r.status_code == 201 and r.json()["ventes_creees"] == n
        return len(ctx.captured_queries)

    petit, grand = requetes(5, "P"), requetes(200, "G")
    # 200 sales = 600 lines and 600 ledger rows. Only the bulk inserts may split into chunks
    # (SQLite caps the parameters of one statement); nothing is done per sale or per line.
    assert grand - petit < 15, (petit, grand)
    assert grand < 30, grand


@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements: PostgreSQL's")
@pytest.mark.skipif(
    connection.settings_dict.get("OPTIONS", {}).get("prepare_threshold") is None,
    reason="behind PgBouncer (transaction pooling) nothing is prepared: settings.DATABASE_PGBOUNCER",
)
def test_sur_postgresql_les_requetes_d_une_synchro_repetee_sont_preparees(monde: Monde):
    """A worker's connection prepares a sync's statements once it has run them a few times
    (settings.py, DATABASE_PREPARED_STATEMENTS): PostgreSQL no longer parses them."""
    for i in range(7):
        r = monde.poste.sync([vente(f"PREP-{i}", (monde.article.pk, 1, 25000))])
        assert r.status_code == 201 and r.json()["ventes_creees"] == 1
    with connection.cursor() as curseur:
        curseur.execute("SELECT statement FROM pg_prepared_statements WHERE NOT from_sql")
        preparees = [ligne[0] for ligne in curseur.fetchall()]
    # The stock update and the known-sales probe, each run once per sync.
    assert any(p.startswith('UPDATE "stock_article"') for p in preparees), preparees
    assert any('FROM "ventes_vente"' in p for p in preparees), preparees


@pytest.mark.skipif(connection.vendor != "postgresql", reason="plan_cache_mode: PostgreSQL's")
@pytest.mark.django_db(transaction=True)
def test_sur_postgresql_le_lot_est_planifie_une_fois_pour_toutes_sans_effet_hors_de_lui(monde: Monde):
    """The batch's transaction asks for generic plans before its first lock (core.db.plans_generiques),
    and the setting ends with it: the connection's next statements are planned as usual."""
    with CaptureQueriesContext(connection) as ctx:
        r = monde.poste.sync([vente("GEN-1", (monde.article.pk, 1, 25000))])
    assert r.status_code == 201 and r.json()["ventes_creees"] == 1
    requetes = [q["sql"] for q in ctx.captured_queries]
    reglage = requetes.index("SET LOCAL plan_cache_mode = force_generic_plan")
    # FOR NO KEY UPDATE: the shop's lock does not block the foreign-key checks of its rows.
    verrou_boutique = next(
        i for i, q in enumerate(requetes) if 'FROM "boutiques_boutique"' in q and "FOR NO KEY UPDATE" in q
    )
    assert reglage < verrou_boutique
    with connection.cursor() as curseur:
        curseur.execute("SHOW plan_cache_mode")
        assert curseur.fetchone()[0] == "auto"


def test_sequences_recues_et_manquantes(monde: Monde):
    lot = [vente(f"S-{n}", (monde.article.pk, 1, 10), sequence=n) for n in (1, 2, 4, 7)]
    monde.poste.sync(lot)
    monde.poste.sync([vente("S-bad", (999999, 1, 10), sequence=8)])  # refused, but received
    assert SequenceRecue.objects.filter(terminal=monde.poste.terminal).count() == 5
    d = monde.poste.get("/api/v2/simple/terminal/").json()
    assert d["sequences_manquantes"] == [3, 5, 6]
    assert d["sequence_max"] == 8


def test_messages_de_refus_en_francais(monde: Monde):
    r = monde.poste.sync(
        [{"numero_facture": "F", "lignes": [{"article_id": monde.article.pk, "quantite": 1.5, "prix_unitaire": 1}]}]
    )
    erreur = refus_de_la_vente(r, "QUANTITE_INVALIDE", champ="lignes[0].quantite")
    assert erreur["erreur"] == "Champ « lignes[0].quantite » : un nombre entier est attendu (pas de décimales)."
    r = monde.poste.sync([{"numero_facture": "F2", "lignes": []}])
    erreur = refus_de_la_vente(r, "LIGNES_MANQUANTES", champ="lignes")
    assert erreur["erreur"] == "Champ « lignes » : au moins 1 élément(s) attendu(s)."


def test_champs_inconnus_acceptes_et_gardes(monde: Monde):
    lignes = [{"article_id": monde.article.pk, "quantite": 1, "prix_unitaire": 1, "tva": "16"}]
    r = monde.poste.sync({"ventes": [{"numero_facture": "F", "lignes": lignes, "remise": 5}], "magasin": 1})
    assert r.status_code == 201 and r.json()["ventes_creees"] == 1, r.content[:300]
    v = Vente.objects.get(numero_facture="F")
    assert v.champs_inconnus == {"vente": {"remise": 5}, "lignes": {"1": {"tva": "16"}}}
    # Per terminal, which fields beyond the contract it sends, with an example, since when.
    vus = ChampInconnu.objects.filter(terminal=monde.poste.terminal).order_by("chemin")
    assert [(c.chemin, c.exemple) for c in vus] == [
        ("enveloppe.magasin", "1"),
        ("ligne.tva", '"16"'),
        ("vente.remise", "5"),
    ]
    assert all(c.premiere_vue == c.derniere_vue for c in vus)
    assert stock(monde.article) == 99


def test_numero_et_uuid_nuls_ou_vides_sont_absents(monde: Monde):
    d = monde.poste.sync([vente(None, (monde.article.pk, 1, 10), numero_facture=None, uuid="  ")]).json()
    assert d["details"]["creees"][0]["numero_facture"].startswith("FAC-BTQ-009-")
    assert d["details"]["creees"][0]["uuid"] is None
    trop_long = vente("x" * 101, (monde.article.pk, 1, 10))
    r = monde.poste.sync([trop_long])
    refus_de_la_vente(r, "TEXTE_TROP_LONG", champ="numero_facture", envoye=trop_long)
    assert Vente.objects.count() == 1 and stock(monde.article) == 99


@pytest.mark.parametrize("methode", ["put", "patch", "delete", "get"])
def test_mauvaise_methode_405_au_format_json(monde: Monde, methode: str):
    r = getattr(monde.poste.client, methode)("/api/v2/simple/ventes/sync", headers=monde.poste.entetes)
    assert r.status_code == 405
    assert r.json()["code"] == "METHOD_NOT_ALLOWED" and r.json()["success"] is False
    assert "POST" in r["Allow"]


class _CorpsCoupe:
    """A request body whose connection drops after a few bytes."""

    def read(self, *args: object) -> bytes:
        raise OSError("connection reset by peer")

    readline = read


def test_connexion_coupee_pendant_le_corps_400_et_rien_d_ecrit(monde: Monde):
    r = monde.poste.client.generic(
        "POST",
        "/api/v2/simple/ventes/sync",
        data=b"[" + b" " * 100,
        content_type="application/json",
        headers=monde.poste.entetes,
        **{"wsgi.input": _CorpsCoupe()},
    )
    assert (r.status_code, r.json()["code"]) == (400, "REQUETE_INCOMPLETE")
    assert not Vente.objects.exists()


def test_une_ligne_prend_le_cout_moyen_en_vigueur_a_son_enregistrement(monde: Monde):
    """Margins need the cost of what was sold: each line keeps the article's average cost of the
    moment the server records the sale, not a later one (a receipt must not rewrite past margins)."""
    Article.objects.filter(pk=monde.article.pk).update(cout_moyen=Decimal("1500"))
    monde.poste.sync([vente("COUT-1", (monde.article.pk, 2, 2500))])
    Article.objects.filter(pk=monde.article.pk).update(cout_moyen=Decimal("1800"))
    monde.poste.sync([vente("COUT-2", (monde.article.pk, 1, 2500))])
    couts = dict(LigneVente.objects.values_list("vente__numero_facture", "cout_unitaire"))
    assert couts == {"COUT-1": Decimal("1500.00"), "COUT-2": Decimal("1800.00")}


def test_une_ligne_d_un_article_jamais_coute_a_un_cout_inconnu(monde: Monde):
    """An average of 0 means no receipt yet: the margin reports must not count the goods as free."""
    monde.poste.sync([vente("COUT-0", (monde.article.pk, 1, 2500))])
    assert LigneVente.objects.get(vente__numero_facture="COUT-0").cout_unitaire is None
