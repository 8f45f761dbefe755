"""What a push connection has told its client, and what it should tell it next.

States are read from the change log (``AccountState.states``: type name -> modseq);
a type's JMAP state string is its modseq. A push token (the EventSource event id,
the WebSocket ``pushState``) records each account's highest modseq, which is all it
takes to know, later, which types changed since.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from channels.db import database_sync_to_async

from jmapcore.changes.read import type_states

AccountStates = dict[int, dict[str, int]]  # account pk -> type name -> modseq


def read_states(account_pks: Iterable[int]) -> AccountStates:
    return {pk: dict(type_states(pk)[0]) for pk in account_pks}


async def read_states_async(account_pks: Iterable[int]) -> AccountStates:
    # Not thread-sensitive: long-lived push connections must not pin a thread each.
    return await database_sync_to_async(read_states, thread_sensitive=False)(list(account_pks))


def encode_token(states: AccountStates) -> str:
    """``<pk>.<modseq>`` per account, joined by ``-``: the whole state the user can see."""
    return "-".join(f"{pk}.{max(types.values(), default=0)}" for pk, types in sorted(states.items()))


def decode_token(token: str) -> dict[int, int]:
    """Account pk -> modseq; parts that do not parse are ignored (their account counts as unseen)."""
    seen: dict[int, int] = {}
    for part in token.strip().split("-"):
        pk, dot, modseq = part.partition(".")
        if dot and pk.isdigit() and modseq.isdigit() and len(modseq) < 19:
            seen[int(pk)] = int(modseq)
    return seen


def state_change(changed: dict[str, dict[str, str]], **extra: Any) -> dict[str, Any]:
    return {"@type": "StateChange", "changed": changed, **extra}


class StateWatcher:
    """The states one push connection (or subscription) last sent, and the diff to send next."""

    def __init__(self, accounts: dict[int, str], types: Iterable[str] | None) -> None:
        self.accounts = accounts  # pk -> JMAP account id
        self.types = None if types is None else frozenset(types)
        self.sent: AccountStates = {}

    def wants(self, type_name: str) -> bool:
        return self.types is None or type_name in self.types

    def baseline(self, current: AccountStates) -> None:
        """Nothing to send: the client is taken to know ``current``."""
        self.sent = {pk: dict(types) for pk, types in current.items()}

    def changes(self, current: AccountStates) -> dict[str, dict[str, str]]:
        """The StateChange ``changed`` map since the last call; remembers ``current`` as sent."""
        changed: dict[str, dict[str, str]] = {}
        for pk, jmap_id in self.accounts.items():
            before = self.sent.get(pk, {})
            types = {
                name: str(modseq)
                for name, modseq in current.get(pk, {}).items()
                if self.wants(name) and before.get(name) != modseq
            }
            if types:
                changed[jmap_id] = types
        self.baseline(current)
        return changed

    def changes_since_token(self, current: AccountStates, token: str) -> dict[str, dict[str, str]]:
        """Types that changed after the state ``token`` encodes (everything, for unknown accounts)."""
        seen = decode_token(token)
        self.sent = {}
        for pk, types in current.items():
            known = seen.get(pk)
            if known is not None and known <= max(types.values(), default=0):
                self.sent[pk] = {name: modseq for name, modseq in types.items() if modseq <= known}
        return self.changes(current)
