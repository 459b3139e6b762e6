"""The benchmark report (`make bench`): one run, a table with its targets, a JSON file, a chart.

Steps: a fresh benchmark database; sync throughput through the same gunicorn, each configuration
measured side by side with its reference: batches of 1 and 5 sales (what a connected terminal
sends) against the stack's floor (`bench.plancher`: authenticate, parse, one INSERT, COMMIT),
50-sale batches against the seed-style baseline (`bench.baseline`), 500-sale batches (a morning's
catch-up) alone; from 1, 8 and 32 terminals; then the 1- and 50-sale configurations again in
more rounds (`--tours`, 3 in all), the order alternating. Then the COPY limit (PostgreSQL);
invoice numbers with 16 writers; the flaky fleet of `bench.simulateur` at full size, with its
exactly-once check (a failed check fails the command, after the files are written); the read
endpoints over a million ledger rows (PostgreSQL); the back-office pages and exports at a year
of one busy owner's data (`bench.annee`, PostgreSQL only: database `magasin_annee`, generated
when absent; `--sans-annee` skips it); a cProfile of one 500-sale batch. The targets are
printed with their verdict.

`--avant DIR_OU_REVISION`: the same benchmark against another source tree too (a directory, or
a git revision extracted with `git archive` to a temporary directory), served by a second
gunicorn on its own database (`<base>_avant`): each sync configuration is measured for the two
trees back to back, next to its reference, and the reads for both.

Writes bench/results/<date>-<backend>.json and .png (and docs/performance-synchro.png for
PostgreSQL).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from statistics import median
from typing import Any, cast

from bench import lectures, limite, numeros, profil, synchro
from bench.arbre import preparer_ailleurs, terminal_de_json
from bench.commun import RACINE, Serveur, TerminalBench, creer_base, moteur, peupler, url_bench, url_voisine
from bench.simulateur import Config, simuler, verifier

RESULTATS = RACINE / "bench" / "results"
# The reference each batch size is measured against, side by side (500: none, a catch-up figure).
REFERENCES = {1: "plancher", 5: "plancher", 50: "baseline"}
TAILLES_TOURS = (1, 50)  # measured again in the later rounds: the two ratio targets' sizes
NOMS = {"magasin": "Magasin", "plancher": "plancher", "baseline": "baseline", "avant": "avant"}
CIBLES = {
    "synchro_1_sur_plancher_8_terminaux": 0.8,  # at least, median of the rounds
    "lot_50_sur_baseline_8_terminaux": 10.0,  # at least, median of the rounds
    "flotte_exactement_une_fois": True,
    # Reads: p95 not worse than the tree before (--avant), beyond this share of noise;
    # without --avant, under the absolute bound.
    "lectures_p95_sur_avant": 1.15,
    "lectures_p95_ms": 50,
}
PLAFONDS = {"magasin": 20_000, "avant": 20_000, "plancher": 20_000, "baseline": 1_500}  # sales prepared
FLOTTE = Config(terminaux=16, boutiques=4, ventes=300, lot=25, fautes=0.2, graine=1)


def etalon_python_s(tours: int = 5_000_000) -> float:
    """Seconds one core takes for a fixed pure-Python loop: how fast this machine is today.

    The machine a run lands on varies (same kind, other hosts and tenants); this reference,
    with the floor and the load average, tells whether two runs may be compared at all."""
    debut = time.process_time()
    total = 0
    for i in range(tours):
        total += i
    return round(time.process_time() - debut, 2)


# --- The plan --------------------------------------------------------------------------------


@dataclass
class Cible:
    """A server under measurement: its port, its terminals, its database (None: this process's)."""

    port: int
    terminaux: list[TerminalBench]
    url: str | None = None


def plan_des_mesures(
    tours: int,
    *,
    avant: bool = False,
    tailles: tuple[int, ...] = synchro.TAILLES,
    concurrences: tuple[int, ...] = synchro.CONCURRENCES,
) -> list[tuple[int, int, int, str]]:
    """(round, batch size, terminals, system) in the order they are measured: every
    configuration in the first round, the 1- and 50-sale ones in `tours - 1` more.

    The host's speed moves by up to 2x from one minute to the next: a ratio of two measurements
    minutes apart measures the host as much as the code. So each configuration is measured for
    Magasin, its reference and (with `avant`) the other tree back to back, and the order
    reverses from round to round, so that a host slowing down or speeding up favours none."""
    plan = []
    for tour in range(tours):
        for taille in tailles if tour == 0 else tuple(t for t in TAILLES_TOURS if t in tailles):
            systemes = ["magasin", *([REFERENCES[taille]] if taille in REFERENCES else []), *(["avant"] * avant)]
            if tour % 2:
                systemes.reverse()
            for n in concurrences:
                plan += [(tour, taille, n, systeme) for systeme in systemes]
    return plan


def mesurer_par_paires(
    *,
    cibles: dict[str, Cible],
    duree_s: float,
    tours: int,
    tailles: tuple[int, ...] = synchro.TAILLES,
    concurrences: tuple[int, ...] = synchro.CONCURRENCES,
) -> list[dict[str, Any]]:
    """Sync throughput and latency, measured as `plan_des_mesures` orders it."""
    lignes: list[dict[str, Any]] = []
    echauffes: set[str] = set()
    for tour, taille, n, systeme in plan_des_mesures(
        tours, avant="avant" in cibles, tailles=tailles, concurrences=concurrences
    ):
        cible = cibles[systeme]
        lignes += synchro.mesurer(
            port=cible.port,
            terminaux=cible.terminaux,
            systeme=systeme,
            tailles=(taille,),
            concurrences=(n,),
            duree_s=duree_s,
            plafond_ventes=PLAFONDS[systeme],
            tour=tour,
            echauffer=systeme not in echauffes,  # once per system: the workers stay warm
            url=cible.url,
        )
        echauffes.add(systeme)
    return lignes


# --- Summaries and targets -------------------------------------------------------------------


def _ligne(lignes: list[dict[str, Any]], systeme: str, taille: int, n: int, tour: int = 0) -> dict[str, Any] | None:
    return next(
        (
            r
            for r in lignes
            if r["systeme"] == systeme
            and r["taille_lot"] == taille
            and r["terminaux"] == n
            and r.get("tour", 0) == tour
        ),
        None,
    )


def _premier_tour(resultats: dict[str, Any]) -> list[dict[str, Any]]:
    return [r for r in resultats["synchro"] if r.get("tour", 0) == 0]


def _rapport(a: dict[str, Any] | None, b: dict[str, Any] | None) -> float | None:
    if not a or not b or a.get("non_mesure") or b.get("non_mesure") or not b["ventes_par_s"]:
        return None
    return round(a["ventes_par_s"] / b["ventes_par_s"], 2)


def resume_des_tours(resultats: dict[str, Any]) -> list[dict[str, Any]]:
    """Per (batch size of TAILLES_TOURS, terminals), over every round: Magasin's, its
    reference's and the other tree's sales/s, Magasin's p99, and each round's ratios (Magasin /
    reference, Magasin / the other tree), every ratio of two measurements of the same minute."""
    s = resultats["synchro"]
    tours = sorted({r.get("tour", 0) for r in s})
    resume = []
    configurations = sorted({(r["taille_lot"], r["terminaux"]) for r in s if r["taille_lot"] in TAILLES_TOURS})
    for taille, n in configurations:
        reference = REFERENCES[taille]
        rangs = [
            (m, _ligne(s, reference, taille, n, t), _ligne(s, "avant", taille, n, t))
            for t in tours
            if (m := _ligne(s, "magasin", taille, n, t)) is not None
        ]
        resume.append(
            {
                "taille_lot": taille,
                "terminaux": n,
                "reference": reference,
                "tours": len(rangs),
                "magasin_ventes_par_s": [m["ventes_par_s"] for m, _, _ in rangs],
                "magasin_p99_ms": [m["p99_ms"] for m, _, _ in rangs],
                "reference_ventes_par_s": [r["ventes_par_s"] for _, r, _ in rangs if r and not r.get("non_mesure")],
                "rapports": [x for m, r, _ in rangs if (x := _rapport(m, r)) is not None],
                "avant_ventes_par_s": [a["ventes_par_s"] for _, _, a in rangs if a],
                "apres_sur_avant": [x for m, _, a in rangs if (x := _rapport(m, a)) is not None],
            }
        )
    return resume


def _tour(resultats: dict[str, Any], taille: int, n: int) -> dict[str, Any] | None:
    return next(
        (r for r in resultats.get("tours") or [] if r["taille_lot"] == taille and r["terminaux"] == n),
        None,
    )


def _bornes(valeurs: list[float], format_: str, unite: str = "") -> str:
    if not valeurs:
        return "–"
    m = f"{median(valeurs):{format_}}{unite}"
    if len(valeurs) == 1:
        return m
    return f"{m} ({min(valeurs):{format_}}–{max(valeurs):{format_}})"


def verdicts(resultats: dict[str, Any]) -> list[dict[str, Any]]:
    """Each target: what it asks, what was measured, and whether it is met (None: not measured)."""
    sortie: list[dict[str, Any]] = []

    def ratio(taille: int, seuil: float, texte: str) -> None:
        r = _tour(resultats, taille, 8)
        valeurs = r["rapports"] if r else []
        sortie.append(
            {
                "cible": texte,
                "mesure": _bornes(valeurs, ".2f", "×") + (f" sur {len(valeurs)} tours" if len(valeurs) > 1 else ""),
                "atteinte": (median(valeurs) >= seuil) if valeurs else None,
            }
        )

    ratio(
        1,
        CIBLES["synchro_1_sur_plancher_8_terminaux"],
        "Lots de 1 vente, 8 terminaux : Magasin ≥ 0,8 × le plancher (médiane des tours)",
    )
    ratio(50, CIBLES["lot_50_sur_baseline_8_terminaux"], "Lots de 50 ventes, 8 terminaux : Magasin ≥ 10 × la baseline")
    flotte = resultats.get("flotte")
    sortie.append(
        {
            "cible": "Flotte capricieuse : vérification « exactement une fois » passée",
            "mesure": ("vérification passée" if not flotte["problemes"] else f"{len(flotte['problemes'])} problèmes")
            if flotte
            else "non mesurée",
            "atteinte": (not flotte["problemes"]) if flotte else None,
        }
    )
    apres = resultats.get("lectures")
    avant = resultats.get("lectures_avant")
    if apres and avant:
        p95_avant = {m["lecture"]: m["p95_ms"] for m in avant["mesures"]}
        rapports = {
            m["lecture"]: m["p95_ms"] / p95_avant[m["lecture"]] for m in apres["mesures"] if m["lecture"] in p95_avant
        }
        pire = max(rapports, key=rapports.__getitem__)
        sortie.append(
            {
                "cible": f"Lectures : p95 pas pire qu'avant (marge de bruit {CIBLES['lectures_p95_sur_avant']:.2f}×)",
                "mesure": f"pire : {pire}, {rapports[pire]:.2f}× le p95 d'avant",
                "atteinte": rapports[pire] <= CIBLES["lectures_p95_sur_avant"],
            }
        )
    elif apres:
        pire_ms = max(m["p95_ms"] for m in apres["mesures"])
        sortie.append(
            {
                "cible": f"Lectures : p95 < {CIBLES['lectures_p95_ms']} ms à 1 M de mouvements (sans --avant)",
                "mesure": f"{pire_ms} ms au pire",
                "atteinte": pire_ms < CIBLES["lectures_p95_ms"],
            }
        )
    return sortie


# --- The text --------------------------------------------------------------------------------


def _flotte(f: dict[str, Any]) -> str:
    c = f["config"]
    fautes = ", ".join(f"{nom} {n}" for nom, n in sorted(f["fautes"].items()))
    texte = (
        f"Flotte capricieuse ({c['terminaux']} terminaux, {c['boutiques']} boutiques, {c['ventes']} ventes "
        f"chacun, lots de {c['lot']}, {round(c['fautes'] * 100)} % d'envois sabotés) : **{f['ventes_faites']} ventes "
        f"faites, {f['ventes_enregistrees']} enregistrées** en {f['duree_s']} s ; {f['envois']} envois dont "
        f"{sum(f['fautes'].values())} sabotés ({fautes}) ; {f['renvois_reconnus']} renvois reconnus. "
        f"{f['ventes_par_sequence']} ventes identifiées par leur seule séquence ; {f['renvois_reformules']} "
        f"renvois réécrits autrement (clés, nombres, casse de l'uuid, date, montant_total), dont "
        f"{f['renvois_reformules_reconnus']} reconnus already_exists. "
    )
    if f["problemes"]:
        return texte + "Vérification : **ÉCHEC** : " + " ; ".join(f["problemes"]) + "."
    return texte + "Vérification : chaque vente une fois et une seule, stocks = ouverture − vendu, registre entier."


def _chiffre(r: dict[str, Any] | None, cle: str) -> str:
    if r is None:
        return "–"
    if r.get("non_mesure"):
        return "(non mesuré)"
    return f"{r[cle]:.0f}"


def tableau(resultats: dict[str, Any]) -> str:
    s = _premier_tour(resultats)
    avec_avant = any(r["systeme"] == "avant" for r in s)
    entete = (
        "| lot | terminaux | Magasin ventes/s | p50 ms | p95 ms | p99 ms | référence | réf. ventes/s "
        "| réf. p99 ms | Magasin / réf. |"
    )
    separateur = "|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|"
    if avec_avant:
        entete += " avant ventes/s | avant p99 ms | après / avant |"
        separateur += "---:|---:|---:|"
    lignes = [entete, separateur]
    for r in s:
        if r["systeme"] != "magasin":
            continue
        taille, n = r["taille_lot"], r["terminaux"]
        nom_ref = REFERENCES.get(taille)
        ref = _ligne(s, nom_ref, taille, n) if nom_ref else None
        rapport = _rapport(r, ref)
        ligne = (
            f"| {taille} | {n} | {_chiffre(r, 'ventes_par_s')} | {_chiffre(r, 'p50_ms')} | {_chiffre(r, 'p95_ms')} "
            f"| {_chiffre(r, 'p99_ms')} | {nom_ref or '–'} | {_chiffre(ref, 'ventes_par_s')} "
            f"| {_chiffre(ref, 'p99_ms')} "
            f"| {f'{rapport:.2f}×' if rapport is not None else '–'} |"
        )
        if avec_avant:
            av = _ligne(s, "avant", taille, n)
            sur_avant = _rapport(r, av)
            ligne += (
                f" {_chiffre(av, 'ventes_par_s')} | {_chiffre(av, 'p99_ms')} "
                f"| {f'{sur_avant:.2f}×' if sur_avant is not None else '–'} |"
            )
        lignes.append(ligne)
    resume = resultats.get("tours") or []
    if resume and max(r["tours"] for r in resume) > 1:
        lignes += [
            "",
            f"Lots de {' et '.join(str(t) for t in TAILLES_TOURS)} ventes, {max(r['tours'] for r in resume)} tours (à "
            "chaque tour, les systèmes l'un après l'autre, dans un ordre qui s'inverse) : médiane (min–max) ; "
            "chaque rapport est celui d'un tour.",
            "",
            "| lot | terminaux | Magasin ventes/s | Magasin p99 ms | référence | réf. ventes/s | Magasin / réf. |"
            + (" avant ventes/s | après / avant |" if avec_avant else ""),
            "|---:|---:|---:|---:|---|---:|---:|" + ("---:|---:|" if avec_avant else ""),
        ]
        for r in resume:
            lignes.append(
                f"| {r['taille_lot']} | {r['terminaux']} | {_bornes(r['magasin_ventes_par_s'], '.0f')} "
                f"| {_bornes(r['magasin_p99_ms'], '.0f')} | {r['reference']} "
                f"| {_bornes(r['reference_ventes_par_s'], '.0f')} | {_bornes(r['rapports'], '.2f', '×')} |"
                + (
                    f" {_bornes(r['avant_ventes_par_s'], '.0f')} | {_bornes(r['apres_sur_avant'], '.2f', '×')} |"
                    if avec_avant
                    else ""
                )
            )
    lignes += ["", "| cible | mesuré | verdict |", "|---|---|---|"]
    for v in verdicts(resultats):
        verdict = {True: "**atteinte**", False: "**manquée**", None: "non mesurée"}[v["atteinte"]]
        lignes.append(f"| {v['cible']} | {v['mesure']} | {verdict} |")
    machine = resultats["machine"]
    lignes += [
        "",
        f"Machine : {machine.get('cpus')} cœurs ; étalon, 5 millions de tours de boucle Python en "
        f"**{machine.get('etalon_python_5M_tours_s')} s** (un cœur) ; charge moyenne au départ "
        f"{', '.join(f'{x:.1f}' for x in machine.get('charge_au_depart', ()))}"
        + (
            f", à la fin {', '.join(f'{x:.1f}' for x in machine['charge_a_la_fin'])}"
            if machine.get("charge_a_la_fin")
            else ""
        )
        + ".",
    ]
    if "limite" in resultats:
        lim = resultats["limite"]
        lignes += [
            "",
            f"COPY (limite de la base, une transaction) : **{lim['ventes_par_s']:.0f} ventes/s** "
            f"({lim['ventes']} ventes de 3 lignes en {lim['duree_s']} s).",
        ]
    if "numeros" in resultats:
        n = resultats["numeros"]
        lignes += [
            "",
            f"Numéros de facture, {n['ecrivains']} écrivains sur le même compteur : "
            f"**{n['numeros_par_s']:.0f} numéros/s** (p50 {n['p50_ms']} ms, p99 {n['p99_ms']} ms), "
            f"sans trou ni doublon : {n['sans_trou_ni_doublon']}.",
        ]
    if "flotte" in resultats:
        lignes += ["", _flotte(resultats["flotte"])]
    if "lectures" in resultats:
        apres = resultats["lectures"]
        avant = {m["lecture"]: m for m in (resultats.get("lectures_avant") or {}).get("mesures", [])}
        lignes += [
            "",
            f"Lectures avec {apres['mouvements']:,} mouvements dans la boutique (un terminal, une requête à la fois) :",
            "",
            "| lecture | p50 ms | p95 ms |" + (" avant p50 ms | avant p95 ms |" if avant else ""),
            "|---|---:|---:|" + ("---:|---:|" if avant else ""),
        ]
        for r in apres["mesures"]:
            a = avant.get(r["lecture"])
            lignes.append(
                f"| {r['lecture']} | {r['p50_ms']} | {r['p95_ms']} |"
                + (f" {a['p50_ms']} | {a['p95_ms']} |" if a else (" – | – |" if avant else ""))
            )
    if resultats.get("annee"):
        lignes += ["", tableau_annee(resultats["annee"])]
    return "\n".join(lignes)


def graphique(resultats: dict[str, Any], chemin: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    s = [r for r in _premier_tour(resultats) if not r.get("non_mesure")]
    tailles = sorted({r["taille_lot"] for r in s})
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4.5))
    styles = {"magasin": "-o", "avant": "-.^", "plancher": ":x", "baseline": "--s"}
    for systeme, style in styles.items():
        for taille in tailles:
            points = [r for r in s if r["systeme"] == systeme and r["taille_lot"] == taille]
            if points:
                ax1.plot(
                    [r["terminaux"] for r in points],
                    [r["ventes_par_s"] for r in points],
                    style,
                    label=f"{NOMS[systeme]}, lot {taille}",
                )
    ax1.set_xscale("log", base=2)
    ax1.set_yscale("log")
    ax1.set_xlabel("terminaux simultanés")
    ax1.set_ylabel("ventes/s (3 lignes par vente)")
    ax1.set_title(f"Débit de synchronisation (HTTP, {resultats['machine'].get('base', '')})")
    ax1.legend(fontsize=6, ncol=2)
    for taille in tailles:
        points = [r for r in s if r["systeme"] == "magasin" and r["taille_lot"] == taille]
        ax2.plot([r["terminaux"] for r in points], [r["p99_ms"] for r in points], "-o", label=f"p99, lot {taille}")
    ax2.set_xscale("log", base=2)
    ax2.set_yscale("log")
    ax2.set_xlabel("terminaux simultanés")
    ax2.set_ylabel("latence par requête (ms)")
    ax2.set_title("Magasin : latence p99 par requête")
    ax2.legend(fontsize=7)
    fig.suptitle(f"Magasin — {resultats['date']} — {resultats['machine']['cpus']} cœurs partagés")
    fig.tight_layout()
    fig.savefig(chemin, dpi=110)
    plt.close(fig)


