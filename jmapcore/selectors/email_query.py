"""Email/query in SQL: a filter tree and a sort become one statement that pages in PostgreSQL.

Nothing here loads a whole result into Python. Every read is one statement:

* :func:`query_page` returns the Email state, the total (when asked) and one page of
  ids, read in a single snapshot (one statement), so the ``queryState`` always
  describes exactly the ids returned.
* :func:`query_indexes` tells which of some emails are in the current result and at
  which index (a COUNT of the rows sorted before each), for ``Email/queryChanges``.

How the rows are reached:

* A filter whose top level requires ``inMailbox`` is driven from the membership
  table, in the order of its index ``(mailbox, -received_at, -email)``; the email row
  is joined only when a condition or sort key needs one of its columns.
* ``collapseThreads`` keeps the first email of each thread in sort order. For the
  conversation list (only ``inMailbox``, newest first) that is the thread row's
  ``latest_email``, read from the index ``(mailbox, -latest_received_at,
  -latest_email)``; otherwise an email is kept when no email of its thread that
  matches the filter sorts before it (an anti-join, so a page can still stop early).
* The total of a filter that is only ``inMailbox`` is the Mailbox's counter.
* Positions (``anchor``, and the indexes of ``/queryChanges``) are COUNTs of the rows
  sorted before a row, so they cost an index range, not the whole result.
* Text conditions: ``body`` uses the ``search`` tsvector of the body text ('simple'
  configuration; words match by prefix, quoted phrases exactly); ``text`` looks for
  each term there or in the Subject and the From/To/Cc/Bcc names and addresses (ILIKE
  on the stored JSON), as RFC 8621 requires. from/to/cc/bcc/subject/header are
  case-insensitive substring matches of every term.

Every sort ends with the email id (in the direction of the last comparator), so the
order is total and the "sorted before" comparisons are exact.
"""

from __future__ import annotations

import json
import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from string import Formatter
from typing import Any

from django.db import connection

from jmapcore.models import AccountState, Change, Email, EmailMailbox, Mailbox, MailboxThread

EMAIL = Email._meta.db_table
MEMBER = EmailMailbox._meta.db_table
THREAD_ROW = MailboxThread._meta.db_table
MAILBOX = Mailbox._meta.db_table
STATE = AccountState._meta.db_table
CHANGE = Change._meta.db_table

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


# ---------------------------------------------------------------- search text


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


# ---------------------------------------------------------------- composing SQL


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


# ---------------------------------------------------------------- rows and filters


class Row:
    """Names for the columns of one email row in a statement.

    Driven from the membership table, ``id``, ``received_at`` and ``thread`` come from
    the membership row; touching :attr:`e` (any other email column) asks for a join.
    """

    def __init__(self, alias: str, member: str | None = None) -> None:
        self._email = alias
        self.member = member
        self.needs_email = member is None

    @property
    def e(self) -> str:
        self.needs_email = True
        return self._email

    @property
    def id(self) -> Sql:
        return Sql(f"{self.member}.email_id" if self.member else f"{self.e}.id")

    @property
    def received_at(self) -> Sql:
        return Sql(f"{self.member}.received_at" if self.member else f"{self.e}.received_at")

    @property
    def thread(self) -> Sql:
        return Sql(f"{self.member}.thread_id" if self.member else f"{self.e}.thread_id")


def summary(email: str) -> Sql:
    """The small JSON of an email's convenience headers (subject, from, to, cc, bcc, ...).

    It is a fraction of the full ``parsed`` document (which adds every header and the
    body structure), so searching it reads far less; emails stored before the summary
    existed have an empty one and are searched in ``parsed``, which has the same keys.
    """
    return Sql(f"(CASE WHEN {email}.summary = '{{}}'::jsonb THEN {email}.parsed ELSE {email}.summary END)")


