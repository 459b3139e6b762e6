"""Import of the old system's `dumpdata` export into Magasin (`manage.py importer_ancien`).

Old ids are kept everywhere (shops, terminals, articles, sales, lines, old movements): the
terminals' offline catalogues and queued sales refer to them, and they make the import
idempotent: a row whose id exists is already imported and is skipped. Every write is a batch
(`bulk_create`), one transaction per batch, so an interrupted import keeps what it committed
and the next run goes on from there.

The file is read in passes, one per phase, because a dumpdata file may list lines before
their sales or sales before their shops:
  1. inventory: counts every model, keeps shops, terminals, articles and invoice counters
     (small tables) in memory;
  2. shops, terminals, articles (each opening with one ledger movement to its old stock);
  3. sales and old stock movements (second pass);
  4. sale lines (third pass);
  5. totals, fingerprints, invoice counters and database sequences, from the database.
Memory holds the small tables above, the id -> shop maps of terminals and articles, the ids of
rejected sales, and one batch: never the sales.

Everything that cannot go into the books is kept whole in `RejetImport` with its reason, and
counted in the report. The report is the same for a dry run (the whole import runs in one
transaction that is rolled back) and for the real one.
"""

from __future__ import annotations

import re
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.db.models import Exists, F, OuterRef, Subquery, Sum
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from magasin.boutiques.models import Boutique, Terminal
from magasin.reprise.lecture import ErreurLecture, lire_elements
from magasin.reprise.models import ImportAncien, MouvementAncien, RejetImport, StatutImport
from magasin.stock.models import Article, TypeMouvement
from magasin.stock.services import registre_ouvrir
from magasin.ventes.agregats import agregats_mettre_a_jour
from magasin.ventes.entrees import VenteEntree
from magasin.ventes.models import LigneVente, ModePaiement, OrigineVente, SequenceFacture, StatutVente, Vente
from magasin.ventes.signaux import annoncer_ventes_enregistrees

TAILLE_LOT = 5000
LIMITE_EXEMPLES = 50
UTILISATEUR = "reprise-ancien"
# reference_document of the opening movement of each article.
REFERENCE_OUVERTURE = "REPRISE-ANCIEN"

# Old model name (whatever its app label) -> its role here.
MODELES = {
    "boutique": "boutique",
    "client": "terminal",
    "terminal": "terminal",
    "article": "article",
    "vente": "vente",
    "lignevente": "lignevente",
    "mouvementstock": "mouvementstock",
    "sequencefacture": "sequencefacture",
}

# Field names the notes use; anything else is reported as unknown and skipped.
CHAMPS_CONNUS: dict[str, frozenset[str]] = {
    "boutique": frozenset(
        {"nom", "code", "code_boutique", "adresse", "telephone", "devise", "est_active", "est_actif", "date_creation"}
    ),
    "terminal": frozenset(
        {"numero_serie", "nom_terminal", "boutique", "est_actif", "date_creation", "derniere_synchro"}
    ),
    "article": frozenset(
        {
            "boutique",
            "code",
            "nom",
            "prix_vente",
            "quantite_stock",
            "seuil_alerte",
            "est_actif",
            "code_barres",
            "date_creation",
            "date_modification",
        }
    ),
    "vente": frozenset(
        {"numero_facture", "montant_total", "mode_paiement", "paye", "client_maui", "boutique", "date_vente"}
    ),
    "lignevente": frozenset({"vente", "article", "quantite", "prix_unitaire", "total_ligne", "sous_total"}),
    "mouvementstock": frozenset(
        {
            "article",
            "boutique",
            "type_mouvement",
            "quantite",
            "stock_avant",
            "stock_apres",
            "reference_document",
            "utilisateur",
            "commentaire",
            "date_mouvement",
        }
    ),
    "sequencefacture": frozenset({"boutique", "annee", "mois", "dernier_numero"}),
}

# Anomaly key -> (title, needs a human). Those that need a human make the exit status 1.
ANOMALIES: dict[str, tuple[str, bool]] = {
    "champs_obligatoires_absents": ("Lignes sans un champ obligatoire (non importées)", True),
    "valeurs_invalides": ("Valeurs illisibles ou hors des règles (ligne non importée ou valeur corrigée)", True),
    "terminaux_sans_boutique": ("Terminaux sans boutique (importés, refusés par l'API jusqu'à rattachement)", True),
    "series_en_double": ("Numéros de série en double (second terminal non importé)", True),
    "codes_modifies": ("Codes en double ou trop longs, modifiés à l'import", True),
    "stocks_negatifs": ("Articles au stock négatif (importé tel quel)", True),
    "ventes_orphelines_rattachees": ("Ventes sans boutique rattachées à la boutique de leur terminal", False),
    "ventes_orphelines_non_rattachees": ("Ventes sans boutique ni terminal rattaché (non importées)", True),
    "ventes_terminal_inconnu": ("Ventes dont le terminal n'est pas dans l'export (importées sans terminal)", False),
    "numeros_en_double": ("Numéros de facture en double dans une boutique (renumérotés)", True),
    "modes_paiement_inconnus": ("Modes de paiement inconnus (importés en AUTRE, libellé gardé)", False),
    "lignes_vente_absente": ("Lignes dont la vente est absente ou non importée", True),
    "lignes_article_absent": ("Lignes dont l'article est absent de l'export", True),
    "lignes_autre_boutique": ("Lignes dont l'article est d'une autre boutique que la vente", True),
    "ventes_total_different": ("Ventes dont le total diffère de leurs lignes (total = lignes, ancien gardé)", True),
    "ventes_sans_lignes": ("Ventes importées sans aucune ligne", True),
    "mouvements_article_absent": ("Anciens mouvements d'un article absent (gardés dans l'historique)", False),
}


class ErreurReprise(Exception):
    """Nothing can be imported (message in French, for the operator)."""


class RejetLigne(Exception):
    """This old row cannot be imported; the message says why (model, pk, field)."""

    def __init__(self, cle: str, message: str) -> None:
        super().__init__(message)
        self.cle = cle


# --- The report ---------------------------------------------------------------------------------


@dataclass
class Compte:
    lus: int = 0
    importes: int = 0
    deja_presents: int = 0
    rejetes: int = 0


