"""Recording sales: the one path shared by terminal sync, web invoicing and quarantine replay.

A batch is one transaction. Its shop row is locked first, then its articles in pk order (the
fixed order that rules out deadlocks between writers of one shop); every decision is then made
in memory against the locked stock, and the accepted sales, their lines and their ledger rows
are written in bulk. A refused sale writes nothing but its quarantine record, so one bad sale
never blocks the others and a sale is all or nothing.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, Literal

from django.db import transaction
from django.db.models import JSONField, Max, Prefetch, Q, Value
from django.utils import timezone

from magasin.boutiques.acces import Utilisateur, auteur_connu, exiger_role, nom_auteur
from magasin.boutiques.models import Boutique, Role, Terminal
from magasin.boutiques.services import boutique_verrouiller, terminal_marquer_synchro, terminal_noter_champs_inconnus
from magasin.core.db import plans_generiques, reessayer_si_interblocage, verrouiller
from magasin.core.erreurs import CodeErreur, ErreurMetier
from magasin.core.formats import arrondir, montant_chaine
from magasin.stock.models import MouvementStock, TypeMouvement
from magasin.stock.selectors import StatistiquesStock, statistiques_stock
from magasin.stock.services import RegistreStock, registre_ouvrir
from magasin.ventes.agregats import agregats_mettre_a_jour
from magasin.ventes.entrees import VenteEntree, VenteLue, lire_vente
from magasin.ventes.models import (
    LigneRetour,
    LigneVente,
    OrigineVente,
    Retour,
    SequenceRecue,
    StatutQuarantaine,
    StatutVente,
    Vente,
    VenteQuarantaine,
)
from magasin.ventes.numerotation import formater_numero, mois_de, numeros_reserver
from magasin.ventes.selectors import quantites_retournees
from magasin.ventes.signaux import annoncer_vente_modifiee, annoncer_ventes_enregistrees

logger = logging.getLogger("magasin.ventes")

TOLERANCE_MONTANT = Decimal("0.01")
MESSAGE_DOUBLON = "Vente déjà synchronisée (doublon évité)"

Statut = Literal["created", "already_exists", "refused"]


@dataclass
class ResultatVente:
    index: int  # 1-based, as the original API reported it
    lue: VenteLue  # the sale as read, or why it could not be read
    empreinte: str
    statut: Statut = "refused"
    vente: Vente | None = None
    lignes: list[LigneVente] = field(default_factory=list)  # the sale's lines, articles cached
    erreur: ErreurMetier | None = None
    avertissements: list[str] = field(default_factory=list)
    quarantaine_id: int | None = None

    @property
    def entree(self) -> VenteEntree | None:
        return self.lue.entree

    @property
    def cle_quarantaine(self) -> tuple[str, str, str]:
        return (self.empreinte, self.lue.numero_facture or "", self.lue.uuid or "")


@dataclass
class ResultatLot:
    boutique: Boutique
    terminal: Terminal | None
    resultats: list[ResultatVente]
    statistiques: StatistiquesStock

    def _compter(self, *statuts: Statut) -> int:
        return sum(1 for r in self.resultats if r.statut in statuts)

    @property
    def acceptees(self) -> list[ResultatVente]:
        return [r for r in self.resultats if r.statut != "refused"]

    @property
    def refusees(self) -> list[ResultatVente]:
        return [r for r in self.resultats if r.statut == "refused"]

    @property
    def nouvelles(self) -> int:
        return self._compter("created")

    @property
    def doublons(self) -> int:
        return self._compter("already_exists")


# --- Identity of a sale -----------------------------------------------------------------------
#
# A sale is known by the first of: its uuid; its numero_facture in the shop; its terminal's
# counter (`sequence`) when it has neither; its content and date from the same terminal when it
# has none of them. Same identity with another content is a conflict, never a merge. The
# content is compared by fingerprint (`VenteEntree.empreinte`), which ignores how values are
# written. A sale brought over from the old system (origine IMPORT) cannot be fingerprinted as
# its terminal would send it: its terminal and number are enough.


def _conflit(numero: str | None, raison: str) -> ErreurMetier:
    return ErreurMetier(
        CodeErreur.NUMERO_FACTURE_CONFLIT,
        f"Numéro de facture {numero or '(sans numéro)'} : {raison}. "
        "La vente est gardée en quarantaine, rien n'a été fusionné.",
        numero_facture=numero,
    )


def _meme_vente(existante: Vente, *, terminal: Terminal | None, empreinte: str) -> bool:
    terminal_id = terminal.pk if terminal else None
    if existante.terminal_id != terminal_id:
        return False
    return existante.origine == OrigineVente.IMPORT or existante.empreinte == empreinte


def _seconde(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(microsecond=0)


@dataclass
class Connues:
    """What the shop already holds that a sale of the batch may be a resend of."""

    par_numero: dict[str, Vente] = field(default_factory=dict)
    par_uuid: dict[str, Vente] = field(default_factory=dict)
    par_sequence: dict[int, Vente] = field(default_factory=dict)
    par_contenu: dict[tuple[str, datetime], Vente] = field(default_factory=dict)
    # Quarantine entries of the terminal for the batch's contents, keyed by identity:
    rejouees: dict[tuple[str, str, str], Vente] = field(default_factory=dict)
    en_attente: dict[tuple[str, str, str], VenteQuarantaine] = field(default_factory=dict)

    def retenir(self, vente: Vente, entree: VenteEntree, empreinte: str) -> None:
        """Let later sales of the same batch see this one (a batch may repeat a sale)."""
        if vente.numero_facture:
            self.par_numero[vente.numero_facture] = vente
        if vente.uuid:
            self.par_uuid[vente.uuid] = vente
        if not entree.numero_facture and not entree.uuid:
            if entree.sequence is not None:
                self.par_sequence[entree.sequence] = vente
            elif entree.date_vente is not None:
                self.par_contenu[(empreinte, _seconde(entree.date_vente))] = vente


def _identifier(entree: VenteEntree, empreinte: str, terminal: Terminal | None, connues: Connues) -> Vente | None:
    """The sale already recorded as this one (a resend), None if new; raise on a conflict."""
    if entree.uuid:
        existante = connues.par_uuid.get(entree.uuid)
        if existante is not None:
            if _meme_vente(existante, terminal=terminal, empreinte=empreinte):
                return existante
            raise _conflit(entree.numero_facture, "même uuid qu'une vente déjà reçue, contenu différent")
        if entree.numero_facture and entree.numero_facture in connues.par_numero:
            raise _conflit(entree.numero_facture, "déjà utilisé dans la boutique par une autre vente")
        return None
    if entree.numero_facture:
        existante = connues.par_numero.get(entree.numero_facture)
        if existante is None:
            return None
        if _meme_vente(existante, terminal=terminal, empreinte=empreinte):
            return existante
        if existante.terminal_id != (terminal.pk if terminal else None):
            raise _conflit(entree.numero_facture, "déjà utilisé dans la boutique par un autre terminal")
        raise _conflit(entree.numero_facture, "déjà reçu avec un contenu différent")
    if entree.sequence is not None:
        existante = connues.par_sequence.get(entree.sequence)
        if existante is None or _meme_vente(existante, terminal=terminal, empreinte=empreinte):
            return existante
        raise ErreurMetier(
            CodeErreur.NUMERO_FACTURE_CONFLIT,
            f"Séquence {entree.sequence} du terminal déjà reçue avec un contenu différent "
            f"(facture {existante.numero_facture}). La vente est gardée en quarantaine.",
            sequence=entree.sequence,
        )
    if entree.date_vente is not None:
        return connues.par_contenu.get((empreinte, _seconde(entree.date_vente)))
    return None


def _charger_connues(boutique: Boutique, terminal: Terminal | None, lues: Sequence[VenteLue]) -> Connues:
    """Read, under the shop lock, every recorded sale and quarantine entry that a sale of the
    batch may be a resend of: a few queries for the whole batch, none for a batch of new sales
    without identity-less ones."""
    connues = Connues()
    entrees = [lue.entree for lue in lues if lue.entree is not None]
    numeros = {e.numero_facture for e in entrees if e.numero_facture}
    uuids = {e.uuid for e in entrees if e.uuid}
    anonymes = [e for e in entrees if not e.numero_facture and not e.uuid]
    sequences = {e.sequence for e in anonymes if e.sequence is not None}
    dates = {_seconde(e.date_vente) for e in anonymes if e.sequence is None and e.date_vente is not None}
    lignes = Prefetch("lignes", queryset=LigneVente.objects.select_related("article"))
    identites = Q(pk__in=[])
    if numeros:
        identites |= Q(numero_facture__in=numeros)
    if uuids:
        identites |= Q(uuid__in=uuids)
    if terminal is not None and sequences:
        identites |= Q(terminal=terminal, sequence_terminal__in=sequences, numero_attribue=True)
    if terminal is not None and dates:
        for seconde in dates:
            identites |= Q(
                terminal=terminal,
                date_vente__gte=seconde,
                date_vente__lt=seconde + timedelta(seconds=1),
                numero_attribue=True,
                uuid__isnull=True,
                sequence_terminal__isnull=True,
            )
    if numeros or uuids or (terminal is not None and (sequences or dates)):
        for vente in Vente.objects.filter(identites, boutique=boutique).prefetch_related(lignes):
            _ranger(connues, vente, numeros, uuids)
    if terminal is not None and lues:
        _charger_quarantaine(connues, terminal, {lue.empreinte() for lue in lues})
    return connues


def _ranger(connues: Connues, vente: Vente, numeros: set[str], uuids: set[str]) -> None:
    if vente.numero_facture in numeros:
        connues.par_numero[vente.numero_facture] = vente
    if vente.uuid and vente.uuid in uuids:
        connues.par_uuid[vente.uuid] = vente
    if vente.numero_attribue and not vente.uuid:
        if vente.sequence_terminal is not None:
            connues.par_sequence[vente.sequence_terminal] = vente
        else:
            connues.par_contenu[(vente.empreinte, _seconde(vente.date_vente))] = vente


def _charger_quarantaine(connues: Connues, terminal: Terminal, empreintes: set[str]) -> None:
    """The terminal's pending or replayed quarantine entries for the batch's contents.

    A sale replayed from quarantine (maybe under a server number) and sent again by its
    terminal is a resend of the sale it became; a pending one is kept up to date by
    `_tenir_quarantaine` after the decisions.
    """
    entrees = (
        VenteQuarantaine.objects.filter(
            terminal=terminal,
            statut__in=[StatutQuarantaine.EN_ATTENTE, StatutQuarantaine.REJOUEE],
            empreinte__in=sorted(empreintes),
        )
        .select_related("vente")
        .prefetch_related(Prefetch("vente__lignes", queryset=LigneVente.objects.select_related("article")))
    )
    for q in entrees:
        cle = (q.empreinte, q.numero_facture, q.uuid)
        if q.statut == StatutQuarantaine.EN_ATTENTE:
            connues.en_attente[cle] = q
        elif q.vente is not None:
            connues.rejouees[cle] = q.vente


# --- The batch ----------------------------------------------------------------------------------

AVERTISSEMENT_SANS_IDENTITE = (
    "Vente sans numero_facture, uuid, sequence ni date_vente : un renvoi ne pourra pas être "
    "reconnu et serait enregistré une seconde fois."
)


@dataclass(frozen=True)
class Application:
    """What a terminal's app says about itself and sends beyond the contract, for its record."""

    user_agent: str = ""
    version: str = ""
    champs_enveloppe: dict[str, Any] = field(default_factory=dict)


