"""The API's smaller edges (issue 17): an end date covers its whole day, the sync answers with a
trailing slash too, an unknown address answers JSON, and bodies travel gzipped both ways."""

from __future__ import annotations

import gzip
import io
import json
import time
import tracemalloc
import zlib
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from django.test import Client

from magasin.api.corps import CorpsTropGros, gunzip_borne
from magasin.api.tests.conftest import SYNC, Monde, vente
from magasin.stock.models import MouvementStock, TypeMouvement
from magasin.stock.services import registre_ouvrir
from magasin.stock.tests.factories import creer_article
from magasin.ventes.models import Vente

KINSHASA = ZoneInfo("Africa/Kinshasa")
VENTES = "/api/v2/simple/ventes/"
MOUVEMENTS = "/api/v2/simple/mouvements-stock/"
ARTICLES = "/api/v2/simple/articles/"

# Ten moments of 4 November 2026 in Kinshasa, from its first instant to its last millisecond,
# and the two instants that frame the day.
JOURNEE = [
    datetime(2026, 11, 4, 0, 0, 0, tzinfo=KINSHASA),
    datetime(2026, 11, 4, 0, 0, 1, tzinfo=KINSHASA),
    datetime(2026, 11, 4, 7, 30, tzinfo=KINSHASA),
    datetime(2026, 11, 4, 9, 15, tzinfo=KINSHASA),
    datetime(2026, 11, 4, 11, 59, 59, tzinfo=KINSHASA),
    datetime(2026, 11, 4, 12, 0, 0, tzinfo=KINSHASA),
    datetime(2026, 11, 4, 15, 45, tzinfo=KINSHASA),
    datetime(2026, 11, 4, 18, 20, tzinfo=KINSHASA),
    datetime(2026, 11, 4, 22, 10, tzinfo=KINSHASA),
    datetime(2026, 11, 4, 23, 59, 59, 999000, tzinfo=KINSHASA),
]
VEILLE = datetime(2026, 11, 3, 23, 59, 59, 999000, tzinfo=KINSHASA)
LENDEMAIN = datetime(2026, 11, 5, 0, 0, 0, tzinfo=KINSHASA)


def _erreur_json(r: Any, statut: int, code: str) -> dict[str, Any]:
    assert r.status_code == statut, (r.status_code, r.content[:300])
    assert r["Content-Type"].startswith("application/json"), r["Content-Type"]
    corps = r.json()
    assert corps["success"] is False and corps["code"] == code, corps
    assert corps["error"]
    return corps


# --- An end date covers its whole day ------------------------------------------------------------


@pytest.fixture
def ventes_du_4_novembre(monde: Monde) -> dict[datetime, str]:
    """A sale at each moment of JOURNEE, one the day before and one the day after."""
    numeros = {moment: f"J-{i:02d}" for i, moment in enumerate([VEILLE, *JOURNEE, LENDEMAIN])}
    corps = [vente(n, (monde.article.pk, 1, 25000), date_vente=m.isoformat()) for m, n in numeros.items()]
    assert monde.poste.sync(corps).status_code == 201
    return numeros


def _numeros(r: Any, cle: str = "ventes") -> set[str]:
    assert r.status_code == 200, r.content[:300]
    return {v["numero_facture"] for v in r.json()[cle]}


def test_date_fin_seule_couvre_toute_la_journee_des_ventes(monde: Monde, ventes_du_4_novembre: dict[datetime, str]):
    du_jour = {ventes_du_4_novembre[m] for m in JOURNEE}
    r = monde.poste.get(VENTES, date_debut="2026-11-04", date_fin="2026-11-04", limit=500)
    assert _numeros(r) == du_jour
    r = monde.poste.get(VENTES, date_fin="2026-11-04", limit=500)
    assert _numeros(r) == du_jour | {ventes_du_4_novembre[VEILLE]}


