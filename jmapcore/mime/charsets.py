"""Charset names to Python codecs, and best-effort decoding of text bytes.

Labels in mail are often wrong or non-standard; the table maps them the way
browsers do (WHATWG Encoding Standard), so an ISO-8859-1 label decodes the
windows-1252 bytes that such mail really carries.
"""

from __future__ import annotations

import codecs
import re

# A label maps to codecs tried in order; the first that decodes strictly wins.
_ALIASES: dict[str, tuple[str, ...]] = {
    "us-ascii": ("ascii",),
    "ascii": ("ascii",),
    "iso-8859-1": ("cp1252", "latin-1"),
    "iso8859-1": ("cp1252", "latin-1"),
    "latin1": ("cp1252", "latin-1"),
    "latin-1": ("cp1252", "latin-1"),
    "iso-8859-9": ("cp1254", "iso8859-9"),
    "iso-8859-11": ("cp874",),
    "tis-620": ("cp874",),
    "gb2312": ("gb18030",),
    "gbk": ("gb18030",),
    "x-gbk": ("gb18030",),
    "cp936": ("gb18030",),
    "big5": ("big5hkscs", "cp950"),
    "x-big5": ("big5hkscs", "cp950"),
    "shift_jis": ("cp932", "shift_jis"),
    "shift-jis": ("cp932", "shift_jis"),
    "sjis": ("cp932",),
    "x-sjis": ("cp932",),
    "windows-31j": ("cp932",),
    "iso-2022-jp": ("iso2022_jp_ext", "iso2022_jp_2"),
    "euc-kr": ("cp949", "euc_kr"),
    "ks_c_5601-1987": ("cp949",),
    "ks_c_5601": ("cp949",),
    "x-mac-roman": ("mac-roman",),
    "unicode-1-1-utf-8": ("utf-8",),
    "utf8": ("utf-8",),
}

# Python codecs that are text encodings by the codec registry but mean
# something else in mail (escapes, punycode) or never decode anything.
_REFUSED = {"idna", "punycode", "unicode-escape", "raw-unicode-escape", "undefined", "unicode-internal"}
_SINGLE_BYTE_PREFIXES = ("cp125", "cp874", "latin", "iso8859", "koi8", "mac-", "tis-620")
_LABEL_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:+\-]{0,39}$")


def normalise_label(label: str | None) -> str:
    """A charset parameter as a lower-case label without quotes or spaces."""
    return (label or "").strip().strip("\"'").strip().lower()


def codecs_for(label: str | None) -> tuple[str, ...]:
    """Python codec names for a charset label, best first; empty when unknown."""
    name = normalise_label(label)
    if name in _ALIASES:
        return _ALIASES[name]
    if not _LABEL_RE.match(name):
        return ()
    try:
        info = codecs.lookup(name)
    except LookupError:
        return ()
    if not getattr(info, "_is_text_encoding", True) or info.name in _REFUSED:
        return ()
    return (info.name,)


def is_known(label: str | None) -> bool:
    return bool(codecs_for(label))


def decode_bytes(data: bytes, label: str | None) -> tuple[str, bool]:
    """Decode text bytes: declared charset, then UTF-8, then windows-1252.

    Returns the text and whether there was an encoding problem (an unknown
    label, or bytes the chosen charset could not decode, replaced by U+FFFD).
    A missing or US-ASCII label holding valid UTF-8 is no problem: that is
    how most mail without a charset is written.
    """
    names = codecs_for(label)
    lax_label = normalise_label(label) in ("", "us-ascii", "ascii")
    if lax_label and b"\x1b$" in data:
        # Undeclared ISO-2022-JP: 7-bit, so it passes for ASCII, but its
        # escape sequences give it away.
        names = ("iso2022_jp_ext", "iso2022_jp_2", *names)
    if names and _is_single_byte(names[0]) and _is_utf8_text(data):
        # Valid multi-byte UTF-8 is almost never meaningful in a single-byte
        # charset: the label is wrong (a common mailer bug), the text is UTF-8.
        return data.decode("utf-8"), False
    for name in names:
        try:
            return data.decode(name), False
        except UnicodeDecodeError:
            continue
    try:
        return data.decode("utf-8"), not lax_label
    except UnicodeDecodeError:
        pass
    if names and not lax_label:
        return data.decode(names[0], "replace"), True
    return data.decode("cp1252", _LATIN1_FALLBACK), True


def _is_single_byte(codec_name: str) -> bool:
    return codec_name.startswith(_SINGLE_BYTE_PREFIXES)


def _is_utf8_text(data: bytes) -> bool:
    if data.isascii():
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def decode_lenient(data: bytes, label: str | None) -> str:
    """Like decode_bytes, without the problem flag."""
    return decode_bytes(data, label)[0]


def _latin1_fallback(exc: UnicodeError) -> tuple[str, int]:
    # The five bytes windows-1252 leaves undefined become their Latin-1
    # control characters instead of failing.
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    return exc.object[exc.start : exc.end].decode("latin-1"), exc.end


_LATIN1_FALLBACK = "jmapcore-mime-latin1"
codecs.register_error(_LATIN1_FALLBACK, _latin1_fallback)