# --- The run ---------------------------------------------------------------------------------


def sources_avant(valeur: str) -> tuple[Path, str | None]:
    """(directory, git revision or None) of `--avant`: a directory as it is, or a revision of
    this repository extracted once by `git archive` (read-only for the repository)."""
    chemin = Path(valeur)
    if chemin.is_dir():
        return chemin.resolve(), None
    revision = subprocess.run(
        ["git", "rev-parse", "--verify", f"{valeur}^{{commit}}"],
        cwd=RACINE,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    dossier = Path(tempfile.gettempdir()) / f"magasin-avant-{revision[:12]}"
    if not (dossier / "manage.py").exists():
        dossier.mkdir(exist_ok=True)
        archive = subprocess.Popen(["git", "archive", revision], cwd=RACINE, stdout=subprocess.PIPE)
        subprocess.run(["tar", "-x", "-C", str(dossier)], stdin=archive.stdout, check=True)
        if archive.wait():
            raise RuntimeError(f"git archive {revision} a échoué")
    return dossier, revision


def mesurer_flotte(port: int) -> dict[str, Any]:
    """The flaky fleet at full size against the benchmark's server, then its exactly-once check
    (`bench.simulateur`): what was made, recorded, sabotaged and recognised, and the problems."""
    terminaux = peupler(
        prefixe=f"FLT{time.time_ns() % 10**7}",
        boutiques=FLOTTE.boutiques,
        terminaux=FLOTTE.terminaux,
        articles_par_boutique=50,
    )
    journaux, ouvertures, duree = simuler(port=port, terminaux=terminaux, config=FLOTTE)
    resultat = verifier(port=port, terminaux=terminaux, journaux=journaux, ouvertures=ouvertures)
    return {"config": asdict(FLOTTE), "duree_s": round(duree, 1), **resultat}


def mesurer_annee() -> dict[str, Any] | None:
    """The back-office pages and exports at a year of one busy owner's data (`bench.annee`, on
    PostgreSQL: database `magasin_annee`, generated when absent, ~10 minutes), in a process of
    its own (Django is set up here on the benchmark's database). None when it could not run."""
    # Not the benchmark server's settings (preparer_django put them in this environment).
    herites = {"DATABASE_URL", "SECRET_KEY", "ALLOWED_HOSTS", "DEBUG", "CONN_MAX_AGE", "DJANGO_SETTINGS_MODULE"}
    env = {cle: valeur for cle, valeur in os.environ.items() if cle not in herites}
    with tempfile.NamedTemporaryFile(suffix=".json") as fichier:
        commande = [sys.executable, "-m", "bench.annee", "rapport", fichier.name]
        fin = subprocess.run(commande, cwd=RACINE, env=env, check=False)
        if fin.returncode:
            print("bench.annee a échoué (PostgreSQL absent ?) : pages à un an de données non mesurées", flush=True)
            return None
        return cast(dict[str, Any], json.loads(Path(fichier.name).read_text()))


def tableau_annee(annee: dict[str, Any]) -> str:
    """The year's pages (median and min of the timed requests, queries) and exports."""
    objectif = annee["objectif_ms"]
    lignes = [
        f"Back-office à un an de données ({annee['ventes']:,} ventes, base {annee['base']}, client de test de "
        f"Django, {annee['repetitions']} mesures après une requête d'échauffement ; charge "
        f"{annee['charge_debut'][0]:.1f} au départ, {annee['charge_fin'][0]:.1f} à la fin) :",
        "",
        "| page | médiane ms | min ms | requêtes | < " + str(objectif) + " ms |",
        "|---|---:|---:|---:|---|",
    ]
    for p in annee["pages"]:
        verdict = "oui" if p["mediane_ms"] < objectif else "**non**"
        lignes.append(f"| {p['nom']} | {p['mediane_ms']:.0f} | {p['min_ms']:.0f} | {p['requetes']} | {verdict} |")
    lignes += ["", "| export | durée s | Mo | pic mémoire du processus Mo | en flux |", "|---|---:|---:|---:|---|"]
    for e in annee["exports"]:
        pic = "–" if e["pic_memoire_mo"] is None else f"+{e['pic_memoire_mo']:.0f}"
        lignes.append(f"| {e['nom']} | {e['duree_s']:.1f} | {e['mo']:.1f} | {pic} | {'oui' if e['flux'] else 'non'} |")
    return "\n".join(lignes)


def _version_base(url: str) -> str:
    from django.db import connection

    with connection.cursor() as curseur:
        curseur.execute("SELECT sqlite_version()" if connection.vendor == "sqlite" else "SELECT version()")
        (version,) = curseur.fetchone()  # type: ignore[misc]
    return f"{moteur(url)} {str(version)[:60]}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duree", type=float, default=6.0, help="seconds per sync configuration")
    parser.add_argument("--tours", type=int, default=3, help="rounds of the 1- and 50-sale configurations")
    parser.add_argument("--tailles", default="1,5,50,500", help="batch sizes of the first round")
    parser.add_argument("--terminaux", default="1,8,32", help="numbers of concurrent terminals")
    parser.add_argument("--avant", metavar="DIR_OU_REVISION", help="also measure this source tree, side by side")
    parser.add_argument("--mouvements", type=int, default=1_000_000, help="ledger rows of the reads (0: no reads)")
    parser.add_argument("--sans-flotte", action="store_true", help="skip the flaky fleet and its check")
    parser.add_argument("--sans-profil", action="store_true", help="skip the cProfile of a 500-sale batch")
    parser.add_argument(
        "--sans-annee", action="store_true", help="skip the back-office pages at a year of data (bench.annee)"
    )
    parser.add_argument("--port", type=int, default=8310)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--tableau", metavar="JSON", help="print the tables of a result file, measure nothing")
    args = parser.parse_args()
    if args.tableau:
        print(tableau(json.loads(Path(args.tableau).read_text())))
        return
    tailles = tuple(int(x) for x in args.tailles.split(","))
    concurrences = tuple(int(x) for x in args.terminaux.split(","))
    url = url_bench()
    vendeur = moteur(url)
    debut = time.time()
    terminaux = synchro.preparer(url, neuve=True, terminaux=max(concurrences))
    resultats: dict[str, Any] = {
        "date": datetime.now(UTC).astimezone().strftime("%Y-%m-%d %H:%M"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "base": _version_base(url),
            "charge_au_depart": os.getloadavg(),
            "etalon_python_5M_tours_s": etalon_python_s(),
        },
        "methode": (
            "gunicorn (bench.wsgi: Magasin + baseline and floor views), sync workers, CONN_MAX_AGE=600, "
            "DEBUG=0, LOG_LEVEL=WARNING; load generator = Python threads with http.client "
            "keep-alive, payloads serialised before the clock; server, database and client "
            "share the same cores; each configuration measured for every system back to back."
        ),
        "cibles": CIBLES,
    }
    avant: tuple[Path, str | None] | None = sources_avant(args.avant) if args.avant else None
    cibles: dict[str, Cible] = {}
    url_avant = url_voisine(url, "avant")
    with contextlib.ExitStack() as pile:
        serveur = pile.enter_context(Serveur(url, port=args.port, workers=args.workers))
        resultats["serveur"] = {"workers": serveur.workers, "threads": serveur.threads}
        for systeme in ("magasin", "plancher", "baseline"):
            cibles[systeme] = Cible(port=serveur.port, terminaux=terminaux)
        if avant:
            dossier, revision = avant
            creer_base(url_avant, neuve=True, sources=dossier)
            prepare = preparer_ailleurs(dossier, url_avant, "preparer", "--terminaux", str(max(concurrences)))
            serveur_avant = pile.enter_context(
                Serveur(url_avant, port=args.port + 1, workers=args.workers, sources=dossier)
            )
            cibles["avant"] = Cible(
                port=serveur_avant.port,
                terminaux=[terminal_de_json(t) for t in prepare["terminaux"]],
                url=url_avant,
            )
            resultats["avant"] = {"sources": str(dossier), "revision": revision, "base": url_avant}
        resultats["synchro"] = mesurer_par_paires(
            cibles=cibles, duree_s=args.duree, tours=args.tours, tailles=tailles, concurrences=concurrences
        )
        resultats["tours"] = resume_des_tours(resultats)
        if vendeur == "postgresql":  # COPY: PostgreSQL only
            resultats["limite"] = limite.mesurer(url, ventes=20_000)
            print("COPY", resultats["limite"], flush=True)
        resultats["numeros"] = numeros.mesurer(ecrivains=16, duree_s=5.0)
        print("numéros", resultats["numeros"], flush=True)
        if not args.sans_flotte:
            resultats["flotte"] = mesurer_flotte(serveur.port)
            print(_flotte(resultats["flotte"]), flush=True)
        if args.mouvements and vendeur == "postgresql":  # loaded by COPY
            terminal, duree_chargement = lectures.preparer(url, mouvements=args.mouvements, ventes=50_000)
            lecteurs = {"apres": lectures.Lecteur(serveur.port, terminal, url)}
            resultats["lectures"] = {
                "mouvements": args.mouvements,
                "ventes": 50_000,
                "chargement_copy_s": round(duree_chargement, 1),
            }
            if avant:
                lecture = preparer_ailleurs(
                    avant[0], url_avant, "lectures", "--mouvements", str(args.mouvements), "--ventes", "50000"
                )
                lecteurs["avant"] = lectures.Lecteur(
                    cibles["avant"].port, terminal_de_json(lecture["terminal"]), url_avant
                )
                resultats["lectures_avant"] = {
                    "mouvements": args.mouvements,
                    "chargement_copy_s": round(lecture["chargement_copy_s"], 1),
                }
            mesures = lectures.mesurer_cote_a_cote(lecteurs)
            resultats["lectures"]["mesures"] = mesures["apres"]
            if avant:
                resultats["lectures_avant"]["mesures"] = mesures["avant"]
    if not args.sans_annee:
        resultats["annee"] = mesurer_annee()
    if not args.sans_profil:
        duree_lot, texte = profil.profiler(taille=500, lignes=25)
        resultats["profil_lot_500"] = {"duree_ms": round(duree_lot * 1000), "cprofile": texte}
    resultats["machine"]["charge_a_la_fin"] = os.getloadavg()
    resultats["verdicts"] = verdicts(resultats)
    resultats["duree_totale_s"] = round(time.time() - debut)

    RESULTATS.mkdir(parents=True, exist_ok=True)
    nom = datetime.now(UTC).astimezone().strftime("%Y-%m-%d") + f"-{vendeur}" + ("-avant-apres" if avant else "")
    (RESULTATS / f"{nom}.json").write_text(json.dumps(resultats, indent=2, ensure_ascii=False))
    graphique(resultats, RESULTATS / f"{nom}.png")
    if vendeur == "postgresql":
        shutil.copy(RESULTATS / f"{nom}.png", RACINE / "docs" / "performance-synchro.png")
    print()
    print(tableau(resultats))
    print()
    print(f"Écrit : bench/results/{nom}.json, bench/results/{nom}.png")
    if resultats.get("flotte", {}).get("problemes"):
        sys.exit("La flotte a perdu ou doublé des ventes : voir « Flotte capricieuse » ci-dessus.")


if __name__ == "__main__":
    main()
