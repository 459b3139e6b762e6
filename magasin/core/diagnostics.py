"""Diagnostics: everything that can make a sale invisible or wrong, and stock drifts.

Read-only selectors returning structured reports; the management commands `verifier_ventes` and
`verifier_stock` only format them. Every check is one or two aggregate queries whatever the
number of rows (examples are capped at `limite`), so the report is safe on a large database.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db.models import (
    BigIntegerField,
    CharField,
    Count,
    DecimalField,
    Exists,
    F,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    Window,
)
from django.db.models.functions import Cast, Coalesce, Concat, Lag, Length, Substr
from django.utils import timezone

from magasin.boutiques.models import Boutique, ChampInconnu, Terminal
from magasin.core.models import MotifRefusTerminal, TentativeTerminalRefusee
from magasin.stock.models import Article, MouvementStock, TypeMouvement
from magasin.stock.services import REFERENCE_CORRECTION_DERIVE
from magasin.ventes.models import (
    LigneVente,
    SequenceFacture,
    SequenceRecue,
    StatutQuarantaine,
    Vente,
    VenteQuarantaine,
)
from magasin.ventes.selectors import sequences_manquantes

LIMITE_EXEMPLES = 50
# Sequence gaps are listed value by value for this many terminals at most (one query each).
LIMITE_TERMINAUX_DETAILLES = 20
QUARANTAINE_VIEILLE_JOURS = 7


@dataclass
class Constat:
    """One check's result. `nombre` counts every faulty row; `elements` shows the first ones."""

    cle: str
    titre: str
    nombre: int = 0
    elements: list[dict[str, Any]] = field(default_factory=list)
    conseil: str = ""
    # Non-empty when the schema forbids the fault; the check still runs (legacy imports).
    impossible_par_construction: str = ""
    # What the report shows for information only (never a problem, whatever its count).
    information: bool = False

    @property
    def probleme(self) -> bool:
        return self.nombre > 0 and not self.information


@dataclass
class Rapport:
    titre: str
    boutique: str | None
    genere_le: datetime
    constats: list[Constat]

    @property
    def problemes(self) -> list[Constat]:
        return [c for c in self.constats if c.probleme]

    def en_json(self) -> dict[str, Any]:
        return {
            "titre": self.titre,
            "boutique": self.boutique,
            "genere_le": self.genere_le.isoformat(),
            "probleme": bool(self.problemes),
            "constats": [{**asdict(c), "probleme": c.probleme} for c in self.constats],
        }


def _jours(depuis: datetime | None, maintenant: datetime) -> int | None:
    return None if depuis is None else (maintenant - depuis).days


def _compter_et_lister(qs: QuerySet[Any], limite: int, **noms: str) -> tuple[int, list[dict[str, Any]]]:
    """How many rows `qs` (a `.values()` queryset) has, and its first `limite` rows as report
    elements: each key renamed as `noms` says (`pk="vente_id"`), in the queryset's order."""
    return qs.count(), [{noms.get(k, k): v for k, v in ligne.items()} for ligne in qs[:limite]]


# --- Sales -----------------------------------------------------------------------------------


def _terminaux_sans_boutique(*, limite: int, maintenant: datetime) -> Constat:
    qs = (
        Terminal.objects.filter(boutique__isnull=True)
        .annotate(
            tentatives=Coalesce(
                Subquery(
                    TentativeTerminalRefusee.objects.filter(
                        terminal=OuterRef("pk"), motif=MotifRefusTerminal.SANS_BOUTIQUE
                    ).values("nombre")[:1]
                ),
                0,
            )
        )
        .order_by("numero_serie")
        .values("pk", "numero_serie", "nom_terminal", "est_actif", "derniere_synchro", "tentatives")
    )
    nombre, elements = _compter_et_lister(
        qs, limite, pk="terminal_id", nom_terminal="nom", est_actif="actif", tentatives="tentatives_refusees"
    )
    return Constat(
        cle="terminaux_sans_boutique",
        titre="Terminaux sans boutique (l'API les refuse : NO_BOUTIQUE)",
        nombre=nombre,
        elements=elements,
        conseil="Associez chaque terminal à sa boutique dans l'administration (Terminaux).",
    )


