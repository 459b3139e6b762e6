"""Margins read from the daily and monthly article summaries (issue 21, a year of data) equal
an independent computation from the lines (`ventes.marges`' rules), by day and by month, for
whole and partial periods; and stay so after a late sale into a summarised day, a partial
return of a summarised day's sale (made today: the sale's day stays summarised) and the
cancellation of an old sale."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from magasin.boutiques.models import Boutique
from magasin.caisse.tests.mondes import Monde, monde_creer
from magasin.stock.models import Article
from magasin.stock.tests.factories import creer_article
from magasin.ventes.agregats import agregats_calculer
from magasin.ventes.marges import Marges, marges_de_boutiques, ventes_de_la_periode
from magasin.ventes.models import (
    AgregatArticlesJour,
    AgregatArticlesMois,
    AgregatVentesJour,
    LigneRetour,
    LigneVente,
    StatutVente,
    Vente,
)
from magasin.ventes.services import vente_annuler, vente_retourner
from magasin.web.tests.outils import synchroniser

pytestmark = pytest.mark.django_db

AUJOURD_HUI = timezone.localdate()
MOIS = (AUJOURD_HUI.replace(day=1) - timedelta(days=1)).replace(day=1)  # last month, closed
AVANT = (MOIS - timedelta(days=1)).replace(day=1)  # the month before
AVANT2 = (AVANT - timedelta(days=1)).replace(day=1)  # and the one before, partly in the year's period
HIER = AUJOURD_HUI - timedelta(days=1)


def _moment(jour: date, heure: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(jour, time(heure, minute)))


def _debut(jour: date) -> datetime:
    return timezone.make_aware(datetime.combine(jour, time.min))


def _fin(jour: date) -> datetime:
    return timezone.make_aware(datetime.combine(jour, time.max))


@pytest.fixture
def monde(db: None) -> Monde:
    return monde_creer(stock=1000)


def _couter(article: Article, cout: str) -> None:
    # The average cost a reception would have left (what a sale line copies when recorded).
    Article.objects.filter(pk=article.pk).update(cout_moyen=Decimal(cout))


def _sync(monde: Monde, numero: str, lignes: list[tuple[Article, int, int]], moment: datetime) -> Vente:
    terminal, jeton = (
        (monde.terminal, monde.jeton)
        if lignes[0][0].boutique_id == monde.boutique.pk
        else (
            monde.terminal_autre,
            monde.jeton_autre,
        )
    )
    vente = {
        "numero_facture": numero,
        "date_vente": moment.isoformat(),
        "lignes": [{"article_id": a.pk, "quantite": q, "prix_unitaire": p} for a, q, p in lignes],
    }
    synchroniser(terminal, jeton, [vente])
    return Vente.objects.get(boutique_id=lignes[0][0].boutique_id, numero_facture=numero)


@pytest.fixture
def annee(monde: Monde) -> dict[str, Any]:
    """Sales over three months and today in two shops: costed lines at two costs, a line of an
    article never costed (cost 0), a line from before costs were kept (NULL), a return made
    today of a closed day's sale, a cancelled sale."""
    pain = creer_article(monde.boutique, stock=1000, prix="1000", nom="Pain", code="PAIN")
    lait = creer_article(monde.boutique, stock=1000, prix="1000", nom="Lait", code="LAIT")  # never costed
    _couter(pain, "600")
    _couter(monde.article_autre, "300")
    _sync(monde, "A2-0", [(pain, 1, 1000), (lait, 2, 800)], _moment(AVANT2.replace(day=2), 9))
    _sync(monde, "A2-1", [(pain, 2, 1000), (lait, 1, 900)], _moment(AVANT2.replace(day=12), 9))
    _sync(monde, "A2-2", [(pain, 1, 1100)], _moment(AVANT2.replace(day=27), 23, 30))  # late evening
    ancienne = _sync(monde, "A-1", [(pain, 5, 1000)], _moment(AVANT.replace(day=3), 0, 10))  # just after midnight
    LigneVente.objects.filter(vente=ancienne).update(cout_unitaire=None)
    _sync(monde, "M-1", [(pain, 3, 1000), (lait, 2, 1000)], _moment(MOIS.replace(day=2), 10))
    _couter(pain, "700")
    rendue = _sync(monde, "M-2", [(pain, 4, 1200)], _moment(MOIS.replace(day=15), 14))
    annulee = _sync(monde, "M-3", [(pain, 7, 1000)], _moment(MOIS.replace(day=20), 8))
    _sync(monde, "M-4", [(pain, 1, 1500), (lait, 1, 1000)], _moment(MOIS.replace(day=28), 16))
    _sync(monde, "H-1", [(pain, 2, 1000), (lait, 3, 1000)], _moment(HIER, 12))
    _sync(monde, "J-1", [(pain, 1, 1000)], _moment(AUJOURD_HUI, 0, 5))
    _sync(monde, "AU-1", [(monde.article_autre, 6, 500)], _moment(MOIS.replace(day=9), 11))
    _sync(monde, "AU-2", [(monde.article_autre, 2, 500)], _moment(HIER, 11))
    vente_annuler(vente=annulee, utilisateur=monde.gerant, motif="erreur")
    # A return made before the summary, of a sale of a closed day.
    vente_retourner(vente=rendue, utilisateur=monde.gerant, quantites={rendue.lignes.get().pk: 1}, motif="rassis")
    return {"pain": pain, "lait": lait, "rendue": rendue}


