"""Writes of the till: rates, cash movements, payments (of a sale, of a credit), receivables and
closings. Each service checks the actor's role itself and writes documents that are never edited.

Lock order, as everywhere: the shop row first (`boutique_verrouiller`), so that two closings, or
a payment and an allocation, of one shop are serialised.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from magasin.boutiques.acces import Utilisateur, auteur_connu, exiger_role
from magasin.boutiques.models import Boutique, Role
from magasin.boutiques.services import boutique_verrouiller
from magasin.caisse.models import (
    Affectation,
    Canal,
    Client,
    Cloture,
    Creance,
    Devise,
    LigneCloture,
    MouvementCaisse,
    ObjetPaiement,
    Paiement,
    PriseEnCompte,
    TauxChange,
    TypeMouvementCaisse,
)
from magasin.caisse.selectors import (
    ZERO,
    Caisse,
    Cle,
    attendu_caisse,
    bornes_du_jour,
    caisse_de_vente,
    canal_de,
    client_cle,
    cloture_courante,
    completude,
    creances_ouvertes,
    jour_de,
    revision,
    soldes_des_creances,
    taux_en_vigueur,
    vente_est_a_credit,
)
from magasin.core.db import reessayer_si_interblocage
from magasin.core.erreurs import CodeErreur, ErreurMetier
from magasin.core.formats import arrondir, montant_affiche
from magasin.ventes.models import StatutVente, Vente

# Bounds the database can hold with room (Decimal(16, 2)), and sane business limits.
MONTANT_MAX = Decimal("1000000000000")  # 10^12 CDF
MONTANT_USD_MAX = Decimal("100000000")  # 10^8 USD
TAUX_MIN = Decimal("1")
TAUX_MAX = Decimal("1000000")
SEQUENCE_MAX = 10**15


def _montant(valeur: Decimal, *, devise: str, nom: str, zero_permis: bool = False) -> Decimal:
    plafond = MONTANT_USD_MAX if devise == Devise.USD else MONTANT_MAX
    if not valeur.is_finite() or valeur < 0 or (valeur == 0 and not zero_permis) or valeur > plafond:
        raise ErreurMetier(
            CodeErreur.PAIEMENT_INVALIDE,
            f"{nom} : montant {'positif ou nul' if zero_permis else 'positif'} attendu, au plus "
            f"{montant_affiche(plafond, devise)}.",
        )
    return arrondir(valeur)


def _cle(cle: str) -> str:
    cle = cle.strip()
    if not cle or len(cle) > 64:
        raise ErreurMetier(CodeErreur.INVALID_PAYLOAD, "Formulaire expiré : rechargez la page.")
    return cle


def _caisse_de_la_boutique(caisse: Caisse) -> None:
    """A terminal of another shop is never a till of this one."""
    if caisse.terminal is not None and caisse.terminal.boutique_id != caisse.boutique.pk:
        raise ErreurMetier(CodeErreur.ACCES_REFUSE, "Ce terminal n'appartient pas à cette boutique.")


# --- Exchange rates --------------------------------------------------------------------------


def taux_fixer(
    *, boutique: Boutique, jour: date, taux: Decimal, utilisateur: Utilisateur | None, motif: str = ""
) -> TauxChange:
    """Set the day's USD→CDF rate. A second rate for the same day supersedes the first (the
    latest is in force), both are kept; a correction says why."""
    exiger_role(utilisateur, boutique, Role.GERANT)
    if not taux.is_finite() or not TAUX_MIN <= taux <= TAUX_MAX:
        raise ErreurMetier(CodeErreur.PAIEMENT_INVALIDE, "Taux : entre 1 et 1 000 000 CDF pour 1 USD.")
    motif = motif.strip()
    if len(motif) > 200:
        raise ErreurMetier(CodeErreur.TEXTE_TROP_LONG, "Motif : 200 caractères au plus.")
    with transaction.atomic():
        boutique_verrouiller(boutique.pk)
        existe = TauxChange.objects.filter(boutique=boutique, jour=jour).exists()
        if existe and not motif:
            raise ErreurMetier(
                CodeErreur.MOTIF_REQUIS, "Un taux existe déjà pour ce jour : indiquez le motif de la correction."
            )
        return TauxChange.objects.create(
            boutique=boutique,
            jour=jour,
            taux=taux.quantize(Decimal("0.0001")),
            motif=motif,
            saisi_par=auteur_connu(utilisateur),
            saisi_le=timezone.now(),
        )


def _taux_exige(boutique: Boutique, jour: date) -> TauxChange:
    taux = taux_en_vigueur(boutique=boutique, jour=jour)
    if taux is None:
        raise ErreurMetier(
            CodeErreur.TAUX_ABSENT, f"Aucun taux USD→CDF fixé pour le {jour:%d/%m/%Y} : un gérant doit le saisir."
        )
    return taux


# --- Cash movements --------------------------------------------------------------------------


def mouvement_caisse_enregistrer(
    *,
    caisse: Caisse,
    jour: date,
    type_mouvement: str,
    devise: str,
    montant: Decimal,
    motif: str,
    cle: str,
    utilisateur: Utilisateur | None,
) -> MouvementCaisse:
    """Opening float, pay-in or pay-out (an expense from the drawer: its reason is required)."""
    exiger_role(utilisateur, caisse.boutique, Role.CAISSIER)
    _caisse_de_la_boutique(caisse)
    if type_mouvement not in TypeMouvementCaisse.values or devise not in Devise.values:
        raise ErreurMetier(CodeErreur.INVALID_PAYLOAD, "Type de mouvement ou devise inconnus.")
    montant = _montant(montant, devise=devise, nom="Montant")
    motif = motif.strip()
    if type_mouvement == TypeMouvementCaisse.SORTIE and not motif:
        raise ErreurMetier(CodeErreur.MOTIF_REQUIS, "Indiquez le motif de la sortie de caisse.")
    if len(motif) > 200:
        raise ErreurMetier(CodeErreur.TEXTE_TROP_LONG, "Motif : 200 caractères au plus.")
    cle = _cle(cle)
    with transaction.atomic():
        boutique_verrouiller(caisse.boutique.pk)
        deja = MouvementCaisse.objects.filter(boutique=caisse.boutique, cle=cle).first()
        if deja is not None:
            return deja
        return MouvementCaisse.objects.create(
            **caisse.champs(),
            jour=jour,
            cle=cle,
            type_mouvement=type_mouvement,
            devise=devise,
            montant=montant,
            motif=motif,
            auteur=auteur_connu(utilisateur),
            cree_le=timezone.now(),
        )


# --- Payment of a sale (partly in USD, change in CDF) ----------------------------------------


@dataclass(frozen=True)
class Reglement:
    """How a paid sale was settled when it was not simply in CDF through its mode."""

    usd: Decimal
    taux: TauxChange | None
    usd_en_cdf: Decimal
    cdf: Decimal
    monnaie_cdf: Decimal


def reglement_calculer(
    *, vente_total: Decimal, boutique: Boutique, jour: date, usd: Decimal, cdf: Decimal
) -> Reglement:
    """Check a USD + CDF settlement of `vente_total` CDF at the day's rate: what was handed over
    must cover the total; the change, in CDF cash, cannot exceed what the USD were worth.
    Used by the invoice form before it records the sale, then by `vente_encaisser`."""
    usd = _montant(usd, devise=Devise.USD, nom="Montant en USD", zero_permis=True)
    cdf = _montant(cdf, devise=Devise.CDF, nom="Montant en CDF", zero_permis=True)
    if usd == 0:
        raise ErreurMetier(CodeErreur.PAIEMENT_INVALIDE, "Montant en USD : indiquez ce que le client a donné en USD.")
    taux = _taux_exige(boutique, jour)
    usd_en_cdf = arrondir(usd * taux.taux)
    monnaie = usd_en_cdf + cdf - vente_total
    if monnaie < 0:
        raise ErreurMetier(
            CodeErreur.PAIEMENT_INVALIDE,
            f"Montant reçu insuffisant : il manque {montant_affiche(-monnaie)} "
            f"(taux {taux.taux.normalize():f} CDF pour 1 USD).",
        )
    if monnaie > usd_en_cdf:
        raise ErreurMetier(
            CodeErreur.PAIEMENT_INVALIDE,
            "Monnaie à rendre supérieure à la valeur des USD reçus : vérifiez les montants.",
        )
    return Reglement(usd=usd, taux=taux, usd_en_cdf=usd_en_cdf, cdf=cdf, monnaie_cdf=monnaie)


@reessayer_si_interblocage
def vente_encaisser(
    *, vente: Vente, usd: Decimal, cdf: Decimal, cle: str, utilisateur: Utilisateur | None
) -> list[Paiement]:
    """Record how a paid sale was settled partly in USD: one USD cash payment (rate, CDF value,
    change given in CDF) and, if any, one CDF payment through the sale's channel. The sale is
    not edited; the closing of its till and day counts these documents instead of its mode."""
    exiger_role(utilisateur, vente.boutique_id, Role.CAISSIER)
    cle = _cle(cle)
    caisse = caisse_de_vente(vente)
    if caisse is None:
        raise ErreurMetier(CodeErreur.PAIEMENT_INVALIDE, "Vente sans caisse (reprise) : encaissement impossible.")
    if vente_est_a_credit(vente):
        raise ErreurMetier(
            CodeErreur.PAIEMENT_INVALIDE, "Vente à crédit : enregistrez un remboursement depuis la fiche du client."
        )
    if vente.statut == StatutVente.ANNULEE:
        raise ErreurMetier(CodeErreur.VENTE_DEJA_ANNULEE, f"La facture {vente.numero_facture} est annulée.")
    jour = jour_de(vente.date_vente)
    with transaction.atomic():
        boutique_verrouiller(vente.boutique_id)
        deja = list(Paiement.objects.filter(boutique_id=vente.boutique_id, cle__in=[cle, f"{cle}-cdf"]).order_by("pk"))
        if deja:
            return deja
        if Paiement.objects.filter(boutique_id=vente.boutique_id, vente=vente).exists():
            raise ErreurMetier(CodeErreur.PAIEMENT_INVALIDE, f"La facture {vente.numero_facture} est déjà encaissée.")
        r = reglement_calculer(vente_total=vente.montant_total, boutique=vente.boutique, jour=jour, usd=usd, cdf=cdf)
        commun: dict[str, Any] = {
            **caisse.champs(),
            "jour": jour,
            "objet": ObjetPaiement.VENTE,
            "vente": vente,
            "auteur": auteur_connu(utilisateur),
            "cree_le": timezone.now(),
        }
        assert r.taux is not None
        paiements = [
            Paiement.objects.create(
                **commun,
                cle=cle,
                canal=Canal.CASH,
                devise=Devise.USD,
                montant=r.usd,
                taux=r.taux.taux,
                taux_change=r.taux,
                montant_cdf=r.usd_en_cdf,
                monnaie_rendue_cdf=r.monnaie_cdf,
            )
        ]
        if r.cdf > 0:
            paiements.append(
                Paiement.objects.create(
                    **commun,
                    cle=f"{cle}-cdf",
                    canal=canal_de(vente.mode_paiement, vente.mode_paiement_libelle),
                    devise=Devise.CDF,
                    montant=r.cdf,
                    montant_cdf=r.cdf,
                )
            )
        return paiements


# --- Receivables -----------------------------------------------------------------------------


def creances_ouvrir(*, ventes: Sequence[Vente]) -> int:
    """Put each of these just-recorded sales that was sold unpaid (`paye=False` or mode CREDIT) on
    its customer's account (customer found or created by phone, else name): one receivable per
    sale. Runs in the transaction that records the sales (`ventes_enregistrees`), so a receivable
    exists exactly when its sale does. Three queries when the sales include credit, none else.
    Returns how many receivables were added."""
    a_credit = [v for v in ventes if v.statut == StatutVente.VALIDEE and vente_est_a_credit(v)]
    if not a_credit:
        return 0
    maintenant = timezone.now()
    cles = {v.pk: (v.boutique_id, client_cle(nom=v.client_nom, telephone=v.client_telephone)) for v in a_credit}
    Client.objects.bulk_create(
        [
            Client(
                boutique_id=v.boutique_id,
                cle=cles[v.pk][1],
                nom=v.client_nom.strip()[:150],
                telephone=v.client_telephone.strip()[:40],
                cree_le=maintenant,
            )
            for v in a_credit
        ],
        ignore_conflicts=True,  # the customer already has an account
    )
    clients = {
        (boutique_id, cle): pk
        for boutique_id, cle, pk in Client.objects.filter(
            boutique_id__in={b for b, _ in cles.values()}, cle__in={c for _, c in cles.values()}
        ).values_list("boutique_id", "cle", "pk")
    }
    Creance.objects.bulk_create(
        [
            Creance(
                vente_id=v.pk,
                boutique_id=v.boutique_id,
                client_id=clients[cles[v.pk]],
                jour=jour_de(v.date_vente),
                montant=v.montant_total,
                solde=v.montant_total,  # a sale just recorded: nothing returned, nothing paid yet
                cree_le=maintenant,
            )
            for v in a_credit
        ]
    )
    return len(a_credit)


def creances_resolder(*, creances: QuerySet[Creance]) -> None:
    """Write again the balance these receivables keep (`Creance.solde`) from the rule
    (`soldes_des_creances`), in the caller's transaction: after a repayment is allocated, or
    the sale is cancelled or partly returned. Two queries, whatever the number."""
    a_ecrire = []
    for creance in soldes_des_creances(creances.order_by()):
        solde = creance.du - creance.regle  # type: ignore[attr-defined]
        if creance.solde != solde:
            creance.solde = solde
            a_ecrire.append(creance)
    Creance.objects.bulk_update(a_ecrire, ["solde"])


def creances_des_ventes_enregistrees(sender: Any, *, ventes: Sequence[Vente], **kwargs: Any) -> None:
    """Receiver of `ventes_enregistrees` (connected in `CaisseConfig.ready`)."""
    creances_ouvrir(ventes=ventes)


def creances_des_ventes_modifiees(sender: Any, *, ventes: Sequence[Vente], **kwargs: Any) -> None:
    """Receiver of `ventes_modifiees` (connected in `CaisseConfig.ready`): a cancellation or a
    return changes what a credit sale owes."""
    creances_resolder(creances=Creance.objects.filter(vente__in=[v.pk for v in ventes]))


@reessayer_si_interblocage
def credit_rembourser(
    *,
    client: Client,
    caisse: Caisse,
    canal: str,
    devise: str,
    montant: Decimal,
    cle: str,
    utilisateur: Utilisateur | None,
    vente: Vente | None = None,
) -> Paiement:
    """A customer pays back, in part or in full: one payment document, allocated to his unpaid
    sales (the one named first, then the oldest first). A USD payment is taken at the day's
    rate; what exceeds the balance is given back as CDF change. Counted in the closing of the
    till and day that received it."""
    exiger_role(utilisateur, client.boutique_id, Role.CAISSIER)
    if caisse.boutique.pk != client.boutique_id:
        raise ErreurMetier(CodeErreur.ACCES_REFUSE, "Cette caisse n'est pas de la boutique du client.")
    _caisse_de_la_boutique(caisse)
    if canal not in Canal.values or devise not in Devise.values:
        raise ErreurMetier(CodeErreur.INVALID_PAYLOAD, "Canal ou devise inconnus.")
    if devise == Devise.USD and canal != Canal.CASH:
        raise ErreurMetier(CodeErreur.PAIEMENT_INVALIDE, "Les USD ne se reçoivent qu'en espèces.")
    montant = _montant(montant, devise=devise, nom="Montant")
    cle = _cle(cle)
    jour = timezone.localdate()
    with transaction.atomic():
        boutique_verrouiller(client.boutique_id)
        deja = Paiement.objects.filter(boutique_id=client.boutique_id, cle=cle).first()
        if deja is not None:
            return deja
        ouvertes = creances_ouvertes(client=client)
        if vente is not None:
            ouvertes.sort(key=lambda c: c.vente_id != vente.pk)  # the named sale first, stable
        solde = sum((c.solde for c in ouvertes), ZERO)  # type: ignore[attr-defined]
        if solde <= 0:
            raise ErreurMetier(CodeErreur.PAIEMENT_INVALIDE, f"{client} ne doit rien à la boutique.")
        taux = None
        montant_cdf = montant
        monnaie = ZERO
        if devise == Devise.USD:
            taux = _taux_exige(caisse.boutique, jour)
            montant_cdf = arrondir(montant * taux.taux)
            monnaie = max(ZERO, montant_cdf - solde)
            if monnaie >= montant_cdf:
                raise ErreurMetier(CodeErreur.PAIEMENT_INVALIDE, "Montant trop faible.")
        elif montant > solde:
            raise ErreurMetier(
                CodeErreur.PAIEMENT_INVALIDE,
                f"Montant supérieur au solde dû ({montant_affiche(solde)}).",
            )
        paiement = Paiement.objects.create(
            **caisse.champs(),
            jour=jour,
            cle=cle,
            objet=ObjetPaiement.CREDIT,
            client=client,
            canal=canal,
            devise=devise,
            montant=montant,
            taux=taux.taux if taux else None,
            taux_change=taux,
            montant_cdf=montant_cdf,
            monnaie_rendue_cdf=monnaie,
            auteur=auteur_connu(utilisateur),
            cree_le=timezone.now(),
        )
        reste = montant_cdf - monnaie
        affectations = []
        for creance in ouvertes:
            if reste <= 0:
                break
            part = min(reste, creance.solde)  # type: ignore[attr-defined]
            affectations.append(
                Affectation(boutique_id=paiement.boutique_id, paiement=paiement, creance=creance, montant_cdf=part)
            )
            reste -= part
        Affectation.objects.bulk_create(affectations)
        creances_resolder(creances=Creance.objects.filter(pk__in=[a.creance_id for a in affectations]))
        return paiement


# --- Closings --------------------------------------------------------------------------------


def _comptes_lus(comptes: dict[Cle, Decimal]) -> dict[Cle, Decimal]:
    lus: dict[Cle, Decimal] = {}
    for (canal, devise), valeur in comptes.items():
        if canal not in Canal.values or devise not in Devise.values:
            raise ErreurMetier(CodeErreur.INVALID_PAYLOAD, "Canal ou devise inconnus.")
        lus[(canal, devise)] = _montant(valeur, devise=devise, nom=f"Compté {canal} {devise}", zero_permis=True)
    return lus


@reessayer_si_interblocage
def cloture_enregistrer(
    *,
    caisse: Caisse,
    jour: date,
    comptes: dict[Cle, Decimal],
    cle: str,
    utilisateur: Utilisateur | None,
    remplace: Cloture | None = None,
    sequence_declaree: int | None = None,
    motif: str = "",
) -> Cloture:
    """Close a till for a business day: what is expected now per channel and currency, what was
    counted (a channel left out counts 0), each difference, and whether every sale the terminal
    numbered is on the server. Submitting the same form twice (same `cle`) records it once. A
    correction names the closing it supersedes, which must be the one in force: both are kept."""
    exiger_role(utilisateur, caisse.boutique, Role.GERANT)
    _caisse_de_la_boutique(caisse)
    if jour > timezone.localdate():
        raise ErreurMetier(CodeErreur.INVALID_DATE, "On ne clôture pas un jour à venir.")
    if sequence_declaree is not None and not 0 < sequence_declaree <= SEQUENCE_MAX:
        raise ErreurMetier(CodeErreur.INVALID_PAYLOAD, "Dernier numéro du terminal : entier positif attendu.")
    comptes = _comptes_lus(comptes)
    motif = motif.strip()[:200]
    cle = _cle(cle)
    if remplace is not None and not motif:
        raise ErreurMetier(CodeErreur.MOTIF_REQUIS, "Indiquez le motif de la correction de la clôture.")
    try:
        with transaction.atomic():
            boutique_verrouiller(caisse.boutique.pk)
            deja = Cloture.objects.filter(boutique=caisse.boutique, cle=cle).first()
            if deja is not None:
                return deja
            courante = cloture_courante(caisse=caisse, jour=jour)
            if (courante.pk if courante else None) != (remplace.pk if remplace else None):
                raise ErreurMetier(
                    CodeErreur.CLOTURE_PERIMEE,
                    "Cette caisse a déjà une clôture pour ce jour : ouvrez-la et corrigez-la."
                    if remplace is None
                    else "Cette clôture a déjà été corrigée : repartez de la plus récente.",
                )
            return _cloture_ecrire(caisse, jour, comptes, cle, utilisateur, courante, sequence_declaree, motif)
    except IntegrityError:
        # A concurrent submission won the (shop, key) or (till, day, version) race.
        deja = Cloture.objects.filter(boutique=caisse.boutique, cle=cle).first()
        if deja is not None:
            return deja
        raise ErreurMetier(
            CodeErreur.CLOTURE_PERIMEE, "Une autre clôture vient d'être enregistrée pour cette caisse : rechargez."
        ) from None


def _cloture_ecrire(
    caisse: Caisse,
    jour: date,
    comptes: dict[Cle, Decimal],
    cle: str,
    utilisateur: Utilisateur | None,
    courante: Cloture | None,
    sequence_declaree: int | None,
    motif: str,
) -> Cloture:
    attendu = attendu_caisse(caisse=caisse, jour=jour)
    etat = completude(caisse=caisse, jour=jour, declaree=sequence_declaree)
    debut, fin = bornes_du_jour(jour)
    cloture = Cloture.objects.create(
        **caisse.champs(),
        jour=jour,
        cle=cle,
        auteur=auteur_connu(utilisateur),
        cree_le=timezone.now(),
        version=(courante.version + 1) if courante else 1,
        remplace=courante,
        motif=motif,
        debut=debut,
        fin=fin,
        nombre_ventes=attendu.nombre_ventes,
        credit_cdf=attendu.credit_cdf,
        sequence_declaree=sequence_declaree,
        sequence_derniere=etat.derniere,
        nombre_manquantes=etat.nombre_manquantes,
        manquantes=etat.manquantes,
    )
    attendus = dict(attendu.lignes())
    lignes = []
    for canal_devise in list(attendus) + [c for c in comptes if c not in attendus]:
        prevu = attendus.get(canal_devise, ZERO)
        compte = comptes.get(canal_devise, ZERO)
        lignes.append(
            LigneCloture(
                boutique_id=cloture.boutique_id,
                cloture=cloture,
                canal=canal_devise[0],
                devise=canal_devise[1],
                attendu=prevu,
                compte=compte,
                ecart=compte - prevu,
            )
        )
    LigneCloture.objects.bulk_create(lignes)
    return cloture


def revision_prendre_en_compte(*, cloture: Cloture, utilisateur: Utilisateur | None) -> PriseEnCompte | None:
    """A manager saw what arrived after the count: the day is no longer flagged for it (a new
    arrival flags it again). None when there was nothing to acknowledge."""
    exiger_role(utilisateur, cloture.boutique_id, Role.GERANT)
    etat = revision(cloture=cloture)
    if etat.jusqu_a is None or not etat.a_voir:
        return None
    return PriseEnCompte.objects.create(
        boutique_id=cloture.boutique_id,
        cloture=cloture,
        jusqu_a=etat.jusqu_a,
        vue_par=auteur_connu(utilisateur),
        vue_le=timezone.now(),
    )
