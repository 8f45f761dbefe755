"""Serialising header values and MIME entities for build: folding, encodings, boundaries."""

from __future__ import annotations

import base64
import binascii
import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import format_datetime
from urllib.parse import quote

from .encoded_words import encode_text, encode_word_run, needs_encoding

LINE_LIMIT = 78
_ATEXT_PHRASE_RE = re.compile(r"^[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~ ]+$")
_SAFE_PARAM_RE = re.compile(r"^[\x20-\x7e]*$")
_ATTR_CHARS = "!#$&+-.^_`|~"


def fold(name: str, value: str) -> str:
    """A header line, folded at spaces to keep physical lines near 78 characters."""
    line = f"{name}: {value}"
    if len(line) <= LINE_LIMIT:
        return line
    out: list[str] = []
    current = ""
    for token in re.split(r"(?= )", line):
        if current and current.strip() and token.strip() and len(current) + len(token) > LINE_LIMIT:
            out.append(current)
            current = token
        else:
            current += token
    out.append(current)
    return "\r\n".join(out)


def raw_line(name: str, value: str) -> str:
    """A Raw-form header as given (folds and all); a space after the colon if it has none."""
    if not value.startswith((" ", "\t")):
        value = " " + value
    return f"{name}:{value}"


def phrase(text: str) -> str:
    """A display-name: atoms as they are, quoted when needed, encoded-words when not ASCII."""
    if needs_encoding(text):
        return encode_word_run(text)
    if _ATEXT_PHRASE_RE.match(text) and text.strip() == text and "  " not in text:
        return text
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def address(item: dict) -> str:
    email = item["email"]
    name = item.get("name")
    if not name:
        return email
    return f"{phrase(name)} <{email}>"


def addresses(items: list[dict]) -> str:
    return ", ".join(address(item) for item in items)


def grouped_addresses(groups: list[dict]) -> str:
    out = []
    for group in groups:
        members = addresses(group["addresses"])
        if group.get("name") is None:
            out.append(members)
        else:
            out.append(f"{phrase(group['name'])}: {members};" if members else f"{phrase(group['name'])}:;")
    return ", ".join(part for part in out if part)


def message_ids(ids: list[str]) -> str:
    return " ".join(f"<{item}>" for item in ids)


def urls(items: list[str]) -> str:
    return ", ".join(f"<{item}>" for item in items)


def date(moment: datetime) -> str:
    return format_datetime(moment)


def text(value: str) -> str:
    return encode_text(re.sub(r"[\r\n]+", " ", value))


# --- parameters -----------------------------------------------------------


def param(name: str, value: str) -> str:
    """name="value", quoted-pairs as needed (the value must be printable ASCII)."""
    return f'{name}="' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def filename_params(filename: str) -> list[str]:
    """RFC 2231 filename*= (with continuations when long) unless plain ASCII does."""
    if _SAFE_PARAM_RE.match(filename) and len(filename) <= 60:
        return [param("filename", filename)]
    encoded = quote(filename.encode("utf-8"), safe=_ATTR_CHARS)
    if len(encoded) <= 60:
        return [f"filename*=utf-8''{encoded}"]
    chunks = _split_percent_encoded(encoded, 60)
    return [
        f"filename*{index}*={'utf-8' + chr(39) * 2 if index == 0 else ''}{chunk}"
        for index, chunk in enumerate(chunks)
    ]


def _split_percent_encoded(encoded: str, size: int) -> list[str]:
    chunks, current = [], ""
    for token in re.findall(r"%[0-9A-F]{2}|.", encoded):
        if len(current) + len(token) > size:
            chunks.append(current)
            current = ""
        current += token
    return [*chunks, current] if current else chunks


def name_param(name: str) -> str:
    """The Content-Type name parameter; encoded-words inside quotes for non-ASCII, as mailers do."""
    if _SAFE_PARAM_RE.match(name):
        return param("name", name)
    return param("name", encode_word_run(name))


# --- bodies -----------------------------------------------------------------


def crlf(data: str) -> str:
    return data.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\r\n")


def _longest_line(data: bytes) -> int:
    return max((len(line) for line in data.split(b"\n")), default=0)


def encode_body(data: bytes, *, textual: bool) -> tuple[str, bytes]:
    """A transfer encoding and the encoded octets.

    7bit when the octets already are; quoted-printable for mostly-ASCII
    text (readable raw); base64 otherwise.
    """
    clean_lines = b"\r" not in data.replace(b"\r\n", b"") and b"\x00" not in data
    if data.isascii() and clean_lines and _longest_line(data) <= 998:
        return "7bit", data
    if textual and clean_lines:
        non_ascii = sum(1 for byte in data if byte > 127)
        if non_ascii <= len(data) // 5:
            return "quoted-printable", binascii.b2a_qp(data, istext=True)
    return "base64", base64.encodebytes(data).replace(b"\n", b"\r\n")


def encode_message_body(data: bytes) -> tuple[str, bytes]:
    """message/* may not be base64 (RFC 2046): 7bit, 8bit or binary."""
    if b"\x00" in data or _longest_line(data) > 998:
        return "binary", data
    return ("7bit" if data.isascii() else "8bit"), data


@dataclass
class Entity:
    """A MIME entity ready to serialise.

    ``content_type`` is the Content-Type value without the boundary (None
    when the caller gave a raw Content-Type header among ``headers``);
    ``headers`` are complete header lines, folded.
    """

    content_type: str | None
    headers: list[str] = field(default_factory=list)
    content: bytes = b""
    children: list[Entity] | None = None

    def serialise(self, leading: list[str] | None = None) -> bytes:
        """Header block and body; ``leading`` header lines (the message's own) come first."""
        content_type = self.content_type
        if self.children is None:
            body = self.content
        else:
            rendered = [child.serialise() for child in self.children]
            boundary = _boundary(rendered)
            content_type = f'{content_type}; boundary="{boundary.decode()}"'
            body = b"".join(b"--" + boundary + b"\r\n" + child + b"\r\n" for child in rendered)
            body += b"--" + boundary + b"--\r\n"
        lines = list(leading or [])
        if content_type is not None:
            lines.append(fold("Content-Type", content_type))
        lines += self.headers
        return b"".join(line.encode("utf-8") + b"\r\n" for line in lines) + b"\r\n" + body


def _boundary(children: list[bytes]) -> bytes:
    # "=_" cannot occur in quoted-printable or base64 output; the check
    # covers 7bit/8bit children.
    while True:
        boundary = ("=_" + secrets.token_hex(12)).encode()
        if not any(boundary in child for child in children):
            return boundary
