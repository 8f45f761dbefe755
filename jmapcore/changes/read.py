"""Reading the change log: the body of every ``Foo/changes`` method."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.db import connection, transaction

from jmapcore.models import AccountState, Change
from jmapcore.protocol.errors import MethodError


@dataclass
class ChangesSince:
    old_state: str
    new_state: str
    has_more: bool
    created: list[int] = field(default_factory=list)
    updated: list[int] = field(default_factory=list)
    destroyed: list[int] = field(default_factory=list)
    counts_only: bool = False  # every updated object changed only its counters


@contextmanager
def snapshot() -> Iterator[None]:
    """Run several reads against one snapshot of the database (REPEATABLE READ).

    Inside an outer transaction (a write, or a test) that transaction's view rules.
    """
    if connection.in_atomic_block:
        yield
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        yield


# The sync paths run these on every resync: plain SQL, which psycopg prepares once
# per connection, costs a fraction of building the same query through the ORM.
_STATES_SQL = f"SELECT states, floors FROM {AccountState._meta.db_table} WHERE account_id = %s"
_CHANGES_SQL = f"""
    SELECT object_id, entry, modseq, created_modseq, full_modseq, destroyed FROM (
        SELECT object_id, modseq, created_modseq, full_modseq, destroyed,
               CASE WHEN created_modseq > %(since)s THEN created_modseq ELSE modseq END AS entry
        FROM {Change._meta.db_table}
        WHERE account_id = %(account)s AND type_name = %(type)s AND modseq > %(since)s
          AND NOT (created_modseq > %(since)s AND destroyed)
    ) AS changed ORDER BY entry LIMIT %(limit)s
"""


def type_states(account_id: int) -> tuple[dict[str, int], dict[str, int]]:
    with connection.cursor() as cursor:
        cursor.execute(_STATES_SQL, [account_id])
        row = cursor.fetchone()
    # Django registers a text loader for jsonb, so the columns arrive as JSON text.
    return (json.loads(row[0]), json.loads(row[1])) if row else ({}, {})


def current_state(account_id: int, type_name: str) -> str:
    return str(type_states(account_id)[0].get(type_name, 0))


def parse_state(state: object) -> int | None:
    if isinstance(state, str) and state.isdigit() and len(state) < 19:
        return int(state)
    return None


def changes_since(account_id: int, type_name: str, since_state: str, max_changes: int | None) -> ChangesSince:
    """Changed object ids since ``since_state``; cost grows with the changes, not the objects.

    There is one row per object, at the modseq of its newest change, so an object
    created after ``since`` and changed again later has its row beyond the creation.
    Rows are therefore taken in the order of each object's *entry* into the window:
    its creation if it was created after ``since``, else its newest change. Cutting
    that order anywhere (for ``maxChanges``) gives an intermediate state at which the
    client knows every object that existed then; cutting in plain modseq order would
    leave out an object created before the cut and renamed after it, and later
    report it as merely "updated" to a client that never heard of it.
    """
    states, floors = type_states(account_id)
    current = states.get(type_name, 0)
    since = parse_state(since_state)
    if since is None or since > current or since < floors.get(type_name, 0):
        raise MethodError(
            "cannotCalculateChanges",
            f"State {since_state!r} is unknown or too old; refetch all {type_name}",
        )
    if since == current:
        return ChangesSince(old_state=since_state, new_state=since_state, has_more=False)
    # Objects created and destroyed since the client's state are left out: it never knew them.
    with connection.cursor() as cursor:
        cursor.execute(
            _CHANGES_SQL,
            {
                "account": account_id,
                "type": type_name,
                "since": since,
                "limit": (max_changes + 1) if max_changes else None,
            },
        )
        rows = cursor.fetchall()
    has_more = bool(max_changes) and len(rows) > max_changes  # type: ignore[operator]
    if has_more:
        rows = rows[:max_changes]
    result = ChangesSince(old_state=since_state, new_state="", has_more=has_more)
    counts_only = True
    for object_id, _entry, _modseq, created_modseq, full_modseq, destroyed in rows:
        if created_modseq > since:
            result.created.append(object_id)
        elif destroyed:
            result.destroyed.append(object_id)
        else:
            result.updated.append(object_id)
            counts_only = counts_only and full_modseq <= since
    # Strict reading of RFC 8621 2.2: only counters changed, nothing created or destroyed.
    result.counts_only = counts_only and bool(result.updated) and not result.created and not result.destroyed
    if has_more:
        result.new_state = str(rows[-1][1])
    else:
        result.new_state = str(max([current, since, *(row[2] for row in rows)]))
    return result
