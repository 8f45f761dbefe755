"""Allocating modseqs and recording changes, under a per-account lock.

Every write to an account's JMAP data goes through :func:`account_write`:

    with account_write(account_id) as log:
        mailbox = Mailbox.objects.create(...)
        log.created("Mailbox", mailbox.pk)

It opens a transaction, locks the account's state row with
``SELECT ... FOR NO KEY UPDATE`` (so two writers to one account are serialised
and commit in modseq order, while readers never wait), gives each changed object
its own modseq (so any cut that ``maxChanges`` makes is a valid state), and
after commit pokes push clients with the account id.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from django.db import connection, transaction

from jmapcore.models import AccountState, Change

from . import notify


class ChangeKind:
    CREATED = "created"
    UPDATED = "updated"
    COUNTS = "counts"  # only server-maintained counters changed (Mailbox/changes updatedProperties)
    DESTROYED = "destroyed"


@dataclass
class ChangeLog:
    """Collects the changes of one transaction; written when the block exits."""

    state: AccountState
    pending: dict[tuple[str, int], str] = field(default_factory=dict)

    @property
    def account_id(self) -> int:
        return self.state.account_id

    def created(self, type_name: str, object_id: int) -> None:
        self.pending[(type_name, object_id)] = ChangeKind.CREATED

    def updated(self, type_name: str, object_id: int, counts_only: bool = False) -> None:
        key = (type_name, object_id)
        previous = self.pending.get(key)
        if previous in (ChangeKind.CREATED, ChangeKind.DESTROYED, ChangeKind.UPDATED):
            return
        self.pending[key] = ChangeKind.COUNTS if counts_only else ChangeKind.UPDATED

    def destroyed(self, type_name: str, object_id: int) -> None:
        key = (type_name, object_id)
        if self.pending.get(key) == ChangeKind.CREATED:
            # Created and destroyed in one transaction: no client ever saw it.
            del self.pending[key]
            return
        self.pending[key] = ChangeKind.DESTROYED

    def state_of(self, type_name: str) -> str:
        """The type's state as it will be once this transaction commits."""
        return str(self.state.states.get(type_name, 0))

    def flush(self) -> None:
        if not self.pending:
            return
        first = self.state.modseq + 1
        rows = []
        for offset, ((type_name, object_id), kind) in enumerate(self.pending.items()):
            modseq = first + offset
            rows.append((type_name, object_id, kind, modseq))
            self.state.states[type_name] = modseq
        self.state.modseq = first + len(rows) - 1
        _upsert_changes(self.account_id, rows)
        AccountState.objects.filter(pk=self.account_id).update(
            modseq=self.state.modseq, states=self.state.states
        )
        self.pending.clear()
        notify.announce(self.account_id)


def _upsert_changes(account_id: int, rows: list[tuple[str, int, str, int]]) -> None:
    """One statement for all rows: insert, or move the object's row to its new modseq."""
    values = []
    params: list[object] = []
    for type_name, object_id, kind, modseq in rows:
        values.append("(%s, %s, %s, %s, %s, %s, %s, now())")
        created = modseq if kind == ChangeKind.CREATED else 0
        full = 0 if kind == ChangeKind.COUNTS else modseq
        params += [
            account_id,
            type_name,
            object_id,
            modseq,
            created,
            full,
            kind == ChangeKind.DESTROYED,
        ]
    table = Change._meta.db_table
    sql = f"""
        INSERT INTO {table}
            (account_id, type_name, object_id, modseq, created_modseq, full_modseq, destroyed, changed_at)
        VALUES {", ".join(values)}
        ON CONFLICT (account_id, type_name, object_id) DO UPDATE SET
            modseq = EXCLUDED.modseq,
            created_modseq = CASE WHEN EXCLUDED.created_modseq > 0
                THEN EXCLUDED.created_modseq ELSE {table}.created_modseq END,
            full_modseq = GREATEST({table}.full_modseq, EXCLUDED.full_modseq),
            destroyed = EXCLUDED.destroyed,
            changed_at = EXCLUDED.changed_at
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def lock_state(account_id: int) -> AccountState:
    state, _ = AccountState.objects.get_or_create(account_id=account_id)
    return AccountState.objects.select_for_update(no_key=True).get(pk=state.pk)


_open_logs: ContextVar[dict[int, ChangeLog] | None] = ContextVar("open_change_logs", default=None)


@contextmanager
def account_write(account_id: int) -> Iterator[ChangeLog]:
    """A transaction that may change the account's JMAP objects, serialised per account.

    Re-entrant: a service called inside another's block shares its log, so one
    transaction always writes one consistent set of change rows.
    """
    open_logs = _open_logs.get()
    if open_logs is not None and account_id in open_logs:
        yield open_logs[account_id]
        return
    token = _open_logs.set({**(open_logs or {})})
    try:
        with transaction.atomic():
            log = ChangeLog(lock_state(account_id))
            _open_logs.get()[account_id] = log  # type: ignore[index]
            yield log
            log.flush()
    finally:
        _open_logs.reset(token)