@dataclass
class Constat:
    titre: str
    humain: bool
    nombre: int = 0
    elements: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Rapport:
    fichier: str
    essai: bool
    modeles: dict[str, Compte] = field(default_factory=lambda: {m: Compte() for m in CHAMPS_CONNUS})
    modeles_inconnus: Counter[str] = field(default_factory=Counter)
    champs_inconnus: Counter[str] = field(default_factory=Counter)
    anomalies: dict[str, Constat] = field(
        default_factory=lambda: {cle: Constat(titre, humain) for cle, (titre, humain) in ANOMALIES.items()}
    )
    sequences: list[dict[str, Any]] = field(default_factory=list)
    erreur: str = ""
    duree_s: float = 0.0

    def noter(self, cle: str, **element: Any) -> None:
        constat = self.anomalies[cle]
        constat.nombre += 1
        if len(constat.elements) < LIMITE_EXEMPLES:
            constat.elements.append(element)

    @property
    def importes(self) -> int:
        return sum(c.importes + c.deja_presents for c in self.modeles.values())

    @property
    def code_sortie(self) -> int:
        """0 imported, 1 imported with anomalies that need a human, 2 nothing could be imported."""
        if self.erreur or self.importes == 0:
            return 2
        if any(c.humain and c.nombre for c in self.anomalies.values()):
            return 1
        return 0

    def en_json(self) -> dict[str, Any]:
        return {
            "titre": "Reprise des données de l'ancien système",
            "fichier": self.fichier,
            "mode": "essai (rien n'est écrit)" if self.essai else "import",
            "code_sortie": self.code_sortie,
            "erreur": self.erreur or None,
            "duree_s": round(self.duree_s, 1),
            "modeles": {nom: vars(c) for nom, c in self.modeles.items()},
            "ignores": {
                "modeles_inconnus": dict(sorted(self.modeles_inconnus.items())),
                "champs_inconnus": dict(sorted(self.champs_inconnus.items())),
            },
            "anomalies": {
                cle: {"titre": c.titre, "a_traiter": c.humain, "nombre": c.nombre, "elements": c.elements}
                for cle, c in self.anomalies.items()
                if c.nombre
            },
            "sequences_facture": self.sequences,
        }


# --- Progress -----------------------------------------------------------------------------------


class Suivi:
    """Progress lines (rows done per model, rate, time left), at most one every `intervalle` s."""

    def __init__(self, ecrire: Callable[[str], None] | None, *, intervalle: float = 2.0) -> None:
        self._ecrire = ecrire
        self._intervalle = intervalle
        self._nom = ""
        self._total = 0
        self._fait = 0
        self._debut = 0.0
        self._dernier = 0.0

    def phase(self, nom: str, total: int = 0) -> None:
        self._nom, self._total, self._fait = nom, total, 0
        self._debut = self._dernier = time.monotonic()

    def avancer(self, n: int = 1) -> None:
        self._fait += n
        maintenant = time.monotonic()
        if maintenant - self._dernier >= self._intervalle:
            self._dernier = maintenant
            self._afficher(maintenant)

    def terminer(self) -> None:
        self._afficher(time.monotonic(), fin=True)

    def _afficher(self, maintenant: float, *, fin: bool = False) -> None:
        if self._ecrire is None:
            return
        duree = max(maintenant - self._debut, 1e-6)
        debit = self._fait / duree
        texte = f"{self._nom} : {self._fait:,}".replace(",", " ")
        if self._total:
            texte += f"/{self._total:,}".replace(",", " ") + f" ({100 * self._fait // max(self._total, 1)} %)"
        texte += f" — {debit:,.0f}/s".replace(",", " ")
        if fin:
            texte += f" — terminé en {_duree_lisible(duree)}"
        elif self._total and debit > 0:
            texte += f" — reste ≈ {_duree_lisible(max(self._total - self._fait, 0) / debit)}"
        self._ecrire(texte)


def _duree_lisible(secondes: float) -> str:
    secondes = int(secondes)
    if secondes < 60:
        return f"{secondes} s"
    if secondes < 3600:
        return f"{secondes // 60} min {secondes % 60:02d} s"
    return f"{secondes // 3600} h {secondes % 3600 // 60:02d} min"


# --- Reading old values -------------------------------------------------------------------------


def _nom_modele(element: dict[str, Any]) -> str:
    return str(element.get("model", "")).rsplit(".", 1)[-1].lower()


def _role(element: dict[str, Any]) -> str | None:
    return MODELES.get(_nom_modele(element))


def _pk(element: dict[str, Any], role: str) -> int:
    pk = element.get("pk")
    if isinstance(pk, bool) or not isinstance(pk, int) or pk <= 0:
        raise RejetLigne("valeurs_invalides", f"{role} pk={pk!r} : clé primaire absente ou non entière")
    return pk


def _champs(element: dict[str, Any]) -> dict[str, Any]:
    champs = element.get("fields")
    return champs if isinstance(champs, dict) else {}


def _requis(champs: dict[str, Any], role: str, pk: int, *noms: str) -> Any:
    """The first of `noms` present (aliases), else a clear error naming model, pk and field."""
    for nom in noms:
        if nom in champs:
            return champs[nom]
    raise RejetLigne("champs_obligatoires_absents", f"{role} pk={pk} : champ obligatoire « {noms[0]} » absent")


def _invalide(role: str, pk: int, nom: str, valeur: Any, attendu: str) -> RejetLigne:
    return RejetLigne("valeurs_invalides", f"{role} pk={pk} : « {nom} » = {valeur!r} n'est pas {attendu}")


def _entier(valeur: Any, role: str, pk: int, nom: str) -> int:
    if isinstance(valeur, bool):
        raise _invalide(role, pk, nom, valeur, "un entier")
    if isinstance(valeur, int):
        return valeur
    try:
        decimal = Decimal(str(valeur))
    except InvalidOperation:
        raise _invalide(role, pk, nom, valeur, "un entier") from None
    if not decimal.is_finite() or decimal != decimal.to_integral_value():
        raise _invalide(role, pk, nom, valeur, "un entier")
    return int(decimal)


def _montant(valeur: Any, role: str, pk: int, nom: str) -> Decimal:
    if isinstance(valeur, bool) or valeur is None:
        raise _invalide(role, pk, nom, valeur, "un montant")
    try:
        decimal = Decimal(str(valeur))
    except InvalidOperation:
        raise _invalide(role, pk, nom, valeur, "un montant") from None
    if not decimal.is_finite() or decimal < 0 or abs(decimal) >= Decimal("1e12"):
        raise _invalide(role, pk, nom, valeur, "un montant positif")
    return decimal.quantize(Decimal("0.01"))


def _date(valeur: Any, role: str, pk: int, nom: str) -> datetime:
    moment = parse_datetime(valeur) if isinstance(valeur, str) else None
    if moment is None and isinstance(valeur, str):
        jour = parse_date(valeur)
        if jour is not None:
            moment = datetime(jour.year, jour.month, jour.day)  # noqa: DTZ001 - made aware below
    if moment is None:
        raise _invalide(role, pk, nom, valeur, "une date")
    # An old server without USE_TZ wrote local times: the shops' time zone.
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def _date_ou_none(valeur: Any, role: str, pk: int, nom: str) -> datetime | None:
    return None if valeur in (None, "") else _date(valeur, role, pk, nom)


