"""RFC 2047 encoded-words: strict enough for RFC 8621's Text form, and the encoder for build."""

from __future__ import annotations

import base64
import binascii
import re
import unicodedata

from . import charsets
from .transfer import b64decode_lenient

_EW = r"=\?([^?\s*]+)(?:\*[^?\s]*)?\?([bBqQ])\?([^?\s]*)\?="
_EW_RE = re.compile(_EW)
# A whitespace-delimited word made only of encoded-words. Back-to-back words
# without a space break RFC 2047 but are what many mailers write when they
# split a long subject; decoding them is the behaviour users expect.
_EW_WORD_RE = re.compile(rf"(?:{_EW})+")
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")
_WS_SPLIT_RE = re.compile(r"([ \t]+)")
_FOLD_RE = re.compile(r"\r?\n(?=[ \t])")
_STRAY_EOL_RE = re.compile(r"[\r\n]")
_Q_ESCAPE_RE = re.compile(rb"=([0-9A-Fa-f]{2})")


def unfold(value: str) -> str:
    """RFC 5322 unfolding: remove the line breaks of folds (and any stray ones)."""
    return _STRAY_EOL_RE.sub("", _FOLD_RE.sub("", value))


def text_form(raw: str) -> str:
    """The RFC 8621 Text form of a Raw header value."""
    return unicodedata.normalize("NFC", decode_words(unfold(raw).lstrip(" \t")))


def decode_words(text: str) -> str:
    """Decode every whitespace-delimited encoded-word; keep everything else.

    Whitespace between two encoded-words is dropped, as RFC 2047 requires.
    Adjacent encoded-words in the same charset are decoded together so a
    multi-byte character split across them survives.
    """
    if "=?" not in text:
        return text
    out: list[str] = []
    pending: list[tuple[str, bytes]] = []  # encoded-word runs not yet decoded
    pending_space = ""
    for token in _WS_SPLIT_RE.split(text):
        if not token:
            continue
        if token[0] in " \t":
            pending_space += token
            continue
        words = _decode_word(token)
        if words is None:
            _flush(out, pending)
            out.append(pending_space + token)
        else:
            if not pending:
                out.append(pending_space)
            pending.extend(words)
        pending_space = ""
    _flush(out, pending)
    out.append(pending_space)
    return "".join(out)


def _decode_word(token: str) -> list[tuple[str, bytes]] | None:
    if not _EW_WORD_RE.fullmatch(token):
        return None
    words = []
    for match in _EW_RE.finditer(token):
        label, encoding, payload = match.groups()
        if not charsets.is_known(label):
            return None
        words.append((charsets.normalise_label(label), _decode_payload(encoding, payload)))
    return words


def _decode_payload(encoding: str, payload: str) -> bytes:
    data = payload.encode("utf-8", "replace")
    if encoding in "bB":
        return b64decode_lenient(data)[0]
    return _Q_ESCAPE_RE.sub(lambda m: binascii.unhexlify(m.group(1)), data.replace(b"_", b" "))


def _flush(out: list[str], pending: list[tuple[str, bytes]]) -> None:
    while pending:
        label, data = pending.pop(0)
        while pending and pending[0][0] == label:
            data += pending.pop(0)[1]
        out.append(_CONTROL_RE.sub("", charsets.decode_lenient(data, label)))


# --- encoding, for build -------------------------------------------------

_MAX_WORD = 75
_MAX_PLAIN_WORD = 900
_PREFIX_Q = "=?utf-8?q?"
_PREFIX_B = "=?utf-8?b?"
_Q_SAFE = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!*+-/")


def needs_encoding(text: str) -> bool:
    return "=?" in text or any(ord(c) > 126 or (ord(c) < 32 and c != "\t") for c in text)


def encode_word_run(text: str) -> str:
    """Encoded-words for text, each at most 75 characters, separated by spaces.

    Q when the text is mostly ASCII (readable in raw form), B otherwise.
    Characters are never split between two words.
    """
    data = text.encode("utf-8")
    ascii_share = sum(1 for b in data if b in _Q_SAFE) / max(len(data), 1)
    use_q = ascii_share > 0.6
    words, current = [], ""
    for char in text:
        candidate = current + char
        if current and _encoded_length(candidate, use_q) > _MAX_WORD:
            words.append(_encode_word(current, use_q))
            candidate = char
        current = candidate
    if current:
        words.append(_encode_word(current, use_q))
    return " ".join(words)


def _encoded_length(text: str, use_q: bool) -> int:
    data = text.encode("utf-8")
    if use_q:
        return len(_PREFIX_Q) + 2 + sum(1 if b in _Q_SAFE or b == 32 else 3 for b in data)
    return len(_PREFIX_B) + 2 + 4 * ((len(data) + 2) // 3)


def _encode_word(text: str, use_q: bool) -> str:
    data = text.encode("utf-8")
    if not use_q:
        return _PREFIX_B + base64.b64encode(data).decode("ascii") + "?="
    body = "".join("_" if b == 32 else chr(b) if b in _Q_SAFE else f"={b:02X}" for b in data)
    return _PREFIX_Q + body + "?="


def encode_text(text: str) -> str:
    """An unstructured header value with every word that needs it encoded.

    Runs of words needing encoding become one run of encoded-words (the
    spaces inside the run are encoded too, since decoders drop whitespace
    between encoded-words).
    """
    tokens = _WS_SPLIT_RE.split(text)
    if not any(_word_needs_encoding(token) for token in tokens[::2]):
        return text
    out: list[str] = []
    run: list[str] = []
    for index, token in enumerate(tokens):
        is_space = index % 2 == 1
        if not is_space and _word_needs_encoding(token):
            run.append(token)
            continue
        if is_space and run and _next_needs_encoding(tokens, index):
            run.append(token)
            continue
        if run:
            out.append(encode_word_run("".join(run)))
            run = []
        out.append(token)
    if run:
        out.append(encode_word_run("".join(run)))
    return "".join(out)


def _word_needs_encoding(word: str) -> bool:
    # A word too long for a header line must be split, and only an
    # encoded-word can be split invisibly.
    return needs_encoding(word) or len(word) > _MAX_PLAIN_WORD


def _next_needs_encoding(tokens: list[str], index: int) -> bool:
    return index + 1 < len(tokens) and _word_needs_encoding(tokens[index + 1])