def _terminaux_inactifs_qui_appellent(
    *, boutique: Boutique | None, limite: int, maintenant: datetime, jours: int
) -> Constat:
    qs = TentativeTerminalRefusee.objects.filter(
        motif=MotifRefusTerminal.INACTIF, derniere_tentative__gte=maintenant - timedelta(days=jours)
    )
    if boutique is not None:
        qs = qs.filter(Q(boutique=boutique) | Q(terminal__boutique=boutique))
    valeurs = qs.order_by("-derniere_tentative").values(
        "terminal_id",
        "terminal__numero_serie",
        "terminal__nom_terminal",
        "boutique__code",
        "nombre",
        "premiere_tentative",
        "derniere_tentative",
    )
    nombre, elements = _compter_et_lister(
        valeurs,
        limite,
        terminal__numero_serie="numero_serie",
        terminal__nom_terminal="nom",
        boutique__code="boutique",
        nombre="tentatives_refusees",
    )
    return Constat(
        cle="terminaux_inactifs_qui_synchronisent",
        titre=f"Terminaux désactivés qui essaient encore de synchroniser ({jours} derniers jours)",
        nombre=nombre,
        elements=elements,
        conseil=(
            "Ses ventes restent sur l'appareil : réactivez le terminal le temps d'une "
            "synchronisation, ou retirez l'appareil du service."
        ),
    )


def _ventes_sans_boutique(*, limite: int) -> Constat:
    # NOT NULL + foreign key: only a load with the checks switched off (MySQL
    # FOREIGN_KEY_CHECKS=0, non-strict sql_mode turning NULL into 0) could bring one in.
    qs = (
        Vente.objects.filter(~Exists(Boutique.objects.filter(pk=OuterRef("boutique_id"))))
        .order_by("pk")
        .values("pk", "numero_facture", "boutique_id", "terminal_id")
    )
    nombre, elements = _compter_et_lister(qs, limite, pk="vente_id")
    return Constat(
        cle="ventes_sans_boutique",
        titre="Ventes sans boutique (« ventes orphelines »)",
        nombre=nombre,
        elements=elements,
        impossible_par_construction=(
            "vente.boutique_id est NOT NULL et clé étrangère : seul un import fait contraintes "
            "désactivées peut en introduire ; vérifié quand même."
        ),
        conseil=("Rattachez ces ventes à la boutique de leur terminal, puis réactivez les contraintes."),
    )


def _references_incoherentes(*, boutique: Boutique | None, limite: int) -> Constat:
    # Lines and ledger rows carry no foreign-key constraint in the database (measured cost,
    # see the models): their parents must exist and be of the row's own shop.
    lignes = LigneVente.objects.filter(
        ~Exists(Vente.objects.filter(pk=OuterRef("vente_id"), boutique_id=OuterRef("boutique_id")))
        | ~Exists(Article.objects.filter(pk=OuterRef("article_id"), boutique_id=OuterRef("boutique_id")))
    )
    mouvements = MouvementStock.objects.filter(
        ~Exists(Article.objects.filter(pk=OuterRef("article_id"), boutique_id=OuterRef("boutique_id")))
    )
    if boutique is not None:
        lignes = lignes.filter(boutique=boutique)
        mouvements = mouvements.filter(boutique=boutique)
    nombre_lignes, exemples_lignes = _compter_et_lister(
        lignes.order_by("pk").values("pk", "boutique_id", "vente_id", "article_id"), limite, pk="ligne_vente_id"
    )
    nombre_mvts, exemples_mvts = _compter_et_lister(
        mouvements.order_by("pk").values("pk", "boutique_id", "article_id"), limite, pk="mouvement_id"
    )
    return Constat(
        cle="references_incoherentes",
        titre="Lignes de vente ou mouvements sans parent, ou rattachés à une autre boutique",
        nombre=nombre_lignes + nombre_mvts,
        elements=exemples_lignes + exemples_mvts,
        conseil=(
            "Seuls les services écrivent ces lignes, avec des parents verrouillés : une telle ligne vient "
            "d'une écriture hors de l'application (SQL à la main, import). Retrouvez son origine avant "
            "toute correction ; ne supprimez jamais une ligne du grand livre."
        ),
    )


