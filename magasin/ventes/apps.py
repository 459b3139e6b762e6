from django.apps import AppConfig


class VentesConfig(AppConfig):
    name = "magasin.ventes"
    label = "ventes"
