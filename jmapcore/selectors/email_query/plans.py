"""How the rows of a result are reached: by email, collapsed by thread, or from thread rows."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from .conditions import Compiler, Row
from .query import EmailComparator, EmailQuery, mailbox_pk
from .sql import EMAIL, MAILBOX, MEMBER, THREAD_ROW, Key, Sql, before, join, sql


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
