"""Switch-on day: what the terminals in the field send is read generously, one bad sale never
sinks its batch, and a resend is recognised by what the sale is, not by how it is written."""

from __future__ import annotations

import itertools
import json
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from magasin.boutiques.models import ChampInconnu, Terminal
from magasin.stock.models import Article
from magasin.ventes.models import ModePaiement, Vente, VenteQuarantaine

from .conftest import Monde, vente


def _stock(article: Article) -> int:
    article.refresh_from_db()
    return article.quantite_stock


def _resultat(corps: dict[str, Any], index: int) -> tuple[str, dict[str, Any]]:
    """("created" | "already_exists" | <refusal code>, entry) of the batch's sale `index`."""
    for c in corps["details"]["creees"]:
        if c["index"] == index:
            return c["status"], c
    for e in corps["details"]["erreurs"]:
        if e["index"] == index:
            return e["code"], e
    raise AssertionError(f"vente {index} absente de la réponse")


# --- One bad sale is refused alone, and kept ----------------------------------------------------

MAUVAISES = {
    "pas-un-objet": ("VENTE_ILLISIBLE", lambda m: 42),
    "lignes-absentes": ("LIGNES_MANQUANTES", lambda m: {"numero_facture": "M-1"}),
    "lignes-vides": ("LIGNES_MANQUANTES", lambda m: {"numero_facture": "M-2", "lignes": []}),
    "lignes-nulles": ("LIGNES_MANQUANTES", lambda m: {"numero_facture": "M-3", "lignes": None}),
    "date-future": (
        "DATE_HORS_FENETRE",
        lambda m: vente("M-4", (m.article.pk, 1, 1), date_vente="2999-01-01T00:00:00Z"),
    ),
    "date-illisible": ("INVALID_DATE", lambda m: vente("M-5", (m.article.pk, 1, 1), date_vente="hier soir")),
    "numero-trop-long": ("TEXTE_TROP_LONG", lambda m: vente("N" * 101, (m.article.pk, 1, 1))),
    "quantite-fractionnaire": ("QUANTITE_INVALIDE", lambda m: vente("M-6", (m.article.pk, 1.5, 1))),
    "quantite-texte": ("QUANTITE_INVALIDE", lambda m: vente("M-7", (m.article.pk, "deux", 1))),
    "prix-objet": ("CHAMP_INVALIDE", lambda m: vente("M-8", (m.article.pk, 1, {"valeur": 1}))),
    "prix-immense": ("MONTANT_HORS_LIMITES", lambda m: vente("M-9", (m.article.pk, 1, 10**15))),
    "total-immense": ("MONTANT_HORS_LIMITES", lambda m: vente("M-10", (m.article.pk, 1_000_000, 999_999_999_999))),
    "client-tableau": ("CHAMP_INVALIDE", lambda m: vente("M-11", (m.article.pk, 1, 1), client_nom=["a"])),
}


@pytest.mark.parametrize("cas", list(MAUVAISES))
def test_une_vente_illisible_est_refusee_seule_gardee_brute_et_les_autres_enregistrees(monde: Monde, cas: str):
    code, fabrique = MAUVAISES[cas]
    mauvaise = fabrique(monde)
    stock_avant = _stock(monde.article2)
    corps = [
        vente("BON-1", (monde.article2.pk, 1, 1500)),
        mauvaise,
        vente("BON-2", (monde.article2.pk, 2, 1500)),
    ]
    r = monde.poste.sync(corps)
    assert r.status_code == 201, r.content
    d = r.json()
    assert (d["ventes_creees"], d["ventes_erreurs"]) == (2, 1)
    statut, erreur = _resultat(d, 2)
    assert statut == code, erreur
    assert erreur["erreur"] and "Input should" not in erreur["erreur"]
    # Kept whole, as sent, and replayable from quarantine.
    q = VenteQuarantaine.objects.get(pk=erreur["quarantaine_id"])
    assert q.payload == mauvaise
    assert q.code == code
    assert _stock(monde.article2) == stock_avant - 3
    assert set(Vente.objects.values_list("numero_facture", flat=True)) == {"BON-1", "BON-2"}


def test_la_meme_vente_illisible_renvoyee_reste_une_seule_entree_de_quarantaine(monde: Monde):
    mauvaise = {"numero_facture": "M-R", "lignes": [{"article_id": monde.article.pk, "quantite": 0.5}]}
    premiere = monde.poste.sync([mauvaise]).json()["details"]["erreurs"][0]["quarantaine_id"]
    seconde = monde.poste.sync([mauvaise]).json()["details"]["erreurs"][0]["quarantaine_id"]
    assert premiere == seconde
    assert VenteQuarantaine.objects.get().nombre_receptions == 2


