"""The site's own pages: the front page, login and logout."""

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from jmapcore.http.session import urls as jmap_urls


def home(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "home.html",
        {
            "public_url": settings.PUBLIC_URL,
            "session_url": f"{settings.PUBLIC_URL}/.well-known/jmap",
            **jmap_urls(),
        },
    )


class LoginView(auth_views.LoginView):
    template_name = "login.html"
    redirect_authenticated_user = True
