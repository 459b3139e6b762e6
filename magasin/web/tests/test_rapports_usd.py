"""Reports by period show the net in USD at each day's rate of the shop (issue 21, two currencies)."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from magasin.caisse.services import taux_fixer
from magasin.stock.tests.factories import creer_article
from magasin.web.tests.test_caisse import facture_usd
from magasin.web.tests.test_rapports import D, _moment, _terminal

pytestmark = pytest.mark.django_db


@pytest.fixture
def deux_jours(monde):  # type: ignore[no-untyped-def]
    """28,000 CDF sold on D-3 (rate 2,800) and 29,000 on D-2 (rate 2,900): 10 + 10 USD (the
    terminal sells at 1,000 CDF a unit)."""
    _terminal(monde, "U-1", creer_article(monde.boutique), 28, _moment(D[3], 10), "CASH")
    _terminal(monde, "U-2", creer_article(monde.boutique), 29, _moment(D[2], 10), "CASH")
    taux_fixer(boutique=monde.boutique, jour=D[3], taux=Decimal("2800"), utilisateur=None)
    taux_fixer(boutique=monde.boutique, jour=D[2], taux=Decimal("2900"), utilisateur=None)
    return monde


def _rapport(client, monde, **params):  # type: ignore[no-untyped-def]
    return client.get(
        "/rapports/",
        {"boutique": monde.boutique.pk, "date_debut": D[3].isoformat(), "date_fin": D[2].isoformat(), **params},
    )


def test_net_en_usd_au_taux_de_chaque_jour(deux_jours, client_gerant):
    r = _rapport(client_gerant, deux_jours, par="jour")
    usd = r.context["usd"]
    assert usd.par_periode == {D[3]: Decimal("10.00"), D[2]: Decimal("10.00")}
    assert usd.total == Decimal("20.00")
    assert "Net en USD" in r.content.decode()
    # A week adds each day at its own rate (not the week's amount at one rate).
    r = _rapport(client_gerant, deux_jours, par="mois")
    assert r.context["usd"].total == Decimal("20.00")
    # Exports carry it as a real number.
    r = _rapport(client_gerant, deux_jours, par="jour", format="xlsx")
    feuille = load_workbook(io.BytesIO(b"".join(r.streaming_content))).active
    derniere = [c.value for c in feuille[feuille.max_row]]
    assert derniere[-1] == 20


def test_un_jour_sans_taux_n_a_pas_d_equivalent(deux_jours, client_gerant):
    _terminal(deux_jours, "U-3", creer_article(deux_jours.boutique), 5, _moment(D[4], 10), "CASH")
    r = client_gerant.get(
        "/rapports/",
        {"boutique": deux_jours.boutique.pk, "date_debut": D[4].isoformat(), "date_fin": D[2].isoformat()},
    )
    usd = r.context["usd"]
    assert usd.par_periode[D[4]] is None and usd.total is None
    assert "n'a pas encore de taux" in r.content.decode()


def test_pas_d_equivalent_sans_boutique_unique_ni_par_periode(deux_jours, client_gerant):
    assert _rapport(client_gerant, deux_jours, par="article").context["usd"] is None
    assert _rapport(client_gerant, deux_jours, par="canal").context["usd"] is None


def test_rapport_par_canal_lit_les_paiements_de_la_facture(monde, client_caissier, client_gerant):
    """A web invoice paid 400 USD (2,900) + 100,000 CDF for 1,250,000 (10,000 CDF back) counts
    1,150,000 under "Espèces (USD)" and 100,000 under "Espèces"; a credit repaid in USD the same
    day shows apart, as cash received that is not a sale."""
    from django.utils import timezone

    from magasin.caisse.models import Paiement

    aujourd_hui = timezone.localdate()
    taux_fixer(boutique=monde.boutique, jour=aujourd_hui, taux=Decimal("2900"), utilisateur=None)
    facture = facture_usd(monde, "facture-usd-canal")
    assert client_caissier.post("/facturation/", facture).status_code == 302
    credit = {**facture, "uuid": "facture-credit", "mode_paiement": "CREDIT", "client_nom": "Mama Nsimba"}
    for champ in ("paye", "montant_usd", "montant_cdf_recu"):
        del credit[champ]
    assert client_caissier.post("/facturation/", credit).status_code == 302
    client = monde.boutique.clients.get()
    remboursement = {"caisse": f"U{monde.caissier.pk}", "canal": "CASH", "devise": "USD", "montant": "100", "cle": "r1"}
    assert client_caissier.post(f"/caisse/clients/{client.pk}/", remboursement).status_code == 302
    assert Paiement.objects.count() == 3

    params = {"boutique": monde.boutique.pk, "date_debut": aujourd_hui.isoformat(), "par": "canal"}
    r = client_gerant.get("/rapports/", params)
    lignes = {lg.libelle: (lg.nombre, lg.montant) for lg in r.context["rapport"].lignes}
    assert lignes == {
        "Espèces (USD)": (1, Decimal("1150000")),
        "Espèces": (1, Decimal("100000")),
        "Crédit": (1, Decimal("1250000")),
    }
    contenu = r.content.decode().replace("\u202f", " ")
    assert "compte par ces paiements" in contenu
    bloc = contenu.split('id="remboursements"')[1].split("</section>")[0]
    assert "Espèces (USD)" in bloc and "100 USD" in bloc and "290 000 CDF" in bloc
    total = contenu.split('id="rapport-total"')[1].split("</tr>")[0]
    assert "2 500 000 CDF" in total  # the repayment is not a sale
    texte = b"".join(client_gerant.get("/rapports/", {**params, "format": "csv"}).streaming_content)
    rangees = texte.decode("utf-8-sig").splitlines()
    assert "Espèces (USD);1;1150000,00;0,00;1150000,00;0;0,00" in rangees
    assert "Espèces;1;100000,00;0,00;100000,00;0;0,00" in rangees
    assert rangees[-1].startswith("Total;2;2500000,00")
    # Narrowed to a payment mode, the repayments (which have none) are not shown.
    r = client_gerant.get("/rapports/", {**params, "mode_paiement": "CREDIT"})
    assert "Non montrés quand le rapport est limité" in r.content.decode()
