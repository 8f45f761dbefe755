"""``header:{name}[:as{Form}][:all]`` properties of Email and EmailBodyPart (RFC 8621 4.1.3)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from jmapcore.mime.parse import form_allowed, header_value

FORMS = ("Raw", "Text", "Addresses", "GroupedAddresses", "MessageIds", "Date", "URLs")


@lru_cache(maxsize=1024)
def parse_property(prop: str) -> tuple[str, str, bool] | None:
    """(header name, form, all) of a ``header:`` property, or None if it is not valid."""
    parts = prop.split(":")
    if len(parts) < 2 or parts[0] != "header" or not parts[1] or len(parts) > 4:
        return None
    name, rest = parts[1], parts[2:]
    want_all = bool(rest) and rest[-1] == "all"
    if want_all:
        rest = rest[:-1]
    form = "Raw"
    if rest:
        if not rest[0].startswith("as") or rest[0][2:] not in FORMS:
            return None
        form = rest[0][2:]
    if not all(33 <= ord(ch) <= 126 and ch != ":" for ch in name) or not form_allowed(name, form):
        return None
    return name, form, want_all


def value_for_property(header_list: list[dict[str, str]], prop: str) -> Any:
    parsed = parse_property(prop)
    assert parsed is not None  # validated before
    name, form, want_all = parsed
    return header_value([(h["name"], h["value"]) for h in header_list], name, form, want_all)
