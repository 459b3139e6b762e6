"""Who is asking (the real client address behind a trusted proxy) and how often they failed.

Two tools for throttling authentication, shared by the terminal API, the back-office login and
the admin login:

- `adresse_client(request)`: `REMOTE_ADDR`, unless that peer is one of our own proxies
  (`settings.MAGASIN_PROXIES_DE_CONFIANCE`); then the right-most address of `X-Forwarded-For`
  that is not one of our proxies. Entries further left were written by the client and prove
  nothing, so they are never read past the first untrusted one.
- a failure counter in Django's default cache (Redis with `REDIS_URL`, otherwise a store every
  worker sees, see settings.CACHES): `echec_compter`, `blocage_restant`, `echecs_effacer`. A
  window opens at the first failure and lasts `fenetre_s`; once `maximum` failures are counted
  in it the key is blocked until the window ends, which gives the `Retry-After` seconds.

This module imports no domain app.
"""

from __future__ import annotations

import hashlib
import ipaddress
import math
import time
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

Reseau = ipaddress.IPv4Network | ipaddress.IPv6Network
Adresse = ipaddress.IPv4Address | ipaddress.IPv6Address


# --- The client's address ----------------------------------------------------------------------


@lru_cache(maxsize=8)
def _reseaux(proxies: tuple[str, ...]) -> tuple[Reseau, ...]:
    return tuple(ipaddress.ip_network(p, strict=False) for p in proxies)


def _ip(valeur: str) -> Adresse | None:
    valeur = valeur.strip()
    if valeur.startswith("[") and "]" in valeur:  # "[2001:db8::1]:443"
        valeur = valeur[1 : valeur.index("]")]
    try:
        ip = ipaddress.ip_address(valeur)
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:  # "::ffff:10.0.0.1" on dual stack
        return ip.ipv4_mapped
    return ip


def _de_confiance(ip: Adresse | None) -> bool:
    if ip is None:
        return False
    return any(ip in reseau for reseau in _reseaux(tuple(settings.MAGASIN_PROXIES_DE_CONFIANCE)))


def adresse_client(request: HttpRequest) -> str:
    """The address of the client, as far as our own proxies can vouch for it."""
    pair = request.META.get("REMOTE_ADDR") or ""
    ip_pair = _ip(pair)
    if not _de_confiance(ip_pair):
        return str(ip_pair) if ip_pair else (pair[:100] or "inconnue")
    chaine = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()]
    # Walk back from the proxy next to us: each trusted hop vouches for the one before it.
    for valeur in reversed(chaine):
        ip = _ip(valeur)
        if not _de_confiance(ip):
            # An entry that is no address was not written by a proxy of ours: it is the client's
            # own claim, and stands for that client (it cannot impersonate a real address).
            return str(ip) if ip else valeur[:100]
    # Only proxies of ours (or no header): the left-most hop is the closest we know.
    return str(_ip(chaine[0])) if chaine else str(ip_pair)


# --- Failure counters --------------------------------------------------------------------------


@dataclass(frozen=True)
class Limite:
    """`maximum` failures per `fenetre_s` seconds for the keys of one `espace`."""

    espace: str
    maximum: int
    fenetre_s: int


def _cles(limite: Limite, identifiant: str) -> tuple[str, str]:
    # Hashed: identifiers come from the client (serials, user names) and may hold anything.
    empreinte = hashlib.sha256(identifiant.encode("utf-8", "surrogatepass")).hexdigest()[:32]
    base = f"magasin:limitation:{limite.espace}:{empreinte}"
    return f"{base}:debut", base


def _debut_fenetre(limite: Limite, cle_debut: str, maintenant: float) -> float:
    """When the key's current window opened; opens one now if there is none."""
    debut = cache.get(cle_debut)
    if debut is not None and maintenant < debut + limite.fenetre_s:
        return float(debut)
    if cache.add(cle_debut, maintenant, limite.fenetre_s):
        return maintenant
    # Another worker opened the window between our get() and add(): count in theirs. Or the
    # old window is over by our clock but not yet by the cache's: replace it.
    ouvert = cache.get(cle_debut)
    if ouvert is not None and maintenant < ouvert + limite.fenetre_s:
        return float(ouvert)
    cache.set(cle_debut, maintenant, limite.fenetre_s)
    return maintenant


def echec_compter(limite: Limite, identifiant: str) -> int:
    """Count one failure for `identifiant`; the number of failures in its current window."""
    cle_debut, base = _cles(limite, identifiant)
    maintenant = time.time()
    debut = _debut_fenetre(limite, cle_debut, maintenant)
    # One counter per window: a new window never inherits the old count, whatever its TTL.
    cle = f"{base}:{int(debut * 1000)}"
    restant = max(1, math.ceil(debut + limite.fenetre_s - maintenant))
    if cache.add(cle, 1, restant):
        return 1
    try:
        # Atomic on Redis and in memory. The file and database caches read then write, so two
        # workers failing at the same instant may count once: the limit bends by the number
        # of workers at most, and only for simultaneous failures.
        n = cache.incr(cle)
    except ValueError:  # expired between add() and incr()
        cache.set(cle, 1, restant)
        return 1
    # The file and database caches rewrite the key with the default timeout on incr().
    cache.touch(cle, restant)
    return int(n)


def blocage_restant(limite: Limite, identifiant: str) -> int:
    """Seconds until `identifiant` may try again; 0 when it is not blocked."""
    cle_debut, base = _cles(limite, identifiant)
    debut = cache.get(cle_debut)
    if debut is None:
        return 0
    restant = debut + limite.fenetre_s - time.time()
    if restant <= 0 or (cache.get(f"{base}:{int(debut * 1000)}") or 0) < limite.maximum:
        return 0
    return max(1, math.ceil(restant))


def echecs_effacer(limite: Limite, identifiant: str) -> None:
    """Forget the failures of `identifiant` (after a success that proves who it is)."""
    cle_debut, base = _cles(limite, identifiant)
    debut = cache.get(cle_debut)
    cles = [cle_debut] + ([f"{base}:{int(debut * 1000)}"] if debut is not None else [])
    cache.delete_many(cles)
