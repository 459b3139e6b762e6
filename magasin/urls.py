from django.contrib import admin
from django.urls import include, path

from magasin.api.api import api
from magasin.web.views.auth import FormulaireConnexionAdmin, connexion_admin

admin.site.site_header = "Magasin — administration"
admin.site.site_title = "Magasin"
# Throttled like the back-office login (same counters); the path below answers 429 for it.
admin.site.login_form = FormulaireConnexionAdmin

urlpatterns = [
    path("admin/login/", connexion_admin),
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("", include("magasin.core.urls")),
    path("", include("magasin.web.urls")),
]