@dataclass
class Lot:
    """One batch being recorded: the context every step shares, inside its transaction."""

    boutique: Boutique
    terminal: Terminal | None
    auteur: Utilisateur | None
    origine: OrigineVente
    maintenant: datetime
    registre: RegistreStock
    connues: Connues
    nouvelles: list[tuple[Vente, list[LigneVente], list[MouvementStock]]] = field(default_factory=list)
    lignes_du_lot: dict[int, list[LigneVente]] = field(default_factory=dict)  # by id() of a new sale


def _commentaire_vente(numero: str, prix: Decimal, devise: str) -> str:
    return f"Vente #{numero} - Prix: {montant_chaine(prix)} {devise}"


@reessayer_si_interblocage
def _enregistrer_lot(
    *,
    boutique_id: int,
    terminal: Terminal | None,
    auteur: Utilisateur | None,
    lues: Sequence[VenteLue],
    origine: OrigineVente,
    quarantaine: bool,
    application: Application | None = None,
) -> tuple[Boutique, list[ResultatVente]]:
    """Decide and record every sale of a batch in one transaction; see the module docstring."""
    maintenant = timezone.now()
    signature = terminal.nom_terminal if terminal else nom_auteur(auteur)
    # Before the locks: other writers of the shop wait for as little as possible.
    resultats = [ResultatVente(index=i, lue=lue, empreinte=lue.empreinte()) for i, lue in enumerate(lues, 1)]
    article_ids = {lg.article_id for lue in lues if lue.entree is not None for lg in lue.entree.lignes}
    with transaction.atomic():
        plans_generiques()
        # Lock order for every writer of a shop: shop row, then articles by pk.
        boutique = boutique_verrouiller(boutique_id)
        lot = Lot(
            boutique=boutique,
            terminal=terminal,
            auteur=auteur,
            origine=origine,
            maintenant=maintenant,
            registre=registre_ouvrir(
                boutique=boutique, article_ids=article_ids, utilisateur=signature, moment=maintenant
            ),
            connues=_charger_connues(boutique, terminal, lues),
        )
        for resultat in resultats:
            _decider(lot, resultat)
        _numeroter(boutique, [v for v, _, _ in lot.nouvelles if not v.numero_facture], lot.connues.par_numero)
        _ecrire(lot)
        if terminal is not None:
            _tenir_quarantaine(boutique, terminal, resultats, maintenant, quarantaine, lot.connues.en_attente)
            _suivre_terminal(lot, terminal, resultats, application)
    _journaliser_refus(boutique, terminal, resultats)
    return boutique, resultats