def _ventes_filtrees(boutique: Boutique | None) -> QuerySet[Vente]:
    qs = Vente.objects.all()
    return qs if boutique is None else qs.filter(boutique=boutique)


def _ventes_sans_lignes(*, boutique: Boutique | None, limite: int) -> Constat:
    qs = (
        _ventes_filtrees(boutique)
        .filter(~Exists(LigneVente.objects.filter(vente=OuterRef("pk"))))
        .order_by("-date_vente", "-pk")
        .values("pk", "numero_facture", "boutique__code", "date_vente", "montant_total")
    )
    nombre, elements = _compter_et_lister(qs, limite, pk="vente_id", boutique__code="boutique")
    return Constat(
        cle="ventes_sans_lignes",
        titre="Ventes sans lignes",
        nombre=nombre,
        elements=elements,
        conseil=("Vente incomplète (import ou écriture interrompue) : retrouvez le ticket et annulez-la."),
    )


def _ventes_total_faux(*, boutique: Boutique | None, limite: int) -> Constat:
    somme_lignes = Subquery(
        LigneVente.objects.filter(vente=OuterRef("pk"))
        .order_by()
        .values("vente")
        .annotate(s=Sum("total_ligne"))
        .values("s")[:1],
        output_field=DecimalField(max_digits=18, decimal_places=2),
    )
    qs = (
        _ventes_filtrees(boutique)
        .annotate(somme_lignes=somme_lignes)
        .filter(somme_lignes__isnull=False)
        .exclude(montant_total=F("somme_lignes"))
        .order_by("-date_vente", "-pk")
        .values(
            "pk",
            "numero_facture",
            "boutique__code",
            "date_vente",
            "montant_total",
            "somme_lignes",
            "montant_declare",
        )
    )
    nombre, elements = _compter_et_lister(qs, limite, pk="vente_id", boutique__code="boutique")
    return Constat(
        cle="ventes_total_different_des_lignes",
        titre="Ventes dont le total diffère de la somme des lignes",
        nombre=nombre,
        elements=elements,
        conseil=(
            "Le serveur calcule toujours le total depuis les lignes : une telle vente vient d'un "
            "import ou d'une modification manuelle. Comparez avec le ticket."
        ),
    )


def _numeros_en_double(*, boutique: Boutique | None, limite: int) -> Constat:
    qs = (
        _ventes_filtrees(boutique)
        .order_by()
        .values("boutique__code", "numero_facture")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .order_by("boutique__code", "numero_facture")
    )
    nombre, elements = _compter_et_lister(qs, limite, boutique__code="boutique", n="ventes")
    return Constat(
        cle="numeros_facture_en_double",
        titre="Numéros de facture en double dans une boutique",
        nombre=nombre,
        elements=elements,
        impossible_par_construction=(
            "contrainte unique vente_numero_par_boutique : seul un import MySQL fait avec "
            "unique_checks=0 (ou avant la création de la contrainte) peut en introduire ; "
            "vérifié quand même."
        ),
        conseil=("Renumérotez la vente la plus récente (nouveau numéro serveur) et gardez l'ancien en commentaire."),
    )


