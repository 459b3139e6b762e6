"""One reader of query-string filters for the API and the back-office: what it accepts and how it refuses."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.http import QueryDict
from django.test import Client

from magasin.boutiques.models import Role
from magasin.boutiques.tests.factories import BoutiqueFactory, MembreFactory, creer_terminal
from magasin.core.erreurs import CodeErreur, ErreurMetier
from magasin.core.filtres import LIMITE_MAX, Filtres

KINSHASA = ZoneInfo("Africa/Kinshasa")


def test_valeurs_lisibles_et_absentes():
    f = Filtres(QueryDict("q=+riz+&article=42&type=ENTREE&du=2026-11-04&au=2026-11-04&limit=9999&vide=++"))
    assert f.texte("q") == "riz" and f.texte("vide") is None and f.texte("absent") is None
    assert f.entier("article") == 42 and f.entier("absent") is None
    assert f.choix("type", [("ENTREE", "Entrée"), ("SORTIE", "Sortie")]) == "ENTREE"
    assert f.date("du") == datetime(2026, 11, 4, tzinfo=KINSHASA)
    assert f.date("au", fin=True) == datetime(2026, 11, 4, 23, 59, 59, 999999, tzinfo=KINSHASA)
    assert f.limite() == LIMITE_MAX and Filtres({}).limite() == 100
    assert f.erreurs == {}
    f.exiger_valides()  # nothing to refuse


@pytest.mark.parametrize(
    ("methode", "valeur", "code"),
    [
        ("texte", "nul\x00", CodeErreur.INVALID_PAYLOAD),
        ("texte", "x" * 201, CodeErreur.INVALID_PAYLOAD),
        ("entier", "un", CodeErreur.INVALID_PAYLOAD),
        ("entier", "0", CodeErreur.INVALID_PAYLOAD),
        ("entier", "-3", CodeErreur.INVALID_PAYLOAD),
        ("entier", "9" * 40, CodeErreur.INVALID_PAYLOAD),
        ("choix", "VOL", CodeErreur.INVALID_PAYLOAD),
        ("date", "04/11/2026", CodeErreur.INVALID_DATE),
        ("date", "2026-02-30", CodeErreur.INVALID_DATE),
        ("date", "0001-01-01", CodeErreur.INVALID_DATE),
        ("limite", "0", CodeErreur.INVALID_PAYLOAD),
        ("limite", "1e9", CodeErreur.INVALID_PAYLOAD),
    ],
)
def test_valeur_illisible_notee_pour_le_formulaire_et_levee_pour_l_api(methode, valeur, code):
    f = Filtres({"p": valeur})
    arguments = {"choix": (["ENTREE", "SORTIE"],)}.get(methode, ())
    lu = getattr(f, methode)("p", *arguments)
    assert lu == (100 if methode == "limite" else None)  # the default limit, or no filter
    assert list(f.erreurs) == ["p"] and f.erreurs["p"].endswith(".")
    with pytest.raises(ErreurMetier) as refus:
        f.exiger_valides()
    assert refus.value.code == code and refus.value.statut_http == 400
    assert refus.value.details == {"champ": "p"} and "« p »" in refus.value.message


def test_texte_sans_borne_quand_l_appelant_le_dit():
    assert Filtres({"n": "é" * 2000}).texte("n", longueur_max=None) == "é" * 2000


def test_l_api_refuse_la_premiere_valeur_illisible_dans_l_ordre_de_lecture():
    f = Filtres({"a": "x", "b": "y"})
    f.entier("b")
    f.entier("a")
    with pytest.raises(ErreurMetier) as refus:
        f.exiger_valides()
    assert refus.value.details == {"champ": "b"}


@pytest.mark.django_db
def test_meme_valeur_erreur_de_formulaire_au_web_et_400_a_l_api():
    boutique = BoutiqueFactory()
    terminal, jeton = creer_terminal(boutique)
    api = Client().get(
        "/api/v2/simple/mouvements-stock/",
        {"date_debut": "04/11/2026"},
        headers={"X-Device-Serial": terminal.numero_serie, "Authorization": f"Bearer {jeton}"},
    )
    assert api.status_code == 400
    assert (api.json()["code"], api.json()["details"]) == ("INVALID_DATE", {"champ": "date_debut"})
    web = Client()
    web.force_login(MembreFactory(boutique=boutique, role=Role.GERANT).utilisateur)
    page = web.get("/stock/", {"date_debut": "04/11/2026"})
    assert page.status_code == 200
    assert page.context["erreurs"] == {"date_debut": "Date attendue (AAAA-MM-JJ)."}


def test_un_entier_ecrit_en_decimal_est_lu():
    """The terminals' tolerant reading holds for query parameters too: `3.0` is 3, `3.5` is not."""
    f = Filtres({"limit": "3.0", "terminal": "+12", "article": "3.5"})
    assert (f.limite(), f.entier("terminal"), f.entier("article")) == (3, 12, None)
    assert list(f.erreurs) == ["article"]
