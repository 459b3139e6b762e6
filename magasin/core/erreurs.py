"""Business errors: a stable machine code, an HTTP status and a French message.

Every error that reaches a client (API, web form, management command) is an `ErreurMetier`.
The API turns it into `{"success": false, "code": ..., "error": ...}`; the web shows `message`.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class CodeErreur(StrEnum):
    # Request-level (the whole request is refused)
    MISSING_SERIAL = "MISSING_SERIAL"
    TERMINAL_NOT_FOUND = "TERMINAL_NOT_FOUND"
    NO_BOUTIQUE = "NO_BOUTIQUE"
    TOKEN_INVALIDE = "TOKEN_INVALIDE"
    TROP_DE_TENTATIVES = "TROP_DE_TENTATIVES"
    BOUTIQUE_MISMATCH = "BOUTIQUE_MISMATCH"
    INVALID_JSON = "INVALID_JSON"
    INVALID_PAYLOAD = "INVALID_PAYLOAD"
    INVALID_DATE = "INVALID_DATE"
    BATCH_TOO_LARGE = "BATCH_TOO_LARGE"
    BODY_TOO_LARGE = "BODY_TOO_LARGE"
    INVALID_ENCODING = "INVALID_ENCODING"
    UNSUPPORTED_ENCODING = "UNSUPPORTED_ENCODING"
    REQUETE_INCOMPLETE = "REQUETE_INCOMPLETE"
    NOT_FOUND = "NOT_FOUND"
    METHOD_NOT_ALLOWED = "METHOD_NOT_ALLOWED"
    ERREUR_SERVEUR = "ERREUR_SERVEUR"
    BASE_INDISPONIBLE = "BASE_INDISPONIBLE"
    # Per-sale (the sale is refused, the batch goes on)
    ARTICLE_INTROUVABLE = "ARTICLE_INTROUVABLE"
    STOCK_INSUFFISANT = "STOCK_INSUFFISANT"
    NUMERO_FACTURE_CONFLIT = "NUMERO_FACTURE_CONFLIT"
    VENTE_ILLISIBLE = "VENTE_ILLISIBLE"
    LIGNES_MANQUANTES = "LIGNES_MANQUANTES"
    CHAMP_INVALIDE = "CHAMP_INVALIDE"
    TEXTE_TROP_LONG = "TEXTE_TROP_LONG"
    DATE_HORS_FENETRE = "DATE_HORS_FENETRE"
    MONTANT_HORS_LIMITES = "MONTANT_HORS_LIMITES"
    # Back-office operations
    QUANTITE_INVALIDE = "QUANTITE_INVALIDE"
    VENTE_DEJA_ANNULEE = "VENTE_DEJA_ANNULEE"
    MOTIF_REQUIS = "MOTIF_REQUIS"
    QUARANTAINE_DEJA_TRAITEE = "QUARANTAINE_DEJA_TRAITEE"
    INVENTAIRE_CLOS = "INVENTAIRE_CLOS"
    ACCES_REFUSE = "ACCES_REFUSE"
    BOUTIQUE_INACTIVE = "BOUTIQUE_INACTIVE"
    CODE_ARTICLE_PRIS = "CODE_ARTICLE_PRIS"
    # The till (issue 21)
    TAUX_ABSENT = "TAUX_ABSENT"
    PAIEMENT_INVALIDE = "PAIEMENT_INVALIDE"
    CLOTURE_PERIMEE = "CLOTURE_PERIMEE"
    TRANSFERT_INVALIDE = "TRANSFERT_INVALIDE"
    TRANSFERT_DEJA_RECU = "TRANSFERT_DEJA_RECU"


STATUT_HTTP: dict[CodeErreur, int] = {
    CodeErreur.MISSING_SERIAL: 400,
    CodeErreur.TERMINAL_NOT_FOUND: 404,
    CodeErreur.NO_BOUTIQUE: 400,
    CodeErreur.TOKEN_INVALIDE: 401,
    CodeErreur.TROP_DE_TENTATIVES: 429,
    CodeErreur.BOUTIQUE_MISMATCH: 403,
    CodeErreur.INVALID_JSON: 400,
    CodeErreur.INVALID_PAYLOAD: 400,
    CodeErreur.INVALID_DATE: 400,
    CodeErreur.BATCH_TOO_LARGE: 413,
    CodeErreur.BODY_TOO_LARGE: 413,
    CodeErreur.INVALID_ENCODING: 400,
    CodeErreur.UNSUPPORTED_ENCODING: 415,
    CodeErreur.REQUETE_INCOMPLETE: 400,
    CodeErreur.NOT_FOUND: 404,
    CodeErreur.METHOD_NOT_ALLOWED: 405,
    CodeErreur.ERREUR_SERVEUR: 500,
    CodeErreur.BASE_INDISPONIBLE: 503,
    CodeErreur.ARTICLE_INTROUVABLE: 422,
    CodeErreur.STOCK_INSUFFISANT: 422,
    CodeErreur.NUMERO_FACTURE_CONFLIT: 409,
    CodeErreur.VENTE_ILLISIBLE: 422,
    CodeErreur.LIGNES_MANQUANTES: 422,
    CodeErreur.CHAMP_INVALIDE: 422,
    CodeErreur.TEXTE_TROP_LONG: 422,
    CodeErreur.DATE_HORS_FENETRE: 422,
    CodeErreur.MONTANT_HORS_LIMITES: 422,
    CodeErreur.QUANTITE_INVALIDE: 400,
    CodeErreur.VENTE_DEJA_ANNULEE: 409,
    CodeErreur.MOTIF_REQUIS: 400,
    CodeErreur.QUARANTAINE_DEJA_TRAITEE: 409,
    CodeErreur.INVENTAIRE_CLOS: 409,
    CodeErreur.ACCES_REFUSE: 403,
    CodeErreur.BOUTIQUE_INACTIVE: 400,
    CodeErreur.CODE_ARTICLE_PRIS: 409,
    CodeErreur.TAUX_ABSENT: 409,
    CodeErreur.PAIEMENT_INVALIDE: 400,
    CodeErreur.CLOTURE_PERIMEE: 409,
    CodeErreur.TRANSFERT_INVALIDE: 400,
    CodeErreur.TRANSFERT_DEJA_RECU: 409,
}

# One line per code, in French: the API docs list these.
DESCRIPTION: dict[CodeErreur, str] = {
    CodeErreur.MISSING_SERIAL: "En-tête X-Device-Serial absent.",
    CodeErreur.TERMINAL_NOT_FOUND: "Terminal inconnu ou inactif.",
    CodeErreur.NO_BOUTIQUE: "Terminal non associé à une boutique.",
    CodeErreur.TOKEN_INVALIDE: "Jeton du terminal absent, faux ou révoqué.",
    CodeErreur.TROP_DE_TENTATIVES: "Trop d'échecs d'authentification : réessayez plus tard.",
    CodeErreur.BOUTIQUE_MISMATCH: "boutique_id ou device_serial ne correspond pas au terminal.",
    CodeErreur.INVALID_JSON: "Le corps de la requête n'est pas du JSON valide.",
    CodeErreur.INVALID_PAYLOAD: "Le JSON n'a pas la forme attendue (le champ fautif est nommé).",
    CodeErreur.INVALID_DATE: "Une date ne se lit pas (format ISO 8601 attendu).",
    CodeErreur.BATCH_TOO_LARGE: "Trop de ventes dans un seul envoi.",
    CodeErreur.BODY_TOO_LARGE: "Corps de requête trop volumineux (compressé ou une fois décompressé).",
    CodeErreur.INVALID_ENCODING: "Corps gzip illisible (compression corrompue ou tronquée).",
    CodeErreur.UNSUPPORTED_ENCODING: "Content-Encoding non pris en charge (gzip seulement).",
    CodeErreur.REQUETE_INCOMPLETE: "Corps de requête incomplet (connexion coupée) : rien n'a été écrit.",
    CodeErreur.NOT_FOUND: "Ressource introuvable.",
    CodeErreur.METHOD_NOT_ALLOWED: "Méthode HTTP non permise.",
    CodeErreur.ERREUR_SERVEUR: "Erreur interne : rien n'a été enregistré, renvoyez l'envoi.",
    CodeErreur.BASE_INDISPONIBLE: "Base de données indisponible : rien n'a été enregistré.",
    CodeErreur.ARTICLE_INTROUVABLE: "Article inconnu, inactif ou d'une autre boutique.",
    CodeErreur.STOCK_INSUFFISANT: "Stock insuffisant (boutique en politique REFUSER).",
    CodeErreur.NUMERO_FACTURE_CONFLIT: "Numéro de facture déjà utilisé pour une autre vente.",
    CodeErreur.VENTE_ILLISIBLE: "Une vente du lot n'est pas un objet JSON.",
    CodeErreur.LIGNES_MANQUANTES: "Vente sans lignes (« lignes » absent, nul ou vide).",
    CodeErreur.CHAMP_INVALIDE: "Un champ de la vente ne se lit pas (le champ est nommé).",
    CodeErreur.TEXTE_TROP_LONG: "Un texte de la vente dépasse la longueur permise.",
    CodeErreur.DATE_HORS_FENETRE: "date_vente avant l'an 2000 ou plus de deux jours dans le futur.",
    CodeErreur.MONTANT_HORS_LIMITES: "Un montant ou un total dépasse ce que le serveur peut enregistrer.",
    CodeErreur.QUANTITE_INVALIDE: "Quantité invalide (entier positif attendu).",
    CodeErreur.VENTE_DEJA_ANNULEE: "Cette vente est déjà annulée.",
    CodeErreur.MOTIF_REQUIS: "Un motif est obligatoire.",
    CodeErreur.QUARANTAINE_DEJA_TRAITEE: "Cette vente en quarantaine a déjà été traitée.",
    CodeErreur.INVENTAIRE_CLOS: "Cet inventaire est déjà confirmé ou abandonné.",
    CodeErreur.ACCES_REFUSE: "Votre rôle ne permet pas cette action.",
    CodeErreur.BOUTIQUE_INACTIVE: "Boutique inactive.",
    CodeErreur.CODE_ARTICLE_PRIS: "Un article de cette boutique porte déjà ce code.",
    CodeErreur.TAUX_ABSENT: "Aucun taux USD→CDF fixé pour ce jour ni avant.",
    CodeErreur.PAIEMENT_INVALIDE: "Paiement incohérent (montant, devise, monnaie ou solde).",
    CodeErreur.CLOTURE_PERIMEE: "Une clôture plus récente existe pour cette caisse et ce jour.",
    CodeErreur.TRANSFERT_INVALIDE: "Transfert impossible (même boutique, article absent de la destination...).",
    CodeErreur.TRANSFERT_DEJA_RECU: "Ce transfert a déjà été reçu.",
}


class ErreurMetier(Exception):
    """A refusal the client can act on. `details` carries structured data (article, quantities)."""

    def __init__(self, code: CodeErreur, message: str, **details: Any) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details

    @property
    def statut_http(self) -> int:
        return STATUT_HTTP.get(self.code, 400)

    def en_json(self) -> dict[str, Any]:
        corps: dict[str, Any] = {"success": False, "error": self.message, "code": self.code.value}
        if self.details:
            corps["details"] = self.details
        return corps
