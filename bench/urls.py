"""Magasin's URLs plus the benchmark's two comparison endpoints, for the benchmark server only:
the seed-style baseline and the stack's floor."""

from django.urls import path

from bench.baseline import vue_baseline
from bench.plancher import vue_plancher
from magasin.urls import urlpatterns as urlpatterns_magasin

urlpatterns = [
    path("bench/baseline/ventes/sync", vue_baseline, name="bench-baseline"),
    path("bench/plancher/ventes/sync", vue_plancher, name="bench-plancher"),
    *urlpatterns_magasin,
]
