"""Shops, terminals and memberships: creation and device credentials."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from magasin.boutiques.acces import Utilisateur, exiger_role, role_de
from magasin.boutiques.models import (
    RANG_ROLE,
    Boutique,
    ChampInconnu,
    Membre,
    MotifRefusTerminal,
    Role,
    TentativeTerminalRefusee,
    Terminal,
)
from magasin.core.db import verrouiller
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
    acteur: Utilisateur | None = None,
) -> tuple[Terminal, str]:
    """Create a terminal and its API token. The token is returned once and stored hashed.

    `acteur` (a web user) must manage the shop; None is a trusted caller (command, admin)."""
    if acteur is not None:
        if boutique is None:
            raise ErreurMetier(CodeErreur.NO_BOUTIQUE, "Choisissez la boutique du terminal.")
        exiger_role(acteur, boutique, Role.GERANT)
    numero_serie = numero_serie.strip()
    if Terminal.objects.filter(numero_serie=numero_serie).exists():
        raise ErreurMetier(CodeErreur.INVALID_PAYLOAD, f"Un terminal porte déjà le numéro de série {numero_serie}.")
    jeton = jeton or jeton_generer()
    terminal = Terminal(
        numero_serie=numero_serie,
        nom_terminal=nom_terminal.strip(),
        boutique=boutique,
        serie_seule=serie_seule,
    )
    _installer_jeton(terminal, jeton)
    terminal.save()
    return terminal, jeton


def _exiger_gerant_du_terminal(acteur: Utilisateur | None, terminal: Terminal) -> None:
    if acteur is None:
        return
    if terminal.boutique_id is None:
        raise ErreurMetier(CodeErreur.ACCES_REFUSE, "Terminal sans boutique : géré depuis l'administration.")
    exiger_role(acteur, terminal.boutique_id, Role.GERANT)


def terminal_rotation_jeton(*, terminal: Terminal, jeton: str | None = None, acteur: Utilisateur | None = None) -> str:
    """Replace the terminal's token; the old one stops working at once."""
    _exiger_gerant_du_terminal(acteur, terminal)
    jeton = jeton or jeton_generer()
    _installer_jeton(terminal, jeton)
    terminal.save(update_fields=["jeton_hash", "jeton_prefixe", "jeton_cree_le"])
    return jeton


def terminal_revoquer_jeton(*, terminal: Terminal, acteur: Utilisateur | None = None) -> None:
    """No token works any more (a serial-only terminal is still let in on its serial)."""
    _exiger_gerant_du_terminal(acteur, terminal)
    terminal.jeton_hash = ""
    terminal.jeton_prefixe = ""
    terminal.jeton_cree_le = None
    terminal.save(update_fields=["jeton_hash", "jeton_prefixe", "jeton_cree_le"])


def terminal_desactiver(*, terminal: Terminal, acteur: Utilisateur | None = None) -> None:
    _exiger_gerant_du_terminal(acteur, terminal)
    terminal.est_actif = False
    terminal.save(update_fields=["est_actif"])


def terminal_deplacer(*, terminal: Terminal, boutique: Boutique, acteur: Utilisateur | None = None) -> None:
    """Move a terminal to another shop: the actor manages both. Its past sales stay where they were."""
    _exiger_gerant_du_terminal(acteur, terminal)
    if acteur is not None:
        exiger_role(acteur, boutique, Role.GERANT)
    if not boutique.est_active:
        raise ErreurMetier(CodeErreur.BOUTIQUE_INACTIVE, f"La boutique {boutique.nom} est inactive.")
    terminal.boutique = boutique
    terminal.save(update_fields=["boutique"])


def jeton_valide(terminal: Terminal, jeton: str | None) -> bool:
    if not jeton or not terminal.jeton_hash:
        return False
    return hmac.compare_digest(_hacher(jeton), terminal.jeton_hash)


def _terminal_actif(numero_serie: str) -> Terminal | None:
    """The active terminal with this serial, its shop loaded with it (None if it has none)."""
    return Terminal.objects.select_related("boutique").filter(numero_serie=numero_serie, est_actif=True).first()


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
    return verrouiller(Boutique.objects.filter(pk=boutique_id)).get()


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


# --- People: accounts and their role in each shop -------------------------------------------
# A manager (GERANT) manages the people of their shops but never grants more than their own role
# in the shop, never acts on someone who holds more than they do, and never on themselves.


def _rang(role: Role | None) -> int:
    return RANG_ROLE[role] if role is not None else 0


def _exiger_pouvoir_accorder(acteur: Utilisateur, boutique: Boutique, role: Role) -> None:
    exiger_role(acteur, boutique, Role.GERANT)
    if _rang(role) > _rang(role_de(acteur, boutique)):
        raise ErreurMetier(CodeErreur.ACCES_REFUSE, f"Vous ne pouvez pas accorder le rôle {role.label}.")


