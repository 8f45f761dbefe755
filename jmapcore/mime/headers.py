"""Header fields: raw scanning from bytes and the RFC 8621 parsed forms (4.1.2)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_tz
from typing import Any

from .addresses import parse_addresses, parse_grouped_addresses
from .encoded_words import text_form, unfold

FORMS = ("Raw", "Text", "Addresses", "GroupedAddresses", "MessageIds", "Date", "URLs")

_ADDRESS_HEADERS = {
    "from", "sender", "reply-to", "to", "cc", "bcc", "resent-from", "resent-sender",
    "resent-reply-to", "resent-to", "resent-cc", "resent-bcc",
}  # fmt: skip
_ALLOWED: dict[str, set[str]] = {
    "Text": {"subject", "comments", "keywords", "list-id"},
    "Addresses": _ADDRESS_HEADERS,
    "GroupedAddresses": _ADDRESS_HEADERS,
    "MessageIds": {"message-id", "in-reply-to", "references", "resent-message-id"},
    "Date": {"date", "resent-date"},
    "URLs": {"list-help", "list-unsubscribe", "list-subscribe", "list-post", "list-owner", "list-archive"},
}
# Fields RFC 5322 or RFC 2369 define; any other field may take any form.
_DEFINED = {
    "return-path", "received", "date", "from", "sender", "reply-to", "to", "cc", "bcc",
    "message-id", "in-reply-to", "references", "subject", "comments", "keywords",
    "resent-date", "resent-from", "resent-sender", "resent-to", "resent-cc", "resent-bcc",
    "resent-message-id", "resent-reply-to", "list-help", "list-unsubscribe", "list-subscribe",
    "list-post", "list-owner", "list-archive",
}  # fmt: skip

_NAME_RE = re.compile(rb"([\x21-\x39\x3b-\x7e]+)[ \t]*:")
_FROM_FIELD_RE = re.compile(rb"From[ \t]*:")
_PROPERTY_RE = re.compile(
    r"^header:([\x21-\x39\x3b-\x7e]+?)(?::as(Raw|Text|Addresses|GroupedAddresses|MessageIds|Date|URLs))?(:all)?$"
)
_ANGLE_RE = re.compile(r"<([^<>]*)>")
_WS_RE = re.compile(r"\s+")
# Spaces around the colons of a time ("09 : 55"); anchored on digits so a
# long run of spaces costs linear time.
_TIME_COLON_RE = re.compile(r"(?<=\d)\s*:\s*(?=\d)")


def form_allowed(name: str, form: str) -> bool:
    """Whether RFC 8621 allows fetching or setting header ``name`` in ``form``."""
    if form not in FORMS:
        return False
    lname = name.lower()
    if form == "Raw" or lname not in _DEFINED:
        return True
    return lname in _ALLOWED[form]


@dataclass(frozen=True)
class HeaderProperty:
    """A parsed ``header:{name}[:as{form}][:all]`` property name."""

    name: str
    form: str = "Raw"
    all: bool = False


def parse_header_property(prop: str) -> HeaderProperty | None:
    """Split a ``header:...`` property; None when it is not a valid one."""
    match = _PROPERTY_RE.match(prop)
    if not match:
        return None
    return HeaderProperty(match.group(1), match.group(2) or "Raw", bool(match.group(3)))


# --- scanning raw bytes --------------------------------------------------


def raw_value(data: bytes) -> str:
    """Raw form: UTF-8 with invalid octets replaced by U+FFFD, NULs dropped."""
    return data.replace(b"\x00", b"").decode("utf-8", "replace")


def scan_headers(
    buf: bytes, start: int, end: int, skip_mbox_from: bool = False
) -> tuple[list[tuple[str, str]], int]:
    """Header fields of the entity at buf[start:end] and where its body starts.

    Each field is (name, Raw value). The block ends at the first empty line
    (consumed) or at the first line that is neither a field nor a
    continuation (left to the body), like most mail readers. "Name :" with
    white space before the colon is obsolete syntax, still accepted.
    """
    fields: list[list] = []
    pos = start
    if skip_mbox_from and buf.startswith(b"From ", pos) and not _FROM_FIELD_RE.match(buf, pos):
        pos = _next_line(buf, pos, end)
    while pos < end:
        line_end = _next_line(buf, pos, end)
        line = buf[pos:line_end]
        if not line.strip(b"\r\n"):
            return _decode_fields(buf, fields), line_end
        if line[0] in b" \t" and fields:
            fields[-1][2] = line_end
            pos = line_end
            continue
        # Indented before any field: a stray blank line is skipped, an
        # indented field is still a field, anything else is body text.
        indent = len(line) - len(line.lstrip(b" \t"))
        if indent and not line.strip():
            pos = line_end
            continue
        match = _NAME_RE.match(buf, pos + indent, line_end)
        if not match:
            break
        fields.append([match.group(1), match.end(), line_end])
        pos = line_end
    return _decode_fields(buf, fields), pos


def _next_line(buf: bytes, pos: int, end: int) -> int:
    newline = buf.find(b"\n", pos, end)
    return end if newline < 0 else newline + 1


def _decode_fields(buf: bytes, fields: list[list]) -> list[tuple[str, str]]:
    out = []
    for name, value_start, value_end in fields:
        value = buf[value_start:value_end]
        if value.endswith(b"\n"):
            value = value[:-2] if value.endswith(b"\r\n") else value[:-1]
        out.append((name.decode("ascii"), raw_value(value)))
    return out


# --- parsed forms ----------------------------------------------------------


def strip_comments(value: str) -> str:
    """Remove RFC 5322 comments (nested, with quoted-pairs), keeping quoted strings."""
    if "(" not in value:
        return value
    out, depth, i, quoted = [], 0, 0, False
    while i < len(value):
        c = value[i]
        if c == "\\" and i + 1 < len(value):
            if not depth:
                out.append(value[i : i + 2])
            i += 2
            continue
        if quoted:
            quoted = c != '"'
            out.append(c)
        elif c == "(":
            depth += 1
        elif c == ")" and depth:
            depth -= 1
        elif not depth:
            quoted = c == '"'
            out.append(c)
        i += 1
    return "".join(out)


def message_ids_form(raw: str) -> list[str] | None:
    """MessageIds form: msg-ids without CFWS and angle brackets; None if none parse."""
    value = strip_comments(unfold(raw))
    ids = [_WS_RE.sub("", found) for found in _ANGLE_RE.findall(value)]
    ids = [found for found in ids if found]
    if ids:
        return ids
    # A lone id without brackets is a common mistake; accept it when it
    # still looks like one.
    words = value.split()
    if len(words) == 1 and "@" in words[0] and "<" not in words[0] and ">" not in words[0]:
        return [words[0]]
    return None


def date_form(raw: str) -> str | None:
    """Date form: RFC 3339 with the header's own offset; None when unparsable."""
    value = _TIME_COLON_RE.sub(":", strip_comments(unfold(raw))).strip()
    try:
        parts = parsedate_tz(value)
        if parts is None:
            return None
        offset = parts[9] or 0
        moment = datetime(*parts[:5], min(parts[5], 59), tzinfo=timezone(timedelta(seconds=offset)))
    except (ValueError, TypeError, OverflowError, IndexError):
        return None
    return format_utc_offset(moment)