# --- An independent computation, line by line ---------------------------------------------------


def _reference(boutiques: list[Boutique], debut: datetime, fin: datetime) -> dict[str, Any]:
    """The rules of `ventes.marges`, applied to each line and returned line in Python."""
    en_mois = (fin - debut).days > 62

    def vide() -> list[Any]:
        return [Decimal("0"), Decimal("0"), 0, Decimal("0"), 0]

    total = vide()
    par_boutique: dict[int, list[Any]] = defaultdict(vide)
    par_periode: dict[date, list[Any]] = defaultdict(vide)
    par_article: dict[int, list[Any]] = defaultdict(vide)
    par_vente: dict[int, list[Any]] = defaultdict(vide)

    def ajouter(cible: list[Any], montant: Decimal, quantite: int, cout: Decimal | None, signe: int) -> None:
        if cout:
            cible[0] += signe * montant
            cible[1] += signe * quantite * cout
            cible[2] += signe * quantite
        else:
            cible[3] += signe * montant
            cible[4] += signe * quantite

    def dans(vente: Vente) -> bool:
        return vente.statut == StatutVente.VALIDEE and debut <= vente.date_vente <= fin and vente.boutique in boutiques

    lignes = [(lv, lv.total_ligne, lv.quantite, 1) for lv in LigneVente.objects.select_related("vente")]
    lignes += [
        (lr.ligne_vente, lr.montant, lr.quantite, -1) for lr in LigneRetour.objects.select_related("ligne_vente__vente")
    ]
    for lv, montant, quantite, signe in lignes:
        vente = lv.vente
        if not dans(vente):
            continue
        jour = timezone.localdate(vente.date_vente)
        cle = jour.replace(day=1) if en_mois else jour
        for cible in (total, par_boutique[vente.boutique_id], par_periode[cle], par_article[lv.article_id]):
            ajouter(cible, montant, quantite, lv.cout_unitaire, signe)
        ajouter(par_vente[vente.pk], montant, quantite, lv.cout_unitaire, signe)
    return {
        "total": tuple(total),
        "par_boutique": sorted((b, tuple(m)) for b, m in par_boutique.items()),
        "par_periode": sorted(((j, tuple(m)) for j, m in par_periode.items()), reverse=True),
        "en_mois": en_mois,
        "par_article": sorted((a, tuple(m)) for a, m in par_article.items()),
        "par_vente": sorted((v, tuple(m)) for v, m in par_vente.items()),
    }


def _chiffres(m: Any) -> tuple[Any, ...]:
    return (m.chiffre, m.cout, m.quantite, m.chiffre_sans_cout, m.quantite_sans_cout)


def _lu(boutiques: list[Boutique], debut: datetime, fin: datetime) -> dict[str, Any]:
    """What `marges_de_boutiques` reports, every sale of the period listed."""
    ventes = list(ventes_de_la_periode(boutiques=boutiques, date_debut=debut, date_fin=fin))
    m: Marges = marges_de_boutiques(boutiques=boutiques, date_debut=debut, date_fin=fin, ventes=ventes)
    # Best margins first (then name): the order the page shows.
    assert [a.marge.marge for a in m.par_article] == sorted((a.marge.marge for a in m.par_article), reverse=True)
    return {
        "total": _chiffres(m.total),
        "par_boutique": sorted((b.pk, _chiffres(x)) for b, x in m.par_boutique),
        "par_periode": [(j, _chiffres(x)) for j, x in m.par_periode],
        "en_mois": m.periode_en_mois,
        "par_article": sorted((a.article.pk, _chiffres(a.marge)) for a in m.par_article),
        "par_vente": sorted((v.vente_id, _chiffres(v.marge)) for v in m.par_vente),
    }