def test_date_fin_avec_heure_prise_telle_quelle(monde: Monde, ventes_du_4_novembre: dict[datetime, str]):
    r = monde.poste.get(VENTES, date_debut="2026-11-04", date_fin="2026-11-04T12:00:00+01:00", limit=500)
    assert _numeros(r) == {ventes_du_4_novembre[m] for m in JOURNEE if m.hour < 12 or m == JOURNEE[5]}
    # Without an offset, a datetime is Kinshasa's time; "+" decoded as a space still reads.
    r = monde.poste.get(VENTES, date_debut="2026-11-04T07:30:00", date_fin="2026-11-04T09:15:00 01:00", limit=500)
    assert _numeros(r) == {ventes_du_4_novembre[JOURNEE[2]], ventes_du_4_novembre[JOURNEE[3]]}


def test_date_fin_seule_couvre_toute_la_journee_des_mouvements(monde: Monde):
    article = creer_article(monde.boutique, stock=0, nom="Huile Mbuji 1 L")
    for i, moment in enumerate([VEILLE, *JOURNEE, LENDEMAIN]):
        with transaction.atomic():
            registre = registre_ouvrir(
                boutique=monde.boutique, article_ids=[article.pk], utilisateur="tests", moment=moment
            )
            registre.mouvement(
                article_id=article.pk, quantite=1, type_mouvement=TypeMouvement.ENTREE, reference_document=f"L-{i:02d}"
            )
            registre.ecrire()
    r = monde.poste.get(MOUVEMENTS, article_id=article.pk, date_debut="2026-11-04", date_fin="2026-11-04", limit=500)
    assert r.status_code == 200, r.content[:300]
    assert sorted(m["reference_document"] for m in r.json()["mouvements"]) == [f"L-{i:02d}" for i in range(1, 11)]
    assert MouvementStock.objects.filter(article=article).count() == 12


# --- The sync with a trailing slash ----------------------------------------------------------------


@pytest.mark.parametrize("url", [SYNC + "/", SYNC + "/batch/"])
def test_synchro_avec_barre_finale_est_la_meme(monde: Monde, url: str):
    lot = [vente("BARRE-1", (monde.article.pk, 2, 25000))]
    r = monde.poste.sync(lot, url=url)
    assert r.status_code == 201, r.content[:300]
    assert r.json()["statistiques"]["nouvelles"] == 1
    # Same endpoint: the same sale sent to the documented address is a resend.
    r = monde.poste.sync(lot)
    assert r.status_code == 201 and r.json()["statistiques"]["doublons"] == 1
    monde.article.refresh_from_db()
    assert monde.article.quantite_stock == 98
    _erreur_json(Client().post(url, data="[]", content_type="application/json"), 400, "MISSING_SERIAL")


def test_adresses_avec_barre_finale_hors_du_schema(monde: Monde):
    chemins = Client().get("/api/openapi.json").json()["paths"]
    assert "/api/v2/simple/ventes/sync" in chemins and "/api/v2/simple/ventes/sync/batch" in chemins
    assert "/api/v2/simple/ventes/sync/" not in chemins and "/api/v2/simple/ventes/sync/batch/" not in chemins


# --- Unknown addresses answer JSON ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("methode", "url"),
    [
        ("get", "/api/nimporte"),
        ("get", "/api/nimporte/"),
        ("get", "/api/v2/simple/inconnu"),
        ("get", "/api/v2/simple/inconnu/"),
        ("post", "/api/v2/simple/inconnu/"),
        ("post", "/api/v3/ventes/sync"),
        ("delete", "/api/v2/simple/ventes/sync/batch/x"),
    ],
)
def test_adresse_inconnue_sous_api_repond_en_json(monde: Monde, methode: str, url: str):
    r = getattr(Client(), methode)(url, headers=monde.poste.entetes)
    corps = _erreur_json(r, 404, "NOT_FOUND")
    assert "<html" not in r.content.decode().lower()
    assert url in corps["error"]


@pytest.mark.parametrize("debug", [False, True])
def test_envoi_sans_barre_finale_pas_redirige_mais_404_json(monde: Monde, settings, debug: bool):
    # A redirect would lose the body (and under DEBUG Django raises instead of redirecting).
    settings.DEBUG = debug
    for methode in ("post", "put", "patch", "delete"):
        r = getattr(Client(), methode)("/api/v2/simple/articles", headers=monde.poste.entetes)
        _erreur_json(r, 404, "NOT_FOUND")
    # A GET is still sent to the address with its slash.
    r = Client().get("/api/v2/simple/articles", headers=monde.poste.entetes)
    assert (r.status_code, r["Location"]) == (301, "/api/v2/simple/articles/")


