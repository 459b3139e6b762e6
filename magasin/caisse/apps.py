from django.apps import AppConfig


class CaisseConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "magasin.caisse"
    verbose_name = "Caisse"

    def ready(self) -> None:
        # Sales are recorded below this app: it learns of them by the signal of `ventes.signaux`.
        from magasin.caisse.services import creances_des_ventes_enregistrees, creances_des_ventes_modifiees
        from magasin.ventes.signaux import ventes_enregistrees, ventes_modifiees

        ventes_enregistrees.connect(creances_des_ventes_enregistrees, dispatch_uid="caisse.creances_ouvrir")
        ventes_modifiees.connect(creances_des_ventes_modifiees, dispatch_uid="caisse.creances_resolder")
