from django.contrib import admin
from django.urls import include, path

from . import views

urlpatterns = [
    path("", views.app, name="app"),
    path("manifest.webmanifest", views.web_manifest, name="web-manifest"),
    path("sw.js", views.service_worker, name="service-worker"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("", include("jmapcore.urls")),
]
