"""Base subjects (RFC 5256 section 2.1, simplified) for threading and subject sorting."""

from __future__ import annotations

import re
import unicodedata

# Reply and forward prefixes in the languages mail clients commonly write them in.
_PREFIX = re.compile(
    r"^\s*(?:(?:re|fwd?|aw|wg|sv|vs|antw|tr|rif|r|odp|pd|ynt|enc|res|fs)(?:\[\d+\])?\s*[:\uff1a]\s*|\[[^\]]{1,40}\]\s*)",
    re.IGNORECASE,
)
_TRAILER = re.compile(r"\s*\((?:fwd)\)\s*$", re.IGNORECASE)
_SPACE = re.compile(r"\s+")


def base_subject(subject: str | None) -> str:
    """The subject without Re:/Fwd:/AW:/WG:… prefixes and [list] tags, whitespace collapsed, case folded."""
    text = unicodedata.normalize("NFC", subject or "")
    previous = None
    while previous != text:
        previous = text
        text = _PREFIX.sub("", text)
        text = _TRAILER.sub("", text)
    return _SPACE.sub(" ", text).strip().casefold()
