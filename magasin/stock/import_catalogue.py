"""Catalogue import from CSV or XLSX: read, preview what would change, then apply.

Nothing is written until `catalogue_appliquer`, which re-plans against the locked current state
and refuses the whole file if any line is in error (all or nothing). Every write goes through the
ledger services: new articles through `article_creer` (opening stock as a movement), edits through
`article_modifier`, and a stock column through `stock_ajuster` (an inventory count).

Columns (header row, case and accents ignored): code (required), nom, prix_vente, stock,
seuil_alerte, code_barres, actif, categorie. For a new article, nom and prix_vente are required.
A price is in whole francs, as in the article form (`magasin.stock.prix`): "1500" or "1 500,00",
never "1500,50" (refused on its line, not rounded), unless it is the article's current price.
An empty cell leaves the field as it is (a category is never removed by an import). A category
name is looked up in the shop (case ignored) and created there if new.

The catalogue export (`COLONNES_EXPORT`) writes exactly these columns, so export → import
changes nothing. A CSV cell the export neutralised against formulas ("'=1+1") reads back as the
text it was ("=1+1"): see `_texte_csv_lu`.

An upload cannot take the server down: its size is checked before it is read, an XLSX's
uncompressed size before it is parsed (a zip bomb is a few KB), its declared dimensions are
ignored and reading stops at the row and column limits; a CSV stops at the row limit too.
"""

from __future__ import annotations

import csv
import io
import itertools
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import IO, Any

from django.db import transaction

from magasin.boutiques.acces import Utilisateur, exiger_role
from magasin.boutiques.models import Boutique, Role
from magasin.boutiques.services import boutique_verrouiller
from magasin.core.erreurs import CodeErreur, ErreurMetier
from magasin.stock.models import CATEGORIE_NOM_MAX, Article, Categorie
from magasin.stock.prix import PrixRefuse, prix_vente_verifier
from magasin.stock.services import article_creer, article_modifier, categorie_obtenir, stock_ajuster

LIGNES_MAX = 5000
TAILLE_MAX = 2 * 1024 * 1024
# Reading stops at this file line (empty lines are skipped but counted here) and this column.
LIGNE_FICHIER_MAX = 2 * LIGNES_MAX + 1
COLONNES_MAX = 64
# An honest 5000-row catalogue is a few MB of XML once unzipped; a zip bomb is gigabytes.
# openpyxl parses about 100 000 cells a second here: these bound a file to a few seconds.
TAILLE_DECOMPRESSEE_MAX = 32 * 1024 * 1024
TAILLE_PIECE_MAX = 4 * 1024 * 1024  # any XML part but the sheets (styles, shared strings...)
CELLULES_MAX = 200_000  # per sheet (5000 rows of 40 columns), and as many shared strings
_CELLULE_XML = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?c[\s/>]")
_CHAINE_XML = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?si[\s/>]")

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
    "categorie": "categorie",
    "famille": "categorie",
}
# The canonical columns, in the order the export writes them.
COLONNES_EXPORT = ("code", "nom", "prix_vente", "stock", "seuil_alerte", "code_barres", "actif", "categorie")
# What `magasin.web.exports.texte_csv` neutralises (a leading apostrophe before these). Mirrored
# here, not imported: the stock app does not depend on the web app; a test checks both agree.
_DEBUTS_NEUTRALISES = ("=", "+", "-", "@", "\t", "\r", "'")
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


def _rangees(rangees: Iterable[Iterable[Any]]) -> list[LigneCatalogue]:
    """Data rows under the header row; stops reading as soon as a limit is passed."""
    iterateur = iter(rangees)
    entetes = next(iterateur, None)
    if entetes is None:
        raise ErreurMetier(CodeErreur.INVALID_PAYLOAD, "Le fichier est vide.")
    colonnes = [COLONNES.get(_cle(e)) for e in entetes]
    if "code" not in colonnes:
        raise ErreurMetier(
            CodeErreur.INVALID_PAYLOAD,
            "La première ligne doit nommer les colonnes, dont « code » "
            "(et nom, prix_vente, stock, seuil_alerte, code_barres, actif, categorie).",
        )
    trop_long = ErreurMetier(CodeErreur.INVALID_PAYLOAD, f"Fichier trop long : {LIGNES_MAX} lignes au plus.")
    lignes = []
    for numero, rangee in enumerate(iterateur, 2):
        if numero > LIGNE_FICHIER_MAX:
            raise trop_long
        valeurs = {
            colonne: _texte(valeur) for colonne, valeur in zip(colonnes, rangee, strict=False) if colonne is not None
        }
        if any(valeurs.values()):
            lignes.append(LigneCatalogue(numero=numero, valeurs=valeurs))
            if len(lignes) > LIGNES_MAX:
                raise trop_long
    return lignes


