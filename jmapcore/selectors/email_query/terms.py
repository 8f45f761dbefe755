"""Search text: RFC 8621 tokens and phrases, and the patterns they become."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Term:
    """A word (matched as a word prefix by full text search) or a quoted phrase (exact words)."""

    text: str
    phrase: bool = False

    @property
    def searchable(self) -> bool:
        """Whether full text search can find it: it has a letter or a digit."""
        return _WORD.search(self.text) is not None


_WORD = re.compile(r"[^\W_]")


def split_terms(text: str) -> list[Term]:
    """RFC 8621 4.4.1: whitespace separates tokens; matched '...' or "..." is a phrase.

    Inside a phrase a backslash escapes ``'``, ``"`` and ``\\``. A quote only opens a
    phrase at the start of a token and when it is closed later; otherwise it is text.
    Tokens with no letter or digit are dropped unless there is nothing else.
    """
    terms: list[Term] = []
    token: list[str] = []
    i, n = 0, len(text)
    while i < n:
        char = text[i]
        if char.isspace():
            if token:
                terms.append(Term("".join(token)))
                token = []
            i += 1
            continue
        if char in "'\"" and not token:
            closed = _phrase(text, i)
            if closed is not None:
                end, phrase = closed
                if phrase.strip():
                    terms.append(Term(" ".join(phrase.split()), phrase=True))
                i = end + 1
                continue
        token.append(char)
        i += 1
    if token:
        terms.append(Term("".join(token)))
    return [term for term in terms if term.searchable] or terms


def _phrase(text: str, start: int) -> tuple[int, str] | None:
    quote, chars, j = text[start], [], start + 1
    while j < len(text):
        char = text[j]
        if char == "\\" and j + 1 < len(text) and text[j + 1] in "'\"\\":
            chars.append(text[j + 1])
            j += 2
        elif char == quote:
            return j, "".join(chars)
        else:
            chars.append(char)
            j += 1
    return None


def like_pattern(text: str) -> str:
    """A case-insensitive substring pattern for ILIKE, with ``\\``, ``%`` and ``_`` escaped."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def json_like_pattern(text: str) -> str:
    """The pattern for text inside JSON strings, as ``jsonb::text`` writes them."""
    return like_pattern(json.dumps(text, ensure_ascii=False)[1:-1])


def tsquery_text(term: Term) -> str:
    """A to_tsquery() operand: the token quoted, matched as a prefix of words."""
    quoted = term.text.replace("\\", "\\\\").replace("'", "''")
    return f"'{quoted}':*"
