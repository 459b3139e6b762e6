"""OpenAPI shapes of the terminal API (the contract of the original system, extended)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from magasin.core.erreurs import DESCRIPTION
from magasin.ventes.entrees import VenteEntree


class Erreur(BaseModel):
    success: bool = False
    error: str = Field(description="Message en français")
    code: str = Field(description="Code machine stable : " + ", ".join(c.value for c in DESCRIPTION))
    details: dict[str, Any] | None = None


class EnveloppeVentes(BaseModel):
    """The `{"ventes": [...]}` form; a bare JSON array of sales is accepted too."""

    ventes: list[VenteEntree]
    boutique_id: int | None = None
    device_serial: str | None = None


class Ligne(BaseModel):
    article_id: int
    article_nom: str
    article_code: str
    quantite: int
    prix_unitaire: str
    total_ligne: str


class VenteCreee(BaseModel):
    index: int
    numero_facture: str
    status: str = Field(description="created | already_exists")
    id: int
    uuid: str | None
    boutique_id: int
    boutique_nom: str
    montant_total: str
    date_vente: str
    lignes_count: int
    lignes: list[Ligne]
    avertissements: list[str]
    message: str | None = None


class VenteErreur(BaseModel):
    index: int
    numero_facture: str
    code: str
    erreur: str
    details: dict[str, Any]
    quarantaine_id: int | None


class DetailsSynchro(BaseModel):
    creees: list[VenteCreee]
    erreurs: list[VenteErreur]


class BoutiqueCourte(BaseModel):
    id: int
    nom: str
    code: str


class TerminalCourt(BaseModel):
    id: int
    nom: str
    numero_serie: str


class Statistiques(BaseModel):
    total_envoyees: int
    reussies: int
    erreurs: int
    nouvelles: int
    doublons: int
    articles_stock_bas: int
    articles_stock_zero: int
    alerte_stock: bool


class ReponseSynchro(BaseModel):
    success: bool
    message: str
    ventes_creees: int
    ventes_erreurs: int
    details: DetailsSynchro
    boutique: BoutiqueCourte
    terminal: TerminalCourt
    statistiques: Statistiques


class ArticleSortie(BaseModel):
    id: int
    code: str
    code_barres: str
    nom: str
    prix_vente: str
    quantite_stock: int
    seuil_alerte: int
    est_actif: bool
    date_modification: str


class ReponseArticles(BaseModel):
    success: bool
    boutique_id: int
    boutique_nom: str
    heure_serveur: str
    count: int
    articles: list[ArticleSortie]


class Mouvement(BaseModel):
    id: int
    article_id: int
    article_nom: str
    article_code: str
    type_mouvement: str
    quantite: int
    stock_avant: int
    stock_apres: int
    reference_document: str
    commentaire: str
    date_mouvement: str
    utilisateur: str


class ReponseMouvements(BaseModel):
    success: bool
    boutique_id: int
    boutique_nom: str
    count: int
    mouvements: list[Mouvement]


class VenteSortie(BaseModel):
    id: int
    numero_facture: str
    uuid: str | None
    terminal_id: int | None
    date_vente: str
    date_synchro: str
    montant_total: str
    mode_paiement: str
    paye: bool
    statut: str
    lignes_count: int
    lignes: list[Ligne]


class ReponseVentes(BaseModel):
    success: bool
    boutique_id: int
    boutique_nom: str
    count: int
    ventes: list[VenteSortie]


class TerminalDetail(BaseModel):
    id: int
    nom: str
    numero_serie: str
    serie_seule: bool
    authentification: str = Field(description="jeton | serie_seule")
    derniere_synchro: str | None


class BoutiqueDetail(BaseModel):
    id: int
    nom: str
    code: str
    devise: str
    politique_stock: str


class ReponseTerminal(BaseModel):
    success: bool
    terminal: TerminalDetail
    boutique: BoutiqueDetail
    heure_serveur: str
    sequence_max: int | None
    sequences_manquantes: list[int]
