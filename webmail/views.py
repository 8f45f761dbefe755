"""The site's own pages: the web client's boot page, its manifest and service worker, login and logout."""

import json

from django import forms
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.views.decorators.http import require_GET

from jmapcore.http.auth import is_rate_limited, record_failure

from . import frontend

# The boot page must not be cached by the browser's HTTP cache (the service worker
# keeps its own copy for offline starts), nor can the worker script itself.
NO_CACHE = "no-cache"


@login_required
@require_GET
def app(request: HttpRequest) -> HttpResponse:
    try:
        assets = frontend.assets()
    except frontend.FrontendNotBuilt as error:
        return render(request, "not_built.html", {"error": error}, status=503)
    get_token(request)  # the client reads the CSRF cookie for its POSTs to the API
    response = render(request, "app.html", {"assets": assets})
    response["Cache-Control"] = f"{NO_CACHE}, private"
    return response


@require_GET
def web_manifest(request: HttpRequest) -> HttpResponse:
    manifest = {
        "name": "Mail",
        "short_name": "Mail",
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#1f6feb",
        "icons": [{"src": "/static/icon.svg", "sizes": "any", "type": "image/svg+xml"}],
    }
    return HttpResponse(json.dumps(manifest), content_type="application/manifest+json")


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    """The worker script, served from the root so that its scope covers the whole site."""
    try:
        assets = frontend.assets()
    except frontend.FrontendNotBuilt as error:
        return HttpResponse(str(error), status=503, content_type="text/plain")
    prelude = f"self.APP_SHELL = {json.dumps(list(assets.shell))};\n"
    response = HttpResponse(
        prelude + assets.worker_file.read_text(), content_type="text/javascript; charset=utf-8"
    )
    response["Cache-Control"] = NO_CACHE
    return response


class RateLimitedAuthenticationForm(AuthenticationForm):
    """Counts failed logins in the same place as the JMAP endpoints do."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "rate_limited": "Too many failed sign-ins. Wait a few minutes and try again.",
    }

    def clean(self) -> dict:
        username = self.cleaned_data.get("username")
        if is_rate_limited(self.request, username):
            raise forms.ValidationError(self.error_messages["rate_limited"], code="rate_limited")
        try:
            return super().clean()
        except forms.ValidationError:
            record_failure(self.request, username)
            raise


class LoginView(auth_views.LoginView):
    template_name = "login.html"
    authentication_form = RateLimitedAuthenticationForm
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    template_name = "logged_out.html"
