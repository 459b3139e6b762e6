from django.apps import AppConfig


class RepriseConfig(AppConfig):
    name = "magasin.reprise"
    label = "reprise"
    verbose_name = "Reprise des données de l'ancien système"
    default_auto_field = "django.db.models.BigAutoField"
