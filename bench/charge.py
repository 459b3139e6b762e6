"""The load generator: terminals as threads, each with one keep-alive HTTP connection.

Payloads are serialised before the clock starts, so the client spends its (shared) CPU on
sending and reading only. Every response is checked: status 201 and every sale accepted.
"""

from __future__ import annotations

import http.client
import json
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import orjson

from bench.commun import TerminalBench, centile, vente_aleatoire

CHEMIN_MAGASIN = "/api/v2/simple/ventes/sync"
CHEMIN_BASELINE = "/bench/baseline/ventes/sync"
CHEMIN_PLANCHER = "/bench/plancher/ventes/sync"


class ClientHTTP:
    """One terminal's connection. Reopens itself when the server closes it."""

    def __init__(self, port: int, entetes: dict[str, str], timeout: float = 60.0) -> None:
        self.port = port
        self.entetes = entetes
        self.timeout = timeout
        self.cx = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)

    def requete(self, methode: str, chemin: str, corps: bytes | None = None) -> tuple[int, bytes]:
        for tentative in range(2):
            try:
                self.cx.request(methode, chemin, body=corps, headers=self.entetes)
                reponse = self.cx.getresponse()
                donnees = reponse.read()
                if reponse.will_close:
                    self.cx.close()
                return reponse.status, donnees
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                # A keep-alive connection the server dropped while idle: reconnect once.
                self.fermer()
                if tentative:
                    raise
        raise AssertionError("unreachable")

    def fermer(self) -> None:
        self.cx.close()
        self.cx = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)


@dataclass
class Mesure:
    """One configuration's run: sales accepted, wall time, per-request latencies (ms)."""

    ventes: int = 0
    requetes: int = 0
    duree_s: float = 0.0
    latences_ms: list[float] = field(default_factory=list)
    erreurs: list[str] = field(default_factory=list)

    @property
    def ventes_par_s(self) -> float:
        return self.ventes / self.duree_s if self.duree_s else 0.0

    def resume(self) -> dict[str, Any]:
        return {
            "ventes": self.ventes,
            "requetes": self.requetes,
            "duree_s": round(self.duree_s, 3),
            "ventes_par_s": round(self.ventes_par_s, 1),
            "p50_ms": round(centile(self.latences_ms, 50), 1),
            "p95_ms": round(centile(self.latences_ms, 95), 1),
            "p99_ms": round(centile(self.latences_ms, 99), 1),
            "erreurs": len(self.erreurs),
        }


def lots_prepares(
    terminal: TerminalBench, *, prefixe: str, taille_lot: int, nombre_lots: int, graine: int
) -> list[bytes]:
    rng = random.Random(f"{graine}-{terminal.serie}-{prefixe}")
    lots = []
    n = 0
    for _ in range(nombre_lots):
        ventes = []
        for _ in range(taille_lot):
            n += 1
            ventes.append(vente_aleatoire(rng, terminal, f"{prefixe}-{terminal.serie}-{n:07d}"))
        lots.append(json.dumps(ventes).encode())
    return lots


def verifier_reponse(statut: int, corps: bytes, attendues: int) -> str | None:
    """None when the batch was fully accepted, else what went wrong."""
    if statut != 201:
        return f"HTTP {statut}: {corps[:200]!r}"
    reponse = orjson.loads(corps)  # the terminals' parsing is not ours to measure: kept light
    if reponse.get("ventes_creees") != attendues or reponse.get("ventes_erreurs"):
        return f"{reponse.get('ventes_creees')}/{attendues} acceptées: {reponse['details']['erreurs'][:1]}"
    return None


def jouer(
    *,
    port: int,
    terminaux: list[TerminalBench],
    lots: list[list[bytes]],
    taille_lot: int,
    chemin: str = CHEMIN_MAGASIN,
    duree_max_s: float = 8.0,
    verifier: Callable[[int, bytes, int], str | None] = verifier_reponse,
) -> Mesure:
    """Every terminal sends its batches back to back until it has none left or time is up."""
    mesure = Mesure()
    verrou = threading.Lock()
    depart = threading.Barrier(len(terminaux) + 1)
    fin_au_plus_tard = [0.0]

    def terminal_boucle(t: TerminalBench, mes_lots: list[bytes]) -> None:
        client = ClientHTTP(port, t.entetes())
        latences: list[float] = []
        ventes = 0
        erreurs: list[str] = []
        depart.wait()
        try:
            for corps in mes_lots:
                if time.perf_counter() >= fin_au_plus_tard[0]:
                    break
                debut = time.perf_counter()
                try:
                    statut, reponse = client.requete("POST", chemin, corps)
                except OSError as exc:
                    erreurs.append(f"{type(exc).__name__}: {exc}")
                    client.fermer()
                    continue
                latences.append((time.perf_counter() - debut) * 1000)
                probleme = verifier(statut, reponse, taille_lot)
                if probleme:
                    erreurs.append(probleme)
                else:
                    ventes += taille_lot
        finally:
            client.fermer()
            with verrou:
                mesure.latences_ms.extend(latences)
                mesure.ventes += ventes
                mesure.requetes += len(latences)
                mesure.erreurs.extend(erreurs)

    fils = [
        threading.Thread(target=terminal_boucle, args=(t, lot), daemon=True)
        for t, lot in zip(terminaux, lots, strict=True)
    ]
    for f in fils:
        f.start()
    debut = time.perf_counter()
    fin_au_plus_tard[0] = debut + duree_max_s
    depart.wait()
    for f in fils:
        f.join(timeout=duree_max_s + 180)
    mesure.duree_s = time.perf_counter() - debut
    return mesure
