"""The validated Email/query (filter tree, sort, collapseThreads), ids and dates."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

DEFAULT_COLLATION = "i;unicode-casemap"
KEYWORD_SORTS = frozenset({"hasKeyword", "allInThreadHaveKeyword", "someInThreadHaveKeyword"})
SORTABLE = frozenset({"receivedAt", "size", "from", "to", "subject", "sentAt", *KEYWORD_SORTS})
ADDRESS_FIELDS = ("from", "to", "cc", "bcc")

# ---------------------------------------------------------------- ids


def email_id(pk: int) -> str:
    return f"E{pk}"


def _pk(jmap_id: object, prefix: str) -> int | None:
    if not isinstance(jmap_id, str) or not jmap_id.startswith(prefix):
        return None
    rest = jmap_id[len(prefix) :]
    return int(rest) if rest.isdigit() and len(rest) < 19 else None


def email_pk(jmap_id: object) -> int | None:
    """The pk named by an Email id ("E<pk>"), or None if it cannot name one."""
    return _pk(jmap_id, "E")


def mailbox_pk(jmap_id: object) -> int | None:
    return _pk(jmap_id, "M")


# ---------------------------------------------------------------- the query


@dataclass(frozen=True)
class EmailComparator:
    property: str
    ascending: bool = True
    collation: str = DEFAULT_COLLATION
    keyword: str | None = None  # for hasKeyword, allInThreadHaveKeyword, someInThreadHaveKeyword


@dataclass(frozen=True)
class EmailQuery:
    """A validated Email/query: filter tree (as parsed by the engine), sort, collapseThreads."""

    account_id: int
    filter: dict[str, Any] | None
    sort: tuple[EmailComparator, ...] = ()
    collapse_threads: bool = False

    @property
    def thread_dependent(self) -> bool:
        """Whether an email's place can change when another email of its thread changes."""
        return (
            self.collapse_threads
            or any(c.property in THREAD_SORTS for c in self.sort)
            or _mentions(self.filter, THREAD_CONDITIONS)
        )


THREAD_SORTS = frozenset({"allInThreadHaveKeyword", "someInThreadHaveKeyword"})
THREAD_CONDITIONS = frozenset(
    {"allInThreadHaveKeyword", "someInThreadHaveKeyword", "noneInThreadHaveKeyword"}
)


def _mentions(node: Any, names: frozenset[str]) -> bool:
    if not isinstance(node, dict):
        return False
    if "operator" in node:
        return any(_mentions(child, names) for child in node["conditions"])
    return bool(names & set(node))


def parse_utc_date(value: Any) -> datetime:
    """An RFC 8620 UTCDate ("2014-10-30T06:12:00Z", optionally with fractional seconds)."""
    match = _UTC_DATE.match(value) if isinstance(value, str) else None
    if match is None:
        raise ValueError("must be a UTCDate like 2014-10-30T06:12:00Z")
    fraction = (match.group(2) or "")[:6].ljust(6, "0")
    return datetime.fromisoformat(f"{match.group(1)}.{fraction}+00:00")


_UTC_DATE = re.compile(r"^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d+))?Z$", re.ASCII)
