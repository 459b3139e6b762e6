"""Catalogue import from CSV or XLSX: read, preview what would change, then apply.

Nothing is written until `catalogue_appliquer`, which re-plans against the locked current state
and refuses the whole file if any line is in error (all or nothing). Every write goes through the
ledger services: new articles through `article_creer` (opening stock as a movement), edits through
`article_modifier`, and a stock column through `stock_ajuster` (an inventory count).

Columns (header row, case and accents ignored): code (required), nom, prix_vente, stock,
seuil_alerte, code_barres, actif. For a new article, nom and prix_vente are required.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction

from magasin.boutiques.acces import Utilisateur, exiger_role, nom_auteur
from magasin.boutiques.models import Boutique, Role
from magasin.boutiques.services import boutique_verrouiller
from magasin.core.erreurs import CodeErreur, ErreurMetier
from magasin.stock.models import Article
from magasin.stock.services import article_creer, article_modifier, stock_ajuster

LIGNES_MAX = 5000
TAILLE_MAX = 2 * 1024 * 1024

COLONNES = {
    "code": "code",
    "reference": "code",
    "nom": "nom",
    "designation": "nom",
    "prix_vente": "prix_vente",
    "prix": "prix_vente",
    "stock": "stock",
    "quantite": "stock",
    "quantite_stock": "stock",
    "seuil_alerte": "seuil_alerte",
    "seuil": "seuil_alerte",
    "code_barres": "code_barres",
    "actif": "actif",
    "est_actif": "actif",
}
VRAI = {"1", "oui", "o", "vrai", "true", "yes", "x"}
FAUX = {"0", "non", "n", "faux", "false", "no"}


@dataclass
class LigneCatalogue:
    """One data row as read from the file (texts, not yet validated)."""

    numero: int  # line number in the file (the header is line 1)
    valeurs: dict[str, str]


@dataclass
class LigneApercu:
    numero: int
    code: str
    action: str  # "creer", "modifier", "inchange", "erreur"
    nom: str = ""
    changements: list[tuple[str, str, str]] = field(default_factory=list)  # (champ, avant, après)
    erreurs: list[str] = field(default_factory=list)
    # Validated values, used by catalogue_appliquer.
    donnees: dict[str, Any] = field(default_factory=dict)
    article: Article | None = None


@dataclass
class Apercu:
    lignes: list[LigneApercu]

    def _compter(self, action: str) -> int:
        return sum(1 for ligne in self.lignes if ligne.action == action)

    @property
    def a_creer(self) -> int:
        return self._compter("creer")

    @property
    def a_modifier(self) -> int:
        return self._compter("modifier")

    @property
    def inchanges(self) -> int:
        return self._compter("inchange")

    @property
    def en_erreur(self) -> int:
        return self._compter("erreur")

    @property
    def applicable(self) -> bool:
        return self.en_erreur == 0 and (self.a_creer + self.a_modifier) > 0


def _cle(entete: Any) -> str:
    texte = unicodedata.normalize("NFKD", str(entete or "")).encode("ascii", "ignore").decode()
    return texte.strip().lower().replace(" ", "_").replace("-", "_")


def _texte(valeur: Any) -> str:
    if valeur is None:
        return ""
    if isinstance(valeur, float) and valeur.is_integer():
        return str(int(valeur))
    return str(valeur).strip()


def _rangees(entetes: list[Any], rangees: list[list[Any]]) -> list[LigneCatalogue]:
    colonnes = [COLONNES.get(_cle(e)) for e in entetes]
    if "code" not in colonnes:
        raise ErreurMetier(
            CodeErreur.INVALID_PAYLOAD,
            "La première ligne doit nommer les colonnes, dont « code » "
            "(et nom, prix_vente, stock, seuil_alerte, code_barres, actif).",
        )
    lignes = []
    for numero, rangee in enumerate(rangees, 2):
        valeurs = {
            colonne: _texte(valeur) for colonne, valeur in zip(colonnes, rangee, strict=False) if colonne is not None
        }
        if any(valeurs.values()):
            lignes.append(LigneCatalogue(numero=numero, valeurs=valeurs))
    if len(lignes) > LIGNES_MAX:
        raise ErreurMetier(CodeErreur.INVALID_PAYLOAD, f"Fichier trop long : {LIGNES_MAX} lignes au plus.")
    return lignes


def catalogue_lire(*, nom_fichier: str, contenu: bytes) -> list[LigneCatalogue]:
    """Rows of a CSV (`;` or `,`, UTF-8 or Latin-1) or XLSX file; raises on an unreadable file."""
    if len(contenu) > TAILLE_MAX:
        raise ErreurMetier(CodeErreur.BODY_TOO_LARGE, "Fichier trop volumineux (2 Mo au plus).")
    if nom_fichier.lower().endswith(".xlsx"):
        from openpyxl import load_workbook

        try:
            classeur = load_workbook(io.BytesIO(contenu), read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds on a bad file
            raise ErreurMetier(CodeErreur.INVALID_PAYLOAD, f"Fichier XLSX illisible : {exc}") from None
        rangees = [list(r) for r in classeur.active.iter_rows(values_only=True)]
        classeur.close()
    elif nom_fichier.lower().endswith((".csv", ".txt")):
        try:
            texte = contenu.decode("utf-8-sig")
        except UnicodeDecodeError:
            texte = contenu.decode("latin-1")
        premiere = texte.split("\n", 1)[0]
        separateur = ";" if premiere.count(";") >= premiere.count(",") else ","
        rangees = [list(r) for r in csv.reader(io.StringIO(texte), delimiter=separateur)]
    else:
        raise ErreurMetier(CodeErreur.INVALID_PAYLOAD, "Format non pris en charge : envoyez un .csv ou un .xlsx.")
    if not rangees:
        raise ErreurMetier(CodeErreur.INVALID_PAYLOAD, "Le fichier est vide.")
    return _rangees(rangees[0], rangees[1:])


def _decimal(texte: str) -> Decimal:
    propre = texte.replace("\u202f", "").replace("\xa0", "").replace(" ", "").replace(",", ".")
    propre = propre.upper().removesuffix("CDF")
    valeur = Decimal(propre)
    if not valeur.is_finite():
        raise InvalidOperation
    return valeur


def _entier(texte: str) -> int:
    valeur = _decimal(texte)
    if valeur != valeur.to_integral_value():
        raise ValueError
    return int(valeur)


def _valider(ligne: LigneCatalogue, article: Article | None) -> LigneApercu:
    v = ligne.valeurs
    code = v.get("code", "")
    apercu = LigneApercu(numero=ligne.numero, code=code, action="erreur", nom=v.get("nom", ""))
    donnees: dict[str, Any] = {}
    if not code:
        apercu.erreurs.append("Code manquant.")
    elif len(code) > 50:
        apercu.erreurs.append("Code trop long (50 caractères au plus).")
    if v.get("nom"):
        if len(v["nom"]) > 200:
            apercu.erreurs.append("Nom trop long (200 caractères au plus).")
        donnees["nom"] = v["nom"]
    elif article is None:
        apercu.erreurs.append("Nom manquant pour un nouvel article.")
    if v.get("prix_vente"):
        try:
            prix = _decimal(v["prix_vente"]).quantize(Decimal("0.01"))
            if prix < 0 or prix >= Decimal("1000000000000"):
                raise ValueError
            donnees["prix_vente"] = prix
        except (InvalidOperation, ValueError):
            apercu.erreurs.append(f"Prix illisible : « {v['prix_vente']} ».")
    elif article is None:
        apercu.erreurs.append("Prix manquant pour un nouvel article.")
    for champ, libelle in (("stock", "Stock"), ("seuil_alerte", "Seuil d'alerte")):
        if v.get(champ):
            try:
                nombre = _entier(v[champ])
                if nombre < 0 or nombre > 1_000_000_000:
                    raise ValueError
                donnees[champ] = nombre
            except (InvalidOperation, ValueError):
                apercu.erreurs.append(f"{libelle} : entier positif attendu, lu « {v[champ]} ».")
    if v.get("code_barres"):
        if len(v["code_barres"]) > 64:
            apercu.erreurs.append("Code-barres trop long (64 caractères au plus).")
        donnees["code_barres"] = v["code_barres"]
    if v.get("actif"):
        actif = v["actif"].lower()
        if actif in VRAI:
            donnees["est_actif"] = True
        elif actif in FAUX:
            donnees["est_actif"] = False
        else:
            apercu.erreurs.append(f"Actif : oui ou non attendu, lu « {v['actif']} ».")
    apercu.donnees = donnees
    apercu.article = article
    if apercu.erreurs:
        return apercu
    if article is None:
        apercu.action = "creer"
        apercu.changements = [(champ, "", _montrer(valeur)) for champ, valeur in donnees.items()]
        return apercu
    apercu.nom = article.nom
    actuels = {
        "nom": article.nom,
        "prix_vente": article.prix_vente,
        "stock": article.quantite_stock,
        "seuil_alerte": article.seuil_alerte,
        "code_barres": article.code_barres,
        "est_actif": article.est_actif,
    }
    apercu.changements = [
        (champ, _montrer(actuels[champ]), _montrer(valeur))
        for champ, valeur in donnees.items()
        if actuels[champ] != valeur
    ]
    apercu.action = "modifier" if apercu.changements else "inchange"
    return apercu


def _montrer(valeur: Any) -> str:
    if isinstance(valeur, bool):
        return "oui" if valeur else "non"
    return str(valeur)


def catalogue_previsualiser(*, boutique: Boutique, lignes: list[LigneCatalogue]) -> Apercu:
    """What applying these rows would do to the shop's catalogue; writes nothing."""
    codes = [ligne.valeurs.get("code", "") for ligne in lignes]
    existants = {a.code: a for a in Article.objects.filter(boutique=boutique, code__in=codes)}
    vus: dict[str, int] = {}
    resultat = []
    for ligne in lignes:
        code = ligne.valeurs.get("code", "")
        apercu = _valider(ligne, existants.get(code))
        if code and code in vus:
            apercu.action = "erreur"
            apercu.erreurs.append(f"Code {code} déjà présent ligne {vus[code]}.")
        vus.setdefault(code, ligne.numero)
        resultat.append(apercu)
    return Apercu(lignes=resultat)


