from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "magasin.api"
    label = "api"