def _decider(lot: Lot, resultat: ResultatVente) -> None:
    """What happens to one sale: refused, recognised as a resend, or accepted (built, not written)."""
    entree = resultat.entree
    lue = resultat.lue
    # A sale replayed from quarantine (after a manager's correction, maybe under a server
    # number) and sent again as it was is a resend of the sale it became.
    if lue.numero_facture or lue.uuid or entree is None:
        existante = lot.connues.rejouees.get(resultat.cle_quarantaine)
        if existante is not None:
            _reconnaitre(lot, resultat, existante)
            return
    if entree is None:
        resultat.erreur = lue.erreur
        return
    try:
        existante = _identifier(entree, resultat.empreinte, lot.terminal, lot.connues)
        if existante is not None:
            _reconnaitre(lot, resultat, existante)
            return
        _verifier_articles_et_stock(lot.registre, entree)
    except ErreurMetier as erreur:
        resultat.erreur = erreur
        return
    vente, lignes, mouvements = _construire_vente(lot, resultat)
    resultat.statut = "created"
    resultat.vente = vente
    resultat.lignes = lignes
    if not entree.numero_facture and not entree.uuid and entree.sequence is None and entree.date_vente is None:
        resultat.avertissements.append(AVERTISSEMENT_SANS_IDENTITE)
    lot.lignes_du_lot[id(vente)] = lignes
    lot.nouvelles.append((vente, lignes, mouvements))
    lot.connues.retenir(vente, entree, resultat.empreinte)


