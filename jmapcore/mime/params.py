"""MIME parameter headers (Content-Type, Content-Disposition) with RFC 2231 and sloppy syntax."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import unquote_to_bytes

from . import charsets
from .addresses import read_quoted
from .encoded_words import decode_words, unfold
from .headers import strip_comments

_TOKEN = r"[^\s/;()<>@,:\\\"\[\]?=]+"
_MEDIA_TYPE_RE = re.compile(rf"\s*({_TOKEN})\s*/\s*({_TOKEN})")
_DISPOSITION_RE = re.compile(r"\s*([^\s;=\"]+)\s*(?=;|$|\s)")
_PARAM_NAME_RE = re.compile(r"[\s;]*([^\s=;\"]+)\s*=\s*")
_NEXT_PARAM_RE = re.compile(r"\s+(?=[^\s=;\"]+\s*=)")
_SECTION_RE = re.compile(r"^(.*?)\*(\d+)?(\*)?$")


def parse_content_type(raw: str) -> tuple[str | None, dict[str, str]]:
    """Lower-case type/subtype (None when missing or invalid) and the parameters."""
    value = strip_comments(unfold(raw))
    match = _MEDIA_TYPE_RE.match(value)
    if not match:
        return None, parse_params(value)
    media_type = f"{match.group(1)}/{match.group(2)}".lower()
    return media_type, parse_params(value[match.end() :])


def parse_disposition(raw: str) -> tuple[str | None, dict[str, str]]:
    """Lower-case disposition type (None when only parameters are given) and the parameters."""
    value = strip_comments(unfold(raw))
    match = _DISPOSITION_RE.match(value)
    if not match:
        return None, parse_params(value)
    return match.group(1).lower(), parse_params(value[match.end() :])


def parse_params(value: str) -> dict[str, str]:
    """Parameters by lower-case name; RFC 2231 sections and charsets joined and decoded.

    Lenient: a missing ";" between parameters, unquoted values with spaces,
    and an unclosed quote are all read as the sender meant them. The first
    instance of a duplicated parameter wins.
    """
    simple: dict[str, str] = {}
    sections: dict[str, list[tuple[int, bool, str]]] = {}
    for name, text in _iter_params(value):
        section = _SECTION_RE.match(name)
        if section:
            base = section.group(1)
            index = int(section.group(2)) if section.group(2) else 0
            extended = bool(section.group(3)) or section.group(2) is None
            sections.setdefault(base, []).append((index, extended, text))
        else:
            simple.setdefault(name, text)
    for base, parts in sections.items():
        simple[base] = _join_sections(parts)
    return simple


def _iter_params(value: str):
    pos = 0
    while pos < len(value):
        match = _PARAM_NAME_RE.match(value, pos)
        if not match:
            semicolon = value.find(";", pos)
            if semicolon < 0:
                return
            pos = semicolon + 1
            continue
        name, pos = match.group(1).lower(), match.end()
        if value.startswith('"', pos):
            text, pos = read_quoted(value, pos)
        else:
            end = value.find(";", pos)
            end = len(value) if end < 0 else end
            text = value[pos:end]
            gap = _NEXT_PARAM_RE.search(text.strip())
            if gap:
                end = pos + len(text) - len(text.lstrip()) + gap.start()
                text = value[pos:end]
            text, pos = text.strip(), end
        yield name, text


def _join_sections(parts: list[tuple[int, bool, str]]) -> str:
    parts.sort(key=lambda part: part[0])
    label = "utf-8"
    data = bytearray()
    pending = ""  # extended text not yet percent-decoded
    for position, (_index, extended, text) in enumerate(parts):
        if extended and position == 0 and text.count("'") >= 2:
            label, _language, text = text.split("'", 2)
        if extended:
            # Joined before decoding: some mailers split a %XX escape between sections.
            pending += text
            continue
        data += unquote_to_bytes(pending) + text.encode("utf-8")
        pending = ""
    data += unquote_to_bytes(pending)
    return charsets.decode_lenient(bytes(data), label or "utf-8")


def decode_filename(value: str | None) -> str | None:
    """A name/filename parameter, with the encoded-words many mailers put there decoded."""
    if value is None:
        return None
    decoded = unicodedata.normalize("NFC", decode_words(value).strip())
    return decoded or None
