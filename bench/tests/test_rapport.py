"""The report measures each configuration for Magasin, its reference (the stack's floor for 1-
and 5-sale batches, the seed-style baseline for 50) and the other tree side by side, reads each
ratio from one round's pair, judges the targets on the median of the rounds, and shows its main
table from the first round only."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bench.commun import RACINE, dossier_d_execution
from bench.rapport import REFERENCES, TAILLES_TOURS, plan_des_mesures, resume_des_tours, tableau, verdicts
from bench.synchro import CONCURRENCES, TAILLES


def _ligne(systeme: str, taille: int, terminaux: int, tour: int, ventes_par_s: float, **extra: Any) -> dict[str, Any]:
    return {
        "systeme": systeme,
        "taille_lot": taille,
        "terminaux": terminaux,
        "tour": tour,
        "ventes_par_s": ventes_par_s,
        "p50_ms": 10.0,
        "p95_ms": 20.0,
        "p99_ms": extra.pop("p99_ms", 30.0),
        **extra,
    }


def _resultats(*, plancher_1: tuple[float, float, float] = (200.0, 300.0, 250.0)) -> dict[str, Any]:
    synchro = [
        # First round: every configuration (here 1, 5 and 50 sales, 8 terminals).
        _ligne("magasin", 1, 8, 0, 180.0),
        _ligne("plancher", 1, 8, 0, plancher_1[0]),
        _ligne("avant", 1, 8, 0, 200.0),
        _ligne("magasin", 5, 8, 0, 800.0),
        _ligne("plancher", 5, 8, 0, 1000.0),
        _ligne("avant", 5, 8, 0, 900.0),
        _ligne("magasin", 50, 8, 0, 4000.0, p99_ms=120.0),
        _ligne("baseline", 50, 8, 0, 100.0),
        _ligne("avant", 50, 8, 0, 5000.0),
        # Two more rounds of the 1- and 50-sale configurations; the host is slower in round 1.
        _ligne("magasin", 1, 8, 1, 150.0),
        _ligne("plancher", 1, 8, 1, plancher_1[1]),
        _ligne("avant", 1, 8, 1, 150.0),
        _ligne("magasin", 50, 8, 1, 3000.0, p99_ms=150.0),
        _ligne("baseline", 50, 8, 1, 200.0),
        _ligne("avant", 50, 8, 1, 3000.0),
        _ligne("magasin", 1, 8, 2, 200.0),
        _ligne("plancher", 1, 8, 2, plancher_1[2]),
        _ligne("avant", 1, 8, 2, 250.0),
        _ligne("magasin", 50, 8, 2, 4400.0, p99_ms=110.0),
        _ligne("baseline", 50, 8, 2, 200.0),
        _ligne("avant", 50, 8, 2, 4000.0),
    ]
    resultats = {
        "synchro": synchro,
        "limite": {"ventes_par_s": 10000.0, "ventes": 20000, "duree_s": 2.0},
        "numeros": {"ecrivains": 16, "numeros_par_s": 1000, "p50_ms": 5, "p99_ms": 50, "sans_trou_ni_doublon": True},
        "machine": {"cpus": 2, "etalon_python_5M_tours_s": 0.12, "charge_au_depart": (1.0, 0.5, 0.2)},
        "lectures": {"mouvements": 1_000_000, "mesures": [{"lecture": "ventes", "p50_ms": 10.0, "p95_ms": 20.0}]},
        "lectures_avant": {"mouvements": 1_000_000, "mesures": [{"lecture": "ventes", "p50_ms": 9.0, "p95_ms": 19.0}]},
    }
    resultats["tours"] = resume_des_tours(resultats)
    return resultats


def _tour(resultats: dict[str, Any], taille: int) -> dict[str, Any]:
    return next(r for r in resultats["tours"] if r["taille_lot"] == taille and r["terminaux"] == 8)


def test_chaque_tour_rapporte_magasin_a_sa_reference_et_a_l_avant_du_meme_tour():
    resultats = _resultats()
    assert [(r["taille_lot"], r["reference"], r["tours"]) for r in resultats["tours"]] == [
        (1, "plancher", 3),
        (50, "baseline", 3),
    ]
    cinquante = _tour(resultats, 50)
    assert cinquante["magasin_ventes_par_s"] == [4000.0, 3000.0, 4400.0]
    assert cinquante["magasin_p99_ms"] == [120.0, 150.0, 110.0]
    # 4000/100, 3000/200, 4400/200: not the best Magasin over the worst baseline.
    assert cinquante["rapports"] == [40.0, 15.0, 22.0]
    assert cinquante["apres_sur_avant"] == [0.8, 1.0, 1.1]
    assert _tour(resultats, 1)["rapports"] == [0.9, 0.5, 0.8]


def test_le_tableau_principal_ne_montre_que_le_premier_tour_et_les_tours_a_part():
    texte = tableau(_resultats())
    assert "| 1 | 8 | 180 | 10 | 20 | 30 | plancher | 200 | 30 | 0.90× | 200 | 30 | 0.90× |" in texte
    assert "| 50 | 8 | 4000 | 10 | 20 | 120 | baseline | 100 | 30 | 40.00× | 5000 | 30 | 0.80× |" in texte
    assert "| 50 | 8 | 4000 (3000–4400) | 120 (110–150) | baseline | 200 (100–200) | 22.00× (15.00–40.00) |" in texte
    assert "| ventes | 10.0 | 20.0 | 9.0 | 19.0 |" in texte


def test_les_cibles_sont_jugees_sur_la_mediane_des_tours():
    resultats = _resultats()
    jugees = {v["cible"].split(" :")[0]: v for v in verdicts(resultats)}
    # 1 sale: ratios 0.9, 0.5, 0.8, median 0.8 >= 0.8; 50 sales: median 22 >= 10.
    assert jugees["Lots de 1 vente, 8 terminaux"]["atteinte"] is True
    assert jugees["Lots de 1 vente, 8 terminaux"]["mesure"] == "0.80× (0.50–0.90) sur 3 tours"
    assert jugees["Lots de 50 ventes, 8 terminaux"]["atteinte"] is True
    assert jugees["Flotte capricieuse"]["atteinte"] is None  # not run
    # Reads: 20 ms against 19 before, within the noise margin.
    assert jugees["Lectures"]["atteinte"] is True

    resultats = _resultats(plancher_1=(200.0, 300.0, 260.0))  # 0.9, 0.5, 0.77: median 0.77
    resultats["lectures_avant"]["mesures"][0]["p95_ms"] = 10.0
    resultats["flotte"] = _flotte(["1 ventes manquantes"])
    jugees = {v["cible"].split(" :")[0]: v for v in verdicts(resultats)}
    assert jugees["Lots de 1 vente, 8 terminaux"]["atteinte"] is False
    assert jugees["Lectures"]["atteinte"] is False
    assert jugees["Flotte capricieuse"]["atteinte"] is False
    assert "| Lots de 1 vente, 8 terminaux" in tableau(resultats) and "**manquée**" in tableau(resultats)


def test_chaque_configuration_est_mesuree_pour_tous_ses_systemes_cote_a_cote():
    plan = plan_des_mesures(3, avant=True)
    groupes: list[list[tuple[int, int, int, str]]] = []
    for mesure in plan:
        if groupes and groupes[-1][0][:3] == mesure[:3]:
            groupes[-1].append(mesure)
        else:
            groupes.append([mesure])
    for groupe in groupes:
        tour, taille, _, _ = groupe[0]
        systemes = [s for *_, s in groupe]
        attendus = ["magasin", *([REFERENCES[taille]] if taille in REFERENCES else []), "avant"]
        # In one block, in an order that reverses from round to round.
        assert systemes == (attendus[::-1] if tour % 2 else attendus)
    configurations = [g[0][:3] for g in groupes]
    assert configurations == (
        [(0, taille, n) for taille in TAILLES for n in CONCURRENCES]
        + [(tour, taille, n) for tour in (1, 2) for taille in TAILLES_TOURS for n in CONCURRENCES]
    )
    assert all(s != "avant" for *_, s in plan_des_mesures(3))


def test_un_autre_arbre_est_servi_avec_le_bench_de_celui_ci(tmp_path: Path):
    autre = tmp_path / "avant"
    (autre / "magasin").mkdir(parents=True)
    (autre / "bench").mkdir()
    (autre / "manage.py").write_text("")
    dossier = dossier_d_execution(autre, liens=tmp_path)
    assert (dossier / "magasin").resolve() == (autre / "magasin").resolve()
    assert (dossier / "manage.py").resolve() == (autre / "manage.py").resolve()
    assert (dossier / "bench").resolve() == RACINE / "bench"
    assert dossier_d_execution(RACINE) == RACINE


def _flotte(problemes: list[str]) -> dict[str, Any]:
    return {
        "config": {"terminaux": 16, "boutiques": 4, "ventes": 300, "lot": 25, "fautes": 0.2},
        "duree_s": 6.4,
        "ventes_faites": 4800,
        "ventes_enregistrees": 4800 - len(problemes),
        "envois": 414,
        "fautes": {"delai": 40, "coupure_avant": 30, "coupure_apres": 34},
        "renvois_reconnus": 765,
        "ventes_par_sequence": 1190,
        "renvois_reformules": 780,
        "renvois_reformules_reconnus": 765,
        "problemes": problemes,
    }


def test_le_tableau_dit_ce_que_la_flotte_a_fait_et_si_la_verification_passe():
    resultats = _resultats()
    resultats["flotte"] = _flotte([])
    texte = tableau(resultats)
    assert "**4800 ventes faites, 4800 enregistrées** en 6.4 s" in texte
    assert "414 envois dont 104 sabotés (coupure_apres 34, coupure_avant 30, delai 40)" in texte
    assert "chaque vente une fois et une seule" in texte and "ÉCHEC" not in texte
    assert "1190 ventes identifiées par leur seule séquence ; 780 renvois réécrits" in texte
    assert "dont 765 reconnus already_exists" in texte

    resultats["flotte"] = _flotte(["1 ventes manquantes, ex. ['T3-000042']"])
    texte = tableau(resultats)
    assert "Vérification : **ÉCHEC** : 1 ventes manquantes, ex. ['T3-000042']." in texte
    assert "chaque vente une fois et une seule" not in texte


def test_le_tableau_montre_les_pages_a_un_an_de_donnees_et_celles_au_dela_de_l_objectif():
    resultats = _resultats()
    resultats["annee"] = {
        "base": "magasin_annee",
        "ventes": 373000,
        "repetitions": 5,
        "charge_debut": [0.8, 1.0, 1.2],
        "charge_fin": [0.9, 1.0, 1.2],
        "objectif_ms": 200,
        "pages": [
            {"nom": "tableau de bord", "url": "/", "mediane_ms": 120.4, "min_ms": 100.0, "requetes": 29},
            {"nom": "marges, l'année", "url": "/marges/", "mediane_ms": 2400.0, "min_ms": 2200.0, "requetes": 9},
        ],
        "exports": [
            {"nom": "export CSV", "url": "/ventes/", "duree_s": 12.0, "mo": 31.7, "pic_memoire_mo": 3.0, "flux": True}
        ],
    }
    texte = tableau(resultats)
    assert "373,000 ventes" in texte and "charge 0.8 au départ, 0.9 à la fin" in texte
    assert "| tableau de bord | 120 | 100 | 29 | oui |" in texte
    assert "| marges, l'année | 2400 | 2200 | 9 | **non** |" in texte
    assert "| export CSV | 12.0 | 31.7 | +3 | oui |" in texte
    # Without the year's measurement (no PostgreSQL), no such table.
    assert "un an de données" not in tableau(_resultats())