def _reconnaitre(lot: Lot, resultat: ResultatVente, existante: Vente) -> None:
    resultat.statut = "already_exists"
    resultat.vente = existante
    deja_dans_le_lot = lot.lignes_du_lot.get(id(existante))
    # Else recorded before: its lines were prefetched with their articles.
    resultat.lignes = deja_dans_le_lot if deja_dans_le_lot is not None else list(existante.lignes.all())


def _verifier_articles_et_stock(registre: RegistreStock, entree: VenteEntree) -> None:
    quantites: dict[int, int] = {}
    for ligne in entree.lignes:
        article = registre.article(ligne.article_id)
        if article is None or not article.est_actif:
            # Same words whether the id exists in another shop or nowhere.
            raise ErreurMetier(
                CodeErreur.ARTICLE_INTROUVABLE,
                f"Article {ligne.article_id} introuvable dans cette boutique.",
                article_id=ligne.article_id,
            )
        quantites[ligne.article_id] = quantites.get(ligne.article_id, 0) + ligne.quantite
    registre.verifier_sorties(quantites)


def _construire_vente(lot: Lot, resultat: ResultatVente) -> tuple[Vente, list[LigneVente], list[MouvementStock]]:
    """The accepted sale, its lines and its ledger rows, unsaved (written in bulk by `_ecrire`)."""
    entree = resultat.entree
    assert entree is not None
    boutique, terminal, registre = lot.boutique, lot.terminal, lot.registre
    cree_par = auteur_connu(lot.auteur)
    vente = Vente(
        boutique=boutique,
        terminal=terminal,
        numero_facture=entree.numero_facture or "",
        numero_attribue=not entree.numero_facture,
        uuid=entree.uuid,
        origine=lot.origine,
        mode_paiement=entree.mode_paiement,
        mode_paiement_libelle=entree.mode_paiement_libelle,
        paye=entree.paye,
        date_vente=entree.date_vente or lot.maintenant,
        date_synchro=lot.maintenant,
        empreinte=resultat.empreinte,
        sequence_terminal=entree.sequence,
        client_nom=entree.client_nom,
        client_telephone=entree.client_telephone,
        champs_inconnus=resultat.lue.champs_inconnus or None,
        cree_par=cree_par,
    )
    # The sale gets its id when written (`_ecrire`); each line takes the article's average
    # cost in force now, when the sale is recorded (a late offline sale is costed on arrival).
    # An average of 0 means never costed (no receipt yet): the line's cost is unknown (NULL).
    lignes = [
        LigneVente(
            vente=vente,
            article=registre.articles[lg.article_id],
            boutique=boutique,
            quantite=lg.quantite,
            prix_unitaire=lg.prix_unitaire,
            total_ligne=arrondir(lg.prix_unitaire * lg.quantite),
            cout_unitaire=registre.articles[lg.article_id].cout_moyen or None,
        )
        for lg in entree.lignes
    ]
    vente.montant_total = sum((lg.total_ligne for lg in lignes), Decimal("0.00"))
    if entree.montant_total is not None and abs(entree.montant_total - vente.montant_total) > TOLERANCE_MONTANT:
        vente.montant_declare = entree.montant_total
        resultat.avertissements.append(
            f"montant_total envoyé ({montant_chaine(entree.montant_total)}) différent du "
            f"total des lignes ({montant_chaine(vente.montant_total)}) : le total des "
            "lignes est retenu, le montant envoyé est conservé."
        )
    mouvements = [
        registre.mouvement(article_id=lg.article_id, quantite=-lg.quantite, type_mouvement=TypeMouvement.VENTE)
        for lg in entree.lignes
    ]
    return vente, lignes, mouvements


