"""Who is calling: HTTP Basic, Bearer tokens, or the browser's session cookie.

Non-browser clients authenticate every request with Basic or Bearer. Verifying a
password costs a deliberately slow hash, so a verified Basic credential is
remembered in this process for a few minutes (keyed by a keyed hash, invalidated
when the stored password hash changes). The browser uses Django's session cookie
and must pass CSRF on unsafe methods. Failures are counted per client address and
per account in the shared cache and refused with 429 beyond the limit.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import threading
import time
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import authenticate as django_authenticate
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.utils import timezone

from jmapcore.models import ApiToken
from jmapcore.models.accounts import hash_token
from jmapcore.selectors.callers import active_user_with_account, token_caller

from .responses import problem_response

BASIC_CACHE_SECONDS = 300
_verified: dict[str, tuple[int, str, float]] = {}
_verified_lock = threading.Lock()


@dataclass
class Caller:
    user: object
    via: str  # "basic", "bearer" or "session"


class AuthFailed(Exception):
    def __init__(self, response: HttpResponse) -> None:
        self.response = response


def challenge(detail: str = "Authentication required") -> HttpResponse:
    return problem_response(
        401,
        "about:blank",
        detail,
        headers={"WWW-Authenticate": 'Basic realm="JMAP", charset="UTF-8", Bearer realm="JMAP"'},
        title="Unauthorized",
    )


def client_address(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR") or "unknown"


def _failure_keys(request: HttpRequest, username: str | None) -> list[str]:
    keys = [f"authfail:ip:{client_address(request)}"]
    if username:
        keys.append("authfail:user:" + hashlib.sha256(username.lower().encode()).hexdigest()[:32])
    return keys


def is_rate_limited(request: HttpRequest, username: str | None) -> bool:
    counts = cache.get_many(_failure_keys(request, username))
    return any(count >= settings.AUTH_FAILURE_LIMIT for count in counts.values())


def check_rate_limit(request: HttpRequest, username: str | None) -> None:
    if is_rate_limited(request, username):
        raise AuthFailed(
            problem_response(
                429,
                "about:blank",
                "Too many failed logins; try again later",
                headers={"Retry-After": str(settings.AUTH_FAILURE_WINDOW)},
                title="Too Many Requests",
            )
        )


def record_failure(request: HttpRequest, username: str | None) -> None:
    for key in _failure_keys(request, username):
        if not cache.add(key, 1, settings.AUTH_FAILURE_WINDOW):
            try:
                cache.incr(key)
            except ValueError:
                cache.set(key, 1, settings.AUTH_FAILURE_WINDOW)


def _basic(request: HttpRequest, encoded: str) -> Caller:
    try:
        username, _, password = base64.b64decode(encoded, validate=True).decode().partition(":")
    except (ValueError, UnicodeDecodeError):
        raise AuthFailed(challenge("Malformed Basic credentials")) from None
    key = hmac.new(settings.SECRET_KEY.encode(), f"{username}\0{password}".encode(), "sha256").hexdigest()
    with _verified_lock:
        remembered = _verified.get(key)
    if remembered and remembered[2] > time.monotonic():
        user = active_user_with_account(remembered[0])
        if user is not None and user.password == remembered[1]:
            return Caller(user, "basic")
    check_rate_limit(request, username)
    user = django_authenticate(request, username=username, password=password)
    if user is None:
        record_failure(request, username)
        raise AuthFailed(challenge("Wrong username or password"))
    with _verified_lock:
        _verified[key] = (user.pk, user.password, time.monotonic() + BASIC_CACHE_SECONDS)
    return Caller(user, "basic")


def _bearer(request: HttpRequest, secret: str) -> Caller:
    found = token_caller(hash_token(secret.strip()))
    if found is None:
        check_rate_limit(request, None)
        record_failure(request, None)
        raise AuthFailed(challenge("Unknown or revoked token"))
    token_id, last_used_at, user = found
    now = timezone.now()
    if last_used_at is None or (now - last_used_at).total_seconds() > 300:
        ApiToken.objects.filter(pk=token_id).update(last_used_at=now)
    return Caller(user, "bearer")


def _csrf_ok(request: HttpRequest) -> bool:
    if request.method in ("GET", "HEAD", "OPTIONS", "TRACE"):
        return True
    middleware = CsrfViewMiddleware(lambda req: HttpResponse())
    return middleware.process_view(request, lambda req: HttpResponse(), (), {}) is None


def authenticate(request: HttpRequest) -> Caller:
    """The caller, or AuthFailed carrying the response to send (401, 403 or 429)."""
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _, credentials = header.partition(" ")
    if scheme.lower() == "basic":
        return _basic(request, credentials.strip())
    if scheme.lower() == "bearer":
        return _bearer(request, credentials)
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        if not _csrf_ok(request):
            raise AuthFailed(problem_response(403, "about:blank", "CSRF check failed", title="Forbidden"))
        return Caller(user, "session")
    raise AuthFailed(challenge())
