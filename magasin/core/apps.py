from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "magasin.core"
    label = "core"
    verbose_name = "Magasin"
