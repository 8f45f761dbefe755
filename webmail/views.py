"""The site's own pages: the front page, login and logout."""

from django import forms
from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from jmapcore.http.auth import is_rate_limited, record_failure
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