def _lire_contenu(fichier: IO[bytes] | bytes) -> bytes:
    """The upload's bytes, its size checked before anything is read."""
    trop_gros = ErreurMetier(CodeErreur.BODY_TOO_LARGE, "Fichier trop volumineux (2 Mo au plus).")
    if isinstance(fichier, bytes):
        if len(fichier) > TAILLE_MAX:
            raise trop_gros
        return fichier
    taille = getattr(fichier, "size", None)  # Django's UploadedFile knows it without reading
    if taille is not None and taille > TAILLE_MAX:
        raise trop_gros
    contenu = fichier.read(TAILLE_MAX + 1)
    if len(contenu) > TAILLE_MAX:
        raise trop_gros
    return contenu


def _trop_grand(quoi: str) -> ErreurMetier:
    return ErreurMetier(CodeErreur.BODY_TOO_LARGE, f"Fichier XLSX trop volumineux une fois décompressé ({quoi}).")


def _elements_au_plus(xml: bytes, motif: re.Pattern[bytes], limite: int) -> bool:
    return next(itertools.islice(motif.finditer(xml), limite, None), None) is None


def _verifier_archive(archive: zipfile.ZipFile) -> None:
    """Refuse what would cost seconds and hundreds of MB to parse, before openpyxl parses it.

    zipfile never inflates a member past its declared size, so the declared sizes bound the
    work. openpyxl reads the shared strings and the styles whole, and a sheet's row whole
    (every cell of it, past the columns we read): their elements are counted first, at C speed.
    """
    infos = archive.infolist()
    if sum(info.file_size for info in infos) > TAILLE_DECOMPRESSEE_MAX:
        raise _trop_grand(f"{TAILLE_DECOMPRESSEE_MAX // 2**20} Mo au plus")
    for info in infos:
        nom = info.filename.lower()
        if nom.startswith("xl/worksheets/") and nom.endswith(".xml"):
            if not _elements_au_plus(archive.read(info), _CELLULE_XML, CELLULES_MAX):
                raise _trop_grand(f"{CELLULES_MAX} cellules au plus")
        elif nom.endswith((".xml", ".rels")):
            if info.file_size > TAILLE_PIECE_MAX:
                raise _trop_grand(f"{info.filename} : {TAILLE_PIECE_MAX // 2**20} Mo au plus")
            if nom.endswith("sharedstrings.xml") and not _elements_au_plus(
                archive.read(info), _CHAINE_XML, CELLULES_MAX
            ):
                raise _trop_grand(f"{CELLULES_MAX} textes au plus")


def _rangees_xlsx(contenu: bytes) -> Iterator[tuple[Any, ...]]:
    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(io.BytesIO(contenu)) as archive:
            _verifier_archive(archive)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, RuntimeError, NotImplementedError):
        raise ErreurMetier(CodeErreur.INVALID_PAYLOAD, "Fichier XLSX illisible.") from None
    try:
        classeur = load_workbook(io.BytesIO(contenu), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds on a bad file
        raise ErreurMetier(CodeErreur.INVALID_PAYLOAD, "Fichier XLSX illisible.") from None
    try:
        feuille = classeur.active
        # The <dimension> a file declares is not trusted (A1:XFD1048576 costs gigabytes):
        # rows and columns are read as they come, up to the limits.
        feuille.reset_dimensions()
        yield from feuille.iter_rows(max_row=LIGNE_FICHIER_MAX + 1, max_col=COLONNES_MAX, values_only=True)
    except Exception:
        raise ErreurMetier(CodeErreur.INVALID_PAYLOAD, "Fichier XLSX illisible.") from None
    finally:
        classeur.close()


def _texte_csv_lu(valeur: str) -> str:
    """The text before the export's neutralisation: "'=1+1" was "=1+1", "''x" was "'x".

    Only an apostrophe followed by what the export neutralises is removed, so "'abc" stays.
    """
    if valeur.startswith("'") and valeur[1:2] and valeur[1] in _DEBUTS_NEUTRALISES:
        return valeur[1:]
    return valeur


def _rangees_csv(contenu: bytes) -> Iterator[list[str]]:
    try:
        texte = contenu.decode("utf-8-sig")
    except UnicodeDecodeError:
        texte = contenu.decode("latin-1")
    premiere = texte.split("\n", 1)[0]
    separateur = ";" if premiere.count(";") >= premiere.count(",") else ","
    try:
        for rangee in csv.reader(io.StringIO(texte), delimiter=separateur):
            yield [_texte_csv_lu(cellule) for cellule in rangee]
    except csv.Error as exc:
        message = "Fichier CSV illisible."
        if "field limit" in str(exc):
            # An unclosed quote swallows the rest of the file into one field.
            limite = csv.field_size_limit()
            message = f"Fichier CSV illisible : un champ dépasse {limite} caractères (guillemet non refermé ?)."
        raise ErreurMetier(CodeErreur.INVALID_PAYLOAD, message) from None


def catalogue_lire(*, nom_fichier: str, fichier: IO[bytes] | bytes) -> list[LigneCatalogue]:
    """Rows of a CSV (`;` or `,`, UTF-8 or Latin-1) or XLSX file; raises on an unreadable file."""
    nom = nom_fichier.lower()
    if not nom.endswith((".xlsx", ".csv", ".txt")):
        raise ErreurMetier(CodeErreur.INVALID_PAYLOAD, "Format non pris en charge : envoyez un .csv ou un .xlsx.")
    contenu = _lire_contenu(fichier)
    rangees = _rangees_xlsx(contenu) if nom.endswith(".xlsx") else _rangees_csv(contenu)
    return _rangees(rangees)


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
    if any("\x00" in valeur for valeur in v.values()):
        # PostgreSQL refuses NUL in text: refused here, at preview, not as a 500 at confirmation.
        apercu.erreurs.append("Caractère nul interdit : corrigez cette ligne du fichier.")
        return apercu
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
            prix = _decimal(v["prix_vente"])
        except InvalidOperation:
            apercu.erreurs.append(f"Prix illisible : « {v['prix_vente']} ».")
        else:
            try:
                # The article form's rule: whole francs, the article's current price kept as it is.
                actuel = article.prix_vente if article is not None else None
                donnees["prix_vente"] = prix_vente_verifier(prix, actuel=actuel)
            except PrixRefuse as refus:
                apercu.erreurs.append(f"{refus.message} Lu : « {v['prix_vente']} ».")
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
    if v.get("categorie"):
        categorie = " ".join(v["categorie"].split())
        if len(categorie) > CATEGORIE_NOM_MAX:
            apercu.erreurs.append(f"Catégorie trop longue ({CATEGORIE_NOM_MAX} caractères au plus).")
        donnees["categorie"] = categorie
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
        "categorie": article.categorie.nom if article.categorie else "",
    }
    apercu.changements = [
        (champ, _montrer(actuels[champ]), _montrer(valeur))
        for champ, valeur in donnees.items()
        if not _egaux(champ, actuels[champ], valeur)
    ]
    apercu.action = "modifier" if apercu.changements else "inchange"
    return apercu