def _texte(valeur: Any) -> str:
    return "" if valeur is None else str(valeur).strip()


def _booleen(valeur: Any, defaut: bool) -> bool:
    return defaut if valeur is None else bool(valeur)


def _fk(valeur: Any) -> int | None:
    return valeur if isinstance(valeur, int) and not isinstance(valeur, bool) else None


def _lots(elements: Iterable[dict[str, Any]], taille: int) -> Iterator[list[dict[str, Any]]]:
    lot: list[dict[str, Any]] = []
    for element in elements:
        lot.append(element)
        if len(lot) >= taille:
            yield lot
            lot = []
    if lot:
        yield lot


# --- State shared by the phases -----------------------------------------------------------------


@dataclass
class Etat:
    chemin: Path
    rapport: Rapport
    suivi: Suivi
    taille_lot: int
    moment: datetime
    # Inventory (pass 1): the small tables, whole.
    boutiques: dict[int, dict[str, Any]] = field(default_factory=dict)
    terminaux: dict[int, dict[str, Any]] = field(default_factory=dict)
    articles: dict[int, dict[str, Any]] = field(default_factory=dict)
    sequences: list[dict[str, Any]] = field(default_factory=list)
    # After their phase: what the later phases need.
    boutiques_ok: dict[int, Boutique] = field(default_factory=dict)
    terminal_boutique: dict[int, int | None] = field(default_factory=dict)
    article_boutique: dict[int, int] = field(default_factory=dict)
    ventes_rejetees: set[int] = field(default_factory=set)
    # (shop, year, month) -> highest number in Magasin's own format among the imported sales.
    numeros_max: dict[tuple[int, int, int], int] = field(default_factory=dict)
    rejets: list[RejetImport] = field(default_factory=list)

    def rejeter(self, role: str, element: dict[str, Any], erreur: RejetLigne, **details: Any) -> None:
        self.rapport.modeles[role].rejetes += 1
        self.rapport.noter(erreur.cle, erreur=str(erreur), **details)
        self.rejets.append(
            RejetImport(
                modele=role,
                ancien_pk=str(element.get("pk"))[:100],
                raison=str(erreur),
                donnees=element,
                date_rejet=self.moment,
            )
        )

    def ecrire_rejets(self) -> None:
        if self.rejets:
            RejetImport.objects.bulk_create(self.rejets, batch_size=500, ignore_conflicts=True)
            self.rejets = []


# --- Entry point --------------------------------------------------------------------------------


def importer_ancien(
    *,
    chemin: str | Path,
    essai: bool = False,
    taille_lot: int = TAILLE_LOT,
    progression: Callable[[str], None] | None = None,
) -> Rapport:
    """Import the old export at `chemin`; with `essai`, do it all and roll it back.

    Returns the report; `rapport.erreur` is set (and nothing written) when nothing could be
    imported at all: unreadable file, no known model, or a Magasin holding other data.
    """
    chemin = Path(chemin)
    rapport = Rapport(fichier=str(chemin), essai=essai)
    etat = Etat(
        chemin=chemin,
        rapport=rapport,
        suivi=Suivi(progression),
        taille_lot=taille_lot,
        moment=timezone.now(),
    )
    debut = time.monotonic()
    try:
        _inventorier(etat)
        _verifier_cible()
        if essai:
            with transaction.atomic():
                _importer(etat)
                transaction.set_rollback(True)
        else:
            trace = ImportAncien.objects.create(
                fichier=str(chemin)[:500], taille_octets=chemin.stat().st_size, debut=etat.moment
            )
            _importer(etat)
            rapport.duree_s = time.monotonic() - debut
            trace.fin = timezone.now()
            trace.code_sortie = rapport.code_sortie
            trace.statut = StatutImport.ECHEC if rapport.code_sortie == 2 else StatutImport.TERMINE
            trace.rapport = rapport.en_json()
            trace.save()
    except ErreurReprise as exc:
        rapport.erreur = str(exc)
    rapport.duree_s = time.monotonic() - debut
    return rapport


def _verifier_cible() -> None:
    """Into an empty Magasin, or one where only this import has run (old ids are kept)."""
    if ImportAncien.objects.exists():
        return
    occupees = [m._meta.verbose_name for m in (Boutique, Terminal, Article, Vente) if m.objects.exists()]
    if occupees:
        raise ErreurReprise(
            "Magasin contient déjà des données (" + ", ".join(str(o) for o in occupees) + ") qui ne viennent pas "
            "d'un import : la reprise garde les anciens identifiants et se fait dans une base vide."
        )


def _importer(etat: Etat) -> None:
    _importer_boutiques(etat)
    _importer_terminaux(etat)
    _importer_articles(etat)
    _remettre_sequences_sql([Boutique, Terminal, Article])
    _importer_ventes_et_mouvements(etat)
    _remettre_sequences_sql([Vente, MouvementAncien])
    _importer_lignes(etat)
    _analyser([Vente, LigneVente])
    _remettre_sequences_sql([LigneVente, RejetImport])
    _rapprocher_totaux(etat)
    _calculer_empreintes(etat)
    _continuer_numerotation(etat)


# --- Pass 1: inventory --------------------------------------------------------------------------

_PETITES_TABLES = {"boutique": "boutiques", "terminal": "terminaux", "article": "articles"}


def _inventorier(etat: Etat) -> None:
    rapport = etat.rapport
    etat.suivi.phase("lecture de l'export")
    try:
        for element in lire_elements(etat.chemin):
            etat.suivi.avancer()
            role = _role(element)
            if role is None:
                rapport.modeles_inconnus[str(element.get("model", "(sans modèle)"))] += 1
                continue
            rapport.modeles[role].lus += 1
            champs = _champs(element)
            for nom in champs.keys() - CHAMPS_CONNUS[role]:
                rapport.champs_inconnus[f"{role}.{nom}"] += 1
            if role in _PETITES_TABLES:
                try:
                    getattr(etat, _PETITES_TABLES[role])[_pk(element, role)] = element
                except RejetLigne as exc:
                    etat.rejeter(role, element, exc)
            elif role == "sequencefacture":
                etat.sequences.append(element)
    except OSError as exc:
        raise ErreurReprise(f"Fichier illisible : {exc}") from exc
    except UnicodeError as exc:
        raise ErreurReprise(f"Fichier ni en UTF-8 ni en UTF-16 : {exc}") from exc
    except ErreurLecture as exc:
        raise ErreurReprise(str(exc)) from exc
    etat.suivi.terminer()
    if not any(c.lus for c in rapport.modeles.values()):
        raise ErreurReprise(
            "Aucun modèle connu dans ce fichier (boutique, client, article, vente, lignevente, "
            "mouvementstock, sequencefacture) : est-ce bien l'export de l'ancien système ?"
        )


# --- Shops, terminals, articles -----------------------------------------------------------------