def _ecrire(lot: Lot) -> None:
    """Write the accepted sales, then their lines, then the ledger rows and stock, in bulk."""
    for vente, lignes, mouvements in lot.nouvelles:
        for ligne, mouvement in zip(lignes, mouvements, strict=True):
            mouvement.reference_document = vente.numero_facture
            mouvement.commentaire = _commentaire_vente(vente.numero_facture, ligne.prix_unitaire, lot.boutique.devise)
    if lot.nouvelles:
        ventes = [v for v, _, _ in lot.nouvelles]
        Vente.objects.bulk_create(ventes, batch_size=500)
        if any(v.pk is None for v in ventes):
            # MySQL (unlike MariaDB) cannot return ids from a bulk insert: read them back by number.
            ids = dict(
                Vente.objects.filter(
                    boutique=lot.boutique, numero_facture__in=[v.numero_facture for v in ventes]
                ).values_list("numero_facture", "pk")
            )
            for v in ventes:
                v.pk = ids[v.numero_facture]
        # A late sale of a summarised day takes that day back to live sums (no query for today's).
        agregats_mettre_a_jour(ventes)
        annoncer_ventes_enregistrees(ventes)
        toutes_lignes = []
        for vente, lignes, _ in lot.nouvelles:
            for ligne in lignes:
                ligne.vente_id = vente.pk
                toutes_lignes.append(ligne)
        LigneVente.objects.bulk_create(toutes_lignes, batch_size=1000)
    lot.registre.ecrire()


def _suivre_terminal(
    lot: Lot, terminal: Terminal, resultats: list[ResultatVente], application: Application | None
) -> None:
    """The terminal's counters received (gap detection), the unknown fields it sends, and its
    last contact; last, in the batch's transaction, the terminal row locked after the shop and
    its articles, as everywhere."""
    sequences = [
        SequenceRecue(
            terminal=terminal, boutique=lot.boutique, sequence=r.entree.sequence, date_reception=lot.maintenant
        )
        for r in resultats
        if r.entree is not None and r.entree.sequence is not None
    ]
    if sequences:
        SequenceRecue.objects.bulk_create(sequences, ignore_conflicts=True, batch_size=1000)
    if application is None:
        return
    champs = {f"enveloppe.{cle}": valeur for cle, valeur in application.champs_enveloppe.items()}
    for r in resultats:
        inconnus = r.lue.champs_inconnus
        champs.update({f"vente.{cle}": valeur for cle, valeur in inconnus.get("vente", {}).items()})
        for ligne in inconnus.get("lignes", {}).values():
            champs.update({f"ligne.{cle}": valeur for cle, valeur in ligne.items()})
    terminal_noter_champs_inconnus(terminal=terminal, champs=champs, moment=lot.maintenant)
    terminal_marquer_synchro(
        terminal=terminal, moment=lot.maintenant, user_agent=application.user_agent, version_app=application.version
    )


def _journaliser_refus(boutique: Boutique, terminal: Terminal | None, resultats: list[ResultatVente]) -> None:
    for r in resultats:
        if r.erreur is not None:
            logger.info(
                "vente refusée",
                extra={
                    "evenement": "vente_refusee",
                    "boutique": boutique.code,
                    "terminal": terminal.numero_serie if terminal else None,
                    "numero_facture": r.lue.numero_facture,
                    "code": r.erreur.code.value,
                    "raison": r.erreur.message,
                    "quarantaine_id": r.quarantaine_id,
                },
            )


def _numeroter(boutique: Boutique, ventes: list[Vente], pris: dict[str, Vente]) -> None:
    """Give server numbers to the accepted sales that came without one, month by month."""
    par_mois: dict[tuple[int, int], list[Vente]] = defaultdict(list)
    for vente in ventes:
        par_mois[mois_de(vente.date_vente)].append(vente)
    for (annee, mois), groupe in sorted(par_mois.items()):
        a_numeroter = groupe
        # A terminal may have sent a number in our own format: skip over any already taken.
        # Each round consumes the colliding numbers, so this ends.
        while a_numeroter:
            numeros = numeros_reserver(boutique=boutique, annee=annee, mois=mois, combien=len(a_numeroter))
            candidats = [formater_numero(boutique=boutique, annee=annee, mois=mois, numero=n) for n in numeros]
            deja = set(
                Vente.objects.filter(boutique=boutique, numero_facture__in=candidats).values_list(
                    "numero_facture", flat=True
                )
            ) | (set(candidats) & set(pris))
            reste = []
            libres = iter(c for c in candidats if c not in deja)
            for vente in a_numeroter:
                numero = next(libres, None)
                if numero is None:
                    reste.append(vente)
                else:
                    vente.numero_facture = numero
                    pris[numero] = vente
            a_numeroter = reste


def _json(valeur: Any) -> Any:
    # A terminal may send `null` as a sale: kept as JSON null, since a plain None is SQL NULL.
    return Value(None, JSONField()) if valeur is None else valeur


def _tenir_quarantaine(
    boutique: Boutique,
    terminal: Terminal,
    resultats: list[ResultatVente],
    maintenant: datetime,
    quarantaine: bool,
    en_attente: dict[tuple[str, str, str], VenteQuarantaine],
) -> None:
    """Keep every refused sale; close pending entries that a resend has now recorded.

    `en_attente` holds the terminal's pending entries for the batch's contents (read under the
    shop lock at the start of the batch); new entries are added to it as they are made.
    """
    a_creer: list[VenteQuarantaine] = []
    a_mettre_a_jour: list[VenteQuarantaine] = []
    for r in resultats:
        existante = en_attente.get(r.cle_quarantaine)
        if r.erreur is None:
            if existante is not None and r.vente is not None:
                _clore_par_renvoi(existante, r.vente, maintenant)
                a_mettre_a_jour.append(existante)
        elif not quarantaine:
            continue
        elif existante is not None:
            _noter_nouvelle_reception(existante, r.erreur, maintenant)
            a_mettre_a_jour.append(existante)
            r.quarantaine_id = existante.pk
        else:
            nouvelle = _mise_en_quarantaine(boutique, terminal, r, maintenant)
            en_attente[r.cle_quarantaine] = nouvelle
            a_creer.append(nouvelle)
    _ecrire_quarantaine(resultats, en_attente, a_creer, a_mettre_a_jour)


