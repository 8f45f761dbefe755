"""The API endpoint: POST a Request, get a Response (RFC 8620 section 3)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from jmapcore.engine.context import Context
from jmapcore.engine.dispatch import run_request
from jmapcore.protocol.errors import RequestError
from jmapcore.protocol.request import parse_request
from jmapcore.selectors.accounts import accessible_accounts

from . import limits
from .auth import AuthFailed, Caller, authenticate
from .responses import json_response, request_error_response
from .session import build_session, session_view


def execute_request(caller: Caller, body: bytes) -> dict[str, Any]:
    """Run one JMAP Request given as raw JSON: the Response object, or RequestError.

    Shared by the HTTP endpoint and JMAP over WebSocket (RFC 8887), which checks no
    Content-Type and ignores the extra ``@type`` and ``id`` members of its Request.
    """
    if len(body) > settings.JMAP_MAX_SIZE_REQUEST:
        raise RequestError("limit", "The request is too large", limit="maxSizeRequest")
    jmap_request = parse_request(body, settings.JMAP_MAX_CALLS_IN_REQUEST)
    with limits.REQUESTS.slot(caller.user.pk):
        accounts = accessible_accounts(caller.user)
        ctx = Context(user=caller.user, accounts=accounts, using=frozenset(jmap_request.using))
        session_state = build_session(caller.user, accounts)["state"]
        return run_request(ctx, jmap_request, session_state).to_json()


@csrf_exempt
def api_view(request: HttpRequest) -> HttpResponse:
    if request.method in ("GET", "HEAD"):
        return session_view(request)
    if request.method != "POST":
        return HttpResponse(status=405, headers={"Allow": "GET, HEAD, POST"})
    try:
        caller = authenticate(request)
    except AuthFailed as failure:
        return failure.response
    try:
        content_type = request.META.get("CONTENT_TYPE", "").split(";")[0].strip().lower()
        if content_type != "application/json":
            raise RequestError("notJSON", "The request's Content-Type must be application/json")
        length = int(request.META.get("CONTENT_LENGTH") or 0)
        if length > settings.JMAP_MAX_SIZE_REQUEST:
            raise RequestError("limit", "The request is too large", limit="maxSizeRequest")
        try:
            body = request.body
        except RequestDataTooBig:  # a chunked body has no Content-Length to check first
            raise RequestError("limit", "The request is too large", limit="maxSizeRequest") from None
        response = execute_request(caller, body)
    except RequestError as error:
        return request_error_response(error)
    return json_response(response, request=request)
