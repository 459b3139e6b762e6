"""The report measures each configuration for Magasin and the baseline side by side, reads the
ratio target from rounds that pair the two measurements of the same minute, and its main table
and chart from the first round only."""

from __future__ import annotations

from typing import Any

from bench.rapport import TAILLE_TOURS, plan_des_mesures, resume_des_tours, tableau
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


def _resultats() -> dict[str, Any]:
    synchro = [
        # First round: every configuration (here 1 and 50 sales, 8 terminals).
        _ligne("magasin", 1, 8, 0, 200.0),
        _ligne("magasin", 50, 8, 0, 4000.0, p99_ms=120.0),
        _ligne("baseline", 1, 8, 0, 100.0),
        _ligne("baseline", 50, 8, 0, 100.0),
        # Two more rounds of the 50-sale configuration; the host is slower in round 1.
        _ligne("magasin", 50, 8, 1, 3000.0, p99_ms=150.0),
        _ligne("baseline", 50, 8, 1, 200.0),
        _ligne("magasin", 50, 8, 2, 4400.0, p99_ms=110.0),
        _ligne("baseline", 50, 8, 2, 200.0),
    ]
    return {
        "synchro": synchro,
        "limite": {"ventes_par_s": 10000.0, "ventes": 20000, "duree_s": 2.0},
        "numeros": {"ecrivains": 16, "numeros_par_s": 1000, "p50_ms": 5, "p99_ms": 50, "sans_trou_ni_doublon": True},
        "machine": {"etalon_python_5M_tours_s": 0.12},
        "lectures": {"mouvements": 1_000_000, "mesures": []},
    }


def test_chaque_tour_rapporte_magasin_a_la_baseline_du_meme_tour():
    (resume,) = resume_des_tours(_resultats())
    assert resume["terminaux"] == 8 and resume["tours"] == 3
    assert resume["magasin_ventes_par_s"] == [4000.0, 3000.0, 4400.0]
    assert resume["magasin_p99_ms"] == [120.0, 150.0, 110.0]
    # 4000/100, 3000/200, 4400/200: not the best Magasin over the worst baseline.
    assert resume["rapports"] == [40.0, 15.0, 22.0]


def test_le_tableau_principal_ne_montre_que_le_premier_tour_et_les_tours_a_part():
    resultats = _resultats()
    resultats["tours_lot_50"] = resume_des_tours(resultats)
    texte = tableau(resultats)
    assert "| 50 | 8 | 4000 | 10 | 20 | 120 | 100 | 30 | 40.0× | 0.40 |" in texte
    assert "| 8 | 4000 (3000–4400) | 120 (110–150) | 200 (100–200) | 22.0× (15.0–40.0) |" in texte


def test_chaque_configuration_est_mesuree_pour_les_deux_systemes_cote_a_cote():
    plan = plan_des_mesures(3)
    paires = [plan[i : i + 2] for i in range(0, len(plan), 2)]
    for (tour, taille, n, premier), (tour_2, taille_2, n_2, second) in paires:
        assert (tour, taille, n) == (tour_2, taille_2, n_2)
        assert {premier, second} == {"magasin", "baseline"}
        # Magasin first in rounds 0 and 2, the baseline first in round 1.
        assert premier == ("baseline" if tour % 2 else "magasin")
    configurations = [(tour, taille, n) for tour, taille, n, _ in plan[::2]]
    assert configurations == (
        [(0, taille, n) for taille in TAILLES for n in CONCURRENCES]
        + [(tour, TAILLE_TOURS, n) for tour in (1, 2) for n in CONCURRENCES]
    )


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
