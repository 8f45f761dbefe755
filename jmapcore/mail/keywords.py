"""JMAP keywords (RFC 8621 section 4.1.1)."""

from __future__ import annotations

import re

_KEYWORD = re.compile(r"^[\x21-\x7e]{1,255}$")
_FORBIDDEN = set('(){]%*"\\')


def is_valid_keyword(keyword: object) -> bool:
    return isinstance(keyword, str) and bool(_KEYWORD.match(keyword)) and not (_FORBIDDEN & set(keyword))


def is_unread(keywords: list[str] | set[str]) -> bool:
    return "$seen" not in keywords and "$draft" not in keywords


def normalise(keywords: dict[str, object]) -> list[str]:
    """The sorted lower-case keyword list of a JMAP ``keywords`` object (values must be true)."""
    return sorted({keyword.lower() for keyword, value in keywords.items() if value is True})