def _importer_boutiques(etat: Etat) -> None:
    compte = etat.rapport.modeles["boutique"]
    existantes = Boutique.objects.in_bulk(list(etat.boutiques))
    codes_pris = set(Boutique.objects.values_list("code", flat=True))
    nouvelles: list[Boutique] = []
    etat.suivi.phase("boutiques", len(etat.boutiques))
    for pk, element in sorted(etat.boutiques.items()):
        etat.suivi.avancer()
        champs = _champs(element)
        try:
            nom = _texte(_requis(champs, "boutique", pk, "nom"))[:120]
            code = _texte(_requis(champs, "boutique", pk, "code_boutique", "code"))
        except RejetLigne as exc:
            etat.rejeter("boutique", element, exc)
            continue
        if pk in existantes:
            compte.deja_presents += 1
            etat.boutiques_ok[pk] = existantes[pk]
            if existantes[pk].code != code:
                etat.rapport.noter("codes_modifies", modele="boutique", pk=pk, ancien=code, nouveau=existantes[pk].code)
            continue
        code_propre = (code or f"ANC-{pk}")[:20]
        if code_propre in codes_pris:
            code_propre = f"{code_propre[:14]}-{pk}"[:20]
        if code_propre != code:
            etat.rapport.noter("codes_modifies", modele="boutique", pk=pk, ancien=code, nouveau=code_propre)
        codes_pris.add(code_propre)
        actif = champs.get("est_active", champs.get("est_actif"))
        boutique = Boutique(
            pk=pk,
            nom=nom or code_propre,
            code=code_propre,
            devise=(_texte(champs.get("devise")) or "CDF")[:3],
            adresse=_texte(champs.get("adresse"))[:255],
            telephone=_texte(champs.get("telephone"))[:40],
            est_active=_booleen(actif, True),
        )
        nouvelles.append(boutique)
        etat.boutiques_ok[pk] = boutique
    _ecrire_phase(etat, Boutique, nouvelles, compte)


def _ecrire_phase(etat: Etat, modele: type[models.Model], nouveaux: list[Any], compte: Compte) -> None:
    """Write a small phase's new rows and its rejects together, and close the phase."""
    with transaction.atomic():
        modele._default_manager.bulk_create(nouveaux, batch_size=500)
        etat.ecrire_rejets()
    compte.importes += len(nouveaux)
    etat.suivi.terminer()


def _importer_terminaux(etat: Etat) -> None:
    compte = etat.rapport.modeles["terminal"]
    existants = dict(Terminal.objects.filter(pk__in=list(etat.terminaux)).values_list("pk", "boutique_id"))
    series_prises = set(Terminal.objects.values_list("numero_serie", flat=True))
    nouveaux: list[Terminal] = []
    etat.suivi.phase("terminaux", len(etat.terminaux))
    for pk, element in sorted(etat.terminaux.items()):
        etat.suivi.avancer()
        champs = _champs(element)
        try:
            serie = _texte(_requis(champs, "terminal", pk, "numero_serie"))
            if not serie or len(serie) > 100:
                raise _invalide("terminal", pk, "numero_serie", serie, "un numéro de série (1 à 100 caractères)")
        except RejetLigne as exc:
            etat.rejeter("terminal", element, exc)
            continue
        boutique_ancienne = _fk(champs.get("boutique"))
        boutique_id = boutique_ancienne if boutique_ancienne in etat.boutiques_ok else None
        if pk in existants:
            # Attached to a shop since the last run: its orphan sales can now come in.
            boutique_id = existants[pk]
        if boutique_id is None:
            etat.rapport.noter(
                "terminaux_sans_boutique",
                pk=pk,
                numero_serie=serie,
                boutique_ancienne=boutique_ancienne,
                raison="sans boutique" if boutique_ancienne is None else "boutique absente de l'export",
            )
        if pk in existants:
            compte.deja_presents += 1
            etat.terminal_boutique[pk] = existants[pk]
            continue
        if serie in series_prises:
            etat.rejeter(
                "terminal",
                element,
                RejetLigne("series_en_double", f"terminal pk={pk} : numéro de série « {serie} » déjà pris"),
            )
            continue
        series_prises.add(serie)
        nouveaux.append(
            Terminal(
                pk=pk,
                numero_serie=serie,
                nom_terminal=(_texte(champs.get("nom_terminal")) or serie)[:120],
                boutique_id=boutique_id,
                est_actif=_booleen(champs.get("est_actif"), True),
                # The fleet syncs the same evening on its serials; tokens can be rolled out later.
                serie_seule=True,
            )
        )
        etat.terminal_boutique[pk] = boutique_id
    _ecrire_phase(etat, Terminal, nouveaux, compte)


def _importer_articles(etat: Etat) -> None:
    """Articles under their old ids, shop by shop; each opens with one ledger movement to its old
    stock, in the same transaction, so that a resumed import never opens an article twice."""
    par_boutique: dict[int, list[tuple[int, dict[str, Any]]]] = defaultdict(list)
    etat.suivi.phase("articles", len(etat.articles))
    for pk, element in sorted(etat.articles.items()):
        champs = _champs(element)
        try:
            boutique_id = _fk(_requis(champs, "article", pk, "boutique"))
            if boutique_id not in etat.boutiques_ok:
                raise RejetLigne(
                    "valeurs_invalides", f"article pk={pk} : boutique {champs.get('boutique')!r} absente de l'export"
                )
        except RejetLigne as exc:
            etat.rejeter("article", element, exc)
            etat.suivi.avancer()
            continue
        par_boutique[boutique_id].append((pk, element))
    for boutique_id, articles in sorted(par_boutique.items()):
        boutique = etat.boutiques_ok[boutique_id]
        codes_pris = set(Article.objects.filter(boutique_id=boutique_id).values_list("code", flat=True))
        for debut in range(0, len(articles), etat.taille_lot):
            _ecrire_articles(etat, boutique, articles[debut : debut + etat.taille_lot], codes_pris)
    with transaction.atomic():
        etat.ecrire_rejets()
    etat.articles.clear()
    etat.suivi.terminer()