def _exiger_autorite(acteur: Utilisateur, cible: AbstractBaseUser) -> None:
    """The actor manages every shop of the target, holding at least the target's role in each.

    An account is shared by its shops: resetting or deactivating it touches all of them."""
    if acteur.pk == cible.pk:
        raise ErreurMetier(CodeErreur.ACCES_REFUSE, "Vous ne pouvez pas modifier votre propre compte ici.")
    if getattr(cible, "is_superuser", False) and not getattr(acteur, "is_superuser", False):
        raise ErreurMetier(CodeErreur.ACCES_REFUSE, "Compte administrateur : action réservée à l'administration.")
    adhesions = list(Membre.objects.filter(utilisateur_id=cible.pk))
    if not adhesions and not getattr(acteur, "is_superuser", False):
        raise ErreurMetier(CodeErreur.ACCES_REFUSE, "Ce compte n'appartient à aucune de vos boutiques.")
    for adhesion in adhesions:
        exiger_role(acteur, adhesion.boutique_id, Role.GERANT)
        if _rang(Role(adhesion.role)) > _rang(role_de(acteur, adhesion.boutique_id)):
            raise ErreurMetier(CodeErreur.ACCES_REFUSE, "Ce compte a un rôle supérieur au vôtre.")


def _valider_mot_de_passe(password: str, utilisateur: AbstractBaseUser | None = None) -> None:
    try:
        password_validation.validate_password(password, utilisateur)  # type: ignore[arg-type]
    except ValidationError as erreur:
        raise ErreurMetier(CodeErreur.CHAMP_INVALIDE, " ".join(erreur.messages)) from None


@transaction.atomic
def membre_creer(
    *, acteur: Utilisateur, boutique: Boutique, username: str, role: Role, password: str
) -> AbstractBaseUser:
    """A new account, member of one shop with `role` (no more than the actor's own there)."""
    _exiger_pouvoir_accorder(acteur, boutique, role)
    username = username.strip()
    Modele = get_user_model()
    _valider_mot_de_passe(password, Modele(username=username))
    return utilisateur_creer(username=username, password=password, boutique=boutique, role=role)


@transaction.atomic
def membre_changer_role(
    *, acteur: Utilisateur, utilisateur: AbstractBaseUser, boutique: Boutique, role: Role | None
) -> Membre | None:
    """Give `utilisateur` `role` in the shop, add them to it, or remove them (role None)."""
    _exiger_autorite(acteur, utilisateur)
    if role is not None:
        _exiger_pouvoir_accorder(acteur, boutique, role)
    else:
        exiger_role(acteur, boutique, Role.GERANT)
    if role is None:
        Membre.objects.filter(utilisateur_id=utilisateur.pk, boutique=boutique).delete()
        return None
    return membre_definir(utilisateur=utilisateur, boutique=boutique, role=role)


@transaction.atomic
def utilisateur_reinitialiser_mot_de_passe(
    *, acteur: Utilisateur, utilisateur: AbstractBaseUser, password: str
) -> None:
    _exiger_autorite(acteur, utilisateur)
    _valider_mot_de_passe(password, utilisateur)
    utilisateur.set_password(password)
    utilisateur.save(update_fields=["password"])


@transaction.atomic
def utilisateur_desactiver(*, acteur: Utilisateur, utilisateur: AbstractBaseUser, actif: bool = False) -> None:
    """Deactivate (or reactivate) an account. Never deleted: sales and movements name it."""
    _exiger_autorite(acteur, utilisateur)
    utilisateur.is_active = actif
    utilisateur.save(update_fields=["is_active"])  # type: ignore[misc]


def tentative_refusee_noter(*, numero_serie: str) -> TentativeTerminalRefusee | None:
    """Count a refused API call by a known terminal that is inactive or has no shop.

    Unknown serials and healthy terminals write nothing (a wrong token is not this report's
    business), so the table stays bounded by the number of terminals.
    """
    terminal = (
        Terminal.objects.filter(numero_serie=numero_serie.strip()[:100]).only("pk", "est_actif", "boutique_id").first()
    )
    if terminal is None:
        return None
    if not terminal.est_actif:
        motif = MotifRefusTerminal.INACTIF
    elif terminal.boutique_id is None:
        motif = MotifRefusTerminal.SANS_BOUTIQUE
    else:
        return None
    maintenant = timezone.now()
    cle = {"terminal_id": terminal.pk, "motif": motif}
    if TentativeTerminalRefusee.objects.filter(**cle).update(
        nombre=F("nombre") + 1, derniere_tentative=maintenant, boutique_id=terminal.boutique_id
    ):
        return TentativeTerminalRefusee.objects.filter(**cle).first()
    try:
        with transaction.atomic():
            return TentativeTerminalRefusee.objects.create(
                **cle,
                boutique_id=terminal.boutique_id,
                premiere_tentative=maintenant,
                derniere_tentative=maintenant,
            )
    except IntegrityError:
        # Two calls raced to create the row: the other one won, count this call on it.
        TentativeTerminalRefusee.objects.filter(**cle).update(nombre=F("nombre") + 1, derniere_tentative=maintenant)
        return TentativeTerminalRefusee.objects.filter(**cle).first()
