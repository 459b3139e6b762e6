"""Daily summaries of closed days (issue 21, a year of data): the reports read them and give
exactly what the live sums give, and a late sale or a cancellation of an old day is never lost."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from magasin.boutiques.models import Boutique
from magasin.ventes.agregats import agregats_calculer, agregats_mettre_a_jour
from magasin.ventes.models import AgregatArticlesJour, AgregatVentesJour, Vente
from magasin.ventes.selectors import REGROUPEMENTS, FiltreRapport, rapport_ventes
from magasin.ventes.services import vente_annuler
from magasin.web.tests.outils import synchroniser
from magasin.web.tests.test_rapports import AUJOURD_HUI, D, _moment, _terminal, journee  # noqa: F401

pytestmark = pytest.mark.django_db


def _etats(monde, **filtres):  # type: ignore[no-untyped-def]
    """Every report of shop 1 over the ten days, as plain tuples."""
    filtre = FiltreRapport(
        boutiques=Boutique.objects.filter(pk=monde.boutique.pk), debut=D[10], fin=AUJOURD_HUI, **filtres
    )
    etats = {}
    for par in REGROUPEMENTS:
        r = rapport_ventes(filtre, par=par)
        etats[par] = [
            (x.cle, x.libelle, x.nombre, x.montant, x.retours, x.nombre_retours, x.annulees, x.montant_annule)
            for x in [*r.lignes, r.total]
        ]
    return etats


FILTRES = ({}, {"mode_paiement": "MOBILE_MONEY"}, {"caissier_id": None, "terminal_id": None})


def _tous(monde):  # type: ignore[no-untyped-def]
    return [_etats(monde, **f) for f in FILTRES] + [_etats(monde, terminal_id=monde.terminal.pk)]


def test_les_agregats_donnent_les_memes_rapports_que_le_calcul_en_direct(monde, journee):  # noqa: F811
    en_direct = _tous(monde)
    jours = agregats_calculer(boutique=monde.boutique, debut=D[10], fin=AUJOURD_HUI)
    # Ten closed days (today is never summarised), each with at least one row.
    assert jours == 10
    assert set(AgregatVentesJour.objects.values_list("jour", flat=True)) == {D[n] for n in range(1, 11)}
    assert AgregatArticlesJour.objects.exists()
    assert _tous(monde) == en_direct
    # Running it again changes nothing.
    assert agregats_calculer(boutique=monde.boutique, debut=D[10], fin=AUJOURD_HUI) == 0


def test_une_vente_tardive_sur_un_jour_agrege_le_fait_recalculer(monde, journee):  # noqa: F811
    agregats_calculer(boutique=monde.boutique, debut=D[10], fin=AUJOURD_HUI)
    avant = AgregatVentesJour.objects.count()
    # The sync forgets the late sale's day in the batch's own transaction.
    _terminal(monde, "T-TRES-TARD", journee, 7, _moment(D[7], 9), "CASH")
    assert not AgregatVentesJour.objects.filter(jour=D[7]).exists()
    assert AgregatVentesJour.objects.count() == avant - 1  # only that day's (empty) row
    par_jour = {x.cle: x for x in rapport_ventes(_filtre(monde), par="jour").lignes}
    assert (par_jour[D[7]].nombre, par_jour[D[7]].montant) == (1, 7000)
    en_direct = _tous(monde)
    assert agregats_calculer(boutique=monde.boutique, debut=D[10], fin=AUJOURD_HUI) == 1
    assert _tous(monde) == en_direct
    # Today's sales cost the writers nothing: no summary can exist for today.
    aujourd_hui = Vente(boutique=monde.boutique, date_vente=timezone.now())
    assert agregats_mettre_a_jour([aujourd_hui]) == 0


def test_annuler_une_vente_ancienne_oublie_son_jour_et_celui_de_ses_retours(monde, journee):  # noqa: F811
    agregats_calculer(boutique=monde.boutique, debut=D[10], fin=AUJOURD_HUI - timedelta(days=1))
    credit = Vente.objects.get(mode_paiement="CREDIT")
    with transaction.atomic():
        vente_annuler(vente=credit, utilisateur=monde.gerant, motif="client parti")
        agregats_mettre_a_jour([credit])
    assert not AgregatVentesJour.objects.filter(jour=D[3]).exists()
    total = rapport_ventes(_filtre(monde), par="jour").total
    # The credit sale (5000) and its refund (2000, today) no longer count.
    assert (total.nombre, total.montant, total.retours, total.annulees) == (4, 7000, 0, 2)
    en_direct = _tous(monde)
    agregats_calculer(boutique=monde.boutique, debut=D[10], fin=AUJOURD_HUI)
    assert _tous(monde) == en_direct


def test_une_vente_tardive_synchronisee_compte_sur_son_jour_meme_apres_agregation(monde, journee):  # noqa: F811
    agregats_calculer(boutique=monde.boutique, debut=D[10], fin=AUJOURD_HUI)
    _terminal(monde, "T-TRES-TARD", journee, 7, _moment(D[7], 9), "CASH")
    par_jour = {x.cle: x for x in rapport_ventes(_filtre(monde), par="jour").lignes}
    assert (par_jour[D[7]].nombre, par_jour[D[7]].montant) == (1, 7000)


def _filtre(monde):  # type: ignore[no-untyped-def]
    return FiltreRapport(boutiques=Boutique.objects.filter(pk=monde.boutique.pk), debut=D[10], fin=AUJOURD_HUI)


@pytest.mark.parametrize("agreger", [False, True])
def test_totaux_de_l_historique_egaux_a_la_liste_filtree(monde, journee, agreger):  # noqa: F811
    from magasin.ventes.selectors import totaux_historique, totaux_ventes, ventes_de_boutiques
    from magasin.web.filtres import Filtres  # noqa: F401  (the history reads its dates the same way)

    if agreger:
        agregats_calculer(boutique=monde.boutique, debut=D[10], fin=AUJOURD_HUI)
    boutiques = Boutique.objects.filter(pk__in=[monde.boutique.pk, monde.autre.pk])
    debut = timezone.make_aware(timezone.datetime.combine(D[5], timezone.datetime.min.time()))
    fin = timezone.make_aware(timezone.datetime.combine(D[3], timezone.datetime.max.time()))
    for filtres in (
        {},
        {"statut": "VALIDEE"},
        {"statut": "ANNULEE"},
        {"mode_paiement": "MOBILE_MONEY"},
        {"terminal_id": monde.terminal.pk},
        {"date_debut": debut, "date_fin": fin},
        {"date_debut": debut + timedelta(hours=11)},  # inside a day: summed live
        {"numero_facture": "T-"},
    ):
        attendu = totaux_ventes(ventes_de_boutiques(boutiques=boutiques, **filtres))
        assert totaux_historique(boutiques=boutiques, **filtres) == attendu, filtres


def test_grand_livre_compte_jusqu_a_un_plafond(monde, journee, client_gerant, monkeypatch):  # noqa: F811
    from magasin.web.filtres import PaginateurPlafonne

    monkeypatch.setattr(PaginateurPlafonne, "PLAFOND", 3)
    contenu = client_gerant.get("/stock/", {"boutique": monde.boutique.pk}).content.decode()
    assert "plus de 3 ligne(s)" in contenu
    monkeypatch.setattr(PaginateurPlafonne, "PLAFOND", 10_000)
    contenu = client_gerant.get("/stock/", {"boutique": monde.boutique.pk}).content.decode()
    assert "plus de" not in contenu


def test_mois_clos_cumules_puis_oublies_avec_un_de_leurs_jours(monde, journee):  # noqa: F811
    from magasin.ventes.models import AgregatArticlesMois

    premier = AUJOURD_HUI.replace(day=1)
    mois = (premier - timedelta(days=1)).replace(day=1)  # last month, closed
    avant = (mois - timedelta(days=1)).replace(day=1)
    _terminal(monde, "M-1", journee, 2, _moment(mois.replace(day=3), 10), "CASH")
    _terminal(monde, "M-2", journee, 5, _moment(mois.replace(day=20), 10), "CARTE")
    _terminal(monde, "M-3", journee, 1, _moment(avant.replace(day=27), 10), "CASH")
    filtre = FiltreRapport(
        boutiques=Boutique.objects.filter(pk=monde.boutique.pk), debut=avant.replace(day=25), fin=AUJOURD_HUI
    )

    def articles():  # type: ignore[no-untyped-def]
        return [
            (x.cle, x.nombre, x.montant, x.nombre_retours, x.retours)
            for x in rapport_ventes(filtre, par="article").lignes
        ]

    en_direct = articles()
    agregats_calculer(boutique=monde.boutique, debut=avant.replace(day=25), fin=AUJOURD_HUI)
    assert AgregatArticlesMois.objects.filter(mois=mois).exists()
    assert not AgregatArticlesMois.objects.filter(mois=avant).exists()  # not all its days summarised
    assert articles() == en_direct
    with transaction.atomic():
        tardive = _terminal(monde, "M-TARD", journee, 4, _moment(mois.replace(day=11), 10), "CASH")
        agregats_mettre_a_jour([tardive])
    assert not AgregatArticlesMois.objects.filter(mois=mois).exists()
    (pain,) = [x for x in rapport_ventes(filtre, par="article").lignes]
    assert pain.nombre == en_direct[0][1] + 4


def test_une_vente_impayee_compte_en_credit_par_canal_en_direct_comme_agregee(monde, journee):  # noqa: F811
    """Recorded unpaid in cash (`paye: false`): no money came in, so the report by channel shows
    it as credit, as the till's closing does; the summarised day says the same."""
    synchroniser(
        monde.terminal,
        monde.jeton,
        [
            {
                "numero_facture": "T-IMPAYEE",
                "date_vente": _moment(D[2], 10).isoformat(),
                "mode_paiement": "CASH",
                "paye": False,
                "lignes": [{"article_id": journee.pk, "quantite": 3, "prix_unitaire": 1000}],
            }
        ],
    )
    filtre = FiltreRapport(boutiques=Boutique.objects.filter(pk=monde.boutique.pk), debut=D[2], fin=D[2])
    en_direct = rapport_ventes(filtre, par="canal")
    assert [(x.cle, x.libelle, x.nombre, x.montant) for x in en_direct.lignes] == [("CREDIT", "Crédit", 1, 3000)]
    etats = _tous(monde)
    agregats_calculer(boutique=monde.boutique, debut=D[10], fin=AUJOURD_HUI)
    assert AgregatVentesJour.objects.filter(jour=D[2], paye=False).exists()
    assert _tous(monde) == etats
