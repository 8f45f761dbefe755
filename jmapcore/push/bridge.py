"""PostgreSQL NOTIFY -> this process's channel layer (only with the in-memory layer).

Writers in any process run ``pg_notify('jmap_state', '<account pk>')`` inside their
transaction (jmapcore.changes.notify), so PostgreSQL delivers it exactly when the
write commits. Each web process runs one listener task, started by the first push
client, that forwards every notification to the account's group on the local layer.
With a shared (Redis) layer writers group_send themselves and no bridge runs.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging

from channels.layers import get_channel_layer

from jmapcore.changes import notify

from .listener import listen_forever

logger = logging.getLogger(__name__)

APPLICATION_NAME = "jmap push bridge"
# How long a new push client waits for the listener before reading states anyway.
READY_TIMEOUT_SECONDS = 5.0


def poke(account_id: int) -> dict[str, object]:
    return {"type": notify.EVENT_TYPE, "account": account_id}


class Bridge:
    def __init__(self) -> None:
        self._task: asyncio.Task | None = None
        self._ready = asyncio.Event()

    def start(self) -> None:
        if self._task is not None and not self._task.done():
            return
        self._ready.clear()
        # A fresh context: the task outlives the request that happened to start it.
        self._task = asyncio.get_running_loop().create_task(
            listen_forever(APPLICATION_NAME, [notify.PG_CHANNEL], self._forward, self._connected, self._lost),
            context=contextvars.Context(),
        )

    async def wait_ready(self, seconds: float = READY_TIMEOUT_SECONDS) -> bool:
        try:
            await asyncio.wait_for(self._ready.wait(), seconds)
        except TimeoutError:
            logger.warning("The push bridge is not listening yet; pokes may be late")
            return False
        return True

    async def _forward(self, channel: str, payload: str) -> None:
        if payload.isdigit():
            account_id = int(payload)
            await get_channel_layer().group_send(notify.account_group(account_id), poke(account_id))

    async def _connected(self) -> None:
        self._ready.set()
        await self._poke_every_watched_account()

    async def _lost(self) -> None:
        self._ready.clear()

    async def _poke_every_watched_account(self) -> None:
        """Notifications sent while we were not listening are lost: let every client re-check."""
        layer = get_channel_layer()
        prefix = notify.account_group(0)[:-1]
        for group in list(getattr(layer, "groups", {})):
            suffix = group[len(prefix) :]
            if group.startswith(prefix) and suffix.isdigit():
                await layer.group_send(group, poke(int(suffix)))


_bridge = Bridge()


async def ensure_listening() -> None:
    """Start this process's bridge if it is needed and not running; wait until it listens."""
    if not notify.layer_is_process_local():
        return
    _bridge.start()
    await _bridge.wait_ready()
