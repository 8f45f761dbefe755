"""A push connection's membership in its accounts' channel-layer groups."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from types import TracebackType
from typing import Any

from channels.layers import get_channel_layer

from jmapcore.changes import notify

from . import bridge

# Channel layers forget group members after a day (group_expiry); re-join well before.
REFRESH_SECONDS = 3600


class AccountGroups:
    """Joins ``channel`` to each account's group, and keeps it joined until ``leave()``."""

    def __init__(self, channel: str, account_pks: Iterable[int]) -> None:
        self.layer = get_channel_layer()
        self.channel = channel
        self.groups = [notify.account_group(pk) for pk in account_pks]
        self._refresher: asyncio.Task | None = None

    async def join(self) -> None:
        await self._add_all()
        self._refresher = asyncio.create_task(self._refresh())
        await bridge.ensure_listening()

    async def leave(self) -> None:
        if self._refresher is not None:
            self._refresher.cancel()
            self._refresher = None
        for group in self.groups:
            await self.layer.group_discard(group, self.channel)

    async def _add_all(self) -> None:
        for group in self.groups:
            await self.layer.group_add(group, self.channel)

    async def _refresh(self) -> None:
        while True:
            await asyncio.sleep(REFRESH_SECONDS)
            await self._add_all()


class Pokes:
    """A private channel in the accounts' groups whose pokes set an event (for the EventSource).

    Use as ``async with Pokes(pks) as pokes``: it has joined the groups (and the
    bridge is listening) on entry, so states read afterwards miss no change.
    """

    def __init__(self, account_pks: Iterable[int]) -> None:
        self.account_pks = list(account_pks)
        self.event = asyncio.Event()
        self._reader: asyncio.Task | None = None
        self._groups: AccountGroups | None = None

    async def __aenter__(self) -> Pokes:
        layer = get_channel_layer()
        channel = await layer.new_channel()
        self._reader = asyncio.create_task(self._read(layer, channel))
        self._groups = AccountGroups(channel, self.account_pks)
        try:
            await self._groups.join()
        except BaseException:
            self._reader.cancel()
            raise
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._reader is not None:
            self._reader.cancel()
        if self._groups is not None:
            await self._groups.leave()

    async def _read(self, layer: Any, channel: str) -> None:
        while True:
            message = await layer.receive(channel)
            if message.get("type") == notify.EVENT_TYPE:
                self.event.set()

    async def wait(self, seconds: float | None) -> bool:
        """True when poked, False when ``seconds`` passed first (None: wait for a poke)."""
        try:
            await asyncio.wait_for(self.event.wait(), seconds)
        except TimeoutError:
            return False
        return True

    def clear(self) -> None:
        self.event.clear()