def _clore_par_renvoi(existante: VenteQuarantaine, vente: Vente, maintenant: datetime) -> None:
    existante.statut = StatutQuarantaine.REJOUEE
    existante.vente = vente
    existante.traite_le = maintenant
    existante.motif_traitement = "Renvoyée par le terminal et acceptée."


def _noter_nouvelle_reception(existante: VenteQuarantaine, erreur: ErreurMetier, maintenant: datetime) -> None:
    existante.nombre_receptions += 1
    existante.date_derniere_reception = maintenant
    existante.code = erreur.code.value
    existante.message = erreur.message


def _mise_en_quarantaine(
    boutique: Boutique, terminal: Terminal, r: ResultatVente, maintenant: datetime
) -> VenteQuarantaine:
    assert r.erreur is not None
    return VenteQuarantaine(
        boutique=boutique,
        terminal=terminal,
        numero_facture=r.lue.numero_facture or "",
        uuid=r.lue.uuid or "",
        payload=_json(r.lue.brut_enregistrable()),
        empreinte=r.empreinte,
        code=r.erreur.code.value,
        message=r.erreur.message,
        date_reception=maintenant,
        date_derniere_reception=maintenant,
    )


_CHAMPS_QUARANTAINE_SUIVIS = [
    "statut",
    "vente",
    "traite_le",
    "motif_traitement",
    "nombre_receptions",
    "date_derniere_reception",
    "code",
    "message",
]


def _ecrire_quarantaine(
    resultats: list[ResultatVente],
    en_attente: dict[tuple[str, str, str], VenteQuarantaine],
    a_creer: list[VenteQuarantaine],
    a_mettre_a_jour: list[VenteQuarantaine],
) -> None:
    """Two statements for the batch; each refused sale then knows its quarantine entry."""
    if a_creer:
        VenteQuarantaine.objects.bulk_create(a_creer, batch_size=500)
        for r in resultats:
            if r.erreur is not None and r.quarantaine_id is None:
                q = en_attente.get(r.cle_quarantaine)
                r.quarantaine_id = q.pk if q is not None else None
    if a_mettre_a_jour:
        VenteQuarantaine.objects.bulk_update(a_mettre_a_jour, _CHAMPS_QUARANTAINE_SUIVIS, batch_size=500)


# --- Public services ------------------------------------------------------------------------------


def ventes_synchroniser(
    *, terminal: Terminal, ventes: Sequence[VenteLue], application: Application | None = None
) -> ResultatLot:
    """Record a terminal's batch: each sale created, recognised as a resend, or quarantined
    (an unreadable one too, with the JSON it sent). Also records what the app says about
    itself and the fields it sends beyond the contract."""
    if terminal.boutique_id is None:
        raise ErreurMetier(CodeErreur.NO_BOUTIQUE, "Terminal non associé à une boutique.")
    boutique, resultats = _enregistrer_lot(
        boutique_id=terminal.boutique_id,
        terminal=terminal,
        auteur=None,
        lues=ventes,
        origine=OrigineVente.TERMINAL,
        quarantaine=True,
        application=application or Application(),
    )
    return ResultatLot(
        boutique=boutique,
        terminal=terminal,
        resultats=resultats,
        statistiques=statistiques_stock(boutique=boutique),
    )


def vente_creer(*, boutique: Boutique, utilisateur: Utilisateur, entree: VenteEntree) -> ResultatVente:
    """A web invoice. Refusals are raised (the user fixes the form), not quarantined.

    The form sends a `uuid` made when it was displayed, so a double submit is one invoice.
    """
    exiger_role(utilisateur, boutique, Role.CAISSIER)
    if not boutique.est_active:
        raise ErreurMetier(CodeErreur.BOUTIQUE_INACTIVE, "Cette boutique est désactivée.")
    _, (resultat,) = _enregistrer_lot(
        boutique_id=boutique.pk,
        terminal=None,
        auteur=utilisateur,
        lues=[VenteLue.de_entree(entree)],
        origine=OrigineVente.WEB,
        quarantaine=False,
    )
    if resultat.erreur is not None:
        raise resultat.erreur
    return resultat


