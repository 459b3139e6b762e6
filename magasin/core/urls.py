from django.urls import path

from magasin.core import sante

urlpatterns = [
    path("healthz", sante.healthz, name="healthz"),
    path("readyz", sante.readyz, name="readyz"),
]
