"""The catalogue import and the article form agree on prices: whole CDF francs, a price with
centimes refused (never rounded) with a French message on its line, the article's current price
kept as it is, so that export → import stays exact."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from magasin.stock.models import Article
from magasin.stock.prix import PRIX_AVEC_CENTIMES, PrixRefuse, prix_vente_verifier
from magasin.stock.tests.factories import creer_article

pytestmark = pytest.mark.django_db


def _apercu(client, monde, csv: str) -> str:  # type: ignore[no-untyped-def]
    fichier = SimpleUploadedFile("catalogue.csv", csv.encode("utf-8"))
    reponse = client.post("/articles/import/", {"boutique": monde.boutique.pk, "fichier": fichier})
    assert reponse.status_code == 200
    return reponse.content.decode()


def _exporter(client, monde, format_: str) -> bytes:  # type: ignore[no-untyped-def]
    reponse = client.get(f"/articles/export/?boutique={monde.boutique.pk}&format={format_}")
    assert reponse.status_code == 200
    return b"".join(reponse.streaming_content) if reponse.streaming else reponse.content


@pytest.mark.parametrize(
    ("lu", "attendu"),
    [("1500", Decimal("1500.00")), ("1500.00", Decimal("1500.00")), ("0", Decimal("0.00"))],
)
def test_la_regle_accepte_les_francs_entiers(lu, attendu):
    assert prix_vente_verifier(Decimal(lu)) == attendu


@pytest.mark.parametrize(
    ("lu", "message"),
    [
        ("1500.50", "sans centimes"),
        ("1499.999", "sans centimes"),
        ("-1", "négatif"),
        ("1000000000000", "au maximum"),
        ("NaN", "Saisissez un montant"),
    ],
)
def test_la_regle_refuse_centimes_negatifs_et_demesures(lu, message):
    with pytest.raises(PrixRefuse) as refus:
        prix_vente_verifier(Decimal(lu))
    assert message in refus.value.message


def test_le_prix_actuel_avec_centimes_est_garde_tel_quel():
    assert prix_vente_verifier(Decimal("10.5"), actuel=Decimal("10.50")) == Decimal("10.50")
    with pytest.raises(PrixRefuse):
        prix_vente_verifier(Decimal("10.75"), actuel=Decimal("10.50"))


def test_import_refuse_un_prix_avec_centimes_sur_sa_ligne(monde, client_gerant):
    contenu = _apercu(
        client_gerant,
        monde,
        "code;nom;prix_vente\nNEUF1;Sucre 1 kg;3500,50\nNEUF2;Sel 1 kg;1 200,00\nRIZ25;;1250000.25\n",
    )
    assert "2 en erreur" in contenu
    assert f"{PRIX_AVEC_CENTIMES} Lu : « 3500,50 »." in contenu
    assert f"{PRIX_AVEC_CENTIMES} Lu : « 1250000.25 »." in contenu
    assert "1 à créer" in contenu  # "1 200,00" is 1 200 francs
    assert 'id="confirmer-import"' not in contenu  # all or nothing: nothing to confirm
    assert not Article.objects.filter(code__in=["NEUF1", "NEUF2"]).exists()
    assert Article.objects.get(pk=monde.article.pk).prix_vente == Decimal("1250000.00")


def test_formulaire_article_refuse_les_centimes_comme_l_import(monde, client_gerant):
    reponse = client_gerant.post(
        f"/articles/{monde.article.pk}/modifier/",
        {"nom": "Sac de riz 25 kg", "prix_vente": "1250000.25", "seuil_alerte": "5"},
    )
    assert reponse.status_code == 200
    assert PRIX_AVEC_CENTIMES in reponse.content.decode()
    reponse = client_gerant.post(
        f"/articles/{monde.article.pk}/modifier/",
        {"nom": "Sac de riz 25 kg", "prix_vente": "1300000.00", "seuil_alerte": "5"},
    )
    assert reponse.status_code == 302
    assert Article.objects.get(pk=monde.article.pk).prix_vente == Decimal("1300000.00")


def test_un_ancien_prix_avec_centimes_reste_modifiable_et_fait_l_aller_retour(monde, client_gerant):
    """An article priced 999,50 before the rule (the old system's import): its form saves without
    touching the price, its export re-imports unchanged, in CSV and in XLSX."""
    ancien = creer_article(monde.boutique, code="ANC1", nom="Savon ancien", prix="999.50", stock=4)
    reponse = client_gerant.get(f"/articles/{ancien.pk}/modifier/")
    assert 'value="999.50"' in reponse.content.decode()
    reponse = client_gerant.post(
        f"/articles/{ancien.pk}/modifier/",
        {"nom": "Savon ancien renommé", "prix_vente": "999.50", "seuil_alerte": "5"},
    )
    assert reponse.status_code == 302
    ancien.refresh_from_db()
    assert (ancien.nom, ancien.prix_vente) == ("Savon ancien renommé", Decimal("999.50"))

    for format_, nom in (("csv", "catalogue.csv"), ("xlsx", "catalogue.xlsx")):
        fichier = SimpleUploadedFile(nom, _exporter(client_gerant, monde, format_))
        reponse = client_gerant.post("/articles/import/", {"boutique": monde.boutique.pk, "fichier": fichier})
        assert "0 à créer, 0 à modifier, 2 inchangé(s)" in reponse.content.decode(), format_
    # Changing it is held to the rule, like any other price.
    contenu = _apercu(client_gerant, monde, "code;prix_vente\nANC1;999,75\n")
    assert f"{PRIX_AVEC_CENTIMES} Lu : « 999,75 »." in contenu


def test_la_page_d_import_dit_la_regle(monde, client_gerant):
    texte = client_gerant.get("/articles/import/").content.decode()
    assert "francs entiers" in texte and "jamais arrondi" in texte
