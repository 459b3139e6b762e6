"""Shops, terminals and memberships: creation and device credentials."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from magasin.boutiques.models import Boutique, ChampInconnu, Membre, Role, Terminal
from magasin.core import sql
from magasin.core.erreurs import CodeErreur, ErreurMetier

PREFIXE_JETON = "mgs_"


def _hacher(jeton: str) -> str:
    # Tokens are 256-bit random strings, so a plain SHA-256 is enough (no password stretching).
    return hashlib.sha256(jeton.encode()).hexdigest()


def _installer_jeton(terminal: Terminal, jeton: str) -> None:
    terminal.jeton_hash = _hacher(jeton)
    terminal.jeton_prefixe = jeton[: len(PREFIXE_JETON) + 4]
    terminal.jeton_cree_le = timezone.now()


def jeton_generer() -> str:
    return PREFIXE_JETON + secrets.token_urlsafe(32)


def terminal_creer(
    *,
    numero_serie: str,
    nom_terminal: str,
    boutique: Boutique | None,
    serie_seule: bool = False,
    jeton: str | None = None,
) -> tuple[Terminal, str]:
    """Create a terminal and its API token. The token is returned once and stored hashed."""
    jeton = jeton or jeton_generer()
    terminal = Terminal(
        numero_serie=numero_serie.strip(),
        nom_terminal=nom_terminal.strip(),
        boutique=boutique,
        serie_seule=serie_seule,
    )
    _installer_jeton(terminal, jeton)
    terminal.save()
    return terminal, jeton


def terminal_rotation_jeton(*, terminal: Terminal, jeton: str | None = None) -> str:
    """Replace the terminal's token; the old one stops working at once."""
    jeton = jeton or jeton_generer()
    _installer_jeton(terminal, jeton)
    terminal.save(update_fields=["jeton_hash", "jeton_prefixe", "jeton_cree_le"])
    return jeton


def terminal_revoquer_jeton(*, terminal: Terminal) -> None:
    """No token works any more (a serial-only terminal is still let in on its serial)."""
    terminal.jeton_hash = ""
    terminal.jeton_prefixe = ""
    terminal.jeton_cree_le = None
    terminal.save(update_fields=["jeton_hash", "jeton_prefixe", "jeton_cree_le"])


def terminal_desactiver(*, terminal: Terminal) -> None:
    terminal.est_actif = False
    terminal.save(update_fields=["est_actif"])


def jeton_valide(terminal: Terminal, jeton: str | None) -> bool:
    if not jeton or not terminal.jeton_hash:
        return False
    return hmac.compare_digest(_hacher(jeton), terminal.jeton_hash)


_CHAMPS_TERMINAL = tuple(f.name for f in Terminal._meta.concrete_fields)
_CHAMPS_BOUTIQUE = tuple(f.name for f in Boutique._meta.concrete_fields)


def _terminal_actif(numero_serie: str) -> Terminal | None:
    """The active terminal with this serial, its shop loaded with it (None if it has none)."""
    # Every API request runs this: plain SQL, one join (see magasin.core.sql).
    t, b = sql.table(Terminal), sql.table(Boutique)
    trouves = sql.instances_par_ligne(
        f"SELECT {sql.colonnes(Terminal, _CHAMPS_TERMINAL, qualifiees=True)}, "
        f"{sql.colonnes(Boutique, _CHAMPS_BOUTIQUE, qualifiees=True)} "
        f"FROM {t} LEFT JOIN {b} ON {b}.{sql.colonne(Boutique, 'id')} = {t}.{sql.colonne(Terminal, 'boutique')} "
        f"WHERE {t}.{sql.colonne(Terminal, 'numero_serie')} = %s AND {t}.{sql.colonne(Terminal, 'est_actif')} = %s",
        [numero_serie, True],
        (Terminal, _CHAMPS_TERMINAL),
        (Boutique, _CHAMPS_BOUTIQUE),
    )
    if not trouves:
        return None
    terminal, boutique = trouves[0]
    assert isinstance(terminal, Terminal)
    terminal._state.fields_cache["boutique"] = boutique
    return terminal


