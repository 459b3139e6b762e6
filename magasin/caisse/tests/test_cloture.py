"""The till's rules, on every database: closings (expected per channel and currency, frozen
counts, idempotency, superseding, completeness, late sales), USD payments, credit, rates."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from magasin.caisse.models import Canal, Cloture, Creance, Devise, Paiement, TauxChange, TypeMouvementCaisse
from magasin.caisse.selectors import (
    Caisse,
    attendu_caisse,
    clotures_de_boutiques,
    creances_ouvertes,
    jours_non_clos,
    revision,
    revisions_a_voir,
    soldes_clients,
    taux_en_vigueur,
)
from magasin.caisse.services import (
    cloture_enregistrer,
    credit_rembourser,
    mouvement_caisse_enregistrer,
    revision_prendre_en_compte,
    taux_fixer,
    vente_encaisser,
)
from magasin.caisse.tests.conftest import Caisses, hier, synchroniser, vente_terminal
from magasin.core.erreurs import CodeErreur, ErreurMetier
from magasin.ventes.entrees import VenteEntree
from magasin.ventes.models import Vente
from magasin.ventes.services import vente_annuler, vente_creer, vente_retourner

pytestmark = pytest.mark.django_db

D = Decimal


def _cle() -> str:
    return uuid.uuid4().hex


def _caisse(m: Caisses) -> Caisse:
    return Caisse(boutique=m.boutique, terminal=m.terminal)


def test_attendu_par_canal_et_devise_avec_retour_annulation_et_mouvements(monde: Caisses) -> None:
    jour = hier()
    a = monde.article
    synchroniser(
        monde.terminal,
        monde.jeton,
        [
            vente_terminal(a, sequence=1, jour=jour, quantite=3),  # 30 000 cash
            vente_terminal(a, sequence=2, jour=jour, mode_paiement="M-PESA"),  # 10 000 M-Pesa
            vente_terminal(a, sequence=3, jour=jour, mode_paiement="ORANGE MONEY", quantite=2),
            vente_terminal(a, sequence=4, jour=jour, paye=False, client_nom="Mama Nsimba"),  # credit
            vente_terminal(a, sequence=5, jour=jour, mode_paiement="CARTE"),
        ],
    )
    caisse = _caisse(monde)
    mouvement_caisse_enregistrer(
        caisse=caisse,
        jour=jour,
        type_mouvement=TypeMouvementCaisse.FOND,
        devise=Devise.CDF,
        montant=D("50000"),
        motif="",
        cle=_cle(),
        utilisateur=monde.caissier,
    )
    mouvement_caisse_enregistrer(
        caisse=caisse,
        jour=jour,
        type_mouvement=TypeMouvementCaisse.SORTIE,
        devise=Devise.CDF,
        montant=D("7000"),
        motif="Carburant du groupe électrogène",
        cle=_cle(),
        utilisateur=monde.caissier,
    )
    attendu = attendu_caisse(caisse=caisse, jour=jour)
    montants = dict(attendu.lignes())
    assert montants[(Canal.CASH, Devise.CDF)] == D("30000") + D("50000") - D("7000")
    assert montants[(Canal.CASH, Devise.USD)] == 0
    assert montants[(Canal.MPESA, Devise.CDF)] == D("10000")
    assert montants[(Canal.ORANGE_MONEY, Devise.CDF)] == D("20000")
    assert montants[(Canal.CARTE, Devise.CDF)] == D("10000")
    assert attendu.credit_cdf == D("10000")
    assert attendu.nombre_ventes == 5


def test_retour_et_annulation_du_jour_sortent_de_la_caisse(monde: Caisses) -> None:
    jour = timezone.localdate()
    synchroniser(
        monde.terminal,
        monde.jeton,
        [
            vente_terminal(monde.article, sequence=1, jour=jour, quantite=3),
            vente_terminal(monde.article, sequence=2, jour=jour, quantite=2),
        ],
    )
    v1, v2 = Vente.objects.filter(boutique=monde.boutique).order_by("sequence_terminal")
    ligne = v1.lignes.get()
    vente_retourner(vente=v1, utilisateur=monde.gerant, quantites={ligne.pk: 1}, motif="Sac percé")
    vente_retourner(vente=v2, utilisateur=monde.gerant, quantites={v2.lignes.get().pk: 1}, motif="Erreur")
    vente_annuler(vente=v2, utilisateur=monde.gerant, motif="Client parti")
    montants = dict(attendu_caisse(caisse=_caisse(monde), jour=jour).lignes())
    # 50 000 sold, 10 000 + 10 000 returned, the cancellation gives back the 10 000 left.
    assert montants[(Canal.CASH, Devise.CDF)] == D("20000")


def test_cloture_figee_idempotente_puis_remplacee(monde: Caisses) -> None:
    jour = hier()
    synchroniser(monde.terminal, monde.jeton, [vente_terminal(monde.article, sequence=1, jour=jour)])
    caisse = _caisse(monde)
    cle = _cle()
    comptes = {(Canal.CASH.value, Devise.CDF.value): D("9500")}
    premiere = cloture_enregistrer(caisse=caisse, jour=jour, comptes=comptes, cle=cle, utilisateur=monde.gerant)
    encore = cloture_enregistrer(caisse=caisse, jour=jour, comptes=comptes, cle=cle, utilisateur=monde.gerant)
    assert encore.pk == premiere.pk
    assert Cloture.objects.count() == 1
    ligne = premiere.lignes.get(canal=Canal.CASH, devise=Devise.CDF)
    assert (ligne.attendu, ligne.compte, ligne.ecart) == (D("10000"), D("9500"), D("-500"))
    assert premiere.auteur == monde.gerant

    # A second closing that does not name the first is refused: it must be a correction.
    with pytest.raises(ErreurMetier) as exc:
        cloture_enregistrer(caisse=caisse, jour=jour, comptes=comptes, cle=_cle(), utilisateur=monde.gerant)
    assert exc.value.code == CodeErreur.CLOTURE_PERIMEE

    with pytest.raises(ErreurMetier) as exc:
        cloture_enregistrer(
            caisse=caisse, jour=jour, comptes=comptes, cle=_cle(), utilisateur=monde.gerant, remplace=premiere
        )
    assert exc.value.code == CodeErreur.MOTIF_REQUIS

    correction = cloture_enregistrer(
        caisse=caisse,
        jour=jour,
        comptes={(Canal.CASH.value, Devise.CDF.value): D("10000")},
        cle=_cle(),
        utilisateur=monde.gerant,
        remplace=premiere,
        motif="Billet de 500 retrouvé sous le tiroir",
    )
    assert correction.version == 2
    assert correction.remplace == premiere
    assert correction.lignes.get(canal=Canal.CASH, devise=Devise.CDF).ecart == 0
    # Both kept; the first one is frozen as it was.
    premiere.refresh_from_db()
    assert premiere.lignes.get(canal=Canal.CASH, devise=Devise.CDF).compte == D("9500")
    assert list(clotures_de_boutiques(boutiques=[monde.boutique])) == [correction]
    assert clotures_de_boutiques(boutiques=[monde.boutique], courantes=False).count() == 2

    # Correcting the superseded one again is refused: start from the latest.
    with pytest.raises(ErreurMetier) as exc:
        cloture_enregistrer(
            caisse=caisse,
            jour=jour,
            comptes=comptes,
            cle=_cle(),
            utilisateur=monde.gerant,
            remplace=premiere,
            motif="x",
        )
    assert exc.value.code == CodeErreur.CLOTURE_PERIMEE


def test_caissier_ne_cloture_pas(monde: Caisses) -> None:
    with pytest.raises(ErreurMetier) as exc:
        cloture_enregistrer(caisse=_caisse(monde), jour=hier(), comptes={}, cle=_cle(), utilisateur=monde.caissier)
    assert exc.value.code == CodeErreur.ACCES_REFUSE


def test_completude_une_vente_manquante_puis_complete_et_vente_tardive(monde: Caisses) -> None:
    jour = hier()
    a = monde.article
    synchroniser(
        monde.terminal,
        monde.jeton,
        [vente_terminal(a, sequence=n, jour=jour) for n in (1, 2, 4)],
    )
    caisse = _caisse(monde)
    compte = {(Canal.CASH.value, Devise.CDF.value): D("30000")}
    cloture = cloture_enregistrer(
        caisse=caisse, jour=jour, comptes=compte, cle=_cle(), utilisateur=monde.gerant, sequence_declaree=5
    )
    # The terminal shows 5 as its last number: 3 and 5 are not on the server.
    assert cloture.est_complete is False
    assert (cloture.sequence_derniere, cloture.nombre_manquantes, cloture.manquantes) == (5, 2, [3, 5])
    assert [c.a_reviser for c in clotures_de_boutiques(boutiques=[monde.boutique])] == [False]

    # The terminal comes back online the next morning: sales 3 and 5 of yesterday arrive.
    synchroniser(
        monde.terminal,
        monde.jeton,
        [vente_terminal(a, sequence=3, jour=jour), vente_terminal(a, sequence=5, jour=jour, quantite=2)],
    )
    # They stay on their own day: today's till is untouched.
    assert attendu_caisse(caisse=caisse, jour=timezone.localdate()).nombre_ventes == 0
    etat = revision(cloture=cloture)
    assert {v.sequence_terminal for v in etat.ventes} == {3, 5}
    assert etat.completude.complete is True
    ligne = next(lg for lg in etat.lignes if lg["devise"] == "CDF" and lg["canal"] == "Espèces")
    assert (ligne["attendu_alors"], ligne["attendu"], ligne["compte"], ligne["ecart"]) == (
        D("30000"),
        D("60000"),
        D("30000"),
        D("-30000"),
    )
    # The frozen closing is not changed by the arrival.
    cloture.refresh_from_db()
    assert cloture.lignes.get(canal=Canal.CASH, devise=Devise.CDF).attendu == D("30000")
    assert [c.pk for c in revisions_a_voir(boutiques=[monde.boutique])] == [cloture.pk]

    vue = revision_prendre_en_compte(cloture=cloture, utilisateur=monde.gerant)
    assert vue is not None and vue.vue_par == monde.gerant
    assert revisions_a_voir(boutiques=[monde.boutique]) == []
    assert revision_prendre_en_compte(cloture=cloture, utilisateur=monde.gerant) is None

    # The manager recounts: a new closing supersedes, complete this time.
    complete = cloture_enregistrer(
        caisse=caisse,
        jour=jour,
        comptes={(Canal.CASH.value, Devise.CDF.value): D("60000")},
        cle=_cle(),
        utilisateur=monde.gerant,
        remplace=cloture,
        motif="Ventes 3 et 5 arrivées le lendemain",
        sequence_declaree=5,
    )
    assert complete.est_complete is True
    assert complete.manquantes == []


def test_jours_non_clos(monde: Caisses) -> None:
    jour = hier()
    synchroniser(monde.terminal, monde.jeton, [vente_terminal(monde.article, sequence=1, jour=jour)])
    non_clos = jours_non_clos(boutiques=[monde.boutique])
    assert [(j.caisse.cle, j.jour, j.nombre_ventes) for j in non_clos] == [(f"T{monde.terminal.pk}", jour, 1)]
    cloture_enregistrer(caisse=_caisse(monde), jour=jour, comptes={}, cle=_cle(), utilisateur=monde.gerant)
    assert jours_non_clos(boutiques=[monde.boutique]) == []


def _facture_web(monde: Caisses, *, quantite: int = 1, **champs: object) -> Vente:
    entree = VenteEntree.model_validate(
        {
            "uuid": _cle(),
            "lignes": [{"article_id": monde.article.pk, "quantite": quantite, "prix_unitaire": "10000"}],
            **champs,
        }
    )
    vente = vente_creer(boutique=monde.boutique, utilisateur=monde.caissier, entree=entree).vente
    assert vente is not None
    return vente


def test_paiement_en_usd_au_taux_du_jour_monnaie_en_cdf(monde: Caisses) -> None:
    aujourd_hui = timezone.localdate()
    vente = _facture_web(monde, quantite=5)  # 50 000 CDF
    with pytest.raises(ErreurMetier) as exc:
        vente_encaisser(vente=vente, usd=D("20"), cdf=D("0"), cle=_cle(), utilisateur=monde.caissier)
    assert exc.value.code == CodeErreur.TAUX_ABSENT

    taux_fixer(boutique=monde.boutique, jour=aujourd_hui - timedelta(days=3), taux=D("2700"), utilisateur=monde.gerant)
    taux_fixer(boutique=monde.boutique, jour=aujourd_hui, taux=D("2800"), utilisateur=monde.gerant)
    with pytest.raises(ErreurMetier) as exc:
        vente_encaisser(vente=vente, usd=D("10"), cdf=D("0"), cle=_cle(), utilisateur=monde.caissier)
    assert exc.value.code == CodeErreur.PAIEMENT_INVALIDE  # 28 000 < 50 000

    cle = _cle()
    # 15 USD = 42 000 CDF, plus 10 000 CDF: 52 000 for 50 000, 2 000 CDF given back.
    usd, cdf = vente_encaisser(vente=vente, usd=D("15"), cdf=D("10000"), cle=cle, utilisateur=monde.caissier)
    assert (usd.devise, usd.montant, usd.taux, usd.montant_cdf, usd.monnaie_rendue_cdf) == (
        "USD",
        D("15"),
        D("2800"),
        D("42000"),
        D("2000"),
    )
    assert (cdf.devise, cdf.montant, cdf.canal) == ("CDF", D("10000"), Canal.CASH)
    # Sent twice: recorded once.
    assert len(vente_encaisser(vente=vente, usd=D("15"), cdf=D("10000"), cle=cle, utilisateur=monde.caissier)) == 2
    assert Paiement.objects.count() == 2

    caisse = Caisse(boutique=monde.boutique, caissier=monde.caissier)
    montants = dict(attendu_caisse(caisse=caisse, jour=aujourd_hui).lignes())
    # Each currency counted on its own: the drawer holds 15 USD and 10 000 - 2 000 CDF.
    assert montants[(Canal.CASH, Devise.USD)] == D("15")
    assert montants[(Canal.CASH, Devise.CDF)] == D("8000")


def test_taux_historique_garde_et_correction_motivee(monde: Caisses) -> None:
    jour = timezone.localdate()
    premier = taux_fixer(boutique=monde.boutique, jour=jour, taux=D("2800"), utilisateur=monde.gerant)
    with pytest.raises(ErreurMetier) as exc:
        taux_fixer(boutique=monde.boutique, jour=jour, taux=D("2850"), utilisateur=monde.gerant)
    assert exc.value.code == CodeErreur.MOTIF_REQUIS
    second = taux_fixer(boutique=monde.boutique, jour=jour, taux=D("2850"), utilisateur=monde.gerant, motif="Erreur")
    assert taux_en_vigueur(boutique=monde.boutique, jour=jour) == second
    assert TauxChange.objects.filter(pk=premier.pk, taux=D("2800")).exists()
    assert taux_en_vigueur(boutique=monde.boutique, jour=jour + timedelta(days=1)) == second
    assert taux_en_vigueur(boutique=monde.autre, jour=jour) is None
    with pytest.raises(ErreurMetier):
        taux_fixer(boutique=monde.boutique, jour=jour, taux=D("0"), utilisateur=monde.gerant, motif="x")
    with pytest.raises(ErreurMetier) as exc:
        taux_fixer(boutique=monde.boutique, jour=jour, taux=D("2800"), utilisateur=monde.caissier)
    assert exc.value.code == CodeErreur.ACCES_REFUSE
    with pytest.raises(ErreurMetier) as exc:
        taux_fixer(boutique=monde.autre, jour=jour, taux=D("2800"), utilisateur=monde.gerant)
    assert exc.value.code == CodeErreur.ACCES_REFUSE


def test_vente_a_credit_payee_en_deux_fois(monde: Caisses) -> None:
    jour = hier()
    synchroniser(
        monde.terminal,
        monde.jeton,
        [
            vente_terminal(
                monde.article,
                sequence=1,
                jour=jour,
                quantite=3,
                paye=False,
                client_nom="Mama Nsimba",
                client_telephone="+243 81 234 5678",
            ),
            vente_terminal(
                monde.article,
                sequence=2,
                jour=jour,
                mode_paiement="CREDIT",
                client_nom="mama  nsimba",
                client_telephone="0812345678",
            ),
        ],
    )
    # Written with the sales, in the batch's transaction: no page had to be read first.
    assert Creance.objects.filter(boutique=monde.boutique).count() == 2
    (solde,) = soldes_clients(boutique=monde.boutique)
    # Same phone written two ways: one customer, 40 000 owed since yesterday.
    assert (solde.solde, solde.nombre, solde.age_jours) == (D("40000"), 2, 1)
    client = solde.client
    caisse = Caisse(boutique=monde.boutique, caissier=monde.caissier)
    cle = _cle()
    premier = credit_rembourser(
        client=client,
        caisse=caisse,
        canal=Canal.MPESA,
        devise=Devise.CDF,
        montant=D("35000"),
        cle=cle,
        utilisateur=monde.caissier,
    )
    assert (
        credit_rembourser(
            client=client,
            caisse=caisse,
            canal=Canal.MPESA,
            devise=Devise.CDF,
            montant=D("35000"),
            cle=cle,
            utilisateur=monde.caissier,
        ).pk
        == premier.pk
    )
    # Oldest sale first: the 30 000 one settled, 5 000 towards the second.
    assert sorted(a.montant_cdf for a in premier.affectations.all()) == [D("5000"), D("30000")]
    (ouverte,) = creances_ouvertes(client=client)
    assert ouverte.solde == D("5000")  # type: ignore[attr-defined]
    with pytest.raises(ErreurMetier) as exc:
        credit_rembourser(
            client=client,
            caisse=caisse,
            canal=Canal.CASH,
            devise=Devise.CDF,
            montant=D("6000"),
            cle=_cle(),
            utilisateur=monde.caissier,
        )
    assert exc.value.code == CodeErreur.PAIEMENT_INVALIDE
    # The rest paid in USD at today's rate, change in CDF.
    taux_fixer(boutique=monde.boutique, jour=timezone.localdate(), taux=D("2800"), utilisateur=monde.gerant)
    second = credit_rembourser(
        client=client,
        caisse=caisse,
        canal=Canal.CASH,
        devise=Devise.USD,
        montant=D("2"),
        cle=_cle(),
        utilisateur=monde.caissier,
    )
    assert (second.montant_cdf, second.monnaie_rendue_cdf) == (D("5600"), D("600"))
    assert soldes_clients(boutique=monde.boutique) == []
    assert creances_ouvertes(client=client) == []
    # Sales never edited.
    assert list(Vente.objects.order_by("pk").values_list("paye", "mode_paiement")) == [
        (False, "CASH"),
        (True, "CREDIT"),
    ]
    # Counted in today's closing of the till that received them.
    montants = dict(attendu_caisse(caisse=caisse, jour=timezone.localdate()).lignes())
    assert montants[(Canal.MPESA, Devise.CDF)] == D("35000")
    assert montants[(Canal.CASH, Devise.USD)] == D("2")
    assert montants[(Canal.CASH, Devise.CDF)] == D("-600")


def test_credit_annule_ne_doit_plus_rien(monde: Caisses) -> None:
    vente = _facture_web(monde, paye=False, client_nom="Papa Kabeya")
    assert soldes_clients(boutique=monde.boutique)[0].solde == D("10000")
    vente_annuler(vente=vente, utilisateur=monde.gerant, motif="Rendu")
    assert soldes_clients(boutique=monde.boutique) == []


def test_isolation_des_services(monde: Caisses) -> None:
    jour = hier()
    with pytest.raises(ErreurMetier) as exc:
        cloture_enregistrer(
            caisse=Caisse(boutique=monde.autre, terminal=monde.terminal_autre),
            jour=jour,
            comptes={},
            cle=_cle(),
            utilisateur=monde.gerant,
        )
    assert exc.value.code == CodeErreur.ACCES_REFUSE
    # A terminal of another shop cannot be passed off as a till of mine.
    with pytest.raises(ErreurMetier) as exc:
        mouvement_caisse_enregistrer(
            caisse=Caisse(boutique=monde.boutique, terminal=monde.terminal_autre),
            jour=jour,
            type_mouvement=TypeMouvementCaisse.APPORT,
            devise=Devise.CDF,
            montant=D("1"),
            motif="",
            cle=_cle(),
            utilisateur=monde.gerant,
        )
    assert exc.value.code == CodeErreur.ACCES_REFUSE


def test_sortie_sans_motif_refusee_et_montants_bornes(monde: Caisses) -> None:
    for montant, motif in ((D("100"), " "), (D("0"), "x"), (D("-1"), "x"), (D("1e15"), "x")):
        with pytest.raises(ErreurMetier):
            mouvement_caisse_enregistrer(
                caisse=_caisse(monde),
                jour=hier(),
                type_mouvement=TypeMouvementCaisse.SORTIE,
                devise=Devise.CDF,
                montant=montant,
                motif=motif,
                cle=_cle(),
                utilisateur=monde.caissier,
            )


def test_taux_par_jour_pour_les_rapports(monde: Caisses) -> None:
    from magasin.caisse.selectors import taux_par_jour

    jour = timezone.localdate()
    taux_fixer(boutique=monde.boutique, jour=jour - timedelta(days=5), taux=D("2700"), utilisateur=monde.gerant)
    taux_fixer(boutique=monde.boutique, jour=jour - timedelta(days=2), taux=D("2750"), utilisateur=monde.gerant)
    taux_fixer(
        boutique=monde.boutique, jour=jour - timedelta(days=2), taux=D("2760"), utilisateur=monde.gerant, motif="x"
    )
    par_jour = taux_par_jour(boutique=monde.boutique, debut=jour - timedelta(days=6), fin=jour)
    assert jour - timedelta(days=6) not in par_jour
    assert par_jour[jour - timedelta(days=4)] == D("2700")
    assert par_jour[jour - timedelta(days=2)] == D("2760")
    assert par_jour[jour] == D("2760")