def _egaux(champ: str, actuel: Any, valeur: Any) -> bool:
    if champ == "categorie":  # matched case-insensitively, as `categorie_obtenir` does
        return bool(actuel.casefold() == valeur.casefold())
    return bool(actuel == valeur)


def _montrer(valeur: Any) -> str:
    if isinstance(valeur, bool):
        return "oui" if valeur else "non"
    return str(valeur)


def catalogue_previsualiser(*, boutique: Boutique, lignes: list[LigneCatalogue]) -> Apercu:
    """What applying these rows would do to the shop's catalogue; writes nothing."""
    codes = [code for ligne in lignes if "\x00" not in (code := ligne.valeurs.get("code", ""))]
    existants = {
        a.code: a for a in Article.objects.filter(boutique=boutique, code__in=codes).select_related("categorie")
    }
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


def catalogue_appliquer(*, boutique: Boutique, lignes: list[LigneCatalogue], acteur: Utilisateur | None) -> Apercu:
    """Apply the rows in one transaction (a manager's); refuses the whole file if any line is in
    error. Each row goes through the article services: a code another manager creates meanwhile
    is refused by `article_creer` (`CODE_ARTICLE_PRIS`), and nothing of the file is written."""
    exiger_role(acteur, boutique, Role.GERANT)
    with transaction.atomic():
        # Lock order of every writer of a shop: the shop row first.
        boutique_verrouiller(boutique.pk)
        apercu = catalogue_previsualiser(boutique=boutique, lignes=lignes)
        if apercu.en_erreur:
            raise ErreurMetier(
                CodeErreur.INVALID_PAYLOAD,
                f"{apercu.en_erreur} ligne(s) en erreur : rien n'a été importé.",
            )
        # Each category name resolved (or created) once, not once per line.
        categories: dict[str, Categorie | None] = {}
        for ligne in apercu.lignes:
            d = ligne.donnees
            if "categorie" in d:
                cle = d["categorie"].casefold()
                if cle not in categories:
                    # The role is checked above: the category is resolved as a trusted call.
                    categories[cle] = categorie_obtenir(boutique=boutique, nom=d["categorie"], acteur=None)
                d["categorie"] = categories[cle] or ""
            if ligne.action == "creer":
                article_creer(
                    boutique=boutique,
                    code=ligne.code,
                    nom=d["nom"],
                    prix_vente=d["prix_vente"],
                    acteur=acteur,
                    stock_initial=d.get("stock", 0),
                    seuil_alerte=d.get("seuil_alerte", 5),
                    code_barres=d.get("code_barres", ""),
                    est_actif=d.get("est_actif", True),
                    categorie=d.get("categorie", ""),
                )
            elif ligne.action == "modifier" and ligne.article is not None:
                article = ligne.article
                article_modifier(
                    article=article,
                    acteur=acteur,
                    nom=d.get("nom"),
                    prix_vente=d.get("prix_vente"),
                    seuil_alerte=d.get("seuil_alerte"),
                    code_barres=d.get("code_barres"),
                    est_actif=d.get("est_actif"),
                    categorie=d.get("categorie"),
                )
                if "stock" in d and d["stock"] != article.quantite_stock:
                    stock_ajuster(
                        article=article,
                        quantite_comptee=d["stock"],
                        acteur=acteur,
                        motif="Import du catalogue",
                    )
    return apercu
