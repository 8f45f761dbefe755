"""The Request and Response objects (RFC 8620 sections 3.3, 3.4 and 3.7)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from . import pointer
from .errors import MethodError, RequestError


@dataclass
class Invocation:
    name: str
    arguments: dict[str, Any]
    call_id: str

    def to_json(self) -> list[Any]:
        return [self.name, self.arguments, self.call_id]


@dataclass
class Request:
    using: list[str]
    method_calls: list[Invocation]
    created_ids: dict[str, str] | None = None


@dataclass
class Response:
    method_responses: list[Invocation] = field(default_factory=list)
    created_ids: dict[str, str] | None = None
    session_state: str = ""

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "methodResponses": [r.to_json() for r in self.method_responses],
            "sessionState": self.session_state,
        }
        if self.created_ids is not None:
            body["createdIds"] = self.created_ids
        return body


def _not_request(detail: str) -> RequestError:
    return RequestError("notRequest", detail)


class _NotIJson(ValueError):
    pass


def _reject_constant(name: str) -> Any:
    raise _NotIJson(f"{name} is not a JSON number")


def _unique_members(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        raise _NotIJson("an object has two members with the same name")
    return result


def _check_strings(value: Any) -> None:
    """I-JSON (RFC 7493 section 2.1) forbids lone surrogates, which ``\\uD800`` escapes can produce."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            _check_string(item)
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            for key, member in item.items():
                _check_string(key)
                stack.append(member)


def _check_string(text: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise _NotIJson("a string contains a lone surrogate") from None


def loads_i_json(body: bytes) -> Any:
    """Parse I-JSON (RFC 7493): JSON without NaN/Infinity, duplicate names or lone surrogates."""
    data = json.loads(body, parse_constant=_reject_constant, object_pairs_hook=_unique_members)
    _check_strings(data)
    return data


def parse_request(body: bytes, max_calls: int) -> Request:
    """Parse and validate the request body's shape; raise RequestError if it is not a Request."""
    try:
        data = loads_i_json(body)
    except (UnicodeDecodeError, json.JSONDecodeError, _NotIJson) as exc:
        raise RequestError("notJSON", f"The request body is not valid I-JSON: {exc}") from None
    if not isinstance(data, dict):
        raise _not_request("The request must be a JSON object")
    using = data.get("using")
    calls = data.get("methodCalls")
    if not isinstance(using, list) or not all(isinstance(u, str) for u in using):
        raise _not_request("'using' must be an array of capability strings")
    if not isinstance(calls, list):
        raise _not_request("'methodCalls' must be an array")
    if len(calls) > max_calls:
        raise RequestError(
            "limit",
            f"The request has more than {max_calls} method calls",
            limit="maxCallsInRequest",
        )
    invocations = []
    for call in calls:
        if (
            not isinstance(call, list)
            or len(call) != 3
            or not isinstance(call[0], str)
            or not isinstance(call[1], dict)
            or not isinstance(call[2], str)
        ):
            raise _not_request("Each method call must be [name, arguments object, call id string]")
        invocations.append(Invocation(call[0], call[1], call[2]))
    created_ids = data.get("createdIds")
    if created_ids is not None and (
        not isinstance(created_ids, dict) or not all(isinstance(v, str) for v in created_ids.values())
    ):
        raise _not_request("'createdIds' must map creation ids to ids")
    return Request(using=using, method_calls=invocations, created_ids=created_ids)


def resolve_references(arguments: dict[str, Any], previous: list[Invocation]) -> dict[str, Any]:
    """Replace every ``#name`` argument by the value its ResultReference points at."""
    resolved: dict[str, Any] = {}
    for key, value in arguments.items():
        if not key.startswith("#"):
            resolved[key] = value
            continue
        name = key[1:]
        if name in arguments:
            raise MethodError("invalidArguments", f"Both '{name}' and '#{name}' are given")
        resolved[name] = _follow(value, previous)
    return resolved


def _follow(reference: Any, previous: list[Invocation]) -> Any:
    if (
        not isinstance(reference, dict)
        or not isinstance(reference.get("resultOf"), str)
        or not isinstance(reference.get("name"), str)
        or not isinstance(reference.get("path"), str)
    ):
        raise MethodError("invalidResultReference", "A ResultReference needs resultOf, name and path")
    for response in previous:
        if response.call_id == reference["resultOf"]:
            if response.name != reference["name"]:
                raise MethodError(
                    "invalidResultReference",
                    f"Call {reference['resultOf']!r} answered {response.name!r}, not {reference['name']!r}",
                )
            try:
                return pointer.evaluate(response.arguments, reference["path"])
            except pointer.PointerError as exc:
                raise MethodError("invalidResultReference", str(exc)) from None
    raise MethodError("invalidResultReference", f"No earlier response with call id {reference['resultOf']!r}")