def catalogue_appliquer(*, boutique: Boutique, lignes: list[LigneCatalogue], utilisateur: Utilisateur | None) -> Apercu:
    """Apply the rows in one transaction; refuses the whole file if any line is in error."""
    exiger_role(utilisateur, boutique, Role.GERANT)
    auteur = nom_auteur(utilisateur)
    with transaction.atomic():
        # Lock order of every writer of a shop: the shop row first.
        boutique_verrouiller(boutique.pk)
        apercu = catalogue_previsualiser(boutique=boutique, lignes=lignes)
        if apercu.en_erreur:
            raise ErreurMetier(
                CodeErreur.INVALID_PAYLOAD,
                f"{apercu.en_erreur} ligne(s) en erreur : rien n'a été importé.",
            )
        for ligne in apercu.lignes:
            d = ligne.donnees
            if ligne.action == "creer":
                article_creer(
                    boutique=boutique,
                    code=ligne.code,
                    nom=d["nom"],
                    prix_vente=d["prix_vente"],
                    utilisateur=auteur,
                    stock_initial=d.get("stock", 0),
                    seuil_alerte=d.get("seuil_alerte", 5),
                    code_barres=d.get("code_barres", ""),
                    est_actif=d.get("est_actif", True),
                )
            elif ligne.action == "modifier" and ligne.article is not None:
                article = ligne.article
                article_modifier(
                    article=article,
                    nom=d.get("nom"),
                    prix_vente=d.get("prix_vente"),
                    seuil_alerte=d.get("seuil_alerte"),
                    code_barres=d.get("code_barres"),
                    est_actif=d.get("est_actif"),
                )
                if "stock" in d and d["stock"] != article.quantite_stock:
                    stock_ajuster(
                        article=article,
                        quantite_comptee=d["stock"],
                        utilisateur=auteur,
                        motif="Import du catalogue",
                    )
    return apercu