@reessayer_si_interblocage
def vente_annuler(*, vente: Vente, utilisateur: Utilisateur | None, motif: str) -> Vente:
    """Cancel a sale: stock comes back as RETOUR movements; the number is kept, never reused."""
    exiger_role(utilisateur, vente.boutique_id, Role.GERANT)
    if not motif.strip():
        raise ErreurMetier(CodeErreur.MOTIF_REQUIS, "Indiquez le motif de l'annulation.")
    with transaction.atomic():
        boutique = boutique_verrouiller(vente.boutique_id)
        verrouillee = verrouiller(Vente.objects.all()).get(pk=vente.pk)
        if verrouillee.statut == StatutVente.ANNULEE:
            raise ErreurMetier(
                CodeErreur.VENTE_DEJA_ANNULEE,
                f"La facture {verrouillee.numero_facture} est déjà annulée.",
            )
        lignes = list(verrouillee.lignes.all())
        # What partial returns already brought back is not brought back twice.
        deja = quantites_retournees(vente=verrouillee)
        restantes = [(ligne, ligne.quantite - deja.get(ligne.pk, 0)) for ligne in lignes]
        registre = registre_ouvrir(
            boutique=boutique,
            article_ids=[lg.article_id for lg in lignes],
            utilisateur=nom_auteur(utilisateur),
        )
        for ligne, reste in restantes:
            if reste <= 0:
                continue
            registre.mouvement(
                article_id=ligne.article_id,
                quantite=reste,
                type_mouvement=TypeMouvement.RETOUR,
                reference_document=verrouillee.numero_facture,
                commentaire=f"Annulation de la vente #{verrouillee.numero_facture} : {motif.strip()}",
            )
        registre.ecrire()
        verrouillee.statut = StatutVente.ANNULEE
        verrouillee.annulee_le = timezone.now()
        verrouillee.annulee_par = auteur_connu(utilisateur)
        verrouillee.motif_annulation = motif.strip()
        verrouillee.save(update_fields=["statut", "annulee_le", "annulee_par", "motif_annulation"])
        agregats_mettre_a_jour([verrouillee])
        annoncer_vente_modifiee(verrouillee)
    return verrouillee


def _a_rejouer(q: VenteQuarantaine, *, renumeroter: bool) -> VenteLue:
    """The quarantined sale as it will be replayed: the manager's correction if any; dated when
    the terminal first sent it if it came without a date (never the day of the replay);
    without its number and uuid when `renumeroter`."""
    lue = lire_vente(q.payload_corrige if q.payload_corrige is not None else q.payload)
    if lue.entree is None:
        return lue
    changements: dict[str, Any] = {}
    if lue.entree.date_vente is None:
        changements["date_vente"] = q.date_reception
    if renumeroter:
        changements.update(numero_facture=None, uuid=None)
    return replace(lue, entree=lue.entree.model_copy(update=changements)) if changements else lue


def quarantaine_rejouer(
    *, quarantaine: VenteQuarantaine, utilisateur: Utilisateur | None, renumeroter: bool = False
) -> VenteQuarantaine:
    """Replay a refused sale through the same service once its cause is fixed.

    `renumeroter` drops the sent number (and uuid) so the server numbers it: the way out of a
    number conflict. On a new refusal the entry stays pending with the new reason, and the
    error is raised.
    """
    exiger_role(utilisateur, quarantaine.boutique_id, Role.GERANT)
    with transaction.atomic():
        boutique_verrouiller(quarantaine.boutique_id)
        q = verrouiller(VenteQuarantaine.objects.all()).get(pk=quarantaine.pk)
        if q.statut != StatutQuarantaine.EN_ATTENTE:
            raise ErreurMetier(CodeErreur.QUARANTAINE_DEJA_TRAITEE, "Cette vente a déjà été rejouée ou écartée.")
        lue = _a_rejouer(q, renumeroter=renumeroter)
        _, (resultat,) = _enregistrer_lot(
            boutique_id=q.boutique_id,
            terminal=q.terminal,
            auteur=utilisateur,
            lues=[lue],
            origine=OrigineVente.TERMINAL,
            quarantaine=False,
        )
        q.refresh_from_db()
        if resultat.erreur is not None:
            q.code = resultat.erreur.code.value
            q.message = resultat.erreur.message
            q.save(update_fields=["code", "message"])
        else:
            q.statut = StatutQuarantaine.REJOUEE
            q.vente = resultat.vente
            q.traite_par = auteur_connu(utilisateur)
            q.traite_le = timezone.now()
            q.motif_traitement = "Rejouée" + (" avec un numéro du serveur." if renumeroter else ".")
            q.save()
    if resultat.erreur is not None:
        raise resultat.erreur
    return q


def _verifier_retour(vente: Vente, demandees: dict[int, int], deja: dict[int, int]) -> dict[int, LigneVente]:
    lignes = {ligne.pk: ligne for ligne in vente.lignes.select_related("article")}
    for ligne_id, quantite in demandees.items():
        ligne = lignes.get(ligne_id)
        if ligne is None:
            raise ErreurMetier(CodeErreur.QUANTITE_INVALIDE, "Cette ligne n'appartient pas à la vente.")
        reste = ligne.quantite - deja.get(ligne_id, 0)
        if not 0 < quantite <= reste:
            raise ErreurMetier(
                CodeErreur.QUANTITE_INVALIDE,
                f"{ligne.article.nom} : au plus {reste} à retourner (vendu {ligne.quantite}).",
                ligne_id=ligne_id,
                reste=reste,
            )
    return lignes