def _ecrire_articles(
    etat: Etat, boutique: Boutique, lot: list[tuple[int, dict[str, Any]]], codes_pris: set[str]
) -> None:
    compte = etat.rapport.modeles["article"]
    existants = dict(Article.objects.filter(pk__in=[pk for pk, _ in lot]).values_list("pk", "code"))
    nouveaux: list[tuple[Article, int]] = []
    for pk, element in lot:
        etat.suivi.avancer()
        champs = _champs(element)
        try:
            code = _texte(_requis(champs, "article", pk, "code"))
            nom = _texte(_requis(champs, "article", pk, "nom"))[:200]
            prix = _montant(_requis(champs, "article", pk, "prix_vente"), "article", pk, "prix_vente")
            stock = _entier(champs.get("quantite_stock") or 0, "article", pk, "quantite_stock")
            seuil = _entier(champs.get("seuil_alerte", 5) or 0, "article", pk, "seuil_alerte")
        except RejetLigne as exc:
            etat.rejeter("article", element, exc)
            continue
        if stock < 0:
            etat.rapport.noter("stocks_negatifs", article_id=pk, boutique=boutique.code, code=code, stock=stock)
        if pk in existants:
            compte.deja_presents += 1
            etat.article_boutique[pk] = boutique.pk
            if existants[pk] != code:  # renamed by the run that imported it: same report
                etat.rapport.noter("codes_modifies", modele="article", pk=pk, ancien=code, nouveau=existants[pk])
            continue
        code_propre = (code or f"ART-{pk}")[:50]
        if code_propre in codes_pris:
            code_propre = f"{code_propre[:40]}-{pk}"[:50]
        if code_propre != code:
            etat.rapport.noter("codes_modifies", modele="article", pk=pk, ancien=code, nouveau=code_propre)
        codes_pris.add(code_propre)
        if seuil < 0:
            etat.rapport.noter("valeurs_invalides", erreur=f"article pk={pk} : seuil_alerte {seuil} ramené à 0")
            seuil = 0
        article = Article(
            pk=pk,
            boutique=boutique,
            code=code_propre,
            nom=nom or code_propre,
            prix_vente=prix,
            seuil_alerte=seuil,
            est_actif=_booleen(champs.get("est_actif"), True),
            code_barres=_texte(champs.get("code_barres"))[:64],
        )
        nouveaux.append((article, stock))
    with transaction.atomic():
        Article.objects.bulk_create([a for a, _ in nouveaux], batch_size=1000)
        ouverts = [(a, s) for a, s in nouveaux if s != 0]
        if ouverts:
            # The ledger service, in bulk: 0 -> old stock, so the chain verifier_stock checks opens at 0.
            registre = registre_ouvrir(
                boutique=boutique, article_ids=[a.pk for a, _ in ouverts], utilisateur=UTILISATEUR, moment=etat.moment
            )
            for article, stock in ouverts:
                registre.mouvement(
                    article_id=article.pk,
                    quantite=stock,
                    type_mouvement=TypeMouvement.AJUSTEMENT,
                    reference_document=REFERENCE_OUVERTURE,
                    commentaire=f"Stock d'ouverture repris de l'ancien système : {stock}.",
                )
            registre.ecrire()
        etat.ecrire_rejets()
    compte.importes += len(nouveaux)
    for article, _ in nouveaux:
        etat.article_boutique[article.pk] = boutique.pk


# --- Bulk insert with the old ids ---------------------------------------------------------------


def _inserer(modele: type[models.Model], objets: list[Any]) -> None:
    """Insert rows that carry their (old) ids, in batches of 1,000 rows per statement."""
    modele._default_manager.bulk_create(objets, batch_size=1000)


# --- Pass 2: sales and old movements ------------------------------------------------------------


def _elements_de(etat: Etat, *roles: str) -> Iterator[dict[str, Any]]:
    for element in lire_elements(etat.chemin):
        if _role(element) in roles:
            yield element


def _importer_ventes_et_mouvements(etat: Etat) -> None:
    modeles = etat.rapport.modeles
    etat.suivi.phase("ventes et anciens mouvements", modeles["vente"].lus + modeles["mouvementstock"].lus)
    formats = {b.pk: _format_magasin(b) for b in etat.boutiques_ok.values()}
    for rang, lot in enumerate(_lots(_elements_de(etat, "vente", "mouvementstock"), etat.taille_lot), 1):
        if rang & (rang - 1) == 0:  # batches 1, 2, 4, 8…: the table grows from empty
            _analyser([Vente])
        ventes = [e for e in lot if _role(e) == "vente"]
        mouvements = [e for e in lot if _role(e) == "mouvementstock"]
        with transaction.atomic():
            if ventes:
                _ecrire_ventes(etat, ventes, formats)
            if mouvements:
                _ecrire_mouvements(etat, mouvements)
            etat.ecrire_rejets()
        etat.suivi.avancer(len(lot))
    etat.suivi.terminer()


def _format_magasin(boutique: Boutique) -> re.Pattern[str]:
    """Magasin's own numbers for this shop (numerotation.formater_numero), read leniently."""
    return re.compile(
        rf"^{re.escape(boutique.prefixe_facture)}-{re.escape(boutique.code)}-(\d{{4}})(\d{{2}})-(\d{{1,9}})$"
    )


@dataclass
class _VenteLue:
    pk: int
    element: dict[str, Any]
    boutique_id: int
    terminal_id: int | None
    numero: str
    valeurs: dict[str, Any]


def _lire_vente(etat: Etat, element: dict[str, Any]) -> _VenteLue:
    pk = _pk(element, "vente")
    champs = _champs(element)
    numero = _texte(_requis(champs, "vente", pk, "numero_facture"))
    date_vente = _date(_requis(champs, "vente", pk, "date_vente"), "vente", pk, "date_vente")
    montant = _montant(_requis(champs, "vente", pk, "montant_total"), "vente", pk, "montant_total")
    if not numero:
        numero = f"ANCIEN-{pk}"
        etat.rapport.noter("valeurs_invalides", erreur=f"vente pk={pk} : numéro de facture vide, devenu {numero}")
    if len(numero) > 100:
        raise _invalide("vente", pk, "numero_facture", numero, "un numéro de 100 caractères au plus")
    libelle = _texte(champs.get("mode_paiement")) or ModePaiement.CASH
    mode = libelle.upper()
    if mode not in ModePaiement.values or mode == "AUTRE":
        etat.rapport.noter("modes_paiement_inconnus", vente_id=pk, mode_paiement=libelle)
        mode = "AUTRE" if "AUTRE" in ModePaiement.values else ModePaiement.CASH
    terminal_id = _fk(champs.get("client_maui"))
    if terminal_id is not None and terminal_id not in etat.terminal_boutique:
        etat.rapport.noter("ventes_terminal_inconnu", vente_id=pk, numero_facture=numero, terminal=terminal_id)
        terminal_id = None
    boutique_id = _fk(champs.get("boutique"))
    if boutique_id not in etat.boutiques_ok:
        # The "ventes orphelines" of seed 000: attached to their terminal's shop when known.
        boutique_terminal = etat.terminal_boutique.get(terminal_id) if terminal_id is not None else None
        if boutique_terminal is None:
            raise RejetLigne(
                "ventes_orphelines_non_rattachees",
                f"vente pk={pk} ({numero}) : sans boutique"
                + ("" if champs.get("boutique") is None else f" connue ({champs.get('boutique')!r})")
                + " et sans terminal rattaché à une boutique",
            )
        etat.rapport.noter(
            "ventes_orphelines_rattachees", vente_id=pk, numero_facture=numero, boutique_id=boutique_terminal
        )
        boutique_id = boutique_terminal
    valeurs = {
        "date_vente": date_vente,
        "montant_total": montant,
        "mode_paiement": mode,
        "libelle": libelle if mode != libelle else "",
        "paye": _booleen(champs.get("paye"), True),
    }
    return _VenteLue(pk, element, boutique_id, terminal_id, numero, valeurs)


