"""Content-Transfer-Encoding decoding that never raises.

Unknown encodings are treated as no encoding at all (RFC 8621, blobId), and
reported, so bodyValues can set isEncodingProblem.
"""

from __future__ import annotations

import binascii
import re

_IDENTITY = {"", "7bit", "8bit", "binary", "7-bit", "8-bit", "none"}
_UUENCODE = {"x-uuencode", "uuencode", "x-uue", "uue"}
_B64_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/="
_B64_JUNK = bytes(b for b in range(256) if b not in _B64_ALPHABET)
_WHITESPACE = b" \t\r\n\f\v"


def normalise_cte(value: str | None) -> str:
    """A Content-Transfer-Encoding header value as a bare lower-case token."""
    if not value:
        return ""
    value = re.sub(r"\([^()]*\)", "", value)
    return value.strip().strip("\"'").strip().lower()


def is_known(cte: str) -> bool:
    return cte in _IDENTITY or cte in _UUENCODE or cte in ("base64", "quoted-printable")


def decode(data: bytes, cte: str) -> tuple[bytes, bool]:
    """Decoded octets and whether the encoding was unknown or malformed."""
    if cte in _IDENTITY:
        return data, False
    if cte == "base64":
        return b64decode_lenient(data)
    if cte == "quoted-printable":
        return binascii.a2b_qp(data), False
    if cte in _UUENCODE:
        return uudecode_lenient(data)
    return data, True


def b64decode_lenient(data: bytes) -> tuple[bytes, bool]:
    """Base64 that ignores junk, tolerates missing padding and padded segments.

    Some encoders pad every line, so '=' can appear mid-stream; binascii would
    stop at the first pad and lose the rest.
    """
    cleaned = data.translate(None, _B64_JUNK)
    problem = len(cleaned) != len(data.translate(None, _WHITESPACE))
    out = []
    for segment in cleaned.split(b"="):
        if not segment:
            continue
        extra = len(segment) % 4
        if extra == 1:
            segment, problem = segment[:-1], True
        elif extra:
            segment += b"=" * (4 - extra)
        if segment:
            out.append(binascii.a2b_base64(segment))
    return b"".join(out), problem


def uudecode_lenient(data: bytes) -> tuple[bytes, bool]:
    lines = data.splitlines()
    start = next((i for i, line in enumerate(lines) if line.startswith(b"begin ")), None)
    if start is None:
        return data, True
    out, problem = [], False
    for line in lines[start + 1 :]:
        if line.strip() == b"end":
            break
        chunk, bad = _uudecode_line(line)
        out.append(chunk)
        problem = problem or bad
    return b"".join(out), problem


def _uudecode_line(line: bytes) -> tuple[bytes, bool]:
    if not line:
        return b"", False
    try:
        return binascii.a2b_uu(line), False
    except binascii.Error:
        pass
    # Trailing garbage after the declared length is common; cut to it.
    count = (line[0] - 32) & 63
    needed = (count * 4 + 2) // 3
    try:
        return binascii.a2b_uu(line[: needed + 1]), True
    except binascii.Error:
        return b"", True