def test_montant_que_la_base_ne_peut_pas_tenir_jamais_stocke_ni_500(monde: Monde):
    # 999,999,999,999.99 x 1,000,000 does not fit numeric(16, 2): refused before the database,
    # on every backend (SQLite would otherwise store a float and fail on the next listing).
    r = monde.poste.sync([vente("GROS", (monde.article.pk, 1_000_000, "999999999999.99"))])
    assert r.status_code == 201
    assert r.json()["details"]["erreurs"][0]["code"] == "MONTANT_HORS_LIMITES"
    assert not Vente.objects.exists()
    assert monde.poste.get("/api/v2/simple/ventes/").status_code == 200


# --- A tolerant reader --------------------------------------------------------------------------


def test_champs_inconnus_acceptes_gardes_avec_la_vente_et_notes_par_terminal(monde: Monde):
    corps = {
        "ventes": [
            {
                "numero_facture": "INC-1",
                "remise": 0,
                "caissier": {"id": 4, "nom": "Mado"},
                "lignes": [
                    {"article_id": monde.article2.pk, "quantite": 1, "prix_unitaire": 1500, "nom_article": "Savon"}
                ],
            }
        ],
        "version_app": "2.4.1",
        "horodatage": "2026-11-04T10:00:00",
    }
    r = monde.poste.sync(corps, **{"User-Agent": "GestionMagazin.Maui/2.4.1 (Android 13)", "X-App-Version": "2.4.1"})
    assert r.status_code == 201, r.content
    assert r.json()["ventes_creees"] == 1
    v = Vente.objects.get(numero_facture="INC-1")
    assert v.champs_inconnus == {
        "vente": {"remise": 0, "caissier": {"id": 4, "nom": "Mado"}},
        "lignes": {"1": {"nom_article": "Savon"}},
    }
    champs = {c.chemin: c for c in ChampInconnu.objects.filter(terminal=monde.poste.terminal)}
    assert set(champs) == {
        "enveloppe.version_app",
        "enveloppe.horodatage",
        "vente.remise",
        "vente.caissier",
        "ligne.nom_article",
    }
    assert champs["ligne.nom_article"].exemple == '"Savon"'
    terminal = Terminal.objects.get(pk=monde.poste.terminal.pk)
    assert terminal.user_agent == "GestionMagazin.Maui/2.4.1 (Android 13)"
    assert terminal.version_app == "2.4.1"


def test_champ_inconnu_aux_caracteres_que_la_base_refuse_est_garde_lisible(monde: Monde):
    # PostgreSQL refuses NUL in text and jsonb, and no backend stores a lone surrogate.
    ligne = '{"article_id": ' + str(monde.article2.pk) + ', "quantite": 1, "prix_unitaire": 1, "c\\u0000": [1]}'
    r = monde.poste.sync('[{"numero_facture": "NUL-1", "a\\u0000b": "\\ud800x", "lignes": [' + ligne + "]}]")
    assert r.status_code == 201 and r.json()["ventes_creees"] == 1, r.content
    v = Vente.objects.get(numero_facture="NUL-1")
    assert v.champs_inconnus == {"vente": {"a\ufffdb": "\ufffdx"}, "lignes": {"1": {"c\ufffd": [1]}}}
    assert set(ChampInconnu.objects.values_list("chemin", flat=True)) == {"vente.a\ufffdb", "ligne.c\ufffd"}


def test_user_agent_note_aussi_sur_les_lectures(monde: Monde):
    r = monde.poste.client.get(
        "/api/v2/simple/articles/", headers={**monde.poste.entetes, "User-Agent": "Maui/3", "X-Client-Version": "3.0"}
    )
    assert r.status_code == 200
    terminal = Terminal.objects.get(pk=monde.poste.terminal.pk)
    assert (terminal.user_agent, terminal.version_app) == ("Maui/3", "3.0")


def test_champ_inconnu_garde_sa_premiere_date_et_avance_sa_derniere(monde: Monde):
    monde.poste.sync([vente("D-1", (monde.article2.pk, 1, 1500), remise=1)])
    champ = ChampInconnu.objects.get(chemin="vente.remise")
    ChampInconnu.objects.filter(pk=champ.pk).update(
        premiere_vue=champ.premiere_vue - timedelta(days=3), derniere_vue=champ.derniere_vue - timedelta(days=3)
    )
    monde.poste.sync([vente("D-2", (monde.article2.pk, 1, 1500), remise=2)])
    apres = ChampInconnu.objects.get(pk=champ.pk)
    assert apres.premiere_vue < champ.premiere_vue - timedelta(days=2)
    assert apres.derniere_vue >= champ.derniere_vue
    assert ChampInconnu.objects.count() == 1