_CHAMPS_VENTE = frozenset(f.attname for f in Vente._meta.concrete_fields)


def _ecrire_ventes(etat: Etat, lot: list[dict[str, Any]], formats: dict[int, re.Pattern[str]]) -> None:
    compte = etat.rapport.modeles["vente"]
    lues: list[_VenteLue] = []
    for element in lot:
        try:
            lue = _lire_vente(etat, element)
        except RejetLigne as exc:
            if isinstance(element.get("pk"), int):
                etat.ventes_rejetees.add(element["pk"])
            etat.rejeter("vente", element, exc)
            continue
        lues.append(lue)
    existantes = dict(Vente.objects.filter(pk__in=[v.pk for v in lues]).values_list("pk", "numero_facture"))
    # Numbers already taken, per shop: one query per shop of the batch (the unique index's order).
    pris: set[tuple[int, str]] = set()
    par_boutique: dict[int, set[str]] = defaultdict(set)
    for v in lues:
        par_boutique[v.boutique_id].add(v.numero)
    for boutique_id, numeros in par_boutique.items():
        pris.update(
            (boutique_id, n)
            for n in Vente.objects.filter(boutique_id=boutique_id, numero_facture__in=numeros).values_list(
                "numero_facture", flat=True
            )
        )
    nouvelles: list[Vente] = []
    for v in lues:
        _retenir_numero(etat, formats, v.boutique_id, v.numero)
        if v.pk in existantes:
            compte.deja_presents += 1
            if existantes[v.pk] != v.numero:  # renumbered by the run that imported it
                _noter_doublon(etat, v, existantes[v.pk])
            continue
        numero = v.numero
        if (v.boutique_id, numero) in pris:
            suffixe = f"-DOUBLON-{v.pk}"
            numero = numero[: 100 - len(suffixe)] + suffixe
            _noter_doublon(etat, v, numero)
        pris.add((v.boutique_id, numero))
        valeurs = {
            "id": v.pk,
            "boutique_id": v.boutique_id,
            "terminal_id": v.terminal_id,
            "numero_facture": numero,
            "origine": OrigineVente.IMPORT,
            "montant_total": v.valeurs["montant_total"],
            "mode_paiement": v.valeurs["mode_paiement"],
            "paye": v.valeurs["paye"],
            "date_vente": v.valeurs["date_vente"],
            "date_synchro": v.valeurs["date_vente"],
            "statut": StatutVente.VALIDEE,
        }
        if "mode_paiement_libelle" in _CHAMPS_VENTE:
            valeurs["mode_paiement_libelle"] = v.valeurs["libelle"][:40]
        nouvelles.append(Vente(**valeurs))
    _inserer(Vente, nouvelles)
    # Past days: their summaries, if any were made before this import, go back to live sums.
    agregats_mettre_a_jour(nouvelles)
    annoncer_ventes_enregistrees(nouvelles)
    compte.importes += len(nouvelles)
    _oublier_rejets("vente", [v.pk for v in nouvelles])


def _oublier_rejets(modele: str, pks: list[int]) -> None:
    """Rows left out by an earlier run and imported now (a terminal attached to its shop in
    between, say) leave the rejects: one query per batch."""
    if pks and RejetImport.objects.filter(modele=modele).exists():
        RejetImport.objects.filter(modele=modele, ancien_pk__in=[str(pk) for pk in pks]).delete()


def _noter_doublon(etat: Etat, v: _VenteLue, nouveau: str) -> None:
    boutique = etat.boutiques_ok[v.boutique_id]
    etat.rapport.noter(
        "numeros_en_double", boutique=boutique.code, vente_id=v.pk, numero_facture=v.numero, importee_sous=nouveau
    )


def _retenir_numero(etat: Etat, formats: dict[int, re.Pattern[str]], boutique_id: int, numero: str) -> None:
    trouve = formats[boutique_id].match(numero)
    if trouve is None:
        return
    annee, mois, n = (int(g) for g in trouve.groups())
    if 1 <= mois <= 12 and n > 0:
        cle = (boutique_id, annee, mois)
        etat.numeros_max[cle] = max(etat.numeros_max.get(cle, 0), n)


def _ecrire_mouvements(etat: Etat, lot: list[dict[str, Any]]) -> None:
    compte = etat.rapport.modeles["mouvementstock"]
    existants = set(
        MouvementAncien.objects.filter(pk__in=[e.get("pk") for e in lot if isinstance(e.get("pk"), int)]).values_list(
            "pk", flat=True
        )
    )
    nouveaux: list[MouvementAncien] = []
    for element in lot:
        try:
            pk = _pk(element, "mouvementstock")
            champs = _champs(element)
            article_id = _fk(_requis(champs, "mouvementstock", pk, "article"))
            if article_id is None:
                raise _invalide("mouvementstock", pk, "article", champs.get("article"), "un identifiant d'article")
            quantite = _entier(_requis(champs, "mouvementstock", pk, "quantite"), "mouvementstock", pk, "quantite")
            avant, apres = champs.get("stock_avant"), champs.get("stock_apres")
            valeurs = {
                "stock_avant": None if avant is None else _entier(avant, "mouvementstock", pk, "stock_avant"),
                "stock_apres": None if apres is None else _entier(apres, "mouvementstock", pk, "stock_apres"),
                "date_mouvement": _date_ou_none(champs.get("date_mouvement"), "mouvementstock", pk, "date_mouvement"),
            }
        except RejetLigne as exc:
            etat.rejeter("mouvementstock", element, exc)
            continue
        boutique_id = etat.article_boutique.get(article_id)
        if boutique_id is None:
            etat.rapport.noter("mouvements_article_absent", mouvement_id=pk, article_id=article_id)
        if pk in existants:
            compte.deja_presents += 1
            continue
        nouveaux.append(
            MouvementAncien(
                pk=pk,
                article_id_ancien=article_id,
                boutique_id_ancien=boutique_id,
                type_mouvement=_texte(champs.get("type_mouvement"))[:20],
                quantite=quantite,
                reference_document=_texte(champs.get("reference_document"))[:100],
                utilisateur=_texte(champs.get("utilisateur"))[:150],
                commentaire=_texte(champs.get("commentaire")),
                **valeurs,
            )
        )
    _inserer(MouvementAncien, nouveaux)
    compte.importes += len(nouveaux)


