"""A fleet of flaky offline terminals against a real server, then a check that nothing was lost.

`python -m bench.simulateur --terminaux 8 --boutiques 3 --ventes 200 --lot 25 --fautes 0.2`

Each terminal pulls its shop's catalogue through the API, sells into a local offline queue,
goes offline and online at random, and syncs its queue in batches. A share `fautes` of the sync
attempts is sabotaged, three ways:
- `delai`: the client gives up after a few ms (the server usually commits anyway);
- `coupure_avant`: the connection is cut in the middle of the body (nothing may be recorded);
- `coupure_apres`: the whole request is sent, then the socket is closed without reading the
  answer (the server commits, the terminal never learns it).
The terminal keeps every unconfirmed sale and sends it again later, written another way each
time with the same meaning (`FORMES`, in rotation): keys in another order, numbers as strings
or floats, the uuid in capitals, the date at UTC or cut to the second, `montant_total` dropped
or added, absent identity sent as null. The server must answer `already_exists` for those the
earlier attempt had recorded. A share `part_par_sequence` of the sales carry neither
`numero_facture` nor `uuid`, only the terminal's `sequence`: the server numbers them, and a
resend is recognised by (terminal, sequence). Answers are matched to the batch by their `index`.

At the end `verifier` checks, from the API and from the database: every sale made is recorded
exactly once with its lines (a sale identified by sequence only is found by (terminal,
sequence), under the number the server's answer gave), nothing is in quarantine, each
terminal's sequence has no gap, every stock equals its opening minus what was sold, and the
ledger is whole. It counts the sequence-only sales, the rewritten resends by form, and how
many of those the server answered `already_exists`.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import random
import socket
import sys
import threading
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from bench.commun import TerminalBench

CHEMIN_SYNC = "/api/v2/simple/ventes/sync"
FAUTES = ("delai", "coupure_avant", "coupure_apres")
# How a resend may be written differently from the first send, with the same meaning.
FORMES = (
    "ordre_des_cles",  # keys of the sale and of each line in another order
    "nombres_en_chaines",  # 4500 -> "4500.00", 2 -> "2", article_id and sequence as strings
    "nombres_flottants",  # 4500 -> 4500.0, 2 -> 2.0
    "uuid_casse",  # the uuid in capitals (sales with a uuid)
    "date_utc",  # the same instant at UTC instead of Kinshasa's +01:00
    "date_a_la_seconde",  # what is below the second lost, as read back from a local database
    "montant_total",  # dropped when it was sent, added when it was not
    "identite_null",  # "numero_facture": null, "uuid": null (sales identified by sequence only)
)
KINSHASA = timezone(timedelta(hours=1))


def _nombre(valeur: Decimal) -> int | float:
    """A decimal as a terminal's JSON writes it first: 4500, or 4500.5."""
    return int(valeur) if valeur == valeur.to_integral_value() else float(valeur)


def forme_applicable(forme: str, corps: dict[str, Any]) -> bool:
    if forme == "uuid_casse":
        return "uuid" in corps
    if forme == "identite_null":
        return "numero_facture" not in corps and "uuid" not in corps
    return True


