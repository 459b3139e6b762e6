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
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone

from magasin.boutiques.acces import Utilisateur, exiger_role, nom_auteur
from magasin.boutiques.models import Boutique, Role, Terminal
from magasin.boutiques.services import boutique_verrouiller, terminal_marquer_synchro
from magasin.core import sql
from magasin.core.db import plans_generiques, reessayer_si_interblocage
from magasin.core.erreurs import CodeErreur, ErreurMetier
from magasin.core.formats import arrondir, montant_chaine
from magasin.stock.insertion import construire, inserer_en_masse
from magasin.stock.models import Article, MouvementStock, TypeMouvement
from magasin.stock.services import registre_ouvrir
from magasin.ventes.entrees import VenteEntree
from magasin.ventes.models import (
    LigneVente,
    OrigineVente,
    SequenceRecue,
    StatutQuarantaine,
    StatutVente,
    Vente,
    VenteQuarantaine,
)
from magasin.ventes.numerotation import formater_numero, mois_de, numeros_reserver

logger = logging.getLogger("magasin.ventes")

TOLERANCE_MONTANT = Decimal("0.01")
MESSAGE_DOUBLON = "Vente déjà synchronisée (doublon évité)"

Statut = Literal["created", "already_exists", "refused"]


@dataclass
class ResultatVente:
    index: int  # 1-based, as the original API reported it
    entree: VenteEntree
    empreinte: str
    statut: Statut = "refused"
    vente: Vente | None = None
    lignes: list[LigneVente] = field(default_factory=list)  # the sale's lines, articles cached
    erreur: ErreurMetier | None = None
    avertissements: list[str] = field(default_factory=list)
    quarantaine_id: int | None = None


@dataclass(frozen=True)
class StatistiquesStock:
    articles_stock_bas: int
    articles_stock_zero: int

    @property
    def alerte_stock(self) -> bool:
        return self.articles_stock_bas > 0 or self.articles_stock_zero > 0


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


def _connu(utilisateur: Utilisateur | None) -> Any:
    """The user to record as author, or None for a trusted caller or an anonymous request."""
    return utilisateur if utilisateur is not None and utilisateur.is_authenticated else None


# --- Identity of a sale -----------------------------------------------------------------------


def _conflit(numero: str | None, raison: str) -> ErreurMetier:
    return ErreurMetier(
        CodeErreur.NUMERO_FACTURE_CONFLIT,
        f"Numéro de facture {numero or '(sans numéro)'} : {raison}. "
        "La vente est gardée en quarantaine, rien n'a été fusionné.",
        numero_facture=numero,
    )


def _meme_vente(existante: Vente, *, terminal: Terminal | None, empreinte: str) -> bool:
    terminal_id = terminal.pk if terminal else None
    return existante.terminal_id == terminal_id and existante.empreinte == empreinte


def _identifier(
    entree: VenteEntree,
    empreinte: str,
    terminal: Terminal | None,
    par_numero: dict[str, Vente],
    par_uuid: dict[str, Vente],
) -> Vente | None:
    """The sale already recorded as this one (a resend), None if new; raise on a conflict.

    Identity is the uuid when sent, else (terminal, numero_facture). Same identity with other
    content, or a number the shop already used for another sale, is a conflict.
    """
    if entree.uuid:
        existante = par_uuid.get(entree.uuid)
        if existante is not None:
            if _meme_vente(existante, terminal=terminal, empreinte=empreinte):
                return existante
            raise _conflit(entree.numero_facture, "même uuid qu'une vente déjà reçue, contenu différent")
        if entree.numero_facture and entree.numero_facture in par_numero:
            raise _conflit(entree.numero_facture, "déjà utilisé dans la boutique par une autre vente")
        return None
    if entree.numero_facture:
        existante = par_numero.get(entree.numero_facture)
        if existante is None:
            return None
        if _meme_vente(existante, terminal=terminal, empreinte=empreinte):
            return existante
        if existante.terminal_id != (terminal.pk if terminal else None):
            raise _conflit(entree.numero_facture, "déjà utilisé dans la boutique par un autre terminal")
        raise _conflit(entree.numero_facture, "déjà reçu avec un contenu différent")
    return None


# --- The batch ----------------------------------------------------------------------------------


def _commentaire_vente(numero: str, prix: Decimal, devise: str) -> str:
    return f"Vente #{numero} - Prix: {montant_chaine(prix)} {devise}"