# --- Pass 3: lines ------------------------------------------------------------------------------


def _importer_lignes(etat: Etat) -> None:
    etat.suivi.phase("lignes de vente", etat.rapport.modeles["lignevente"].lus)
    for lot in _lots(_elements_de(etat, "lignevente"), etat.taille_lot):
        with transaction.atomic():
            _ecrire_lignes(etat, lot)
            etat.ecrire_rejets()
        etat.suivi.avancer(len(lot))
    etat.suivi.terminer()


def _ecrire_lignes(etat: Etat, lot: list[dict[str, Any]]) -> None:
    compte = etat.rapport.modeles["lignevente"]
    vente_ids = {i for i in (_fk(_champs(e).get("vente")) for e in lot) if i is not None}
    boutique_de_vente = dict(Vente.objects.filter(pk__in=vente_ids).values_list("pk", "boutique_id"))
    existantes = set(
        LigneVente.objects.filter(pk__in=[e.get("pk") for e in lot if isinstance(e.get("pk"), int)]).values_list(
            "pk", flat=True
        )
    )
    nouvelles: list[LigneVente] = []
    for element in lot:
        try:
            ligne = _lire_ligne(etat, element, boutique_de_vente)
        except RejetLigne as exc:
            etat.rejeter("lignevente", element, exc)
            continue
        if ligne.pk in existantes:
            compte.deja_presents += 1
            continue
        nouvelles.append(ligne)
    _inserer(LigneVente, nouvelles)
    compte.importes += len(nouvelles)
    _oublier_rejets("lignevente", [ligne.pk for ligne in nouvelles])


def _lire_ligne(etat: Etat, element: dict[str, Any], boutique_de_vente: dict[int, int]) -> LigneVente:
    pk = _pk(element, "lignevente")
    champs = _champs(element)
    vente_id = _fk(_requis(champs, "lignevente", pk, "vente"))
    article_id = _fk(_requis(champs, "lignevente", pk, "article"))
    quantite = _entier(_requis(champs, "lignevente", pk, "quantite"), "lignevente", pk, "quantite")
    prix = _montant(_requis(champs, "lignevente", pk, "prix_unitaire"), "lignevente", pk, "prix_unitaire")
    if quantite <= 0:
        raise _invalide("lignevente", pk, "quantite", quantite, "une quantité positive")
    boutique_id = boutique_de_vente.get(vente_id) if vente_id is not None else None
    if boutique_id is None:
        raison = "non importée (voir les rejets)" if vente_id in etat.ventes_rejetees else "absente de l'export"
        raise RejetLigne("lignes_vente_absente", f"lignevente pk={pk} : vente {champs.get('vente')!r} {raison}")
    boutique_article = etat.article_boutique.get(article_id) if article_id is not None else None
    if boutique_article is None:
        raise RejetLigne(
            "lignes_article_absent", f"lignevente pk={pk} (vente {vente_id}) : article {champs.get('article')!r} absent"
        )
    if boutique_article != boutique_id:
        raise RejetLigne(
            "lignes_autre_boutique",
            f"lignevente pk={pk} (vente {vente_id}) : l'article {article_id} est d'une autre boutique",
        )
    total = champs.get("total_ligne", champs.get("sous_total"))
    total_ligne = (
        _montant(total, "lignevente", pk, "total_ligne")
        if total is not None
        else (prix * quantite).quantize(Decimal("0.01"))
    )
    assert vente_id is not None and article_id is not None  # both found above
    return LigneVente(
        id=pk,
        vente_id=vente_id,
        article_id=article_id,
        boutique_id=boutique_id,
        quantite=quantite,
        prix_unitaire=prix,
        total_ligne=total_ligne,
    )


# --- Phase 5: from the database -----------------------------------------------------------------


def _tranches_importees(taille: int) -> Iterator[tuple[int, int, int]]:
    """(first pk, last pk, count) of successive runs of `taille` imported sales, by pk."""
    dernier = 0
    while True:
        pks = list(
            Vente.objects.filter(origine=OrigineVente.IMPORT, pk__gt=dernier)
            .order_by("pk")
            .values_list("pk", flat=True)[:taille]
        )
        if not pks:
            return
        yield pks[0], pks[-1], len(pks)
        dernier = pks[-1]


def _rapprocher_totaux(etat: Etat) -> None:
    """A sale's total is its lines' sum (Magasin's rule); the old declared total is kept aside."""
    importees = Vente.objects.filter(origine=OrigineVente.IMPORT)
    somme = Subquery(
        LigneVente.objects.filter(vente=OuterRef("pk"))
        .order_by()
        .values("vente")
        .annotate(s=Sum("total_ligne"))
        .values("s")[:1],
        output_field=models.DecimalField(max_digits=18, decimal_places=2),
    )
    etat.suivi.phase("totaux des ventes", etat.rapport.modeles["vente"].lus)
    for debut, fin, nombre in _tranches_importees(10 * etat.taille_lot):
        with transaction.atomic():
            ecarts = (
                importees.filter(pk__gte=debut, pk__lte=fin, montant_declare__isnull=True)
                .annotate(somme=somme)
                .filter(somme__isnull=False)
                .exclude(montant_total=F("somme"))
                .values_list("pk", "montant_total", "somme")
            )
            corriges = [Vente(pk=pk, montant_total=s, montant_declare=m) for pk, m, s in ecarts]
            Vente.objects.bulk_update(corriges, ["montant_total", "montant_declare"], batch_size=500)
        etat.suivi.avancer(nombre)
    constat = etat.rapport.anomalies["ventes_total_different"]
    differents = importees.filter(montant_declare__isnull=False)
    constat.nombre = differents.count()
    constat.elements = [
        {"vente_id": pk, "boutique": code, "numero_facture": n, "ancien_total": m, "total_des_lignes": t}
        for pk, code, n, m, t in differents.order_by("pk").values_list(
            "pk", "boutique__code", "numero_facture", "montant_declare", "montant_total"
        )[:LIMITE_EXEMPLES]
    ]
    sans_lignes = importees.filter(~Exists(LigneVente.objects.filter(vente=OuterRef("pk"))))
    constat = etat.rapport.anomalies["ventes_sans_lignes"]
    constat.nombre = sans_lignes.count()
    constat.elements = [
        {"vente_id": pk, "boutique": code, "numero_facture": n}
        for pk, code, n in sans_lignes.order_by("pk").values_list("pk", "boutique__code", "numero_facture")[
            :LIMITE_EXEMPLES
        ]
    ]
    etat.suivi.terminer()


