"""Random histories of a multi-shop, multi-terminal day: the invariants hold after every step.

A hypothesis state machine drives the real services (no mock) with random sequences of terminal
batches, resends (same or altered content), deliveries, losses, counts, web invoices (double
submits included), cancellations, quarantine replays and dismissals, and intruders acting on
another shop. Next to the database it keeps a small model of what must be true: the stock of
each article, the sale each accepted "envoi" became. After every step it checks:

- each stock equals its opening plus its movements, the ledger chain is whole, and it equals
  the stock the model computed from the services' answers;
- no stock is negative in a REFUSER shop;
- the server's invoice numbers of each shop and month are exactly 1..n (and the counter is n);
- every sale a terminal sent is recorded once or pending in quarantine, never both, never
  neither (a dismissed one is accounted for by the manager's decision);
- no row of one shop refers to a row of another shop.
"""

from __future__ import annotations

import itertools
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db.models import F
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from magasin.boutiques.models import Boutique, PolitiqueStock, Role, Terminal
from magasin.boutiques.tests.factories import BoutiqueFactory, MembreFactory, creer_terminal
from magasin.core.erreurs import CodeErreur, ErreurMetier
from magasin.stock.models import Article, MouvementStock
from magasin.stock.services import stock_ajuster, stock_entree, stock_sortie
from magasin.stock.tests.factories import creer_article
from magasin.stock.tests.invariants import verifier_registre
from magasin.ventes.entrees import VenteEntree, lire_vente
from magasin.ventes.models import (
    LigneVente,
    SequenceFacture,
    StatutQuarantaine,
    StatutVente,
    Vente,
    VenteQuarantaine,
)
from magasin.ventes.numerotation import mois_de
from magasin.ventes.services import (
    quarantaine_ecarter,
    quarantaine_rejouer,
    vente_annuler,
    vente_creer,
    ventes_synchroniser,
)

pytestmark = pytest.mark.django_db

_exemple = itertools.count(1)
ARTICLE_INEXISTANT = 10**12
STOCKS_OUVERTURE = (4, 10, 30)
PRIX = (Decimal("500.00"), Decimal("1250.50"), Decimal("25000.00"))
REFUS_VENTE = {
    CodeErreur.ARTICLE_INTROUVABLE,
    CodeErreur.STOCK_INSUFFISANT,
    CodeErreur.NUMERO_FACTURE_CONFLIT,
}

# One line of a generated sale: (article choice, quantity, price choice).
# Article choice 0..5 = an article of the terminal's own shop (mod 3), 6 = an article of the
# other shop, 7 = an id that exists nowhere.
lignes_st = st.lists(st.tuples(st.integers(0, 7), st.integers(1, 5), st.integers(0, 2)), min_size=1, max_size=3)
# identity: 0 = numero only, 1 = uuid only (the server numbers it), 2 = both,
# 3 = a number already sent by another terminal of the shop (a conflict, or a new sale if
# that number was never recorded).
vente_st = st.tuples(st.integers(0, 3), lignes_st, st.integers(0, 2))


@dataclass(frozen=True)
class Envoi:
    """A sale as a terminal sent it: its identity and its content fingerprint."""

    terminal_id: int
    numero: str
    uuid: str
    empreinte: str


def _cle_quarantaine(q: Any) -> tuple[int, str, str, str]:
    return (q.terminal_id, q.numero_facture, q.uuid, q.empreinte)