def test_mauvaise_methode_sur_adresse_avec_barre_en_json(monde: Monde):
    r = Client().get(SYNC + "/", headers=monde.poste.entetes)
    _erreur_json(r, 405, "METHOD_NOT_ALLOWED")
    assert r["Allow"] == "POST"


def test_adresse_inconnue_hors_api_reste_une_page(monde: Monde):
    r = Client().get("/nimporte-quoi/")
    assert r.status_code == 404
    assert not r["Content-Type"].startswith("application/json")


# --- gzip request bodies -----------------------------------------------------------------------------


def _sync_gzip(monde: Monde, brut: bytes, encodage: str = "gzip", url: str = SYNC) -> Any:
    return monde.poste.client.post(
        url, data=brut, content_type="application/json", headers={**monde.poste.entetes, "Content-Encoding": encodage}
    )


@pytest.mark.parametrize("encodage", ["gzip", "GZip", "x-gzip"])
def test_corps_gzip_lu_comme_le_corps_en_clair(monde: Monde, encodage: str):
    lot = [vente(f"GZ-{i}", (monde.article.pk, 1, 25000)) for i in range(3)]
    r = _sync_gzip(monde, gzip.compress(json.dumps(lot).encode()), encodage)
    assert r.status_code == 201, r.content[:300]
    assert r.json()["statistiques"]["nouvelles"] == 3
    assert Vente.objects.filter(numero_facture__startswith="GZ-").count() == 3


def test_corps_gzip_en_plusieurs_membres(monde: Monde):
    brut = json.dumps([vente("GZM-1", (monde.article.pk, 1, 25000))]).encode()
    moitie = len(brut) // 2
    r = _sync_gzip(monde, gzip.compress(brut[:moitie]) + gzip.compress(brut[moitie:]))
    assert r.status_code == 201, r.content[:300]


def _bombe(mega_octets: int) -> bytes:
    """`mega_octets` MB of zeros, gzipped (about a thousandth of that), without holding them."""
    compresseur = zlib.compressobj(level=9, wbits=31)
    million = bytes(1024 * 1024)
    return b"".join(compresseur.compress(million) for _ in range(mega_octets)) + compresseur.flush()


def test_bombe_gzip_refusee_413_sans_tout_decompresser(monde: Monde, settings):
    bombe = _bombe(50)
    assert len(bombe) < settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    debut = time.perf_counter()
    r = _sync_gzip(monde, bombe)
    assert time.perf_counter() - debut < 2
    corps = _erreur_json(r, 413, "BODY_TOO_LARGE")
    assert "décompressé" in corps["error"]
    assert not Vente.objects.exists()


def test_bombe_gzip_lue_seulement_jusqu_a_la_limite():
    # 200 MB of zeros in ~200 KB: reading stops in the first 64 KB read, a few MB out.
    bombe = _bombe(200)
    flux = io.BytesIO(bombe)
    with pytest.raises(CorpsTropGros):
        gunzip_borne(flux.read, 5 * 1024 * 1024)
    assert flux.tell() < len(bombe) // 2
    # Even when the whole bomb arrives in one read, memory stays near the limit.
    tracemalloc.start()
    try:
        with pytest.raises(CorpsTropGros):
            gunzip_borne(lambda n, morceaux=[bombe]: morceaux.pop() if morceaux else b"", 5 * 1024 * 1024)
        _, pic = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert pic < 20 * 1024 * 1024, pic


def test_limite_appliquee_a_la_taille_decompressee(monde: Monde, settings):
    lot = [vente(f"LIM-{i}", (monde.article.pk, 1, 25000)) for i in range(20)]
    brut = json.dumps(lot).encode()
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = len(brut) - 1
    _erreur_json(_sync_gzip(monde, gzip.compress(brut)), 413, "BODY_TOO_LARGE")
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = len(brut)
    assert _sync_gzip(monde, gzip.compress(brut)).status_code == 201


