"""JSON and problem-details responses (RFC 7807), used by every JMAP endpoint."""

from __future__ import annotations

import gzip
import json
from typing import Any

from django.http import HttpRequest, HttpResponse

from jmapcore.protocol.errors import PROBLEM_PREFIX, RequestError


def dump_json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


# Below this, gzip's own header and the Content-Encoding line cost more than they save.
MIN_GZIP_SIZE = 200


def json_response(
    value: Any,
    status: int = 200,
    headers: dict[str, str] | None = None,
    request: HttpRequest | None = None,
) -> HttpResponse:
    """JSON, gzipped when ``request`` accepts it: mail lists compress about five to one.

    Nothing here is ever stored by a cache (``no-store``), so no ``Vary`` is needed.
    """
    body = dump_json(value)
    compress = request is not None and len(body) >= MIN_GZIP_SIZE and accepts_gzip(request)
    if compress:
        body = gzip.compress(body, compresslevel=6, mtime=0)
    response = HttpResponse(body, status=status, content_type="application/json")
    response["Cache-Control"] = "no-store"
    if compress:
        response["Content-Encoding"] = "gzip"
    for name, header in (headers or {}).items():
        response[name] = header
    return response


def accepts_gzip(request: HttpRequest) -> bool:
    """RFC 9110 12.5.3: ``gzip`` (or ``*``) listed without ``q=0``."""
    for item in request.META.get("HTTP_ACCEPT_ENCODING", "").split(","):
        coding, _, params = item.partition(";")
        if coding.strip().lower() not in ("gzip", "x-gzip", "*"):
            continue
        weight = params.strip().lower().removeprefix("q=").strip() if params else "1"
        try:
            return float(weight or "1") > 0
        except ValueError:
            return False
    return False


def problem_response(
    status: int, error_type: str, detail: str, headers: dict[str, str] | None = None, **extra: Any
) -> HttpResponse:
    type_uri = error_type if ":" in error_type else PROBLEM_PREFIX + error_type
    body = {"type": type_uri, "status": status, "detail": detail, **extra}
    response = HttpResponse(dump_json(body), status=status, content_type="application/problem+json")
    for name, header in (headers or {}).items():
        response[name] = header
    return response


def request_error_response(error: RequestError) -> HttpResponse:
    return problem_response(error.status, error.error_type, error.detail, **error.extra)