@reessayer_si_interblocage
def _enregistrer_lot(
    *,
    boutique_id: int,
    terminal: Terminal | None,
    auteur: Utilisateur | None,
    entrees: Sequence[VenteEntree],
    origine: OrigineVente,
    quarantaine: bool,
    marquer_synchro: bool = False,
) -> tuple[Boutique, list[ResultatVente]]:
    maintenant = timezone.now()
    signature = terminal.nom_terminal if terminal else nom_auteur(auteur)
    # Before the locks: other writers of the shop wait for as little as possible.
    empreintes = [e.empreinte() for e in entrees]
    article_ids = {lg.article_id for e in entrees for lg in e.lignes}
    with transaction.atomic():
        plans_generiques()
        # Lock order for every writer of a shop: shop row, then articles by pk.
        boutique = boutique_verrouiller(boutique_id)
        registre = registre_ouvrir(boutique=boutique, article_ids=article_ids, utilisateur=signature, moment=maintenant)
        terminal_id = terminal.pk if terminal else None
        deja_vues, en_quarantaine = _deja_connues(boutique, terminal, entrees, empreintes)
        par_numero: dict[str, Vente] = {}
        par_uuid: dict[str, Vente] = {}
        if deja_vues:
            existantes = Vente.objects.filter(pk__in=deja_vues).prefetch_related(
                Prefetch("lignes", queryset=LigneVente.objects.select_related("article"))
            )
            for v in existantes:
                par_numero[v.numero_facture] = v
                if v.uuid:
                    par_uuid[v.uuid] = v
        # This terminal's quarantine entries for these contents, keyed by identity (same content
        # under another uuid or number is another sale):
        # - replayed ones: a sale replayed from quarantine (maybe under a server number) and sent
        #   again by its terminal is a resend of the sale it became, not a new sale or refusal;
        # - pending ones: kept up to date by `_tenir_quarantaine` after the decisions.
        rejouees: dict[tuple[str, str, str], Vente] = {}
        en_attente: dict[tuple[str, str, str], VenteQuarantaine] = {}
        if en_quarantaine:
            for q in (
                VenteQuarantaine.objects.filter(pk__in=en_quarantaine)
                .select_related("vente")
                .prefetch_related(Prefetch("vente__lignes", queryset=LigneVente.objects.select_related("article")))
            ):
                cle = (q.empreinte, q.numero_facture, q.uuid)
                if q.statut == StatutQuarantaine.EN_ATTENTE:
                    en_attente[cle] = q
                elif q.vente is not None:
                    rejouees[cle] = q.vente

        resultats: list[ResultatVente] = []
        nouvelles: list[tuple[Vente, list[LigneVente], list[MouvementStock]]] = []
        lignes_du_lot: dict[int, list[LigneVente]] = {}  # by id() of a sale created in this batch
        for index, (entree, empreinte) in enumerate(zip(entrees, empreintes, strict=True), 1):
            resultat = ResultatVente(index=index, entree=entree, empreinte=empreinte)
            resultats.append(resultat)
            try:
                existante = None
                if entree.numero_facture or entree.uuid:
                    existante = rejouees.get((empreinte, entree.numero_facture or "", entree.uuid or ""))
                if existante is None:
                    existante = _identifier(entree, empreinte, terminal, par_numero, par_uuid)
                if existante is not None:
                    resultat.statut = "already_exists"
                    resultat.vente = existante
                    deja_dans_le_lot = lignes_du_lot.get(id(existante))
                    # Else recorded before: its lines were prefetched with their articles.
                    resultat.lignes = deja_dans_le_lot if deja_dans_le_lot is not None else list(existante.lignes.all())
                    continue
                quantites: dict[int, int] = {}
                for ligne_entree in entree.lignes:
                    article = registre.article(ligne_entree.article_id)
                    if article is None or not article.est_actif:
                        # Same words whether the id exists in another shop or nowhere.
                        raise ErreurMetier(
                            CodeErreur.ARTICLE_INTROUVABLE,
                            f"Article {ligne_entree.article_id} introuvable dans cette boutique.",
                            article_id=ligne_entree.article_id,
                        )
                    quantites[ligne_entree.article_id] = (
                        quantites.get(ligne_entree.article_id, 0) + ligne_entree.quantite
                    )
                registre.verifier_sorties(quantites)
            except ErreurMetier as erreur:
                resultat.erreur = erreur
                continue

            cree_par = _connu(auteur)
            vente = construire(
                Vente,
                {
                    "boutique_id": boutique_id,
                    "terminal_id": terminal_id,
                    "numero_facture": entree.numero_facture or "",
                    "uuid": entree.uuid,
                    "origine": origine,
                    "mode_paiement": entree.mode_paiement,
                    "paye": entree.paye,
                    "date_vente": entree.date_vente or maintenant,
                    "date_synchro": maintenant,
                    "empreinte": empreinte,
                    "sequence_terminal": entree.sequence,
                    "client_nom": entree.client_nom,
                    "client_telephone": entree.client_telephone,
                    "cree_par_id": cree_par.pk if cree_par else None,
                },
                lies={"boutique": boutique, "terminal": terminal, "cree_par": cree_par},
            )
            # vente_id is set once the sale has its id (after the bulk insert below).
            lignes = [
                construire(
                    LigneVente,
                    {
                        "article_id": lg.article_id,
                        "boutique_id": boutique_id,
                        "quantite": lg.quantite,
                        "prix_unitaire": lg.prix_unitaire,
                        "total_ligne": arrondir(lg.prix_unitaire * lg.quantite),
                    },
                    lies={"article": registre.articles[lg.article_id], "boutique": boutique, "vente": vente},
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
                registre.mouvement(
                    article_id=lg.article_id,
                    quantite=-lg.quantite,
                    type_mouvement=TypeMouvement.VENTE,
                )
                for lg in entree.lignes
            ]
            resultat.statut = "created"
            resultat.vente = vente
            resultat.lignes = lignes
            lignes_du_lot[id(vente)] = lignes
            nouvelles.append((vente, lignes, mouvements))
            # Later sales of the same batch see this one (a batch may repeat a sale).
            if vente.numero_facture:
                par_numero[vente.numero_facture] = vente
            if vente.uuid:
                par_uuid[vente.uuid] = vente

        _numeroter(boutique, [v for v, _, _ in nouvelles if not v.numero_facture], par_numero)
        for vente, lignes, mouvements in nouvelles:
            for ligne, mouvement in zip(lignes, mouvements, strict=True):
                mouvement.reference_document = vente.numero_facture
                mouvement.commentaire = _commentaire_vente(vente.numero_facture, ligne.prix_unitaire, boutique.devise)

        if nouvelles:
            ventes = [v for v, _, _ in nouvelles]
            inserer_en_masse(ventes, batch_size=500)
            if any(v.pk is None for v in ventes):
                # MySQL cannot return ids from a bulk insert: read them back by number.
                ids = dict(
                    Vente.objects.filter(
                        boutique=boutique, numero_facture__in=[v.numero_facture for v in ventes]
                    ).values_list("numero_facture", "pk")
                )
                for v in ventes:
                    v.pk = ids[v.numero_facture]
            toutes_lignes = []
            for vente, lignes, _ in nouvelles:
                for ligne in lignes:
                    ligne.vente_id = vente.pk
                    toutes_lignes.append(ligne)
            inserer_en_masse(toutes_lignes, avec_ids=False)
        registre.ecrire(avec_ids=False)

        if terminal is not None:
            _tenir_quarantaine(boutique, terminal, resultats, maintenant, quarantaine, en_attente)
            sequences = [
                SequenceRecue(
                    terminal=terminal,
                    boutique=boutique,
                    sequence=r.entree.sequence,
                    date_reception=maintenant,
                )
                for r in resultats
                if r.entree.sequence is not None
            ]
            if sequences:
                SequenceRecue.objects.bulk_create(sequences, ignore_conflicts=True, batch_size=1000)
            if marquer_synchro:
                # Last, in the batch's transaction: no commit of its own, and the terminal row
                # is locked after the shop and its articles, as everywhere.
                terminal_marquer_synchro(terminal=terminal, moment=maintenant)

    for r in resultats:
        if r.erreur is not None:
            logger.info(
                "vente refusée",
                extra={
                    "evenement": "vente_refusee",
                    "boutique": boutique.code,
                    "terminal": terminal.numero_serie if terminal else None,
                    "numero_facture": r.entree.numero_facture,
                    "code": r.erreur.code.value,
                    "raison": r.erreur.message,
                    "quarantaine_id": r.quarantaine_id,
                },
            )
    return boutique, resultats


def _deja_connues(
    boutique: Boutique, terminal: Terminal | None, entrees: Sequence[VenteEntree], empreintes: list[str]
) -> tuple[list[int], list[int]]:
    """(ids of the shop's sales with one of the batch's numbers or uuids, ids of the terminal's
    pending or replayed quarantine entries with one of the batch's contents), in one query.

    Almost every batch is new sales only: both lists come back empty, and no model is loaded.
    """
    numeros = sorted({e.numero_facture for e in entrees if e.numero_facture})
    uuids = sorted({e.uuid for e in entrees if e.uuid})
    parties: list[str] = []
    params: list[Any] = []
    identites = []
    for champ, valeurs in (("numero_facture", numeros), ("uuid", uuids)):
        if valeurs:
            fragment, valeurs_sql = sql.dans(sql.colonne(Vente, champ), valeurs)
            identites.append(fragment)
            params += valeurs_sql
    if identites:
        parties.append(
            f"SELECT 'V', {sql.colonne(Vente, 'id')} FROM {sql.table(Vente)} "
            f"WHERE {sql.colonne(Vente, 'boutique')} = %s AND ({' OR '.join(identites)})"
        )
        params.insert(0, boutique.pk)
    if terminal is not None and empreintes:
        contenus = sorted(set(empreintes))
        q_id, q_terminal, q_statut, q_empreinte = (
            sql.colonne(VenteQuarantaine, c) for c in ("id", "terminal", "statut", "empreinte")
        )
        parmi, valeurs_sql = sql.dans(q_empreinte, contenus)
        parties.append(
            f"SELECT 'Q', {q_id} FROM {sql.table(VenteQuarantaine)} WHERE {q_terminal} = %s "
            f"AND {q_statut} IN (%s, %s) AND {parmi}"
        )
        params += [terminal.pk, StatutQuarantaine.EN_ATTENTE.value, StatutQuarantaine.REJOUEE.value, *valeurs_sql]
    if not parties:
        return [], []
    ventes: list[int] = []
    quarantaine: list[int] = []
    for genre, pk in sql.lignes(" UNION ALL ".join(parties), params):
        (ventes if genre == "V" else quarantaine).append(pk)
    return ventes, quarantaine


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
        cle = (r.empreinte, r.entree.numero_facture or "", r.entree.uuid or "")
        existante = en_attente.get(cle)
        if r.erreur is None:
            if existante is not None and r.vente is not None:
                existante.statut = StatutQuarantaine.REJOUEE
                existante.vente = r.vente
                existante.traite_le = maintenant
                existante.motif_traitement = "Renvoyée par le terminal et acceptée."
                a_mettre_a_jour.append(existante)
            continue
        if not quarantaine:
            continue
        if existante is not None:
            existante.nombre_receptions += 1
            existante.date_derniere_reception = maintenant
            existante.code = r.erreur.code.value
            existante.message = r.erreur.message
            a_mettre_a_jour.append(existante)
            r.quarantaine_id = existante.pk
        else:
            nouvelle = VenteQuarantaine(
                boutique=boutique,
                terminal=terminal,
                numero_facture=r.entree.numero_facture or "",
                uuid=r.entree.uuid or "",
                payload=r.entree.charge_utile(),
                empreinte=r.empreinte,
                code=r.erreur.code.value,
                message=r.erreur.message,
                date_reception=maintenant,
                date_derniere_reception=maintenant,
            )
            en_attente[cle] = nouvelle
            a_creer.append(nouvelle)
            r.quarantaine_id = None
    if a_creer:
        VenteQuarantaine.objects.bulk_create(a_creer, batch_size=500)
        for r in resultats:
            if r.erreur is not None and r.quarantaine_id is None:
                q = en_attente.get((r.empreinte, r.entree.numero_facture or "", r.entree.uuid or ""))
                r.quarantaine_id = q.pk if q is not None else None
    if a_mettre_a_jour:
        VenteQuarantaine.objects.bulk_update(
            a_mettre_a_jour,
            [
                "statut",
                "vente",
                "traite_le",
                "motif_traitement",
                "nombre_receptions",
                "date_derniere_reception",
                "code",
                "message",
            ],
            batch_size=500,
        )


def statistiques_stock(boutique: Boutique) -> StatistiquesStock:
    """Active articles of the shop at or under their threshold, and at or under zero."""
    # Every sync response carries these: plain SQL, not an ORM aggregate (see magasin.core.sql).
    stock = sql.colonne(Article, "quantite_stock")
    ((bas, zero),) = sql.lignes(
        f"SELECT COALESCE(SUM(CASE WHEN {stock} <= {sql.colonne(Article, 'seuil_alerte')} THEN 1 ELSE 0 END), 0), "
        f"COALESCE(SUM(CASE WHEN {stock} <= 0 THEN 1 ELSE 0 END), 0) "
        f"FROM {sql.table(Article)} "
        f"WHERE {sql.colonne(Article, 'boutique')} = %s AND {sql.colonne(Article, 'est_actif')} = %s",
        [boutique.pk, True],
    )
    return StatistiquesStock(articles_stock_bas=int(bas), articles_stock_zero=int(zero))


# --- Public services ------------------------------------------------------------------------------


def ventes_synchroniser(*, terminal: Terminal, ventes: Sequence[VenteEntree]) -> ResultatLot:
    """Record a terminal's batch: each sale created, recognised as a resend, or quarantined."""
    if terminal.boutique_id is None:
        raise ErreurMetier(CodeErreur.NO_BOUTIQUE, "Terminal non associé à une boutique.")
    boutique, resultats = _enregistrer_lot(
        boutique_id=terminal.boutique_id,
        terminal=terminal,
        auteur=None,
        entrees=ventes,
        origine=OrigineVente.TERMINAL,
        quarantaine=True,
        marquer_synchro=True,
    )
    return ResultatLot(
        boutique=boutique,
        terminal=terminal,
        resultats=resultats,
        statistiques=statistiques_stock(boutique),
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
        entrees=[entree],
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
        verrouillee = Vente.objects.select_for_update().get(pk=vente.pk)
        if verrouillee.statut == StatutVente.ANNULEE:
            raise ErreurMetier(
                CodeErreur.VENTE_DEJA_ANNULEE,
                f"La facture {verrouillee.numero_facture} est déjà annulée.",
            )
        lignes = list(verrouillee.lignes.all())
        registre = registre_ouvrir(
            boutique=boutique,
            article_ids=[lg.article_id for lg in lignes],
            utilisateur=nom_auteur(utilisateur),
        )
        for ligne in lignes:
            registre.mouvement(
                article_id=ligne.article_id,
                quantite=ligne.quantite,
                type_mouvement=TypeMouvement.RETOUR,
                reference_document=verrouillee.numero_facture,
                commentaire=f"Annulation de la vente #{verrouillee.numero_facture} : {motif.strip()}",
            )
        registre.ecrire()
        verrouillee.statut = StatutVente.ANNULEE
        verrouillee.annulee_le = timezone.now()
        verrouillee.annulee_par = _connu(utilisateur)
        verrouillee.motif_annulation = motif.strip()
        verrouillee.save(update_fields=["statut", "annulee_le", "annulee_par", "motif_annulation"])
    return verrouillee


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
        q = VenteQuarantaine.objects.select_for_update().get(pk=quarantaine.pk)
        if q.statut != StatutQuarantaine.EN_ATTENTE:
            raise ErreurMetier(CodeErreur.QUARANTAINE_DEJA_TRAITEE, "Cette vente a déjà été rejouée ou écartée.")
        entree = VenteEntree.model_validate(q.payload)
        if renumeroter:
            entree = entree.model_copy(update={"numero_facture": None, "uuid": None})
        _, (resultat,) = _enregistrer_lot(
            boutique_id=q.boutique_id,
            terminal=q.terminal,
            auteur=utilisateur,
            entrees=[entree],
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
            q.traite_par = _connu(utilisateur)
            q.traite_le = timezone.now()
            q.motif_traitement = "Rejouée" + (" avec un numéro du serveur." if renumeroter else ".")
            q.save()
    if resultat.erreur is not None:
        raise resultat.erreur
    return q


def quarantaine_ecarter(
    *, quarantaine: VenteQuarantaine, utilisateur: Utilisateur | None, motif: str
) -> VenteQuarantaine:
    """Dismiss a refused sale, with a reason. It stays on record, marked ECARTEE."""
    exiger_role(utilisateur, quarantaine.boutique_id, Role.GERANT)
    if not motif.strip():
        raise ErreurMetier(CodeErreur.MOTIF_REQUIS, "Indiquez pourquoi cette vente est écartée.")
    with transaction.atomic():
        q = VenteQuarantaine.objects.select_for_update().get(pk=quarantaine.pk)
        if q.statut != StatutQuarantaine.EN_ATTENTE:
            raise ErreurMetier(CodeErreur.QUARANTAINE_DEJA_TRAITEE, "Cette vente a déjà été rejouée ou écartée.")
        q.statut = StatutQuarantaine.ECARTEE
        q.traite_par = _connu(utilisateur)
        q.traite_le = timezone.now()
        q.motif_traitement = motif.strip()
        q.save()
    return q
