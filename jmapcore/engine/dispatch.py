"""Running a Request: method calls in order, result references, errors as data."""

from __future__ import annotations

import logging

from jmapcore.protocol.errors import MethodError, RequestError
from jmapcore.protocol.request import Invocation, Request, Response, resolve_references

from .capabilities import session_capabilities
from .context import Context
from .registry import METHODS

logger = logging.getLogger(__name__)


def check_using(request: Request) -> None:
    known = session_capabilities()
    for capability in request.using:
        if capability not in known:
            raise RequestError("unknownCapability", f"The server does not support {capability!r}")


def run_request(ctx: Context, request: Request, session_state: str) -> Response:
    check_using(request)
    if request.created_ids is not None:
        ctx.created_ids.update(request.created_ids)
    response = Response(session_state=session_state)
    for call in request.method_calls:
        ctx.call_id = call.call_id
        ctx.extra_responses = []
        response.method_responses.append(_run_call(ctx, call, response.method_responses))
        response.method_responses.extend(ctx.extra_responses)
    if request.created_ids is not None:
        response.created_ids = dict(ctx.created_ids)
    return response


def _run_call(ctx: Context, call: Invocation, previous: list[Invocation]) -> Invocation:
    try:
        method = METHODS.get(call.name)
        if method is None:
            raise MethodError("unknownMethod", f"No method {call.name!r}")
        if method.capability not in ctx.using:
            raise MethodError("unknownMethod", f"{call.name} needs {method.capability!r} in 'using'")
        arguments = resolve_references(call.arguments, previous)
        return Invocation(call.name, method.handler(ctx, arguments), call.call_id)
    except MethodError as error:
        return Invocation("error", error.to_json(), call.call_id)
    except Exception:
        logger.exception("serverFail in %s", call.name)
        return Invocation(
            "error",
            {"type": "serverFail", "description": "An unexpected error occurred; it was logged."},
            call.call_id,
        )