def test_corps_compresse_trop_gros_413(monde: Monde, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    _erreur_json(_sync_gzip(monde, gzip.compress(bytes(range(256)) * 40, compresslevel=0)), 413, "BODY_TOO_LARGE")


@pytest.mark.parametrize(
    "brut",
    [
        b"[]",  # not compressed at all
        gzip.compress(b"[]")[:-5],  # cut before its end
        gzip.compress(b"[]") + b"reste",  # something after the gzip stream
        gzip.compress(b"[]")[:10] + b"\x00" * 20,  # corrupt
    ],
)
def test_corps_gzip_illisible_400(monde: Monde, brut: bytes):
    _erreur_json(_sync_gzip(monde, brut), 400, "INVALID_ENCODING")
    assert not Vente.objects.exists()


def test_encodage_inconnu_415(monde: Monde):
    _erreur_json(_sync_gzip(monde, b"\x1b\x00", "br"), 415, "UNSUPPORTED_ENCODING")
    # "identity" is no encoding at all.
    brut = json.dumps([vente("ID-1", (monde.article.pk, 1, 25000))]).encode()
    assert _sync_gzip(monde, brut, "identity").status_code == 201


def test_entete_gzip_sans_corps_ignore(monde: Monde):
    # Some clients set Content-Encoding on every request: with no body there is nothing to decode.
    r = monde.poste.client.get("/api/v2/simple/terminal/", headers={**monde.poste.entetes, "Content-Encoding": "gzip"})
    assert r.status_code == 200, r.content[:300]
    _erreur_json(_sync_gzip(monde, b""), 400, "INVALID_JSON")


def test_gzip_puis_json_invalide_dit_json_invalide(monde: Monde):
    _erreur_json(_sync_gzip(monde, gzip.compress(b"[{")), 400, "INVALID_JSON")


# --- gzip answers --------------------------------------------------------------------------------


@pytest.fixture
def catalogue(monde: Monde) -> None:
    for i in range(40):
        creer_article(monde.boutique, nom=f"Article du catalogue {i}", prix=f"{1000 + 37 * i}.00")


def test_reponse_compressee_pour_qui_l_accepte(monde: Monde, catalogue: None):
    clair = monde.poste.client.get(ARTICLES, headers=monde.poste.entetes)
    assert clair.status_code == 200 and not clair.has_header("Content-Encoding")
    assert clair["Vary"] and "Accept-Encoding" in clair["Vary"]
    r = monde.poste.client.get(ARTICLES, headers={**monde.poste.entetes, "Accept-Encoding": "gzip, deflate"})
    assert r.status_code == 200
    assert r["Content-Encoding"] == "gzip"
    assert int(r["Content-Length"]) == len(r.content) < len(clair.content) / 3
    donnees = json.loads(gzip.decompress(r.content))
    assert donnees["articles"] == clair.json()["articles"]


def test_reponse_de_synchro_compressee(monde: Monde):
    lot = [vente(f"RZ-{i}", (monde.article.pk, 1, 25000)) for i in range(10)]
    r = monde.poste.sync(lot, **{"Accept-Encoding": "gzip"})
    assert r.status_code == 201 and r["Content-Encoding"] == "gzip"
    assert json.loads(gzip.decompress(r.content))["statistiques"]["nouvelles"] == 10


def test_petite_reponse_laissee_en_clair(monde: Monde):
    r = Client().get("/api/" + "x" * 300, headers={"Accept-Encoding": "gzip"})
    assert r.status_code == 404 and 200 < len(r.content) < 512  # gzip would save bytes, a few
    assert not r.has_header("Content-Encoding")
    assert r.json()["code"] == "NOT_FOUND"


def test_pages_du_back_office_jamais_compressees(monde: Monde, django_user_model):
    client = Client()
    client.force_login(django_user_model.objects.create_superuser("chef", password="x"))
    r = client.get("/ventes/", headers={"Accept-Encoding": "gzip"})
    assert r.status_code == 200 and len(r.content) > 1000
    assert not r.has_header("Content-Encoding")