def _periodes() -> list[tuple[datetime, datetime]]:
    return [
        (_debut(AUJOURD_HUI - timedelta(days=365)), _fin(AUJOURD_HUI)),  # the year: by month
        (_debut(AVANT2.replace(day=20)), _fin(AUJOURD_HUI)),  # by month, a partial first month
        (_debut(MOIS), _fin(HIER)),  # by day (up to 62 days), no live day
        (_debut(AUJOURD_HUI - timedelta(days=29)), _fin(AUJOURD_HUI)),  # the page's default
        (_moment(AVANT.replace(day=3), 0, 5), _moment(MOIS.replace(day=15), 13)),  # partial first and last days
        (_debut(AVANT2), _moment(AVANT2.replace(day=27), 22)),  # by day, cuts A2-2 off
        # By month, months covered mostly: their monthly rows minus the days outside.
        (_debut(AVANT2.replace(day=5)), _fin(MOIS.replace(day=25))),
        (_moment(AVANT2.replace(day=5), 10), _fin(AUJOURD_HUI)),
    ]


def _verifier(monde: Monde) -> None:
    for boutiques in ([monde.boutique, monde.autre], [monde.boutique]):
        for debut, fin in _periodes():
            attendu = _reference(boutiques, debut, fin)
            assert _lu(boutiques, debut, fin) == attendu, (boutiques, debut, fin)


def test_marges_lues_des_agregats_egales_au_calcul_ligne_par_ligne(monde, annee):  # type: ignore[no-untyped-def]
    # Not vacuous: costed and uncosted revenue, a return and several months.
    year = _reference([monde.boutique, monde.autre], *_periodes()[0])
    assert year["total"][0] and year["total"][1] and year["total"][3] and len(year["par_periode"]) >= 4
    _verifier(monde)  # live: nothing summarised yet
    agregats_calculer(boutique=monde.boutique, debut=AVANT2, fin=AUJOURD_HUI)
    agregats_calculer(boutique=monde.autre, debut=AVANT2, fin=AUJOURD_HUI)
    assert AgregatArticlesMois.objects.filter(boutique=monde.boutique, mois=MOIS).exists()
    # The summaries hold the lines' margins, returns not deducted (they stay live).
    m2 = AgregatArticlesJour.objects.get(boutique=monde.boutique, jour=MOIS.replace(day=15), article=annee["pain"])
    assert (m2.marge_chiffre, m2.marge_cout, m2.marge_quantite) == (Decimal(4800), Decimal(2800), 4)
    lait = AgregatArticlesMois.objects.get(boutique=monde.boutique, mois=MOIS, article=annee["lait"])
    assert (lait.marge_chiffre, lait.marge_chiffre_sans_cout, lait.marge_quantite_sans_cout) == (0, Decimal(3000), 3)
    _verifier(monde)


def test_les_marges_sont_lues_des_agregats(monde, annee):  # type: ignore[no-untyped-def]
    """The summarised figures are really what the page reads (so the equality above means
    something): a summary row changed by hand shows, by day and by month."""
    agregats_calculer(boutique=monde.boutique, debut=AVANT2, fin=AUJOURD_HUI)
    debut, fin = _debut(MOIS), _fin(HIER)
    avant = marges_de_boutiques(boutiques=[monde.boutique], date_debut=debut, date_fin=fin).total.cout
    AgregatArticlesJour.objects.filter(boutique=monde.boutique, jour=MOIS.replace(day=2), article=annee["pain"]).update(
        marge_cout=1
    )
    apres = marges_de_boutiques(boutiques=[monde.boutique], date_debut=debut, date_fin=fin).total.cout
    assert apres == avant - Decimal(1800) + 1
    annee_debut = _debut(AUJOURD_HUI - timedelta(days=365))
    par_mois = marges_de_boutiques(boutiques=[monde.boutique], date_debut=annee_debut, date_fin=fin)
    AgregatArticlesMois.objects.filter(boutique=monde.boutique, mois=MOIS, article=annee["pain"]).update(marge_cout=2)
    triche = marges_de_boutiques(boutiques=[monde.boutique], date_debut=annee_debut, date_fin=fin)
    assert dict(triche.par_periode)[MOIS].cout == 2 - Decimal(700)  # the return (1 × 700), live
    assert dict(par_mois.par_periode)[MOIS].cout != dict(triche.par_periode)[MOIS].cout


