"""Magasin's URLs plus the seed-style baseline endpoint, for the benchmark server only."""

from django.urls import path

from bench.baseline import vue_baseline
from magasin.urls import urlpatterns as urlpatterns_magasin

urlpatterns = [
    path("bench/baseline/ventes/sync", vue_baseline, name="bench-baseline"),
    *urlpatterns_magasin,
]