def format_utc_offset(moment: datetime) -> str:
    """RFC 3339 date-time with the moment's own offset ("Z" for zero)."""
    base = f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}T{moment.hour:02d}:{moment.minute:02d}:{moment.second:02d}"
    offset = moment.utcoffset() or timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    if minutes == 0:
        return base + "Z"
    sign = "+" if minutes > 0 else "-"
    return f"{base}{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def urls_form(raw: str) -> list[str] | None:
    """URLs form (RFC 2369): the bracketed URLs, comments and spaces removed."""
    value = strip_comments(unfold(raw))
    urls = [_WS_RE.sub("", found) for found in _ANGLE_RE.findall(value)]
    urls = [url for url in urls if url]
    return urls or None


_CONVERTERS = {
    "Raw": lambda raw: raw,
    "Text": text_form,
    "Addresses": parse_addresses,
    "GroupedAddresses": parse_grouped_addresses,
    "MessageIds": message_ids_form,
    "Date": date_form,
    "URLs": urls_form,
}


def convert(raw: str, form: str) -> Any:
    """One Raw value in the given parsed form."""
    if form not in _CONVERTERS:
        raise ValueError(f"unknown header form {form!r}")
    return _CONVERTERS[form](raw)


HeaderSource = Any  # ParsedMessage, a part dict, or a list of (name, value) / {name, value}


def header_list(source: HeaderSource) -> list[tuple[str, str]]:
    """(name, raw value) pairs from any supported header source."""
    headers = getattr(source, "headers", source)
    if isinstance(headers, Mapping):
        headers = headers.get("headers") or []
    out = []
    for item in headers:
        if isinstance(item, Mapping):
            out.append((item["name"], item["value"]))
        else:
            out.append((item[0], item[1]))
    return out


def header_value(source: HeaderSource, name: str, form: str = "Raw", all: bool = False) -> Any:
    """A header field in an RFC 8621 form: the last instance, or every one with ``all``.

    ``source`` is a ParsedMessage, an EmailBodyPart dict (its ``headers``), or a
    list of (name, value) tuples or {name, value} dicts. Names match case-
    insensitively. Absent fields give None, or [] with ``all``. Whether the
    form is allowed for the field (form_allowed) is the caller's check; a
    form name that is not one of FORMS raises ValueError.
    """
    wanted = name.lower()
    values = [value for field, value in header_list(source) if field.lower() == wanted]
    if all:
        return [convert(value, form) for value in values]
    return convert(values[-1], form) if values else None


def headers_as_json(headers: Sequence[tuple[str, str]]) -> list[dict]:
    return [{"name": name, "value": value} for name, value in headers]
