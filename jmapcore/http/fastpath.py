"""A lean ASGI route for non-browser JMAP clients.

Django's ASGI handler hops between the event loop and worker threads several
times per request (the request signals, every middleware hook, the view), which
costs milliseconds on a busy two-core machine. JMAP clients that authenticate
with an ``Authorization`` header need none of the middleware (no session, no
CSRF, no HTML), so their session and API requests are handled here in a single
hop to a worker thread, by the very same views. Everything else, including every
browser request carrying a session cookie, goes through Django's full stack.
"""

from __future__ import annotations

import io
import logging
from typing import Any

from asgiref.sync import sync_to_async
from django.core import signals
from django.core.handlers.asgi import ASGIRequest
from django.http import HttpResponse

from .api import api_view
from .responses import problem_response
from .session import session_view

logger = logging.getLogger("django.request")

VIEWS = {
    "/jmap/api/": api_view,
    "/.well-known/jmap": session_view,
    "/jmap/session/": session_view,
}
# Bodies above this go through Django, which spools them to disk and checks limits.
MAX_FAST_BODY = 1_000_000


def _header(scope: dict[str, Any], name: bytes) -> bytes | None:
    for key, value in scope["headers"]:
        if key == name:
            return value
    return None


def wants_fast_path(scope: dict[str, Any]) -> bool:
    if scope["type"] != "http" or scope["path"] not in VIEWS or _header(scope, b"authorization") is None:
        return False
    if scope["method"] in ("GET", "HEAD"):
        return True
    length = _header(scope, b"content-length")
    return length is not None and length.isdigit() and int(length) <= MAX_FAST_BODY


def _run_view(scope: dict[str, Any], body: bytes) -> HttpResponse:
    """In a worker thread: the same view Django would call, with its request signals.

    No Host check is needed: JMAP responses build every URL from PUBLIC_URL.
    """
    signals.request_started.send(sender=FastPathApp, scope=scope)
    try:
        request = ASGIRequest(scope, io.BytesIO(body))
        return VIEWS[scope["path"]](request)
    except Exception:  # a view crash must still answer, as Django would
        logger.exception("Internal error on %s", scope["path"])
        return problem_response(500, "about:blank", "Internal server error", title="Internal Server Error")
    finally:
        signals.request_finished.send(sender=FastPathApp)


class FastPathApp:
    def __init__(self, django_app: Any) -> None:
        self.django_app = django_app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if not wants_fast_path(scope):
            await self.django_app(scope, receive, send)
            return
        chunks = []
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        response = await sync_to_async(_run_view, thread_sensitive=False)(scope, b"".join(chunks))
        headers = [(b"content-length", str(len(response.content)).encode())]
        headers += [
            (k.encode("latin-1"), v.encode("latin-1"))
            for k, v in response.items()
            if k.lower() != "content-length"
        ]
        headers.append((b"x-content-type-options", b"nosniff"))
        await send({"type": "http.response.start", "status": response.status_code, "headers": headers})
        body_out = b"" if scope["method"] == "HEAD" else response.content
        await send({"type": "http.response.body", "body": body_out})