def test_vente_tardive_dans_un_jour_resume(monde, annee):  # type: ignore[no-untyped-def]
    agregats_calculer(boutique=monde.boutique, debut=AVANT2, fin=AUJOURD_HUI)
    jour = MOIS.replace(day=15)
    assert AgregatVentesJour.objects.filter(boutique=monde.boutique, jour=jour).exists()
    _couter(annee["pain"], "800")
    _sync(monde, "M-TARD", [(annee["pain"], 10, 1000), (annee["lait"], 1, 1000)], _moment(jour, 18))
    # The sync forgot the day and its month in its transaction; the margins count the sale.
    assert not AgregatVentesJour.objects.filter(boutique=monde.boutique, jour=jour).exists()
    assert not AgregatArticlesMois.objects.filter(boutique=monde.boutique, mois=MOIS).exists()
    par_jour = marges_de_boutiques(boutiques=[monde.boutique], date_debut=_debut(MOIS), date_fin=_fin(HIER))
    assert dict(par_jour.par_periode)[jour].cout == Decimal(4 * 700 - 700 + 10 * 800)
    _verifier(monde)
    agregats_calculer(boutique=monde.boutique, debut=AVANT2, fin=AUJOURD_HUI)
    assert AgregatArticlesMois.objects.filter(boutique=monde.boutique, mois=MOIS).exists()
    _verifier(monde)


def test_retour_partiel_d_une_vente_d_un_jour_resume(monde, annee):  # type: ignore[no-untyped-def]
    agregats_calculer(boutique=monde.boutique, debut=AVANT2, fin=AUJOURD_HUI)
    agregats_calculer(boutique=monde.autre, debut=AVANT2, fin=AUJOURD_HUI)
    rendue = annee["rendue"]
    annee_debut, fin = _debut(AUJOURD_HUI - timedelta(days=365)), _fin(AUJOURD_HUI)
    avant = marges_de_boutiques(boutiques=[monde.boutique], date_debut=annee_debut, date_fin=fin)
    # Made today: the sale's day stays summarised (nothing forgets it), the return is read live.
    vente_retourner(vente=rendue, utilisateur=monde.gerant, quantites={rendue.lignes.get().pk: 2}, motif="moisi")
    assert AgregatArticlesMois.objects.filter(boutique=monde.boutique, mois=MOIS).exists()
    apres = marges_de_boutiques(boutiques=[monde.boutique], date_debut=annee_debut, date_fin=fin)
    assert (apres.total.chiffre, apres.total.cout) == (avant.total.chiffre - 2400, avant.total.cout - 1400)
    assert dict(apres.par_periode)[MOIS].marge == dict(avant.par_periode)[MOIS].marge - 1000
    _verifier(monde)
    # A return of an old sale of the other shop, and one of a sale without known cost.
    autre = Vente.objects.get(numero_facture="AU-1")
    vente_retourner(vente=autre, utilisateur=monde.gerant_autre, quantites={autre.lignes.get().pk: 6}, motif="tout")
    sans_cout = Vente.objects.get(numero_facture="A-1")
    vente_retourner(vente=sans_cout, utilisateur=monde.gerant, quantites={sans_cout.lignes.get().pk: 1}, motif="x")
    _verifier(monde)


def test_annulation_d_une_vente_ancienne_retournee(monde, annee):  # type: ignore[no-untyped-def]
    agregats_calculer(boutique=monde.boutique, debut=AVANT2, fin=AUJOURD_HUI)
    vente_annuler(vente=annee["rendue"], utilisateur=monde.gerant, motif="client parti")
    assert not AgregatArticlesMois.objects.filter(boutique=monde.boutique, mois=MOIS).exists()
    _verifier(monde)
    agregats_calculer(boutique=monde.boutique, debut=AVANT2, fin=AUJOURD_HUI)
    _verifier(monde)


def test_la_liste_des_ventes_est_une_page(monde, annee):  # type: ignore[no-untyped-def]
    """By default the latest sales of the period only, latest first; a given page as given."""
    debut, fin = _debut(AUJOURD_HUI - timedelta(days=365)), _fin(AUJOURD_HUI)
    m = marges_de_boutiques(boutiques=[monde.boutique], date_debut=debut, date_fin=fin)
    assert [v.numero_facture for v in m.par_vente] == ["J-1", "H-1", "M-4", "M-2", "M-1", "A-1", "A2-2", "A2-1", "A2-0"]
    page = list(ventes_de_la_periode(boutiques=[monde.boutique], date_debut=debut, date_fin=fin)[3:5])
    m = marges_de_boutiques(boutiques=[monde.boutique], date_debut=debut, date_fin=fin, ventes=page)
    assert [(v.numero_facture, v.marge.marge) for v in m.par_vente] == [
        ("M-2", Decimal(3 * (1200 - 700))),  # one loaf of four returned
        ("M-1", Decimal(3 * (1000 - 600))),
    ]
