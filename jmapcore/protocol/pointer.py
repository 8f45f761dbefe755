"""JSON Pointer (RFC 6901) with JMAP's ``*`` extension (RFC 8620 section 3.7)."""

from __future__ import annotations

from typing import Any


class PointerError(ValueError):
    pass


def _unescape(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


def evaluate(document: Any, pointer: str) -> Any:
    if pointer == "":
        return document
    if not pointer.startswith("/"):
        raise PointerError(f"path {pointer!r} does not start with '/'")
    return _walk(document, [_unescape(t) for t in pointer[1:].split("/")])


def _walk(value: Any, tokens: list[str]) -> Any:
    if not tokens:
        return value
    token, rest = tokens[0], tokens[1:]
    if isinstance(value, list):
        if token == "*":
            # Apply the rest of the path to every item; flatten arrays of arrays.
            out: list[Any] = []
            for item in value:
                result = _walk(item, rest)
                if isinstance(result, list):
                    out.extend(result)
                else:
                    out.append(result)
            return out
        if not token.isdigit() or (len(token) > 1 and token.startswith("0")):
            raise PointerError(f"{token!r} is not an array index")
        index = int(token)
        if index >= len(value):
            raise PointerError(f"index {index} is out of range")
        return _walk(value[index], rest)
    if isinstance(value, dict):
        if token not in value:
            raise PointerError(f"no member {token!r}")
        return _walk(value[token], rest)
    raise PointerError(f"cannot descend into a {type(value).__name__} with {token!r}")
