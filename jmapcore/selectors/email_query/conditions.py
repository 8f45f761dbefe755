"""FilterConditions and sort keys of Email/query, as SQL over one email row."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .query import ADDRESS_FIELDS, EmailComparator, mailbox_pk
from .sql import EMAIL, FALSE, MEMBER, TRUE, Key, Sql, _and, _or, sql
from .terms import Term, json_like_pattern, like_pattern, split_terms, tsquery_text


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
