"""JSON and problem-details responses (RFC 7807), used by every JMAP endpoint."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpResponse

from jmapcore.protocol.errors import PROBLEM_PREFIX, RequestError


def dump_json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


def json_response(value: Any, status: int = 200, headers: dict[str, str] | None = None) -> HttpResponse:
    response = HttpResponse(dump_json(value), status=status, content_type="application/json")
    response["Cache-Control"] = "no-cache, no-store, must-revalidate"
    for name, header in (headers or {}).items():
        response[name] = header
    return response


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