class Compiler:
    """Turns filter trees and comparators into SQL over a :class:`Row`; fresh aliases for subqueries."""

    def __init__(self) -> None:
        self._aliases = 0

    def alias(self, stem: str) -> str:
        self._aliases += 1
        return f"{stem}{self._aliases}"

    # ----- filters

    def node(self, node: dict[str, Any] | None, row: Row) -> Sql:
        if node is None:
            return TRUE
        if "operator" in node:
            children = [self.node(child, row) for child in node["conditions"]]
            if node["operator"] == "AND":
                return _and(children)
            if node["operator"] == "OR":
                return _or(children)
            # NOT: none matches. A text match on a NULL column is NULL (no match), so
            # each child is made two-valued before it is negated.
            return _and([sql("NOT coalesce({c}, FALSE)", c=child) for child in children])
        return _and([self.condition(name, value, row) for name, value in node.items()])

    def condition(self, name: str, value: Any, row: Row) -> Sql:
        if name == "inMailbox":
            pk = mailbox_pk(value)
            if pk is None:
                return FALSE
            x = self.alias("mb")
            return sql(
                f"EXISTS (SELECT 1 FROM {MEMBER} {x} WHERE {x}.email_id = {{id}} AND {x}.mailbox_id = {{pk}})",
                id=row.id,
                pk=pk,
            )
        if name == "inMailboxOtherThan":
            pks = [pk for pk in (mailbox_pk(v) for v in value) if pk is not None]
            x = self.alias("mb")
            return sql(
                f"EXISTS (SELECT 1 FROM {MEMBER} {x} WHERE {x}.email_id = {{id}}"
                f" AND {x}.mailbox_id <> ALL({{pks}}::bigint[]))",
                id=row.id,
                pks=pks,
            )
        if name == "before":
            return sql("{r} < {t}", r=row.received_at, t=value)
        if name == "after":
            return sql("{r} >= {t}", r=row.received_at, t=value)
        if name == "minSize":
            return sql(f"{row.e}.size >= {{n}}", n=value)
        if name == "maxSize":
            return sql(f"{row.e}.size < {{n}}", n=value)
        if name == "hasKeyword":
            return self.has_keyword(row.e, value)
        if name == "notKeyword":
            return sql("NOT {k}", k=self.has_keyword(row.e, value))
        if name == "someInThreadHaveKeyword":
            return self.some_in_thread(row, value)
        if name == "noneInThreadHaveKeyword":
            return sql("NOT {k}", k=self.some_in_thread(row, value))
        if name == "allInThreadHaveKeyword":
            return self.all_in_thread(row, value)
        if name == "hasAttachment":
            return Sql(f"{row.e}.has_attachment" if value else f"NOT {row.e}.has_attachment")
        if name == "text":
            return self.text(row, value)
        if name in ADDRESS_FIELDS:
            return _and(
                [
                    sql("{a} ILIKE {p}", a=self.addresses(row, name), p=json_like_pattern(t.text))
                    for t in split_terms(value)
                ]
            )
        if name == "subject":
            return _and(
                [
                    sql("({s} ->> 'subject') ILIKE {p}", s=summary(row.e), p=like_pattern(t.text))
                    for t in split_terms(value)
                ]
            )
        if name == "body":
            return _and([self.full_text(row, term, body_only=True) for term in split_terms(value)])
        if name == "header":
            return self.header(row, value)
        raise ValueError(f"Unknown Email filter condition {name!r}")  # parse_filter rejects these first

    @staticmethod
    def has_keyword(email: str, keyword: str) -> Sql:
        return sql(f"{email}.keywords @> ARRAY[{{k}}]::varchar(255)[]", k=keyword)

    def some_in_thread(self, row: Row, keyword: str) -> Sql:
        t = self.alias("th")
        return sql(
            f"EXISTS (SELECT 1 FROM {EMAIL} {t} WHERE {t}.thread_id = {{thread}}"
            f" AND {t}.keywords @> ARRAY[{{k}}]::varchar(255)[])",
            thread=row.thread,
            k=keyword,
        )

    def all_in_thread(self, row: Row, keyword: str) -> Sql:
        t = self.alias("th")
        return sql(
            f"NOT EXISTS (SELECT 1 FROM {EMAIL} {t} WHERE {t}.thread_id = {{thread}}"
            f" AND NOT ({t}.keywords @> ARRAY[{{k}}]::varchar(255)[]))",
            thread=row.thread,
            k=keyword,
        )

    @staticmethod
    def full_text(row: Row, term: Term, body_only: bool = False) -> Sql:
        """A match in the search vector; ``body_only`` keeps to the body's lexemes (weight D),
        after the indexed match on the whole vector has narrowed the rows."""
        if not term.searchable:
            return FALSE
        function, text = (
            ("phraseto_tsquery", term.text) if term.phrase else ("to_tsquery", tsquery_text(term))
        )
        match = sql(f"{row.e}.search @@ {function}('simple', {{t}})", t=text)
        if not body_only:
            return match
        body = sql(f"ts_filter({row.e}.search, '{{{{d}}}}') @@ {function}('simple', {{t}})", t=text)
        return _and([match, body])

    @staticmethod
    def addresses(row: Row, field_name: str) -> Sql:
        """The names and addresses of one address header, as the text of a JSON array of strings."""
        return Sql(
            f'jsonb_path_query_array({summary(row.e).text}, \'lax $."{field_name}"[*].* ? (@.type() == "string")\')::text'
        )

    @staticmethod
    def searched_headers(row: Row) -> Sql:
        """Subject, and names and addresses in From, To, Cc and Bcc: one JSON array of strings."""
        keys = " || ".join(f'@.key == "{name}"' for name in (*ADDRESS_FIELDS, "subject"))
        return Sql(
            f"jsonb_path_query_array({summary(row.e).text},"
            f" 'lax $.keyvalue() ? ({keys}).value.** ? (@.type() == \"string\")')::text"
        )

    def text(self, row: Row, value: str) -> Sql:
        """Every term in the search index, which holds the body, Subject, From, To, Cc and Bcc
        (jmapcore.mail.derive); terms the index cannot hold fall back to a substring match."""
        headers = self.searched_headers(row)
        return _and(
            [
                self.full_text(row, term)
                if term.searchable
                else sql("{h} ILIKE {p}", h=headers, p=json_like_pattern(term.text))
                for term in split_terms(value)
            ]
        )

    def header(self, row: Row, value: list[str]) -> Sql:
        h = self.alias("hd")
        headers = f"{row.e}.parsed -> 'headers'"
        source = f"jsonb_array_elements(CASE WHEN jsonb_typeof({headers}) = 'array' THEN {headers} ELSE '[]'::jsonb END)"
        matches = [sql(f"lower({h}.value ->> 'name') = {{name}}", name=value[0].lower())]
        if len(value) > 1:
            matches += [
                sql(f"({h}.value ->> 'value') ILIKE {{p}}", p=like_pattern(t.text))
                for t in split_terms(value[1])
            ]
        return sql(f"EXISTS (SELECT 1 FROM {source} AS {h} WHERE {{m}})", m=_and(matches))

    # ----- sort keys

    def keys(self, sort: Sequence[EmailComparator], row: Row) -> list[Key]:
        keys = [(self.key(comparator, row), comparator.ascending) for comparator in sort]
        return [*keys, (row.id, keys[-1][1] if keys else False)]

    def key(self, comparator: EmailComparator, row: Row) -> Sql:
        name = comparator.property
        if name == "receivedAt":
            return row.received_at
        if name == "size":
            return Sql(f"{row.e}.size")
        if name == "sentAt":
            return sql(f"coalesce({row.e}.sent_at, {{r}})", r=row.received_at)
        if name in ("from", "to", "subject"):
            column = {"from": "from_sort", "to": "to_sort", "subject": "subject_sort"}[name]
            return Sql(_collated(f"{row.e}.{column}", comparator.collation))
        if name == "hasKeyword":
            return self.has_keyword(row.e, comparator.keyword or "")
        if name == "someInThreadHaveKeyword":
            return self.some_in_thread(row, comparator.keyword or "")
        if name == "allInThreadHaveKeyword":
            return self.all_in_thread(row, comparator.keyword or "")
        raise ValueError(f"Unknown Email sort property {name!r}")