def test_verifier_ventes_et_page_du_terminal_montrent_les_champs_inconnus(monde: Monde, client, capsys):
    from magasin.boutiques.models import Membre, Role
    from magasin.boutiques.services import utilisateur_creer

    monde.poste.sync([vente("V-1", (monde.article2.pk, 1, 1500), remise=5)], **{"User-Agent": "Maui/9"})
    call_command("verifier_ventes", "--json")
    rapport = json.loads(capsys.readouterr().out)
    (constat,) = [c for c in rapport["constats"] if c["cle"] == "champs_inconnus"]
    assert constat["probleme"] is False  # information, not a fault: the exit status stays 0
    (element,) = constat["elements"]
    assert (element["numero_serie"], element["chemin"], element["user_agent"]) == (
        monde.poste.terminal.numero_serie,
        "vente.remise",
        "Maui/9",
    )
    gerant = utilisateur_creer(username="g", password="motdepasse-123", boutique=monde.boutique, role=Role.GERANT)
    assert Membre.objects.filter(utilisateur=gerant).exists()
    client.force_login(gerant)
    page = client.get("/terminaux/").content.decode()
    assert "vente.remise" in page and "Maui/9" in page


@pytest.mark.parametrize(
    ("ecrite", "attendue"),
    [
        ({"quantite": "2", "prix_unitaire": "1500.00", "article_id": None}, (2, Decimal("1500.00"))),
        ({"quantite": 2.0, "prix_unitaire": 1500.0, "article_id": None}, (2, Decimal("1500.00"))),
        ({"quantite": 2, "prix_unitaire": "1500", "article_id": "str"}, (2, Decimal("1500.00"))),
    ],
)
def test_nombres_ecrits_de_toutes_les_facons_json(monde: Monde, ecrite: dict[str, Any], attendue: tuple[int, Decimal]):
    ligne = {**ecrite, "article_id": str(monde.article2.pk) if ecrite["article_id"] == "str" else monde.article2.pk}
    r = monde.poste.sync([{"numero_facture": "NB", "paye": "true", "sequence": "7", "lignes": [ligne]}])
    assert r.json()["ventes_creees"] == 1, r.content
    v = Vente.objects.get()
    (lg,) = v.lignes.all()
    assert (lg.quantite, lg.prix_unitaire) == attendue
    assert v.paye is True and v.sequence_terminal == 7


def test_null_accepte_pour_chaque_champ_facultatif(monde: Monde):
    facultatifs = ["numero_facture", "date_vente", "mode_paiement", "paye", "montant_total", "uuid", "sequence"]
    corps = {champ: None for champ in facultatifs} | {"client_nom": None, "client_telephone": None}
    r = monde.poste.sync([{**corps, "lignes": [{"article_id": monde.article2.pk, "quantite": 1, "prix_unitaire": 1}]}])
    assert r.json()["ventes_creees"] == 1, r.content
    v = Vente.objects.get()
    assert (v.mode_paiement, v.paye, v.client_nom) == (ModePaiement.CASH, True, "")


@pytest.mark.parametrize(
    ("libelle", "mode"),
    [
        ("ESPECES", "CASH"),
        ("cash", "CASH"),
        ("M-PESA", "MOBILE_MONEY"),
        ("MPESA", "MOBILE_MONEY"),
        ("ORANGE_MONEY", "MOBILE_MONEY"),
        ("Airtel Money", "MOBILE_MONEY"),
        ("CARTE", "CARTE"),
        ("CREDIT", "CREDIT"),
        ("TROC", "AUTRE"),
        ("bon d'achat", "AUTRE"),
    ],
)
def test_libelle_de_paiement_inconnu_ne_refuse_jamais_une_vente(monde: Monde, libelle: str, mode: str):
    r = monde.poste.sync([vente("P-1", (monde.article2.pk, 1, 1500), mode_paiement=libelle)])
    assert r.json()["ventes_creees"] == 1, r.content
    v = Vente.objects.get()
    assert (v.mode_paiement, v.mode_paiement_libelle) == (mode, libelle)
    assert monde.poste.get("/api/v2/simple/ventes/", mode_paiement=mode).json()["count"] == 1


# --- Resends recognised by what the sale is ----------------------------------------------------


