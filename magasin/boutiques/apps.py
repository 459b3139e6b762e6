from django.apps import AppConfig


class BoutiquesConfig(AppConfig):
    name = "magasin.boutiques"
    label = "boutiques"
