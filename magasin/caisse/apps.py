from django.apps import AppConfig


class CaisseConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "magasin.caisse"
    verbose_name = "Caisse"