def test_renvoi_ecrit_autrement_est_already_exists_et_decrit_pareil(monde: Monde):
    a = monde.article.pk
    premier = {
        "uuid": "9F1C2B3A-0000-4000-8000-00000000ABCD",
        "numero_facture": "R-1",
        "date_vente": "2026-11-04T10:30:00.987+01:00",
        "montant_total": 50000,
        "lignes": [{"article_id": a, "quantite": 2, "prix_unitaire": 25000}],
    }
    renvois = [
        {
            "lignes": [{"prix_unitaire": "25000.00", "quantite": "2", "article_id": str(a)}],
            "date_vente": "2026-11-04T09:30:00Z",
            "numero_facture": "R-1",
            "uuid": "9f1c2b3a-0000-4000-8000-00000000abcd",
        },
        {**premier, "montant_total": "50000.0", "date_vente": "2026-11-04T12:30:00+03:00"},
        {**premier, "lignes": [{"article_id": a, "quantite": 2.0, "prix_unitaire": 25000.0}], "montant_total": None},
    ]
    cree = monde.poste.sync([premier]).json()["details"]["creees"][0]
    assert cree["status"] == "created"
    for renvoi in renvois:
        d = monde.poste.sync([renvoi]).json()
        assert d["ventes_erreurs"] == 0, d["details"]["erreurs"]
        (doublon,) = d["details"]["creees"]
        assert doublon["status"] == "already_exists"
        assert {k: v for k, v in doublon.items() if k not in ("status", "message", "index")} == {
            k: v for k, v in cree.items() if k not in ("status", "message", "index")
        }
    assert Vente.objects.count() == 1
    assert _stock(monde.article) == 98


def test_vente_identifiee_par_sa_seule_sequence_enregistree_une_fois(monde: Monde):
    sale = vente(None, (monde.article2.pk, 1, 1500), sequence=41)
    premier = monde.poste.sync([sale]).json()["details"]["creees"][0]
    second = monde.poste.sync([{**sale, "sequence": "41"}]).json()["details"]["creees"][0]
    assert (premier["status"], second["status"]) == ("created", "already_exists")
    assert premier["numero_facture"] == second["numero_facture"]
    assert Vente.objects.count() == 1 and _stock(monde.article2) == 9
    # The same counter with another content is a conflict, kept in quarantine.
    autre = monde.poste.sync([vente(None, (monde.article2.pk, 3, 1500), sequence=41)]).json()
    assert autre["details"]["erreurs"][0]["code"] == "NUMERO_FACTURE_CONFLIT"
    # Another terminal's counter 41 is its own.
    assert (
        monde.poste_autre.sync([vente(None, (monde.article_autre.pk, 1, 3000), sequence=41)]).json()["ventes_creees"]
        == 1
    )


def test_meme_sequence_dans_un_seul_lot_enregistree_une_fois(monde: Monde):
    sale = vente(None, (monde.article2.pk, 1, 1500), sequence=5)
    d = monde.poste.sync([sale, sale]).json()
    assert [c["status"] for c in d["details"]["creees"]] == ["created", "already_exists"]
    assert Vente.objects.count() == 1


def test_vente_sans_identite_reconnue_par_contenu_et_date(monde: Monde):
    moment = (timezone.now() - timedelta(hours=1)).replace(microsecond=123456)
    sale = vente(None, (monde.article2.pk, 1, 1500), date_vente=moment.isoformat())
    renvoi = vente(None, (monde.article2.pk, 1, "1500"), date_vente=moment.replace(microsecond=0).isoformat())
    assert monde.poste.sync([sale]).json()["details"]["creees"][0]["status"] == "created"
    assert monde.poste.sync([renvoi]).json()["details"]["creees"][0]["status"] == "already_exists"
    # Another sale at the same second with other content is another sale.
    autre = vente(None, (monde.article2.pk, 2, 1500), date_vente=moment.isoformat())
    assert monde.poste.sync([autre]).json()["details"]["creees"][0]["status"] == "created"
    assert Vente.objects.count() == 2


def test_vente_sans_identite_ni_date_porte_un_avertissement(monde: Monde):
    d = monde.poste.sync([vente(None, (monde.article2.pk, 1, 1500))]).json()
    (creee,) = d["details"]["creees"]
    assert any("ne pourra pas être reconnu" in a for a in creee["avertissements"])


def test_vente_d_un_autre_terminal_au_meme_contenu_n_est_pas_un_renvoi(monde: Monde):
    moment = (timezone.now() - timedelta(hours=1)).isoformat()
    monde.poste.sync([vente(None, (monde.article.pk, 1, 25000), date_vente=moment)])
    from magasin.boutiques.tests.factories import creer_terminal

    from .conftest import Poste

    second, jeton = creer_terminal(monde.boutique)
    from django.test import Client

    d = Poste(Client(), second, jeton).sync([vente(None, (monde.article.pk, 1, 25000), date_vente=moment)]).json()
    assert d["details"]["creees"][0]["status"] == "created"
    assert Vente.objects.count() == 2