class Histoires(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        n = next(_exemple)
        self.boutiques = [
            BoutiqueFactory(code=f"HA{n}", politique_stock=PolitiqueStock.REFUSER),
            BoutiqueFactory(code=f"HB{n}", politique_stock=PolitiqueStock.AUTORISER_NEGATIF),
        ]
        self.articles: list[list[Article]] = [
            [creer_article(b, stock=s, prix="1000.00") for s in STOCKS_OUVERTURE] for b in self.boutiques
        ]
        self.stock: dict[int, int] = {a.pk: a.quantite_stock for liste in self.articles for a in liste}
        self.boutique_de_article = {a.pk: i for i, liste in enumerate(self.articles) for a in liste}
        self.terminaux: list[Terminal] = [creer_terminal(b)[0] for b in self.boutiques for _ in range(2)]
        # Two managers (one per shop) and a cashier of shop A.
        self.utilisateurs = [
            (MembreFactory(boutique=self.boutiques[0], role=Role.GERANT).utilisateur, 0, Role.GERANT),
            (MembreFactory(boutique=self.boutiques[1], role=Role.GERANT).utilisateur, 1, Role.GERANT),
            (MembreFactory(boutique=self.boutiques[0], role=Role.CAISSIER).utilisateur, 0, Role.CAISSIER),
        ]
        maintenant = timezone.now()
        # Sale dates: none (the server's clock), and two earlier months (offline for weeks).
        self.dates = [None, maintenant - timedelta(days=40), maintenant - timedelta(days=75)]
        self.compteur = itertools.count(1)
        self.lots: dict[int, list[list[dict[str, Any]]]] = defaultdict(list)  # terminal -> batches
        self.numeros: dict[int, list[tuple[int, str]]] = defaultdict(list)  # shop -> (terminal, n°)
        self.envois: set[Envoi] = set()
        self.vente_de_envoi: dict[Envoi, int] = {}
        self.lignes_de_vente: dict[int, list[tuple[int, int]]] = {}
        self.annulees: set[int] = set()
        self.ventes_web: dict[str, int] = {}
        self.refus = 0

    # --- helpers ------------------------------------------------------------------------------

    def _article_id(self, boutique: int, choix: int) -> int:
        if choix <= 5:
            return self.articles[boutique][choix % 3].pk
        if choix == 6:
            return self.articles[1 - boutique][0].pk
        return ARTICLE_INEXISTANT

    def _corps(self, t: int, identite: int, lignes: list[tuple[int, int, int]], date: int) -> dict[str, Any]:
        terminal = self.terminaux[t]
        b = t // 2
        k = next(self.compteur)
        corps: dict[str, Any] = {
            "lignes": [
                {"article_id": self._article_id(b, a), "quantite": q, "prix_unitaire": str(PRIX[p])}
                for a, q, p in lignes
            ]
        }
        if self.dates[date] is not None:
            corps["date_vente"] = self.dates[date].isoformat()
        autres = [num for tid, num in self.numeros[b] if tid != terminal.pk]
        if identite == 3 and autres:
            corps["numero_facture"] = autres[k % len(autres)]
        else:
            if identite in (0, 2, 3):
                corps["numero_facture"] = f"T{terminal.pk}-{k:04d}"
                self.numeros[b].append((terminal.pk, corps["numero_facture"]))
            if identite in (1, 2):
                corps["uuid"] = f"u-{terminal.pk}-{k}"
        return corps

    def _acteur(self, u: int, b: int) -> tuple[Any, int, Role]:
        """u < 3: the manager of shop b. u >= 3: an intruder (other shop's manager or a cashier)."""
        if u < 3:
            return self.utilisateurs[b]
        intrus = [x for x in self.utilisateurs if x[1] != b or x[2] != Role.GERANT]
        return intrus[u % len(intrus)]

    def _demande(self, lignes: Any) -> dict[int, int]:
        demande: dict[int, int] = defaultdict(int)
        for ligne in lignes:
            demande[ligne.article_id] += ligne.quantite
        return demande

    def _appliquer_vente(self, b: int, lignes: Any, signe: int) -> None:
        for article_id, quantite in self._demande(lignes).items():
            self.stock[article_id] += signe * quantite
            if signe < 0 and self.boutiques[b].politique_stock == PolitiqueStock.REFUSER:
                assert self.stock[article_id] >= 0, "a REFUSER shop accepted a sale beyond its stock"

    def _synchroniser(self, t: int, lot: list[dict[str, Any]]) -> None:
        terminal = self.terminaux[t]
        b = t // 2
        entrees = [lire_vente(c) for c in lot]
        resultat = ventes_synchroniser(terminal=terminal, ventes=entrees)
        assert len(resultat.resultats) == len(entrees)
        for r in resultat.resultats:
            envoi = Envoi(terminal.pk, r.entree.numero_facture or "", r.entree.uuid or "", r.empreinte)
            self.envois.add(envoi)
            if r.statut == "created":
                assert r.vente is not None and r.vente.pk is not None
                assert envoi not in self.vente_de_envoi, f"{envoi} recorded a second time"
                self.vente_de_envoi[envoi] = r.vente.pk
                self.lignes_de_vente[r.vente.pk] = [(x.article_id, x.quantite) for x in r.entree.lignes]
                self._appliquer_vente(b, r.entree.lignes, -1)
            elif r.statut == "already_exists":
                assert r.vente is not None
                connue = self.vente_de_envoi.get(envoi)
                assert connue == r.vente.pk, f"{envoi}: resend answered with sale {r.vente.pk}, model says {connue}"
            else:
                self.refus += 1
                assert r.erreur is not None and r.erreur.code in REFUS_VENTE, r.erreur
                assert envoi not in self.vente_de_envoi, f"{envoi} was recorded, its resend is refused"
                if r.erreur.code == CodeErreur.STOCK_INSUFFISANT:
                    assert self.boutiques[b].politique_stock == PolitiqueStock.REFUSER
                    demande = self._demande(r.entree.lignes)
                    assert any(q > self.stock[a] for a, q in demande.items()), "refused with enough stock"
                if r.erreur.code == CodeErreur.ARTICLE_INTROUVABLE:
                    assert any(self.boutique_de_article.get(x.article_id) != b for x in r.entree.lignes)

    # --- rules --------------------------------------------------------------------------------

    @initialize(ventes=st.lists(vente_st, min_size=4, max_size=4))
    def chaque_terminal_envoie_une_vente(self, ventes: list[Any]) -> None:
        for t, (identite, lignes, date) in enumerate(ventes):
            lot = [self._corps(t, identite, lignes, date)]
            self.lots[t].append(lot)
            self._synchroniser(t, lot)

    @rule(t=st.integers(0, 3), ventes=st.lists(vente_st, min_size=1, max_size=4))
    def envoyer_un_lot(self, t: int, ventes: list[Any]) -> None:
        lot = [self._corps(t, identite, lignes, date) for identite, lignes, date in ventes]
        self.lots[t].append(lot)
        self._synchroniser(t, lot)

    @rule(t=st.integers(0, 3), choix=st.integers(0, 10**6), alterer=st.integers(0, 3))
    def renvoyer_un_lot(self, t: int, choix: int, alterer: int) -> None:
        if not self.lots[t]:
            return
        lot = [dict(c) for c in self.lots[t][choix % len(self.lots[t])]]
        if alterer:
            # Same identity, other content: one more unit on the first line of one sale.
            i = alterer % len(lot)
            lignes = [dict(x) for x in lot[i]["lignes"]]
            lignes[0]["quantite"] += 1
            lot[i] = {**lot[i], "lignes": lignes}
        self._synchroniser(t, lot)

    @rule(b=st.integers(0, 1), a=st.integers(0, 2), quantite=st.integers(1, 20))
    def livrer(self, b: int, a: int, quantite: int) -> None:
        article = self.articles[b][a]
        stock_entree(article=article, quantite=quantite, acteur=None)
        self.stock[article.pk] += quantite

    @rule(b=st.integers(0, 1), a=st.integers(0, 2), quantite=st.integers(1, 8))
    def perdre(self, b: int, a: int, quantite: int) -> None:
        article = self.articles[b][a]
        try:
            stock_sortie(article=article, quantite=quantite, acteur=None, motif="casse")
        except ErreurMetier as e:
            assert e.code == CodeErreur.STOCK_INSUFFISANT
            assert self.boutiques[b].politique_stock == PolitiqueStock.REFUSER
            assert quantite > self.stock[article.pk]
            return
        self.stock[article.pk] -= quantite

    @rule(b=st.integers(0, 1), a=st.integers(0, 2), compte=st.integers(0, 25))
    def compter(self, b: int, a: int, compte: int) -> None:
        article = self.articles[b][a]
        stock_ajuster(article=article, quantite_comptee=compte, acteur=None, motif="inventaire")
        self.stock[article.pk] = compte

    @rule(u=st.integers(0, 4), b=st.integers(0, 1), lignes=lignes_st, double=st.booleans())
    def facturer_au_web(self, u: int, b: int, lignes: list[Any], double: bool) -> None:
        utilisateur, sa_boutique, _ = self._acteur(u, b)
        uuid = f"web-{next(self.compteur)}"
        entree = VenteEntree.model_validate(
            {
                "uuid": uuid,
                "lignes": [
                    {"article_id": self._article_id(b, a), "quantite": q, "prix_unitaire": str(PRIX[p])}
                    for a, q, p in lignes
                ],
            }
        )
        for envoi in range(2 if double else 1):
            try:
                r = vente_creer(boutique=self.boutiques[b], utilisateur=utilisateur, entree=entree)
            except ErreurMetier as e:
                if sa_boutique != b:
                    assert e.code == CodeErreur.ACCES_REFUSE
                else:
                    assert e.code in REFUS_VENTE - {CodeErreur.NUMERO_FACTURE_CONFLIT}, e
                return
            assert sa_boutique == b, "a user invoiced in a shop that is not his"
            assert r.vente is not None
            if envoi == 0:
                assert r.statut == "created"
                self.ventes_web[uuid] = r.vente.pk
                self.lignes_de_vente[r.vente.pk] = [(x.article_id, x.quantite) for x in entree.lignes]
                self._appliquer_vente(b, entree.lignes, -1)
            else:
                assert (r.statut, r.vente.pk) == ("already_exists", self.ventes_web[uuid])

    @precondition(lambda self: self.lignes_de_vente)
    @rule(u=st.integers(0, 4), choix=st.integers(0, 10**6))
    def annuler(self, u: int, choix: int) -> None:
        ventes = list(Vente.objects.filter(boutique__in=self.boutiques).order_by("pk").values_list("pk", flat=True))
        if not ventes:
            return
        pk = ventes[choix % len(ventes)]
        vente = Vente.objects.get(pk=pk)
        b = self.boutiques.index(vente.boutique)
        utilisateur, sa_boutique, role = self._acteur(u, b)
        try:
            vente_annuler(vente=vente, utilisateur=utilisateur, motif="erreur de caisse")
        except ErreurMetier as e:
            if sa_boutique != b or role != Role.GERANT:
                assert e.code == CodeErreur.ACCES_REFUSE
            else:
                assert e.code == CodeErreur.VENTE_DEJA_ANNULEE and pk in self.annulees
            return
        assert sa_boutique == b and role == Role.GERANT, "cancelled without the right"
        assert pk not in self.annulees, "cancelled twice"
        self.annulees.add(pk)
        for article_id, quantite in self.lignes_de_vente[pk]:
            self.stock[article_id] += quantite

    @precondition(lambda self: self.refus)
    @rule(u=st.integers(0, 4), choix=st.integers(0, 10**6), renumeroter=st.booleans(), ecarter=st.integers(0, 3))
    def traiter_la_quarantaine(self, u: int, choix: int, renumeroter: bool, ecarter: int) -> None:
        entrees = list(VenteQuarantaine.objects.filter(boutique__in=self.boutiques).order_by("pk"))
        en_attente = [q for q in entrees if q.statut == StatutQuarantaine.EN_ATTENTE]
        if not entrees:
            return
        # Mostly a pending entry; sometimes any (an already handled one must be refused).
        liste = en_attente if en_attente and choix % 4 else entrees
        q = liste[choix % len(liste)]
        b = self.boutiques.index(q.boutique)
        utilisateur, sa_boutique, role = self._acteur(u, b)
        etait_en_attente = q.statut == StatutQuarantaine.EN_ATTENTE
        if etait_en_attente and q.code == CodeErreur.STOCK_INSUFFISANT and choix % 2:
            # The manager gets the missing goods delivered first, then replays.
            for article_id, quantite in self._demande(VenteEntree.model_validate(q.payload).lignes).items():
                if article_id in self.stock:
                    self.livrer(b, [a.pk for a in self.articles[b]].index(article_id), quantite)
        try:
            if ecarter == 3:  # mostly replays, sometimes a dismissal
                quarantaine_ecarter(quarantaine=q, utilisateur=utilisateur, motif="doublon papier")
            else:
                quarantaine_rejouer(quarantaine=q, utilisateur=utilisateur, renumeroter=renumeroter)
        except ErreurMetier as e:
            if sa_boutique != b or role != Role.GERANT:
                assert e.code == CodeErreur.ACCES_REFUSE
            elif not etait_en_attente:
                assert e.code == CodeErreur.QUARANTAINE_DEJA_TRAITEE
            else:
                assert ecarter != 3 and e.code in REFUS_VENTE, e
                q.refresh_from_db()
                assert q.statut == StatutQuarantaine.EN_ATTENTE and q.code == e.code.value
            return
        assert sa_boutique == b and role == Role.GERANT and etait_en_attente
        q.refresh_from_db()
        if ecarter == 3:
            assert q.statut == StatutQuarantaine.ECARTEE
            return
        assert q.statut == StatutQuarantaine.REJOUEE and q.vente_id is not None
        envoi = Envoi(q.terminal_id, q.numero_facture, q.uuid, q.empreinte)
        assert envoi not in self.vente_de_envoi, f"{envoi} replayed into a second sale"
        self.vente_de_envoi[envoi] = q.vente_id
        entree = VenteEntree.model_validate(q.payload)
        self.lignes_de_vente[q.vente_id] = [(x.article_id, x.quantite) for x in entree.lignes]
        self._appliquer_vente(b, entree.lignes, -1)

    # --- invariants ---------------------------------------------------------------------------

    @invariant()
    def stock_egal_ouverture_plus_mouvements_et_au_modele(self) -> None:
        articles = [a for liste in self.articles for a in liste]
        verifier_registre(*articles)
        en_base = dict(Article.objects.filter(pk__in=self.stock).values_list("pk", "quantite_stock"))
        assert en_base == self.stock
        refuser = Article.objects.filter(boutique__in=self.boutiques, boutique__politique_stock=PolitiqueStock.REFUSER)
        assert not refuser.filter(quantite_stock__lt=0).exists()
        assert not MouvementStock.objects.filter(
            article__in=articles, stock_apres__lt=0, boutique__politique_stock=PolitiqueStock.REFUSER
        ).exists()

    @invariant()
    def numeros_du_serveur_de_1_a_n_par_boutique_et_par_mois(self) -> None:
        for boutique in self.boutiques:
            prefixe = re.escape(f"{boutique.prefixe_facture}-{boutique.code}-")
            motif = re.compile(rf"^{prefixe}(\d{{4}})(\d{{2}})-(\d{{5}})$")
            par_mois: dict[tuple[int, int], list[int]] = defaultdict(list)
            for numero, date_vente in Vente.objects.filter(boutique=boutique).values_list(
                "numero_facture", "date_vente"
            ):
                m = motif.match(numero)
                if m:
                    mois = (int(m[1]), int(m[2]))
                    assert mois == mois_de(date_vente), f"{numero} numbered in the wrong month"
                    par_mois[mois].append(int(m[3]))
            compteurs = {(s.annee, s.mois): s.dernier_numero for s in SequenceFacture.objects.filter(boutique=boutique)}
            for mois, numeros in par_mois.items():
                assert sorted(numeros) == list(range(1, len(numeros) + 1)), (
                    boutique.code,
                    mois,
                    sorted(numeros),
                )
                assert compteurs[mois] == len(numeros)
            assert set(compteurs) == set(par_mois)

    @invariant()
    def chaque_vente_envoyee_enregistree_une_fois_ou_en_quarantaine(self) -> None:
        terminaux = [t.pk for t in self.terminaux]
        par_identite: dict[tuple[int, str, str, str], set[int]] = defaultdict(set)
        for pk, tid, numero, uuid, empreinte in Vente.objects.filter(terminal_id__in=terminaux).values_list(
            "pk", "terminal_id", "numero_facture", "uuid", "empreinte"
        ):
            par_identite[(tid, "uuid", uuid or "", empreinte)].add(pk)
            par_identite[(tid, "numero", numero, empreinte)].add(pk)
        rejouees: dict[tuple[int, str, str, str], set[int]] = defaultdict(set)
        en_attente: dict[tuple[int, str, str, str], int] = defaultdict(int)
        ecartees: dict[tuple[int, str, str, str], int] = defaultdict(int)
        for q in VenteQuarantaine.objects.filter(terminal_id__in=terminaux):
            cle = _cle_quarantaine(q)
            if q.statut == StatutQuarantaine.REJOUEE:
                assert q.vente_id is not None
                rejouees[cle].add(q.vente_id)
            elif q.statut == StatutQuarantaine.EN_ATTENTE:
                en_attente[cle] += 1
            else:
                ecartees[cle] += 1
        for e in self.envois:
            cle = (e.terminal_id, e.numero, e.uuid, e.empreinte)
            identite = (
                (e.terminal_id, "uuid", e.uuid, e.empreinte)
                if e.uuid
                else (e.terminal_id, "numero", e.numero, e.empreinte)
            )
            enregistree = par_identite.get(identite, set()) | rejouees.get(cle, set())
            assert len(enregistree) <= 1, f"{e} recorded {len(enregistree)} times"
            assert en_attente[cle] <= 1, f"{e} pending {en_attente[cle]} times in quarantine"
            assert not (enregistree and en_attente[cle]), f"{e} both recorded and pending"
            assert enregistree or en_attente[cle] or ecartees[cle], f"{e} neither recorded nor kept"
            if enregistree:
                assert enregistree == {self.vente_de_envoi[e]}

    @invariant()
    def aucune_ligne_ne_renvoie_a_une_autre_boutique(self) -> None:
        assert not LigneVente.objects.exclude(boutique_id=F("vente__boutique_id")).exists()
        assert not LigneVente.objects.exclude(boutique_id=F("article__boutique_id")).exists()
        assert not MouvementStock.objects.exclude(boutique_id=F("article__boutique_id")).exists()
        assert not Vente.objects.filter(terminal__isnull=False).exclude(boutique_id=F("terminal__boutique_id")).exists()
        assert not VenteQuarantaine.objects.exclude(boutique_id=F("terminal__boutique_id")).exists()
        assert (
            not VenteQuarantaine.objects.filter(vente__isnull=False)
            .exclude(boutique_id=F("vente__boutique_id"))
            .exists()
        )
        # Cancelled sales are those the model cancelled, and no other.
        annulees = set(
            Vente.objects.filter(boutique__in=self.boutiques, statut=StatutVente.ANNULEE).values_list("pk", flat=True)
        )
        assert annulees == self.annulees
        assert Boutique.objects.filter(pk__in=[b.pk for b in self.boutiques]).count() == 2


def test_histoires_aleatoires_les_invariants_tiennent_apres_chaque_pas():
    run_state_machine_as_test(
        Histoires,
        settings=settings(
            max_examples=25,
            stateful_step_count=40,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
