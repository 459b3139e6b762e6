from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "magasin.web"
    label = "web"