@reessayer_si_interblocage
def vente_retourner(*, vente: Vente, utilisateur: Utilisateur | None, quantites: dict[int, int], motif: str) -> Retour:
    """A partial return: some lines, some quantities come back. The sale is never edited; the
    stock comes back as RETOUR movements and the refund is the returned lines' value."""
    exiger_role(utilisateur, vente.boutique_id, Role.GERANT)
    if not motif.strip():
        raise ErreurMetier(CodeErreur.MOTIF_REQUIS, "Indiquez le motif du retour.")
    demandees = {ligne_id: quantite for ligne_id, quantite in quantites.items() if quantite}
    if not demandees:
        raise ErreurMetier(CodeErreur.QUANTITE_INVALIDE, "Indiquez au moins une quantité à retourner.")
    with transaction.atomic():
        boutique = boutique_verrouiller(vente.boutique_id)
        verrouillee = verrouiller(Vente.objects.all()).get(pk=vente.pk)
        if verrouillee.statut == StatutVente.ANNULEE:
            raise ErreurMetier(CodeErreur.VENTE_DEJA_ANNULEE, f"La facture {verrouillee.numero_facture} est annulée.")
        lignes = _verifier_retour(verrouillee, demandees, quantites_retournees(vente=verrouillee))
        numero = (verrouillee.retours.aggregate(dernier=Max("numero"))["dernier"] or 0) + 1
        registre = registre_ouvrir(
            boutique=boutique,
            article_ids=[lignes[i].article_id for i in demandees],
            utilisateur=nom_auteur(utilisateur),
        )
        for ligne_id, quantite in demandees.items():
            registre.mouvement(
                article_id=lignes[ligne_id].article_id,
                quantite=quantite,
                type_mouvement=TypeMouvement.RETOUR,
                reference_document=verrouillee.numero_facture,
                commentaire=f"Retour R{numero} de la vente #{verrouillee.numero_facture} : {motif.strip()}",
            )
        registre.ecrire()
        montants = {i: arrondir(lignes[i].prix_unitaire * q) for i, q in demandees.items()}
        retour = Retour.objects.create(
            vente=verrouillee,
            boutique=boutique,
            numero=numero,
            date_retour=timezone.now(),
            motif=motif.strip(),
            montant=sum(montants.values(), Decimal("0.00")),
            cree_par=auteur_connu(utilisateur),
        )
        LigneRetour.objects.bulk_create(
            LigneRetour(retour=retour, ligne_vente_id=i, boutique=boutique, quantite=q, montant=montants[i])
            for i, q in demandees.items()
        )
        annoncer_vente_modifiee(verrouillee)
    return retour


def quarantaine_corriger(
    *, quarantaine: VenteQuarantaine, utilisateur: Utilisateur | None, payload: Any
) -> VenteQuarantaine:
    """Keep a manager's correction of a refused sale beside what the terminal sent, to be
    replayed instead of it. A correction that still cannot be read is refused, not kept."""
    exiger_role(utilisateur, quarantaine.boutique_id, Role.GERANT)
    lue = lire_vente(payload)
    if lue.erreur is not None:
        raise lue.erreur
    with transaction.atomic():
        q = verrouiller(VenteQuarantaine.objects.all()).get(pk=quarantaine.pk)
        if q.statut != StatutQuarantaine.EN_ATTENTE:
            raise ErreurMetier(CodeErreur.QUARANTAINE_DEJA_TRAITEE, "Cette vente a déjà été rejouée ou écartée.")
        q.payload_corrige = lue.brut_enregistrable()
        q.corrige_par = auteur_connu(utilisateur)
        q.corrige_le = timezone.now()
        q.save(update_fields=["payload_corrige", "corrige_par", "corrige_le"])
    return q


def quarantaine_ecarter(
    *, quarantaine: VenteQuarantaine, utilisateur: Utilisateur | None, motif: str
) -> VenteQuarantaine:
    """Dismiss a refused sale, with a reason. It stays on record, marked ECARTEE."""
    exiger_role(utilisateur, quarantaine.boutique_id, Role.GERANT)
    if not motif.strip():
        raise ErreurMetier(CodeErreur.MOTIF_REQUIS, "Indiquez pourquoi cette vente est écartée.")
    with transaction.atomic():
        q = verrouiller(VenteQuarantaine.objects.all()).get(pk=quarantaine.pk)
        if q.statut != StatutQuarantaine.EN_ATTENTE:
            raise ErreurMetier(CodeErreur.QUARANTAINE_DEJA_TRAITEE, "Cette vente a déjà été rejouée ou écartée.")
        q.statut = StatutQuarantaine.ECARTEE
        q.traite_par = auteur_connu(utilisateur)
        q.traite_le = timezone.now()
        q.motif_traitement = motif.strip()
        q.save()
    return q