def _empreinte(numero: str, mode: str, paye: bool, lignes: list[tuple[int, int, Decimal]]) -> str:
    """The fingerprint the sale would have had, sent as the old contract shows (seeds/001)."""
    try:
        return VenteEntree.model_validate(
            {
                "numero_facture": numero,
                "mode_paiement": mode,
                "paye": paye,
                "lignes": [{"article_id": a, "quantite": q, "prix_unitaire": p} for a, q, p in lignes],
            }
        ).empreinte()
    except Exception:
        return ""


def _calculer_empreintes(etat: Etat) -> None:
    etat.suivi.phase("empreintes des ventes", etat.rapport.modeles["vente"].lus)
    avec_libelle = "mode_paiement_libelle" in _CHAMPS_VENTE
    for debut, fin, nombre in _tranches_importees(etat.taille_lot):
        ventes = list(
            Vente.objects.filter(origine=OrigineVente.IMPORT, empreinte="", pk__gte=debut, pk__lte=fin).values_list(
                "pk",
                "numero_facture",
                "mode_paiement",
                "mode_paiement_libelle" if avec_libelle else "mode_paiement",
                "paye",
            )
        )
        if ventes:
            lignes: dict[int, list[tuple[int, int, Decimal]]] = defaultdict(list)
            for vente_id, article_id, quantite, prix in (
                LigneVente.objects.filter(vente_id__gte=debut, vente_id__lte=fin)
                .order_by("vente_id", "pk")
                .values_list("vente_id", "article_id", "quantite", "prix_unitaire")
            ):
                lignes[vente_id].append((article_id, quantite, prix))
            a_ecrire = []
            for pk, numero, mode, libelle, paye in ventes:
                # A renumbered duplicate is fingerprinted under the number its terminal knows.
                numero = numero.split("-DOUBLON-")[0]
                empreinte = _empreinte(numero, libelle or mode, paye, lignes.get(pk, []))
                if empreinte:
                    a_ecrire.append((pk, empreinte))
            with transaction.atomic():
                _ecrire_empreintes(a_ecrire)
        etat.suivi.avancer(nombre)
    etat.suivi.terminer()


def _ecrire_empreintes(empreintes: list[tuple[int, str]], *, par_requete: int = 1000) -> None:
    """One UPDATE … CASE per 1,000 sales, the same SQL on the three backends. (`bulk_update`
    builds a Django expression per row: it took 10x the time of the fingerprints themselves.)"""
    table = connection.ops.quote_name(Vente._meta.db_table)
    with connection.cursor() as curseur:
        for debut in range(0, len(empreintes), par_requete):
            tranche = empreintes[debut : debut + par_requete]
            cas = " ".join(["WHEN %s THEN %s"] * len(tranche))
            parmi = ", ".join(["%s"] * len(tranche))
            curseur.execute(
                f"UPDATE {table} SET empreinte = CASE id {cas} END WHERE id IN ({parmi})",
                [v for paire in tranche for v in paire] + [pk for pk, _ in tranche],
            )


def _continuer_numerotation(etat: Etat) -> None:
    """Move each shop's monthly counters past every number the old data used.

    Magasin numbers are <prefixe>-<code>-<AAAAMM>-<n>: imported numbers in that format raise
    their month's counter to their n; the old counters (sequencefacture) are kept when higher.
    Numbers of other formats (FAC-20241104-001) cannot equal a Magasin number.
    """
    besoins = dict(etat.numeros_max)
    compte = etat.rapport.modeles["sequencefacture"]
    existantes = {
        (s.boutique_id, s.annee, s.mois): s
        for s in SequenceFacture.objects.filter(boutique_id__in=list(etat.boutiques_ok))
    }
    for element in etat.sequences:
        try:
            pk = _pk(element, "sequencefacture")
            champs = _champs(element)
            boutique_id = _fk(_requis(champs, "sequencefacture", pk, "boutique"))
            annee = _entier(_requis(champs, "sequencefacture", pk, "annee"), "sequencefacture", pk, "annee")
            mois = _entier(_requis(champs, "sequencefacture", pk, "mois"), "sequencefacture", pk, "mois")
            dernier = _entier(
                _requis(champs, "sequencefacture", pk, "dernier_numero"), "sequencefacture", pk, "dernier_numero"
            )
            if boutique_id not in etat.boutiques_ok or not 1 <= mois <= 12 or not 0 < annee < 10000 or dernier < 0:
                raise RejetLigne("valeurs_invalides", f"sequencefacture pk={pk} : boutique, année ou mois invalide")
        except RejetLigne as exc:
            etat.rejeter("sequencefacture", element, exc)
            continue
        cle = (boutique_id, annee, mois)
        besoins[cle] = max(besoins.get(cle, 0), dernier)
        deja = existantes.get(cle)
        if deja is not None and deja.dernier_numero >= dernier:
            compte.deja_presents += 1
        else:
            compte.importes += 1
    a_creer, a_monter = [], []
    for (boutique_id, annee, mois), numero in sorted(besoins.items()):
        sequence = existantes.get((boutique_id, annee, mois))
        if sequence is None:
            sequence = SequenceFacture(boutique_id=boutique_id, annee=annee, mois=mois, dernier_numero=numero)
            a_creer.append(sequence)
        elif sequence.dernier_numero < numero:
            sequence.dernier_numero = numero
            a_monter.append(sequence)
        etat.rapport.sequences.append(
            {
                "boutique": etat.boutiques_ok[boutique_id].code,
                "periode": f"{annee:04d}-{mois:02d}",
                "dernier_numero": sequence.dernier_numero,
            }
        )
    with transaction.atomic():
        SequenceFacture.objects.bulk_create(a_creer, batch_size=500)
        SequenceFacture.objects.bulk_update(a_monter, ["dernier_numero"], batch_size=500)
        etat.ecrire_rejets()


def _analyser(modeles: list[type[models.Model]]) -> None:
    """PostgreSQL: refresh the planner's statistics of tables this import is filling.

    Autovacuum analyses a table only after a while; until then PostgreSQL planned the batch's
    "numbers already taken in this shop" query on an empty table's statistics, as a scan of the
    whole sales table (seen: 1.5 s a batch at 290,000 sales, the import slowing down as it
    went, from 5,000 to 1,100 sales/s). MySQL/MariaDB and SQLite choose the unique index without statistics.
    """
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as curseur:
        for modele in modeles:
            curseur.execute(f"ANALYZE {connection.ops.quote_name(modele._meta.db_table)}")


def _remettre_sequences_sql(modeles: list[type[models.Model]]) -> None:
    """Move the database's id sequences past the ids written explicitly.

    PostgreSQL: setval on each table's sequence. MySQL/MariaDB (InnoDB) and SQLite
    (AUTOINCREMENT) move their counters past an explicit id by themselves: Django returns no
    statement for them.
    """
    instructions = connection.ops.sequence_reset_sql(no_style(), modeles)
    if instructions:
        with connection.cursor() as curseur:
            for instruction in instructions:
                curseur.execute(instruction)
