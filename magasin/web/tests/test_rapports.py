"""Reports (issue 21): sales by day, week, month, shop, terminal, cashier, channel and article,
their totals, the history's totals, exports with real types that stream, and isolation."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.http import StreamingHttpResponse
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from magasin.boutiques.models import Boutique
from magasin.stock.tests.factories import creer_article
from magasin.ventes.entrees import VenteEntree
from magasin.ventes.models import Vente
from magasin.ventes.selectors import FiltreRapport, Rapport, rapport_ventes
from magasin.ventes.services import vente_annuler, vente_creer, vente_retourner
from magasin.web.tests.outils import synchroniser

pytestmark = pytest.mark.django_db

AUJOURD_HUI = timezone.localdate()
D = {n: AUJOURD_HUI - timedelta(days=n) for n in range(11)}


def _moment(jour: date, heure: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(jour, time(heure, minute)))


def _web(monde, article, quantite, moment, mode="CASH", boutique=None, utilisateur=None):  # type: ignore[no-untyped-def]
    entree = VenteEntree.model_validate(
        {
            "date_vente": moment.isoformat(),
            "mode_paiement": mode,
            "lignes": [{"article_id": article.pk, "quantite": quantite, "prix_unitaire": str(article.prix_vente)}],
        }
    )
    resultat = vente_creer(boutique=boutique or monde.boutique, utilisateur=utilisateur or monde.gerant, entree=entree)
    assert resultat.vente is not None
    return resultat.vente


def _terminal(monde, numero, article, quantite, moment, mode):  # type: ignore[no-untyped-def]
    synchroniser(
        monde.terminal,
        monde.jeton,
        [
            {
                "numero_facture": numero,
                "date_vente": moment.isoformat(),
                "mode_paiement": mode,
                "lignes": [{"article_id": article.pk, "quantite": quantite, "prix_unitaire": 1000}],
            }
        ],
    )
    return Vente.objects.get(numero_facture=numero)


@pytest.fixture
def journee(monde):  # type: ignore[no-untyped-def]
    """Sales over ten days of shop 1 (web and terminal, five channels, one cancelled, one partly
    returned today, one synced late onto its own day), and one sale of the other shop."""
    pain = creer_article(monde.boutique, stock=100, prix="1000", nom="Pain", code="PAIN")
    _web(monde, pain, 2, _moment(D[5], 10))  # 2000 cash, web
    # 00:30 in Kinshasa is still the previous day in UTC: counted on its local day.
    _terminal(monde, "T-1", pain, 1, _moment(D[4], 0, 30), "M-PESA")
    _terminal(monde, "T-2", pain, 3, _moment(D[4], 12), "ORANGE MONEY")
    annulee = _terminal(monde, "T-3", pain, 4, _moment(D[3], 9), "CARTE")
    vente_annuler(vente=annulee, utilisateur=monde.gerant, motif="erreur de caisse")
    credit = _web(monde, pain, 5, _moment(D[3], 15), mode="CREDIT")
    vente_retourner(
        vente=credit, utilisateur=monde.gerant, quantites={credit.lignes.get().pk: 2}, motif="invendus rendus"
    )
    savon = monde.article_autre
    _web(monde, savon, 1, _moment(D[4], 11), boutique=monde.autre, utilisateur=monde.gerant_autre)
    # The terminal was offline: a sale of six days ago arrives last.
    _terminal(monde, "T-TARD", pain, 1, _moment(D[6], 8), "ESPECES")
    return pain


def _rapport(monde, par: str, **filtres) -> Rapport:  # type: ignore[no-untyped-def]
    filtre = FiltreRapport(
        boutiques=Boutique.objects.filter(pk=monde.boutique.pk), debut=D[10], fin=AUJOURD_HUI, **filtres
    )
    return rapport_ventes(filtre, par=par)


def _par_cle(rapport: Rapport) -> dict:  # type: ignore[type-arg]
    return {
        ligne.cle: (ligne.nombre, ligne.montant, ligne.retours, ligne.annulees, ligne.montant_annule)
        for ligne in rapport.lignes
        if ligne.nombre or ligne.retours or ligne.annulees
    }


def _total(rapport: Rapport) -> tuple:  # type: ignore[type-arg]
    t = rapport.total
    return (t.nombre, t.montant, t.retours, t.net, t.annulees, t.montant_annule)


TOTAL = (5, Decimal("12000"), Decimal("2000"), Decimal("10000"), 1, Decimal("4000"))


def test_par_jour_chaque_vente_sur_son_jour_local_retour_le_jour_du_retour(monde, journee):
    rapport = _rapport(monde, "jour")
    zero = Decimal("0")
    assert _par_cle(rapport) == {
        D[6]: (1, Decimal("1000"), zero, 0, zero),  # the late sale, on its own day
        D[5]: (1, Decimal("2000"), zero, 0, zero),
        D[4]: (2, Decimal("4000"), zero, 0, zero),  # 00:30 local counted here, not the day before
        D[3]: (1, Decimal("5000"), zero, 1, Decimal("4000")),
        D[0]: (0, zero, Decimal("2000"), 0, zero),  # the refund, today
    }
    # Every day of the period is a row, the empty ones as zeros, in order.
    assert [ligne.cle for ligne in rapport.lignes] == [D[n] for n in range(10, -1, -1)]
    assert _total(rapport) == TOTAL
    for par in ("semaine", "mois", "boutique", "terminal", "caissier", "canal"):
        assert _total(_rapport(monde, par)) == TOTAL, par


def test_par_canal_terminal_caissier_et_article(monde, journee):
    zero = Decimal("0")
    assert _par_cle(_rapport(monde, "canal")) == {
        "CASH": (2, Decimal("3000"), zero, 0, zero),
        "MPESA": (1, Decimal("1000"), zero, 0, zero),
        "ORANGE_MONEY": (1, Decimal("3000"), zero, 0, zero),
        "CREDIT": (1, Decimal("5000"), Decimal("2000"), 0, zero),
        "CARTE": (0, zero, zero, 1, Decimal("4000")),
    }
    par_terminal = _rapport(monde, "terminal")
    assert _par_cle(par_terminal) == {
        monde.terminal.pk: (3, Decimal("5000"), zero, 1, Decimal("4000")),
        None: (2, Decimal("7000"), Decimal("2000"), 0, zero),
    }
    assert {ligne.libelle for ligne in par_terminal.lignes} == {"Caisse 1", "Web (facturation)"}
    caissiers = _rapport(monde, "caissier")
    assert {ligne.libelle: ligne.nombre for ligne in caissiers.lignes} == {"gerant (web)": 2, "Terminal Caisse 1": 3}
    articles = _rapport(monde, "article")
    (pain,) = articles.lignes
    assert (pain.libelle, pain.nombre, pain.montant, pain.nombre_retours, pain.retours, pain.net) == (
        "Pain (PAIN)",
        12,
        Decimal("12000"),
        2,
        Decimal("2000"),
        Decimal("10000"),
    )
    # Filters narrow every report the same way.
    assert _total(_rapport(monde, "jour", terminal_id=monde.terminal.pk))[:2] == (3, Decimal("5000"))
    assert _total(_rapport(monde, "canal", caissier_id=monde.gerant.pk))[:3] == (
        2,
        Decimal("7000"),
        Decimal("2000"),
    )
    assert _total(_rapport(monde, "article", mode_paiement="MOBILE_MONEY"))[:2] == (4, Decimal("4000"))


def test_meilleures_ventes_dans_l_ordre_des_quantites(monde, journee):
    riz = monde.article
    _web(monde, riz, 1, _moment(D[2], 9))
    lignes = _rapport(monde, "article").lignes
    assert [(ligne.libelle, ligne.nombre) for ligne in lignes] == [("Pain (PAIN)", 12), ("Sac de riz 25 kg (RIZ25)", 1)]


def test_page_rapports_totaux_et_regles_affichees(monde, journee, client_gerant):
    params = {"date_debut": D[10].isoformat(), "date_fin": AUJOURD_HUI.isoformat(), "boutique": monde.boutique.pk}
    page = client_gerant.get("/rapports/", {**params, "par": "canal"})
    assert page.status_code == 200
    contenu = page.content.decode().replace("\u202f", " ")
    assert "M-Pesa" in contenu and "Orange Money" in contenu and "Crédit" in contenu
    total = contenu.split('id="rapport-total"')[1].split("</tr>")[0]
    assert "12 000 CDF" in total and "10 000 CDF" in total and "2 000 CDF" in total
    assert "annulées ne sont pas comptées" in contenu and "déduits le jour du retour" in contenu
    for par in ("jour", "semaine", "mois", "boutique", "terminal", "caissier", "article"):
        assert client_gerant.get("/rapports/", {**params, "par": par}).status_code == 200, par
    # Bad values are form errors, never 500s.
    r = client_gerant.get("/rapports/", {"par": "rien", "date_debut": "2026-02-30", "terminal": "x"})
    assert r.status_code == 200 and "Date attendue" in r.content.decode()
    r = client_gerant.get("/rapports/", {"date_debut": "2026-03-02", "date_fin": "2026-03-01"})
    assert "précède son début" in r.content.decode()
    for debut, fin in (("2000-01-01", "2026-01-01"), ("2026-01-01", "9999-12-31")):
        r = client_gerant.get("/rapports/", {"date_debut": debut, "date_fin": fin, "format": "csv"})
        assert r.status_code == 200 and "dix ans au plus" in r.content.decode()


def test_historique_montre_le_total_des_lignes_filtrees(monde, journee, client_gerant):
    contenu = client_gerant.get("/ventes/", {"boutique": monde.boutique.pk}).content.decode().replace("\u202f", " ")
    totaux = contenu.split('id="totaux-ventes"')[1].split("</p>")[0]
    assert "6 vente(s)" in totaux and "5 validée(s)" in totaux and "12 000 CDF" in totaux
    assert "1 annulée(s)" in totaux and "4 000 CDF" in totaux
    loin = client_gerant.get("/ventes/", {"date_debut": "2000-01-01", "date_fin": "9999-12-31"})
    assert loin.status_code == 200 and "6 vente(s)" in loin.content.decode()
    contenu = client_gerant.get("/ventes/", {"boutique": monde.boutique.pk, "mode_paiement": "CREDIT"}).content
    assert "1 vente(s)" in contenu.decode() and "5\u202f000 CDF" in contenu.decode()


def _lire(reponse) -> bytes:  # type: ignore[no-untyped-def]
    assert reponse.status_code == 200
    assert isinstance(reponse, StreamingHttpResponse)
    return b"".join(reponse.streaming_content)


def test_exports_des_rapports_en_vrais_types(monde, journee, client_gerant):
    params = {"date_debut": D[10].isoformat(), "date_fin": AUJOURD_HUI.isoformat(), "boutique": monde.boutique.pk}
    feuille = load_workbook(io.BytesIO(_lire(client_gerant.get("/rapports/", {**params, "format": "xlsx"})))).active
    rangees = list(feuille.iter_rows(values_only=True))
    assert rangees[0][:3] == ("Début de la période", "Ventes", "Montant")
    par_jour = {r[0].date(): r for r in rangees[1:-1]}
    assert isinstance(rangees[1][0], datetime) and len(par_jour) == 11
    assert par_jour[D[4]][1:3] == (2, 4000) and isinstance(par_jour[D[4]][1], int)
    # Last column: the net in USD, empty here (no rate set: test_rapports_usd).
    assert rangees[-1] == ("Total", 5, 12000, 2000, 10000, 1, 4000, None)
    assert feuille["A2"].number_format == "dd/mm/yyyy"

    feuille = load_workbook(
        io.BytesIO(_lire(client_gerant.get("/rapports/", {**params, "par": "article", "format": "xlsx"})))
    ).active
    assert list(feuille.iter_rows(values_only=True))[1] == ("Pain (PAIN)", 12, 12000, 2, 2000, 10000)

    texte = _lire(client_gerant.get("/rapports/", {**params, "par": "canal", "format": "csv"})).decode("utf-8-sig")
    rangees_csv = list(csv.reader(io.StringIO(texte), delimiter=";"))
    assert rangees_csv[0][0] == "Mode de paiement"
    assert ["Crédit", "1", "5000,00", "2000,00", "3000,00", "0", "0,00"] in rangees_csv
    assert rangees_csv[-1][:3] == ["Total", "5", "12000,00"]


def test_export_de_l_historique_dates_et_montants_reels(monde, journee, client_gerant):
    feuille = load_workbook(
        io.BytesIO(_lire(client_gerant.get("/ventes/", {"format": "xlsx", "numero_facture": "T-TARD"})))
    ).active
    (entetes, rangee) = list(feuille.iter_rows(values_only=True))
    assert entetes[3] == "Date (Kinshasa)" and entetes[7] == "Montant"
    assert rangee[3] == datetime.combine(D[6], time(8, 0))  # the local wall clock, a real date
    assert rangee[7] == 1000 and isinstance(rangee[7], int | float)
    texte = _lire(client_gerant.get("/ventes/", {"format": "csv", "numero_facture": "T-TARD"})).decode("utf-8-sig")
    assert f"{D[6]:%Y-%m-%d} 08:00:00" in texte and "1000,00" in texte


def _ventes_en_masse(monde, nombre: int) -> None:  # type: ignore[no-untyped-def]
    """Many sales at once (volume only: the report reads sales, not how they were written)."""
    maintenant = timezone.now()
    Vente.objects.bulk_create(
        Vente(
            boutique=monde.boutique,
            numero_facture=f"MASSE-{nombre}-{i}",
            montant_total=Decimal("1500"),
            date_vente=maintenant - timedelta(minutes=i),
            date_synchro=maintenant,
        )
        for i in range(nombre)
    )


def test_exports_en_flux_et_requetes_bornees_quel_que_soit_le_volume(monde, client_gerant):
    comptes = []
    for nombre in (20, 2500):
        _ventes_en_masse(monde, nombre)
        for url, params in (
            ("/ventes/", {"format": "csv"}),
            ("/ventes/", {"format": "xlsx"}),
            ("/rapports/", {"format": "xlsx", "par": "jour"}),
            ("/rapports/", {"format": "csv", "par": "terminal"}),
        ):
            with CaptureQueriesContext(connection) as requetes:
                reponse = client_gerant.get(url, params)
                contenu = _lire(reponse)
            comptes.append((url, params["format"], len(requetes)))
        assert contenu
    # Same number of statements for 20 and for 2,520 sales: reads in chunks, never per row.
    assert comptes[:4] == comptes[4:]
    feuille = load_workbook(io.BytesIO(_lire(client_gerant.get("/ventes/", {"format": "xlsx"})))).active
    assert feuille.max_row == 1 + 2520


def test_isolation_par_url_et_par_valeur_de_filtre(monde, journee, client_gerant):
    from magasin.web.tests.conftest import client_de

    params = {"date_debut": D[10].isoformat(), "date_fin": AUJOURD_HUI.isoformat()}
    # Another shop by URL: not found.
    assert client_gerant.get("/rapports/", {**params, "boutique": monde.autre.pk}).status_code == 404
    assert client_gerant.get("/rapports/", {**params, "boutique": monde.autre.pk, "format": "csv"}).status_code == 404
    # Another shop's terminal or manager as a filter value: nothing of that shop.
    for filtre in ({"terminal": monde.terminal_autre.pk}, {"caissier": monde.gerant_autre.pk}):
        for par in ("jour", "article", "boutique"):
            texte = _lire(client_gerant.get("/rapports/", {**params, **filtre, "par": par, "format": "csv"}))
            assert texte.decode("utf-8-sig").splitlines()[-1].split(";")[1] == "0", (filtre, par)
    # Without filter, the other shop's sale is nowhere in my reports or my lists.
    contenu = client_gerant.get("/rapports/", {**params, "par": "boutique"}).content.decode()
    assert (
        "BTQ-011" not in contenu
        and "Savon" not in client_gerant.get("/rapports/", {**params, "par": "article"}).content.decode()
    )
    # And the other shop's manager sees only his one sale.
    autre = client_de(monde.gerant_autre)
    texte = _lire(autre.get("/rapports/", {**params, "par": "article", "format": "csv"})).decode("utf-8-sig")
    assert "Pain" not in texte and texte.splitlines()[-1].split(";")[:2] == ["Total", "1"]
    assert "Caisse 1" not in autre.get("/rapports/", params).content.decode()