def _melanger(objet: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    cles = list(objet)
    rng.shuffle(cles)
    if cles == list(objet):
        cles.reverse()
    return {c: objet[c] for c in cles}


def reformuler(corps: dict[str, Any], forme: str, *, total: Decimal, rng: random.Random) -> dict[str, Any]:
    """The same sale written another way (`forme`, one of FORMES): the server must read it as
    the same sale, so a resend of a recorded one is `already_exists`, never a conflict."""
    c = dict(corps)
    lignes = [dict(lg) for lg in c["lignes"]]
    if forme == "ordre_des_cles":
        lignes = [_melanger(lg, rng) for lg in lignes]
        c = _melanger(c, rng)
    elif forme == "nombres_en_chaines":
        for lg in lignes:
            lg["article_id"] = str(lg["article_id"])
            lg["quantite"] = str(lg["quantite"])
            lg["prix_unitaire"] = f"{Decimal(str(lg['prix_unitaire'])):.2f}"
        c["sequence"] = str(c["sequence"])
        if "montant_total" in c:
            c["montant_total"] = f"{total:.2f}"
    elif forme == "nombres_flottants":
        for lg in lignes:
            lg["quantite"] = float(lg["quantite"])
            lg["prix_unitaire"] = float(lg["prix_unitaire"])
        if "montant_total" in c:
            c["montant_total"] = float(total)
    elif forme == "uuid_casse":
        c["uuid"] = c["uuid"].upper()
    elif forme == "date_utc":
        utc = datetime.fromisoformat(c["date_vente"]).astimezone(UTC).isoformat()
        c["date_vente"] = utc.replace("+00:00", "Z") if rng.random() < 0.5 else utc
    elif forme == "date_a_la_seconde":
        c["date_vente"] = datetime.fromisoformat(c["date_vente"]).replace(microsecond=0).isoformat()
    elif forme == "montant_total":
        if c.pop("montant_total", None) is None:
            c["montant_total"] = f"{total:.2f}"
    elif forme == "identite_null":
        c["numero_facture"] = None
        c["uuid"] = None
    else:
        raise ValueError(forme)
    c["lignes"] = lignes
    return c


@dataclass(frozen=True)
class Config:
    terminaux: int = 8
    boutiques: int = 3
    ventes: int = 200  # per terminal
    lot: int = 25
    fautes: float = 0.2  # share of sync attempts sabotaged
    part_par_sequence: float = 0.25  # share of sales sent without numero_facture nor uuid
    graine: int = 1
    duree_max_s: float = 600.0


@dataclass
class VenteLocale:
    serie: str
    numero: str | None  # None: identified by sequence only, numbered by the server
    sequence: int
    corps: dict[str, Any]  # as first sent
    quantites: dict[int, int]
    total: Decimal
    envois: int = 0  # sync attempts that carried it
    numero_serveur: str | None = None  # the number of the server's answer

    @property
    def cle(self) -> str:
        """How the final check finds it: its number, or its terminal's sequence."""
        return self.numero if self.numero is not None else cle_sequence(self.serie, self.sequence)


def cle_sequence(serie: str, sequence: int | None) -> str:
    return f"{serie}#{sequence}"


@dataclass
class JournalTerminal:
    """What one terminal did, for the final check."""

    serie: str
    boutique_id: int
    ventes: list[VenteLocale] = field(default_factory=list)
    envois: int = 0
    fautes: Counter[str] = field(default_factory=Counter)
    renvois_reconnus: int = 0  # sales the server answered already_exists
    renvois_reformules: int = 0  # resends (written another way) put in a sync attempt
    formes: Counter[str] = field(default_factory=Counter)  # of those resends, by form
    renvois_reformules_reconnus: int = 0  # resends the server answered already_exists
    renvois_par_sequence_reconnus: int = 0  # of which, sales identified by sequence only
    refusees: list[str] = field(default_factory=list)
    incoherences: list[str] = field(default_factory=list)  # answers that contradict the batch
    en_attente: int = 0  # sales still queued at the end (must be 0)


class Terminal:
    def __init__(self, t: TerminalBench, port: int, config: Config, index: int) -> None:
        self.t = t
        self.port = port
        self.config = config
        self.rng = random.Random(f"{config.graine}-{index}")
        self.journal = JournalTerminal(serie=t.serie, boutique_id=t.boutique_id)
        self.file: list[VenteLocale] = []
        self.catalogue: list[tuple[int, str]] = []
        # Where each kind of sale (by number, by sequence only) is in the rotation of its forms.
        self.rotation: Counter[bool] = Counter()

    # --- HTTP ----------------------------------------------------------------------------

    def _entetes(self) -> dict[str, str]:
        return self.t.entetes()

    def get_json(self, chemin: str) -> dict[str, Any]:
        cx = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            cx.request("GET", chemin, headers=self._entetes())
            reponse = cx.getresponse()
            corps = reponse.read()
        finally:
            cx.close()
        if reponse.status != 200:
            raise RuntimeError(f"GET {chemin}: HTTP {reponse.status} {corps[:200]!r}")
        return json.loads(corps)  # type: ignore[no-any-return]

    def _requete_brute(self, corps: bytes) -> bytes:
        entetes = "".join(f"{k}: {v}\r\n" for k, v in self._entetes().items())
        return (
            f"POST {CHEMIN_SYNC} HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\n{entetes}"
            f"Content-Length: {len(corps)}\r\nConnection: close\r\n\r\n"
        ).encode() + corps

    def _saboter(self, corps: bytes, faute: str) -> None:
        """Send the batch the way a flaky network would, never reading a full answer."""
        brut = self._requete_brute(corps)
        s = socket.create_connection(("127.0.0.1", self.port), timeout=10)
        try:
            if faute == "coupure_avant":
                s.sendall(brut[: len(brut) - max(1, len(corps) // 2)])
            elif faute == "coupure_apres":
                s.sendall(brut)
            else:  # delai: a terminal whose patience is shorter than the server's answer
                s.settimeout(self.rng.uniform(0.001, 0.02))
                s.sendall(brut)
                with contextlib.suppress(TimeoutError, OSError):
                    s.recv(1)
        finally:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            s.close()  # with linger 0: a reset, as when the phone loses the network

    def corps_a_envoyer(self, vente: VenteLocale) -> tuple[dict[str, Any], str]:
        """The sale as first written; a resend in the next form of the rotation for its kind."""
        vente.envois += 1
        if vente.envois == 1:
            return vente.corps, "premier envoi"
        formes = [f for f in FORMES if forme_applicable(f, vente.corps)]
        par_sequence = vente.numero is None
        forme = formes[self.rotation[par_sequence] % len(formes)]
        self.rotation[par_sequence] += 1
        self.journal.renvois_reformules += 1
        self.journal.formes[forme] += 1
        return reformuler(vente.corps, forme, total=vente.total, rng=self.rng), f"renvoi {forme}"

    def envoyer(self, lot: list[VenteLocale]) -> bool:
        """One sync attempt; True when the server's answer was read (queue updated)."""
        renvois = {i for i, v in enumerate(lot, 1) if v.envois}
        ecrits = [self.corps_a_envoyer(v) for v in lot]
        corps = json.dumps([c for c, _ in ecrits]).encode()
        self.journal.envois += 1
        if self.rng.random() < self.config.fautes:
            faute = self.rng.choice(FAUTES)
            self.journal.fautes[faute] += 1
            self._saboter(corps, faute)
            return False
        cx = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            cx.request("POST", CHEMIN_SYNC, body=corps, headers=self._entetes())
            reponse = cx.getresponse()
            donnees = reponse.read()
        except OSError:
            return False
        finally:
            cx.close()
        if reponse.status != 201:
            return False
        resultat = json.loads(donnees)
        # Each answer entry carries the 1-based position of its sale in the batch: the only way
        # to match a sale the server numbered, and the same for every sale.
        confirmees: set[int] = set()
        for c in resultat["details"]["creees"]:
            vente = self._vente_de(lot, c)
            if vente is None:
                continue
            confirmees.add(id(vente))
            self._noter_numero(vente, c["numero_facture"])
            if c["status"] == "already_exists":
                self.journal.renvois_reconnus += 1
                if c["index"] in renvois:
                    self.journal.renvois_reformules_reconnus += 1
                    if vente.numero is None:
                        self.journal.renvois_par_sequence_reconnus += 1
        for e in resultat["details"]["erreurs"]:
            # Refused sales are in quarantine on the server: the terminal stops resending them.
            vente = self._vente_de(lot, e)
            if vente is not None:
                confirmees.add(id(vente))
            forme = ecrits[e["index"] - 1][1] if vente is not None else "?"
            self.journal.refusees.append(f"{e['numero_facture']} ({forme}): {e['code']} {e['erreur']}")
        self.file = [v for v in self.file if id(v) not in confirmees]
        return True

    def _vente_de(self, lot: list[VenteLocale], entree: dict[str, Any]) -> VenteLocale | None:
        index = entree.get("index")
        if not isinstance(index, int) or not 1 <= index <= len(lot):
            self.journal.incoherences.append(f"réponse d'index {index!r} pour un lot de {len(lot)}")
            return None
        return lot[index - 1]

    def _noter_numero(self, vente: VenteLocale, numero: str) -> None:
        if vente.numero is not None:
            if numero != vente.numero:
                self.journal.incoherences.append(f"{vente.numero} confirmée sous le numéro {numero}")
        elif vente.numero_serveur is None:
            vente.numero_serveur = numero
        elif numero != vente.numero_serveur:
            self.journal.incoherences.append(
                f"{vente.cle} numérotée {vente.numero_serveur} puis {numero} par le serveur"
            )

    # --- Life of a terminal ----------------------------------------------------------------

    def vendre(self) -> None:
        n = len(self.journal.ventes) + 1
        par_sequence = self.rng.random() < self.config.part_par_sequence
        numero = None if par_sequence else f"{self.t.serie}-{n:06d}"
        lignes = []
        quantites: dict[int, int] = defaultdict(int)
        total = Decimal(0)
        for article_id, prix in self.rng.sample(self.catalogue, self.rng.randint(1, 3)):
            q = self.rng.randint(1, 3)
            lignes.append({"article_id": article_id, "quantite": q, "prix_unitaire": _nombre(Decimal(prix))})
            quantites[article_id] += q
            total += Decimal(prix) * q
        corps: dict[str, Any] = {}
        if numero is not None:
            corps["numero_facture"] = numero
            corps["uuid"] = str(uuid.UUID(int=self.rng.getrandbits(128), version=4))
        corps["sequence"] = n
        # The app's clock, in Kinshasa, to the microsecond.
        maintenant = datetime.now(KINSHASA)
        corps["date_vente"] = maintenant.replace(microsecond=maintenant.microsecond or 1).isoformat()
        if self.rng.random() < 0.75:
            corps["montant_total"] = _nombre(total)
        corps["mode_paiement"] = self.rng.choice(["CASH", "MOBILE_MONEY"])
        corps["lignes"] = lignes
        vente = VenteLocale(
            serie=self.t.serie, numero=numero, sequence=n, corps=corps, quantites=dict(quantites), total=total
        )
        self.journal.ventes.append(vente)
        self.file.append(vente)

    def vivre(self, fin: float) -> None:
        catalogue = self.get_json("/api/v2/simple/articles/")["articles"]
        self.catalogue = [(a["id"], a["prix_vente"]) for a in catalogue if a["est_actif"]]
        en_ligne = True
        while len(self.journal.ventes) < self.config.ventes and time.monotonic() < fin:
            for _ in range(self.rng.randint(1, 4)):
                if len(self.journal.ventes) < self.config.ventes:
                    self.vendre()
            if self.rng.random() < 0.25:
                en_ligne = not en_ligne  # the network comes and goes
            if en_ligne and self.file and (len(self.file) >= self.config.lot or self.rng.random() < 0.3):
                self.envoyer(self.file[: self.config.lot])
        # Back online for good: empty the queue, still through the faulty network.
        tentatives = 0
        while self.file and time.monotonic() < fin and tentatives < 1000:
            tentatives += 1
            if not self.envoyer(self.file[: self.config.lot]):
                time.sleep(0.005)
        self.journal.en_attente = len(self.file)


def simuler(
    *, port: int, terminaux: list[TerminalBench], config: Config
) -> tuple[list[JournalTerminal], dict[int, dict[int, int]], float]:
    """Play the fleet; return the journals, the opening stocks per shop, and the wall time."""
    flotte = [Terminal(t, port, config, i) for i, t in enumerate(terminaux)]
    ouvertures: dict[int, dict[int, int]] = {}
    for terminal in flotte:  # opening stocks, read through the API before anyone sells
        if terminal.t.boutique_id not in ouvertures:
            articles = terminal.get_json("/api/v2/simple/articles/")["articles"]
            ouvertures[terminal.t.boutique_id] = {a["id"]: a["quantite_stock"] for a in articles}
    fin = time.monotonic() + config.duree_max_s
    erreurs: list[BaseException] = []

    def vivre(terminal: Terminal) -> None:
        try:
            terminal.vivre(fin)
        except BaseException as exc:  # reported by the check, never swallowed
            erreurs.append(exc)

    debut = time.perf_counter()
    fils = [threading.Thread(target=vivre, args=(t,), daemon=True) for t in flotte]
    for f in fils:
        f.start()
    for f in fils:
        f.join(timeout=config.duree_max_s + 60)
    duree = time.perf_counter() - debut
    if erreurs:
        raise erreurs[0]
    return [t.journal for t in flotte], ouvertures, duree


def verifier(
    *,
    port: int,
    terminaux: list[TerminalBench],
    journaux: list[JournalTerminal],
    ouvertures: dict[int, dict[int, int]],
) -> dict[str, Any]:
    """The final check, from the API and the database. `problemes` is empty when all is well."""
    from django.db.models import Count, Sum

    from magasin.stock.models import Article, MouvementStock
    from magasin.stock.tests.invariants import verifier_registre
    from magasin.ventes.models import LigneVente, Vente, VenteQuarantaine

    problemes: list[str] = []
    par_serie = {t.serie: t for t in terminaux}
    vendu: dict[int, Counter[int]] = defaultdict(Counter)
    attendues: dict[str, dict[int, int]] = {}
    for j in journaux:
        if j.en_attente:
            problemes.append(f"{j.serie}: {j.en_attente} ventes jamais confirmées")
        problemes.extend(f"{j.serie}: refusée {r}" for r in j.refusees[:5])
        problemes.extend(f"{j.serie}: réponse incohérente, {r}" for r in j.incoherences[:5])
        for v in j.ventes:
            vendu[j.boutique_id].update(v.quantites)
            attendues[v.cle] = v.quantites

    # From the API: each terminal's sequence has no gap, each stock = opening - sold.
    for j in journaux:
        t = Terminal(par_serie[j.serie], port, Config(), 0)
        etat = t.get_json("/api/v2/simple/terminal/")
        if etat["sequence_max"] != (len(j.ventes) or None) or etat["sequences_manquantes"]:
            problemes.append(
                f"{j.serie}: séquence max {etat['sequence_max']} pour {len(j.ventes)} ventes, "
                f"manquantes {etat['sequences_manquantes'][:10]}"
            )
    for boutique_id, ouverture in ouvertures.items():
        serie = next(t.serie for t in terminaux if t.boutique_id == boutique_id)
        articles = Terminal(par_serie[serie], port, Config(), 0).get_json("/api/v2/simple/articles/")["articles"]
        for a in articles:
            attendu = ouverture.get(a["id"], 0) - vendu[boutique_id][a["id"]]
            if a["quantite_stock"] != attendu:
                problemes.append(f"article {a['id']}: stock {a['quantite_stock']} (API), attendu {attendu}")

    # From the database: every sale once, with its lines; nothing else; no quarantine. A sale
    # the server numbered is found by its terminal and sequence, not by that number.
    series = list(par_serie)
    cles: dict[int, str] = {}
    numeros_serveur: dict[str, str] = {}
    for pk, numero, attribue, serie, sequence in Vente.objects.filter(terminal__numero_serie__in=series).values_list(
        "pk", "numero_facture", "numero_attribue", "terminal__numero_serie", "sequence_terminal"
    ):
        cles[pk] = cle_sequence(serie, sequence) if attribue else numero
        numeros_serveur[cles[pk]] = numero
    enregistrees = Counter(cles.values())
    manquantes = sorted(set(attendues) - set(enregistrees))
    en_trop = sorted(set(enregistrees) - set(attendues))
    doubles = sorted(n for n, c in enregistrees.items() if c > 1)
    if manquantes:
        problemes.append(f"{len(manquantes)} ventes manquantes, ex. {manquantes[:5]}")
    if en_trop:
        problemes.append(f"{len(en_trop)} ventes inconnues des terminaux, ex. {en_trop[:5]}")
    if doubles:
        problemes.append(f"{len(doubles)} ventes en double, ex. {doubles[:5]}")
    lignes: dict[str, Counter[int]] = defaultdict(Counter)
    for vente_id, article_id, q in (
        LigneVente.objects.filter(vente__terminal__numero_serie__in=series)
        .values("vente_id", "article_id")
        .annotate(q=Sum("quantite"))
        .values_list("vente_id", "article_id", "q")
    ):
        lignes[cles[vente_id]][article_id] += q
    differentes = [n for n, q in attendues.items() if n in enregistrees and lignes[n] != q]
    if differentes:
        problemes.append(f"{len(differentes)} ventes aux lignes fausses, ex. {differentes[:5]}")
    # A sale the server numbered carries, in the database, the number its answer gave.
    autre_numero = [
        v.cle
        for j in journaux
        for v in j.ventes
        if v.numero is None and v.cle in numeros_serveur and v.numero_serveur != numeros_serveur[v.cle]
    ]
    if autre_numero:
        problemes.append(f"{len(autre_numero)} ventes numérotées autrement que la réponse, ex. {autre_numero[:5]}")
    quarantaine = VenteQuarantaine.objects.filter(terminal__numero_serie__in=series).count()
    if quarantaine:
        problemes.append(f"{quarantaine} ventes en quarantaine")
    mouvements_vente = MouvementStock.objects.filter(boutique_id__in=ouvertures, type_mouvement="VENTE").aggregate(
        n=Count("pk")
    )["n"]
    lignes_total = sum(len(q) for q in attendues.values())
    if mouvements_vente != lignes_total:
        problemes.append(f"{mouvements_vente} mouvements VENTE pour {lignes_total} lignes vendues")
    try:
        verifier_registre(*Article.objects.filter(boutique_id__in=ouvertures))
    except AssertionError as exc:
        problemes.append(f"registre : {exc}")

    return {
        "ventes_faites": len(attendues),
        "ventes_enregistrees": sum(enregistrees.values()),
        "envois": sum(j.envois for j in journaux),
        "fautes": dict(sum((j.fautes for j in journaux), Counter())),
        "renvois_reconnus": sum(j.renvois_reconnus for j in journaux),
        "ventes_par_sequence": sum(1 for j in journaux for v in j.ventes if v.numero is None),
        "renvois_reformules": sum(j.renvois_reformules for j in journaux),
        "formes_renvoi": dict(sum((j.formes for j in journaux), Counter())),
        "renvois_reformules_reconnus": sum(j.renvois_reformules_reconnus for j in journaux),
        "renvois_par_sequence_reconnus": sum(j.renvois_par_sequence_reconnus for j in journaux),
        "problemes": problemes,
    }


def imprimer(resultat: dict[str, Any], duree_s: float) -> None:
    print(
        f"{resultat['ventes_faites']} ventes faites, {resultat['ventes_enregistrees']} "
        f"enregistrées, en {duree_s:.1f} s ; {resultat['envois']} envois dont fautes "
        f"{resultat['fautes']} ; {resultat['renvois_reconnus']} renvois reconnus (already_exists)"
    )
    print(
        f"{resultat['ventes_par_sequence']} ventes identifiées par leur seule séquence (numérotées par le "
        f"serveur) ; {resultat['renvois_reformules']} renvois écrits autrement {resultat['formes_renvoi']}, "
        f"dont {resultat['renvois_reformules_reconnus']} reconnus already_exists "
        f"({resultat['renvois_par_sequence_reconnus']} par séquence)"
    )
    if resultat["problemes"]:
        print("ÉCHEC :")
        for p in resultat["problemes"]:
            print("  -", p)
    else:
        print("OK : chaque vente une fois et une seule, stocks = ouverture - vendu, registre entier")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--terminaux", type=int, default=8)
    parser.add_argument("--boutiques", type=int, default=3)
    parser.add_argument("--ventes", type=int, default=200, help="per terminal")
    parser.add_argument("--lot", type=int, default=25)
    parser.add_argument("--fautes", type=float, default=0.2)
    parser.add_argument("--graine", type=int, default=1)
    parser.add_argument("--port", type=int, default=8312)
    parser.add_argument("--workers", type=int, default=None)
    args = parser.parse_args()

    from bench.commun import Serveur, base_existante, peupler

    url = base_existante()
    config = Config(
        terminaux=args.terminaux,
        boutiques=args.boutiques,
        ventes=args.ventes,
        lot=args.lot,
        fautes=args.fautes,
        graine=args.graine,
    )
    prefixe = f"SIM{time.time_ns() % 10**7}"
    terminaux = peupler(
        prefixe=prefixe,
        boutiques=args.boutiques,
        terminaux=args.terminaux,
        articles_par_boutique=50,
    )
    with Serveur(url, port=args.port, workers=args.workers) as serveur:
        journaux, ouvertures, duree = simuler(port=serveur.port, terminaux=terminaux, config=config)
        resultat = verifier(port=serveur.port, terminaux=terminaux, journaux=journaux, ouvertures=ouvertures)
    imprimer(resultat, duree)
    sys.exit(1 if resultat["problemes"] else 0)


if __name__ == "__main__":
    main()