def _collated(column: str, collation: str) -> str:
    """RFC 4790 collations as byte-order comparisons of a transformed string."""
    if collation == "i;octet":
        return f'({column} COLLATE "C")'
    if collation == "i;ascii-casemap":
        return f'(lower({column} COLLATE "C") COLLATE "C")'  # the C locale lowers ASCII only
    return f'(lower(normalize({column}, NFKD)) COLLATE "C")'


# ---------------------------------------------------------------- relations


@dataclass
class Relation:
    """Rows of one statement level: the row's id, thread and sort keys, and how to select them."""

    id: Sql
    thread: Sql
    keys: list[Key]
    _build: Callable[[list[Sql]], Sql]
    conditions: list[Sql] = field(default_factory=list)

    def from_where(self, *extra: Sql) -> Sql:
        """``FROM ... WHERE ...``; build every fragment that mentions the row before calling this."""
        return self._build([*self.conditions, *extra])


def _conjuncts(node: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The filter as a list of single conditions that must all hold (top-level ANDs flattened)."""
    if node is None:
        return []
    if "operator" in node:
        if node["operator"] == "AND":
            return [c for child in node["conditions"] for c in _conjuncts(child)]
        return [node]
    return [{name: value} for name, value in node.items()]


class Plan(ABC):
    """How one EmailQuery reaches its rows; subclasses for the general and the thread-row case."""

    def __init__(self, query: EmailQuery) -> None:
        self.query = query
        self.compiler = Compiler()
        self.account = query.account_id
        self.conjuncts = _conjuncts(query.filter)
        mailboxes = [
            c["inMailbox"] for c in self.conjuncts if "inMailbox" in c and mailbox_pk(c["inMailbox"])
        ]
        # A top-level inMailbox drives the statement from the membership index.
        self.driver: int | None = mailbox_pk(mailboxes[0]) if mailboxes else None
        self.rest = list(self.conjuncts)
        if self.driver is not None:
            self.rest.remove({"inMailbox": mailboxes[0]})
        sort = list(query.sort) or [EmailComparator("receivedAt", ascending=False)]
        self.sort = tuple(sort)
        self.only_mailbox = self.driver is not None and not self.rest

    def _owned(self) -> Sql:
        return sql(
            f"EXISTS (SELECT 1 FROM {MAILBOX} WHERE id = {{m}} AND account_id = {{a}})",
            m=self.driver,
            a=self.account,
        )

    def _counter(self, column: str) -> Sql:
        """A Mailbox counter: the total of a filter that is only ``inMailbox`` (0 if not the account's)."""
        return sql(
            f"coalesce((SELECT {column} FROM {MAILBOX} WHERE id = {{m}} AND account_id = {{a}}), 0)",
            m=self.driver,
            a=self.account,
        )

    def filtered(self, prefix: str, use_driver: bool = True) -> Relation:
        """The emails matching the filter (before thread collapsing)."""
        driver = self.driver if use_driver else None
        row = Row(f"{prefix}e", f"{prefix}m" if driver is not None else None)
        conditions = [
            self.compiler.node(c, row) for c in (self.rest if driver is not None else self.conjuncts)
        ]
        keys = self.compiler.keys(self.sort, row)
        id_, thread = row.id, row.thread

        def build(where: list[Sql]) -> Sql:
            if driver is None:
                head = sql(f"FROM {EMAIL} {row.e} WHERE {row.e}.account_id = {{a}}", a=self.account)
            elif row.needs_email:
                head = sql(
                    f"FROM {MEMBER} {row.member} JOIN {EMAIL} {row.e} ON {row.e}.id = {row.member}.email_id"
                    f" WHERE {row.member}.mailbox_id = {{m}} AND {row.e}.account_id = {{a}}",
                    m=driver,
                    a=self.account,
                )
            else:
                head = sql(
                    f"FROM {MEMBER} {row.member} WHERE {row.member}.mailbox_id = {{m}} AND {{o}}",
                    m=driver,
                    o=self._owned(),
                )
            return join(" AND ", [head, *(sql("({w})", w=w) for w in where)])

        return Relation(id_, thread, keys, build, conditions)

    # ----- what the statements use

    @abstractmethod
    def result(self, prefix: str) -> Relation:
        """The rows of the result list (after thread collapsing), aliases starting with ``prefix``."""

    @abstractmethod
    def count_before(self, prefix: str, pivot: Sequence[Sql]) -> Sql:
        """A scalar subquery: how many result rows sort before the sort key values ``pivot``."""

    @abstractmethod
    def total(self, prefix: str) -> Sql:
        """A scalar subquery: the number of rows in the result."""


class EmailPlan(Plan):
    """Every email matching the filter, in sort order."""

    def result(self, prefix: str) -> Relation:
        return self.filtered(prefix)

    def count_before(self, prefix: str, pivot: Sequence[Sql]) -> Sql:
        rows = self.filtered(prefix)
        return sql("(SELECT count(*) {fw})", fw=rows.from_where(before(rows.keys, pivot)))

    def total(self, prefix: str) -> Sql:
        if self.only_mailbox:
            return self._counter("total_emails")
        return sql("(SELECT count(*) {fw})", fw=self.filtered(prefix).from_where())


class CollapsedPlan(Plan):
    """The first matching email of each thread: none of its thread's matches sorts before it."""

    def result(self, prefix: str) -> Relation:
        rows = self.filtered(prefix)
        earlier = self.filtered(f"{prefix}g", use_driver=False)
        first = sql(
            "NOT EXISTS (SELECT 1 {fw})",
            fw=earlier.from_where(
                sql("{a} = {b}", a=earlier.thread, b=rows.thread),
                before(earlier.keys, [k for k, _ in rows.keys]),
            ),
        )
        rows.conditions.append(first)
        return rows

    def count_before(self, prefix: str, pivot: Sequence[Sql]) -> Sql:
        # A thread sorts before the pivot exactly when one of its matches does.
        rows = self.filtered(prefix)
        return sql(
            "(SELECT count(DISTINCT {t}) {fw})", t=rows.thread, fw=rows.from_where(before(rows.keys, pivot))
        )

    def total(self, prefix: str) -> Sql:
        if self.only_mailbox:
            return self._counter("total_threads")
        rows = self.filtered(prefix)
        return sql("(SELECT count(DISTINCT {t}) {fw})", t=rows.thread, fw=rows.from_where())


class ThreadRowPlan(Plan):
    """A mailbox's conversation list, newest first: its MailboxThread rows and their latest email."""

    def result(self, prefix: str) -> Relation:
        t = f"{prefix}t"
        keys: list[Key] = [(Sql(f"{t}.latest_received_at"), False), (Sql(f"{t}.latest_email_id"), False)]

        def build(where: list[Sql]) -> Sql:
            head = sql(
                f"FROM {THREAD_ROW} {t} WHERE {t}.mailbox_id = {{m}} AND {{o}}",
                m=self.driver,
                o=self._owned(),
            )
            return join(" AND ", [head, *(sql("({w})", w=w) for w in where)])

        return Relation(Sql(f"{t}.latest_email_id"), Sql(f"{t}.thread_id"), keys, build)

    def count_before(self, prefix: str, pivot: Sequence[Sql]) -> Sql:
        rows = self.result(prefix)
        return sql("(SELECT count(*) {fw})", fw=rows.from_where(before(rows.keys, pivot)))

    def total(self, prefix: str) -> Sql:
        return self._counter("total_threads")


def plan_for(query: EmailQuery) -> Plan:
    if not query.collapse_threads:
        return EmailPlan(query)
    plan = CollapsedPlan(query)
    newest_first = [(c.property, c.ascending) for c in plan.sort] == [("receivedAt", False)]
    if plan.only_mailbox and newest_first:
        return ThreadRowPlan(query)
    return plan


# ---------------------------------------------------------------- statements


def _state(account_id: int) -> Sql:
    return sql(f"(SELECT states ->> 'Email' FROM {STATE} WHERE account_id = {{a}})", a=account_id)


def _fetch(statement: Sql) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(statement.text, statement.params)
        return cursor.fetchall()


@dataclass
class Page:
    state: str
    position: int
    ids: list[int]
    total: int | None = None
    anchor_found: bool = True


def page_statement(
    query: EmailQuery,
    *,
    position: int = 0,
    anchor: int | None = None,
    anchor_offset: int = 0,
    limit: int,
    calculate_total: bool = False,
) -> Sql:
    """The one statement behind :func:`query_page`; rows are (state, total, anchor index, id)."""
    plan = plan_for(query)
    rows = plan.result("p")
    order = _order_by(rows.keys)
    ctes: list[Sql] = []
    columns = [sql("{s} AS state", s=_state(query.account_id))]
    if calculate_total or (anchor is None and position < 0):
        ctes.append(sql("total AS MATERIALIZED (SELECT {t} AS n)", t=plan.total("n")))
        columns.append(Sql("(SELECT n FROM total) AS total"))
    else:
        columns.append(Sql("NULL::bigint AS total"))
    if anchor is not None:
        target = plan.result("a")
        names = [f"k{i}" for i in range(len(target.keys))]
        ctes.append(
            sql(
                "anchor AS MATERIALIZED (SELECT {k} {fw})",
                k=join(", ", [k + f" AS {name}" for (k, _), name in zip(target.keys, names, strict=True)]),
                fw=target.from_where(sql("{id} = {pk}", id=target.id, pk=anchor)),
            )
        )
        pivot = [Sql(f"anchor.{name}") for name in names]
        ctes.append(sql("pos AS MATERIALIZED (SELECT {c} AS n FROM anchor)", c=plan.count_before("c", pivot)))
        columns.append(Sql("(SELECT n FROM pos) AS anchor"))
        offset = sql("(SELECT greatest(0, n + {o}) FROM pos)", o=anchor_offset)
    else:
        columns.append(Sql("NULL::bigint AS anchor"))
        if position < 0:
            offset = sql("(SELECT greatest(0, n + {o}) FROM total)", o=position)
        else:
            offset = sql("{o}", o=position)
    page = sql(
        "SELECT {id} AS id, row_number() OVER (ORDER BY {order}) AS ord {fw}"
        " ORDER BY {order} LIMIT {limit} OFFSET {offset}",
        id=rows.id,
        order=order,
        fw=rows.from_where(),
        limit=limit,
        offset=offset,
    )
    return sql(
        "{ctes}SELECT st.state, st.total, st.anchor, p.id FROM (SELECT {columns}) st"
        " LEFT JOIN LATERAL ({page}) p ON TRUE ORDER BY p.ord",
        ctes=sql("WITH {c} ", c=join(", ", ctes)) if ctes else Sql(),
        columns=join(", ", columns),
        page=page,
    )


def query_page(
    query: EmailQuery,
    *,
    position: int = 0,
    anchor: int | None = None,
    anchor_offset: int = 0,
    limit: int,
    calculate_total: bool = False,
) -> Page:
    """One page of the result, the Email state and (if asked) the total, in one statement.

    ``anchor`` (an email pk) wins over ``position``; its index is the number of rows
    sorted before it. A negative ``position`` counts from the end (so needs the total).
    """
    statement = page_statement(
        query,
        position=position,
        anchor=anchor,
        anchor_offset=anchor_offset,
        limit=limit,
        calculate_total=calculate_total,
    )
    result = _fetch(statement)
    state, total, anchor_index = result[0][0] or "0", result[0][1], result[0][2]
    total = None if total is None else int(total)
    shown_total = total if calculate_total else None
    ids = [row[3] for row in result if row[3] is not None]
    if anchor is not None:
        if anchor_index is None:
            return Page(state, 0, [], shown_total, anchor_found=False)
        start = max(0, int(anchor_index) + anchor_offset)
    elif position < 0:
        start = max(0, (total or 0) + position)
    else:
        start = position
    return Page(state, start, ids, shown_total)


def explain(statement: Sql, analyze: bool = False) -> str:
    """PostgreSQL's plan for a statement (for tests and tuning)."""
    prefix = "EXPLAIN (ANALYZE, BUFFERS) " if analyze else "EXPLAIN "
    return "\n".join(row[0] for row in _fetch(Sql(prefix) + statement))


def query_total(query: EmailQuery) -> int:
    plan = plan_for(query)
    return int(_fetch(sql("SELECT {t}", t=plan.total("n")))[0][0] or 0)


def query_indexes(
    query: EmailQuery, pks: Iterable[int], calculate_total: bool = False
) -> tuple[list[tuple[int, int]], int | None]:
    """Which of ``pks`` are in the result now, with their indexes (lowest first), and the total.

    Each index is the COUNT of result rows sorted before that row, so the cost grows
    with the candidates and their positions, never with a materialised result list.
    """
    pks = sorted(set(pks))
    plan = plan_for(query)
    total = sql("{t}", t=plan.total("n")) if calculate_total else Sql("NULL::bigint")
    if pks:
        rows = plan.result("c")
        placed = sql(
            "SELECT {id} AS id, {before} AS idx {fw}",
            id=rows.id,
            before=plan.count_before("b", [k for k, _ in rows.keys]),
            fw=rows.from_where(sql("{id} = ANY({pks}::bigint[])", id=rows.id, pks=pks)),
        )
    else:
        placed = Sql("SELECT NULL::bigint AS id, NULL::bigint AS idx WHERE FALSE")
    statement = sql(
        "SELECT t.total, x.id, x.idx FROM (SELECT {total} AS total) t LEFT JOIN LATERAL ({placed}) x ON TRUE ORDER BY x.idx",
        total=total,
        placed=placed,
    )
    result = _fetch(statement)
    found = [(row[1], int(row[2])) for row in result if row[1] is not None]
    return found, (None if result[0][0] is None else int(result[0][0]))


def thread_members(account_id: int, changed: Iterable[int], since_modseq: int) -> list[int]:
    """Every email in a thread that holds one of ``changed`` or changed since ``since_modseq``.

    Threads change (in the log) when an email joins or leaves them, so this also finds
    the threads of emails destroyed since then.
    """
    statement = sql(
        f"SELECT e.id FROM {EMAIL} e WHERE e.account_id = {{a}} AND e.thread_id IN ("
        f" SELECT x.thread_id FROM {EMAIL} x WHERE x.id = ANY({{pks}}::bigint[]) AND x.account_id = {{a2}}"
        f" UNION SELECT c.object_id FROM {CHANGE} c"
        f" WHERE c.account_id = {{a3}} AND c.type_name = 'Thread' AND c.modseq > {{since}})"
        " ORDER BY e.id",
        a=account_id,
        pks=sorted(set(changed)),
        a2=account_id,
        a3=account_id,
        since=since_modseq,
    )
    return [row[0] for row in _fetch(statement)]


# ---------------------------------------------------------------- search snippets


def snippet_sources(account_id: int, pks: Iterable[int]) -> dict[int, tuple[str | None, str]]:
    """The subject and preview of the account's emails among ``pks``."""
    statement = sql(
        "SELECT e.id, {s} ->> 'subject', e.preview FROM " + EMAIL + " e"
        " WHERE e.account_id = {a} AND e.id = ANY({pks}::bigint[])",
        s=summary("e"),
        a=account_id,
        pks=sorted(set(pks)),
    )
    return {row[0]: (row[1], row[2]) for row in _fetch(statement)}


def parse_utc_date(value: Any) -> datetime:
    """An RFC 8620 UTCDate ("2014-10-30T06:12:00Z", optionally with fractional seconds)."""
    match = _UTC_DATE.match(value) if isinstance(value, str) else None
    if match is None:
        raise ValueError("must be a UTCDate like 2014-10-30T06:12:00Z")
    fraction = (match.group(2) or "")[:6].ljust(6, "0")
    return datetime.fromisoformat(f"{match.group(1)}.{fraction}+00:00")


_UTC_DATE = re.compile(r"^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d+))?Z$", re.ASCII)