def _sequences_en_retard(*, boutique: Boutique | None, limite: int) -> Constat:
    """Counters below the highest server-format number already used in their month."""
    # Server numbers are <prefixe>-<code>-<AAAAMM>-<n> (numerotation.formater_numero).
    racine = Concat(
        F("boutique__prefixe_facture"),
        Value("-"),
        F("boutique__code"),
        Value("-"),
        output_field=CharField(),
    )
    utilises = (
        _ventes_filtrees(boutique)
        .filter(numero_facture__startswith=racine)
        .annotate(reste=Substr("numero_facture", Length(racine) + 1))
        .filter(reste__regex=r"^[0-9]{6}-[0-9]{1,9}$")
        .annotate(
            periode=Substr("reste", 1, 6),
            numero=Cast(Substr("reste", 8), BigIntegerField()),
        )
        .order_by()
        .values("boutique_id", "periode")
        .annotate(plus_haut=Max("numero"), code=Max("boutique__code"))
    )
    compteurs = SequenceFacture.objects.all()
    if boutique is not None:
        compteurs = compteurs.filter(boutique=boutique)
    par_periode = {
        (s["boutique_id"], f"{s['annee']:04d}{s['mois']:02d}"): s["dernier_numero"]
        for s in compteurs.values("boutique_id", "annee", "mois", "dernier_numero")
    }
    en_retard = []
    for u in utilises:
        dernier = par_periode.get((u["boutique_id"], u["periode"]), 0)
        if dernier < u["plus_haut"]:
            en_retard.append(
                {
                    "boutique": u["code"],
                    "periode": f"{u['periode'][:4]}-{u['periode'][4:]}",
                    "dernier_numero": dernier,
                    "plus_haut_utilise": u["plus_haut"],
                }
            )
    en_retard.sort(key=lambda e: (e["boutique"], e["periode"]))
    return Constat(
        cle="sequences_en_retard",
        titre="Compteurs de factures en retard sur le plus haut numéro utilisé",
        nombre=len(en_retard),
        elements=en_retard[:limite],
        conseil=(
            "Souvent une restauration partielle : les prochains numéros sauteront ceux déjà pris. "
            "Remontez le compteur (SequenceFacture) au plus haut numéro utilisé."
        ),
    )


def _quarantaine(*, boutique: Boutique | None, limite: int, maintenant: datetime) -> Constat:
    qs = VenteQuarantaine.objects.filter(statut=StatutQuarantaine.EN_ATTENTE)
    if boutique is not None:
        qs = qs.filter(boutique=boutique)
    seuil = maintenant - timedelta(days=QUARANTAINE_VIEILLE_JOURS)
    groupes = list(
        qs.order_by()
        .values("boutique__code", "code")
        .annotate(
            n=Count("pk"),
            vieilles=Count("pk", filter=Q(date_reception__lt=seuil)),
            plus_ancienne=Min("date_reception"),
        )
        .order_by("boutique__code", "code")
    )
    return Constat(
        cle="quarantaine_en_attente",
        titre="Ventes en quarantaine en attente, par code et ancienneté",
        nombre=sum(g["n"] for g in groupes),
        elements=[
            {
                "boutique": g["boutique__code"],
                "code": g["code"],
                "ventes": g["n"],
                f"plus_de_{QUARANTAINE_VIEILLE_JOURS}_jours": g["vieilles"],
                "plus_ancienne": g["plus_ancienne"],
                "age_jours": _jours(g["plus_ancienne"], maintenant),
            }
            for g in groupes[:limite]
        ],
        conseil=("Ces ventes ne sont pas dans l'historique : rejouez-les ou écartez-les (back-office, Quarantaine)."),
    )


def _trous_de_sequence(*, boutique: Boutique | None, limite: int) -> Constat:
    # Sequences start at 1 and are unique per terminal: max - count = values never received.
    qs = SequenceRecue.objects.all()
    if boutique is not None:
        qs = qs.filter(boutique=boutique)
    trous = list(
        qs.order_by()
        .values("terminal_id")
        .annotate(n=Count("pk"), plus_haut=Max("sequence"))
        .filter(plus_haut__gt=F("n"))
        .order_by("terminal_id")
    )
    terminaux = Terminal.objects.select_related("boutique").in_bulk([t["terminal_id"] for t in trous[:limite]])
    elements = []
    for rang, t in enumerate(trous[:limite]):
        terminal = terminaux[t["terminal_id"]]
        exemples = sequences_manquantes(terminal=terminal, limite=10) if rang < LIMITE_TERMINAUX_DETAILLES else []
        elements.append(
            {
                "terminal_id": terminal.pk,
                "numero_serie": terminal.numero_serie,
                "boutique": terminal.boutique.code if terminal.boutique else None,
                "plus_haute_sequence": t["plus_haut"],
                "manquantes": t["plus_haut"] - t["n"],
                "exemples": exemples,
            }
        )
    return Constat(
        cle="terminaux_trous_de_sequence",
        titre="Terminaux dont des ventes ne sont jamais arrivées (trous dans leur compteur)",
        nombre=len(trous),
        elements=elements,
        conseil=(
            "Ces ventes sont restées sur l'appareil ou ont été perdues : faites renvoyer l'historique du terminal."
        ),
    )