# --- Any JSON value in any field ------------------------------------------------------------

json_quelconque = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30),
    lambda enfants: st.lists(enfants, max_size=3) | st.dictionaries(st.text(max_size=8), enfants, max_size=3),
    max_leaves=6,
)
CHAMPS_VENTE = ["numero_facture", "date_vente", "mode_paiement", "paye", "montant_total", "uuid", "sequence"]
CHAMPS_VENTE += ["client_nom", "client_telephone", "lignes", "inconnu"]
CHAMPS_LIGNE = ["article_id", "quantite", "prix_unitaire", "inconnu"]
_essais = itertools.count()


@settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(
    cible=st.sampled_from(
        [("vente", c) for c in CHAMPS_VENTE] + [("ligne", c) for c in CHAMPS_LIGNE] + [("entiere", None)]
    ),
    valeur=json_quelconque,
)
def test_toute_valeur_json_dans_tout_champ_jamais_500_et_les_autres_ventes_gardees(monde: Monde, cible, valeur):
    endroit, champ = cible
    n = next(_essais)
    Article.objects.filter(pk=monde.article.pk).update(quantite_stock=100)
    ligne: dict[str, Any] = {"article_id": monde.article.pk, "quantite": 1, "prix_unitaire": 25000}
    essai: Any = {"numero_facture": f"ESSAI-{n}", "lignes": [ligne]}
    if endroit == "entiere":
        essai = valeur  # the whole sale is any JSON value
    elif endroit == "vente":
        essai[champ] = valeur
    else:
        ligne[champ] = valeur
    bonne = vente(f"TEMOIN-{n}", (monde.article.pk, 1, 25000))
    r = monde.poste.sync(json.dumps([bonne, essai]))
    assert r.status_code == 201, r.content
    d = r.json()
    assert _resultat(d, 1)[0] == "created"
    assert Vente.objects.filter(numero_facture=f"TEMOIN-{n}").exists()
    statut, entree = _resultat(d, 2)
    if statut not in ("created", "already_exists"):
        # Refused alone, with a stable code, and kept as sent.
        assert statut.isupper() and entree["quarantaine_id"] is not None
        assert VenteQuarantaine.objects.get(pk=entree["quarantaine_id"]).code == statut
    # What was recorded reads back.
    assert monde.poste.get("/api/v2/simple/ventes/").status_code == 200


def _lot_varie(monde: Monde, n: int, depart: int) -> list[Any]:
    moment = timezone.now() - timedelta(hours=2)
    lot: list[Any] = []
    for i in range(depart, depart + n):
        ligne = (monde.article.pk, 1, 25000)
        genre = i % 5
        if genre == 0:
            lot.append(vente(f"Q-{i}", ligne, remise=i))
        elif genre == 1:
            lot.append(vente(None, ligne, sequence=i))
        elif genre == 2:
            lot.append(vente(None, ligne, date_vente=(moment + timedelta(seconds=i)).isoformat()))
        elif genre == 3:
            lot.append(vente(f"Q-{i}", ligne, uuid=f"UUID-{i}", mode_paiement="M-PESA"))
        else:
            lot.append({"numero_facture": f"Q-{i}", "lignes": [{"article_id": monde.article.pk, "quantite": 0.5}]})
    return lot


def test_un_lot_coute_le_meme_nombre_de_requetes_quelle_que_soit_sa_taille(monde: Monde):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    Article.objects.filter(pk=monde.article.pk).update(quantite_stock=10_000)
    comptes = []
    for depart, n in ((0, 10), (1000, 200)):
        for renvoi in (False, True):  # new sales, then the same batch resent
            with CaptureQueriesContext(connection) as requetes:
                r = monde.poste.sync(_lot_varie(monde, n, depart))
            assert r.status_code == 201
            d = r.json()
            assert d["statistiques"]["total_envoyees"] == n
            assert (d["statistiques"]["doublons"] > 0) is renvoi
            comptes.append(len(requetes))
    # 20 times the sales, a few more statements at most: only the backend's own splitting of
    # bulk inserts grows with the batch (SQLite's variable limit), never a query per sale.
    petit, grand = max(comptes[0], comptes[1]), max(comptes[2], comptes[3])
    assert grand - petit <= 8, comptes
