from django.contrib.auth import views as auth_views
from django.urls import path
from django.views.generic import RedirectView

app_name = "web"

urlpatterns = [
    path("connexion/", auth_views.LoginView.as_view(template_name="web/connexion.html"), name="connexion"),
    path("", RedirectView.as_view(url="/admin/"), name="tableau_de_bord"),
]