def _terminaux_silencieux(*, boutique: Boutique | None, limite: int, maintenant: datetime, jours: int) -> Constat:
    seuil = maintenant - timedelta(days=jours)
    qs = Terminal.objects.filter(est_actif=True, boutique__isnull=False, boutique__est_active=True)
    if boutique is not None:
        qs = qs.filter(boutique=boutique)
    valeurs = (
        qs.filter(Q(derniere_synchro__lt=seuil) | Q(derniere_synchro__isnull=True, date_creation__lt=seuil))
        .order_by(F("derniere_synchro").asc(nulls_first=True), "numero_serie")
        .values("pk", "numero_serie", "nom_terminal", "boutique__code", "derniere_synchro")
    )
    nombre, elements = _compter_et_lister(
        valeurs, limite, pk="terminal_id", nom_terminal="nom", boutique__code="boutique"
    )
    for t in elements:
        t["jours"] = _jours(t["derniere_synchro"], maintenant)
    return Constat(
        cle="terminaux_silencieux",
        titre=f"Terminaux actifs sans synchronisation depuis plus de {jours} jours",
        nombre=nombre,
        elements=elements,
        conseil="Appareil éteint, hors réseau ou mal configuré (URL, jeton) : appelez la boutique.",
    )


def _champs_inconnus(*, boutique: Boutique | None, limite: int) -> Constat:
    qs = ChampInconnu.objects.all()
    if boutique is not None:
        qs = qs.filter(terminal__boutique=boutique)
    valeurs = qs.order_by("terminal__numero_serie", "chemin").values(
        "terminal__numero_serie",
        "terminal__user_agent",
        "terminal__version_app",
        "chemin",
        "premiere_vue",
        "derniere_vue",
        "exemple",
    )
    nombre, elements = _compter_et_lister(
        valeurs,
        limite,
        terminal__numero_serie="numero_serie",
        terminal__user_agent="user_agent",
        terminal__version_app="version_app",
        premiere_vue="depuis",
        derniere_vue="dernier_envoi",
    )
    return Constat(
        cle="champs_inconnus",
        titre="Champs hors contrat envoyés par les terminaux (information)",
        nombre=nombre,
        elements=elements,
        conseil="Acceptés et gardés avec chaque vente : à transmettre à l'équipe de l'application.",
        information=True,
    )


def diagnostic_ventes(
    *,
    boutique: Boutique | None = None,
    jours_silence: int = 3,
    jours_tentatives: int = 30,
    limite: int = LIMITE_EXEMPLES,
    maintenant: datetime | None = None,
) -> Rapport:
    """Every known cause of a sale missing from, or wrong in, the back-office."""
    maintenant = maintenant or timezone.now()
    # Rows that belong to no shop only appear in the report of all shops.
    sans_boutique = (
        []
        if boutique is not None
        else [
            _terminaux_sans_boutique(limite=limite, maintenant=maintenant),
            _ventes_sans_boutique(limite=limite),
        ]
    )
    constats = [
        *sans_boutique,
        _terminaux_inactifs_qui_appellent(
            boutique=boutique, limite=limite, maintenant=maintenant, jours=jours_tentatives
        ),
        _ventes_sans_lignes(boutique=boutique, limite=limite),
        _references_incoherentes(boutique=boutique, limite=limite),
        _ventes_total_faux(boutique=boutique, limite=limite),
        _numeros_en_double(boutique=boutique, limite=limite),
        _sequences_en_retard(boutique=boutique, limite=limite),
        _quarantaine(boutique=boutique, limite=limite, maintenant=maintenant),
        _trous_de_sequence(boutique=boutique, limite=limite),
        _terminaux_silencieux(boutique=boutique, limite=limite, maintenant=maintenant, jours=jours_silence),
        _champs_inconnus(boutique=boutique, limite=limite),
    ]
    return Rapport(
        titre="Vérification des ventes",
        boutique=boutique.code if boutique else None,
        genere_le=maintenant,
        constats=constats,
    )


# --- Stock -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeriveStock:
    article_id: int
    boutique: str
    code: str
    nom: str
    stock: int
    registre: int

    @property
    def ecart(self) -> int:
        return self.stock - self.registre


