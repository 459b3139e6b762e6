"""The report reads the ratio target from rounds that pair each Magasin run with the baseline
run made right after it, and its main table and chart from the first round only."""

from __future__ import annotations

from typing import Any

from bench.rapport import resume_des_tours, tableau


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
