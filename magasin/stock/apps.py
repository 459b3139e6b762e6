from django.apps import AppConfig


class StockConfig(AppConfig):
    name = "magasin.stock"
    label = "stock"