def terminal_authentifier(*, numero_serie: str | None, jeton: str | None) -> Terminal:
    """The terminal a request speaks for, or the error the API must answer."""
    if not numero_serie or not numero_serie.strip():
        raise ErreurMetier(CodeErreur.MISSING_SERIAL, "Header X-Device-Serial requis")
    terminal = _terminal_actif(numero_serie.strip()[:100])
    if terminal is None:
        raise ErreurMetier(CodeErreur.TERMINAL_NOT_FOUND, "Terminal non trouvé ou inactif")
    if not terminal.serie_seule and not jeton_valide(terminal, jeton):
        raise ErreurMetier(
            CodeErreur.TOKEN_INVALIDE,
            "Jeton du terminal absent ou invalide (Authorization: Bearer <jeton>).",
        )
    if terminal.boutique is None:
        raise ErreurMetier(CodeErreur.NO_BOUTIQUE, "Terminal non associé à une boutique")
    return terminal


def boutique_verrouiller(boutique_id: int) -> Boutique:
    """The shop row, locked until the end of the transaction: the first lock of every writer."""
    # Once per batch: plain SQL, values converted per backend (see magasin.core.sql).
    boutiques = sql.instances(
        Boutique,
        f"SELECT {sql.colonnes(Boutique, _CHAMPS_BOUTIQUE)} FROM {sql.table(Boutique)} "
        f"WHERE {sql.colonne(Boutique, 'id')} = %s{sql.pour_mise_a_jour()}",
        [boutique_id],
        champs=_CHAMPS_BOUTIQUE,
    )
    if not boutiques:
        raise Boutique.DoesNotExist(f"Boutique {boutique_id}")
    return boutiques[0]


def terminal_marquer_synchro(
    *, terminal: Terminal, moment: datetime | None = None, user_agent: str | None = None, version_app: str | None = None
) -> None:
    """Record a contact from the terminal (every API request, accepted or not), and what its
    app says it is when the request says it (User-Agent, version header)."""
    maintenant = moment or timezone.now()
    champs: dict[str, Any] = {"derniere_synchro": maintenant}
    if user_agent:
        champs["user_agent"] = user_agent[:255]
    if version_app:
        champs["version_app"] = version_app[:100]
    Terminal.objects.filter(pk=terminal.pk).update(**champs)
    for nom, valeur in champs.items():
        setattr(terminal, nom, valeur)


def terminal_noter_champs_inconnus(*, terminal: Terminal, champs: dict[str, Any], moment: datetime) -> None:
    """Remember which fields beyond the contract the terminal sends, since when and until when,
    with one example value each. One read and at most two writes per batch."""
    if not champs:
        return
    connus = set(
        ChampInconnu.objects.filter(terminal=terminal, chemin__in=list(champs)).values_list("chemin", flat=True)
    )
    nouveaux = [
        ChampInconnu(
            terminal=terminal,
            chemin=chemin[:150],
            exemple=_exemple(valeur),
            premiere_vue=moment,
            derniere_vue=moment,
        )
        for chemin, valeur in sorted(champs.items())
        if chemin not in connus
    ]
    if nouveaux:
        ChampInconnu.objects.bulk_create(nouveaux, ignore_conflicts=True)
    if connus:
        ChampInconnu.objects.filter(terminal=terminal, chemin__in=sorted(connus)).update(derniere_vue=moment)


def _exemple(valeur: Any) -> str:
    texte = json.dumps(valeur, ensure_ascii=False, default=str)
    # Shown on a page and in a command's output: no control character, bounded length.
    return "".join(c if c.isprintable() else "\N{REPLACEMENT CHARACTER}" for c in texte)[:200]


def membre_definir(*, utilisateur: AbstractBaseUser, boutique: Boutique, role: Role) -> Membre:
    membre, _ = Membre.objects.update_or_create(
        utilisateur_id=utilisateur.pk, boutique=boutique, defaults={"role": role}
    )
    return membre


@transaction.atomic
def utilisateur_creer(
    *,
    username: str,
    password: str,
    boutique: Boutique | None = None,
    role: Role | None = None,
    email: str = "",
    superuser: bool = False,
) -> AbstractBaseUser:
    Utilisateur = get_user_model()
    if Utilisateur.objects.filter(username=username).exists():
        raise ErreurMetier(CodeErreur.INVALID_PAYLOAD, f"L'utilisateur {username} existe déjà.")
    if superuser:
        utilisateur = Utilisateur.objects.create_superuser(username=username, email=email, password=password)
    else:
        utilisateur = Utilisateur.objects.create_user(username=username, email=email, password=password)
    if boutique is not None:
        membre_definir(utilisateur=utilisateur, boutique=boutique, role=role or Role.CAISSIER)
    return utilisateur
