from django.contrib import admin
from django.urls import include, path

from magasin.api.api import api

admin.site.site_header = "Magasin — administration"
admin.site.site_title = "Magasin"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("", include("magasin.core.urls")),
    path("", include("magasin.web.urls")),
]
