"""Composing SQL from fragments that carry their parameters."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from string import Formatter
from typing import Any

from jmapcore.models import AccountState, Change, Email, EmailMailbox, Mailbox, MailboxThread

EMAIL = Email._meta.db_table
MEMBER = EmailMailbox._meta.db_table
THREAD_ROW = MailboxThread._meta.db_table
MAILBOX = Mailbox._meta.db_table
STATE = AccountState._meta.db_table
CHANGE = Change._meta.db_table


class Sql:
    """A fragment of SQL with its parameters, in the order its placeholders appear."""

    __slots__ = ("params", "text")

    def __init__(self, text: str = "", params: Iterable[Any] = ()) -> None:
        self.text = text
        self.params = list(params)

    def __add__(self, other: Sql | str) -> Sql:
        other = other if isinstance(other, Sql) else Sql(other)
        return Sql(self.text + other.text, self.params + other.params)

    def __repr__(self) -> str:
        return f"Sql({self.text!r}, {self.params!r})"


TRUE, FALSE = Sql("TRUE"), Sql("FALSE")


def sql(template: str, **parts: Any) -> Sql:
    """Fill ``{name}`` fields: a :class:`Sql` is inlined, any other value becomes a parameter."""
    texts: list[str] = []
    params: list[Any] = []
    for literal, name, _spec, _conversion in Formatter().parse(template):
        texts.append(literal)
        if name is None:
            continue
        value = parts[name]
        if isinstance(value, Sql):
            texts.append(value.text)
            params.extend(value.params)
        else:
            texts.append("%s")
            params.append(value)
    return Sql("".join(texts), params)


def join(separator: str, fragments: Iterable[Sql]) -> Sql:
    fragments = list(fragments)
    return Sql(separator.join(f.text for f in fragments), [p for f in fragments for p in f.params])


def _and(fragments: Sequence[Sql]) -> Sql:
    if not fragments:
        return TRUE
    return fragments[0] if len(fragments) == 1 else join(" AND ", [sql("({f})", f=f) for f in fragments])


def _or(fragments: Sequence[Sql]) -> Sql:
    if not fragments:
        return FALSE
    return fragments[0] if len(fragments) == 1 else join(" OR ", [sql("({f})", f=f) for f in fragments])


Key = tuple[Sql, bool]  # a sort key expression and whether it is ascending


def before(keys: Sequence[Key], pivot: Sequence[Sql]) -> Sql:
    """Rows whose ``keys`` sort strictly before the values ``pivot`` (keys are never NULL).

    The redundant bound on the first key (``k1 <= p1`` ascending) is what lets a btree
    index answer this as a range: PostgreSQL does not start an index scan from a row
    comparison on DESC columns alone, but uses it once the leading column is bounded.
    """
    (key, ascending), value = keys[0], pivot[0]
    bound = sql("({k}) {op} ({v})", k=key, op=Sql("<=" if ascending else ">="), v=value)
    return sql("{bound} AND {strict}", bound=bound, strict=_strictly_before(keys, pivot))


def _strictly_before(keys: Sequence[Key], pivot: Sequence[Sql]) -> Sql:
    # One direction throughout: a row comparison. Mixed: expanded lexicographically.
    if len({ascending for _, ascending in keys}) == 1:
        return sql(
            "({left}) {op} ({right})",
            left=join(", ", [k for k, _ in keys]),
            op=Sql("<" if keys[0][1] else ">"),
            right=join(", ", pivot),
        )
    (key, ascending), value = keys[0], pivot[0]
    first = sql("({k}) {op} ({v})", k=key, op=Sql("<" if ascending else ">"), v=value)
    if len(keys) == 1:
        return first
    return sql(
        "({first} OR (({k}) = ({v}) AND {rest}))",
        first=first,
        k=key,
        v=value,
        rest=_strictly_before(keys[1:], pivot[1:]),
    )


def _order_by(keys: Sequence[Key]) -> Sql:
    return join(", ", [k + (" ASC" if ascending else " DESC") for k, ascending in keys])