@dataclass(frozen=True)
class RuptureChaine:
    article_id: int
    boutique: str
    code: str
    mouvement_id: int
    stock_apres_precedent: int
    stock_avant: int
    # Before (or at) the article's latest drift correction, which closed it.
    compensee: bool


@dataclass
class RapportStock:
    boutique: str | None
    genere_le: datetime
    articles_verifies: int
    derives: list[DeriveStock]
    ruptures: list[RuptureChaine]

    @property
    def ruptures_ouvertes(self) -> list[RuptureChaine]:
        return [r for r in self.ruptures if not r.compensee]

    @property
    def probleme(self) -> bool:
        return bool(self.derives or self.ruptures_ouvertes)

    def en_json(self) -> dict[str, Any]:
        return {
            "titre": "Vérification du stock",
            "boutique": self.boutique,
            "genere_le": self.genere_le.isoformat(),
            "probleme": self.probleme,
            "articles_verifies": self.articles_verifies,
            "derives": [{**asdict(d), "ecart": d.ecart} for d in self.derives],
            "ruptures": [asdict(r) for r in self.ruptures],
        }


def diagnostic_stock(*, boutique: Boutique | None = None) -> RapportStock:
    """Each article's stock against its ledger sum, and each link of the ledger's chain.

    Ledger order is the primary key; the chain opens at 0 (opening stock is an ENTREE), so a
    first movement whose stock_avant is not 0 is a break too. Three queries in all.
    """
    articles = Article.objects.all()
    mouvements = MouvementStock.objects.all()
    if boutique is not None:
        articles = articles.filter(boutique=boutique)
        mouvements = mouvements.filter(boutique=boutique)
    somme = Subquery(
        MouvementStock.objects.filter(article=OuterRef("pk"))
        .order_by()
        .values("article")
        .annotate(s=Sum("quantite"))
        .values("s")[:1],
        output_field=BigIntegerField(),
    )
    compte = articles.count()
    derives = [
        DeriveStock(
            article_id=a["pk"],
            boutique=a["boutique__code"],
            code=a["code"],
            nom=a["nom"],
            stock=a["quantite_stock"],
            registre=a["registre"],
        )
        for a in articles.annotate(registre=Coalesce(somme, 0, output_field=BigIntegerField()))
        .exclude(quantite_stock=F("registre"))
        .order_by("boutique__code", "code")
        .values("pk", "boutique__code", "code", "nom", "quantite_stock", "registre")
    ]
    ruptures_brutes = list(
        mouvements.annotate(
            # COALESCE rather than LAG's default argument, which MariaDB does not accept.
            precedent=Coalesce(
                Window(
                    expression=Lag("stock_apres"),
                    partition_by=[F("article_id")],
                    order_by=F("pk").asc(),
                ),
                Value(0),
            )
        )
        .filter(~Q(stock_avant=F("precedent")))
        .order_by("article_id", "pk")
        .values_list("article_id", "pk", "precedent", "stock_avant")
    )
    ruptures: list[RuptureChaine] = []
    if ruptures_brutes:
        ids = {r[0] for r in ruptures_brutes}
        derniere_correction = dict(
            MouvementStock.objects.filter(
                article_id__in=ids,
                type_mouvement=TypeMouvement.AJUSTEMENT,
                reference_document=REFERENCE_CORRECTION_DERIVE,
            )
            .order_by()
            .values("article_id")
            .annotate(m=Max("pk"))
            .values_list("article_id", "m")
        )
        infos = {a["pk"]: a for a in Article.objects.filter(pk__in=ids).values("pk", "code", "boutique__code")}
        for article_id, mouvement_id, precedent, avant in ruptures_brutes:
            ruptures.append(
                RuptureChaine(
                    article_id=article_id,
                    boutique=infos[article_id]["boutique__code"],
                    code=infos[article_id]["code"],
                    mouvement_id=mouvement_id,
                    stock_apres_precedent=precedent,
                    stock_avant=avant,
                    compensee=mouvement_id <= derniere_correction.get(article_id, 0),
                )
            )
    return RapportStock(
        boutique=boutique.code if boutique else None,
        genere_le=timezone.now(),
        articles_verifies=compte,
        derives=derives,
        ruptures=ruptures,
    )
