"""The push worker: PushVerification and StateChange messages to PushSubscription URLs.

One process (``manage.py pushworker``, started by ``make run``) so that no message
is sent twice. It hears about changes the way web processes do: ``LISTEN
jmap_state`` with the in-memory layer, or membership of the watched accounts'
groups with a shared (Redis) layer; and about subscriptions to verify or start
pushing to by ``LISTEN jmap_push``. Database work runs in threads and never spans
a network call. A sweep retries what backed off, deletes expired subscriptions,
and after every (re)connection catches up on changes it may have missed.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from channels.db import database_sync_to_async
from channels.layers import get_channel_layer

from jmapcore.changes import notify

from . import subscriptions, webpush
from .listener import listen_forever
from .states import StateWatcher, read_states_async, state_change
from .subscriptions import Target

logger = logging.getLogger(__name__)

APPLICATION_NAME = "jmap push worker"
DEBOUNCE_SECONDS = 0.1
SWEEP_SECONDS = 30
CONCURRENT_DELIVERIES = 8
STATE_TOPIC = "jmapstate"


def _db(function: Callable[..., Any]) -> Callable[..., Awaitable[Any]]:
    return database_sync_to_async(function, thread_sensitive=False)


class PushWorker:
    def __init__(self, on_ready: Callable[[], None] | None = None) -> None:
        self.on_ready = on_ready
        self.process_local = notify.layer_is_process_local()
        self.pending: set[int] = set()  # accounts poked since the last flush
        self.flusher: asyncio.Task | None = None
        self.deliveries = asyncio.Lock()  # one batch at a time: no subscription gets a message twice
        self.channel: str | None = None
        self.groups: set[int] = set()

    async def run(self) -> None:
        channels = [subscriptions.SUBSCRIPTION_CHANNEL]
        jobs = [self.sweep_forever()]
        if self.process_local:
            channels.append(notify.PG_CHANNEL)
        else:
            self.channel = await get_channel_layer().new_channel()
            jobs.append(self.receive_layer_pokes())
        jobs.append(listen_forever(APPLICATION_NAME, channels, self.on_notify, self.on_connected))
        await asyncio.gather(*jobs)

    # ----- hearing about changes

    async def on_notify(self, channel: str, payload: str) -> None:
        if not payload.isdigit():
            return
        if channel == notify.PG_CHANNEL:
            self.poke(int(payload))
        else:
            await self.subscription_changed(int(payload))

    async def receive_layer_pokes(self) -> None:
        layer = get_channel_layer()
        while True:
            message = await layer.receive(self.channel)
            if message.get("type") == notify.EVENT_TYPE and isinstance(message.get("account"), int):
                self.poke(message["account"])

    async def on_connected(self) -> None:
        await self.sweep(catch_up=True)
        if self.on_ready is not None:
            self.on_ready()
            self.on_ready = None

    def poke(self, account_pk: int) -> None:
        self.pending.add(account_pk)
        if self.flusher is None or self.flusher.done():
            self.flusher = asyncio.create_task(self.flush())

    async def flush(self) -> None:
        while self.pending:
            await asyncio.sleep(DEBOUNCE_SECONDS)
            account_pks, self.pending = self.pending, set()
            try:
                await self.deliver_states(subscriptions.verified_targets, account_pks)
            except Exception:
                logger.exception("Pushing changes of accounts %s failed", sorted(account_pks))

    async def subscription_changed(self, pk: int) -> None:
        async with self.deliveries:
            target = await _db(subscriptions.target)(pk)
            if target is not None and not target.verified and not target.verification_sent:
                await self.send_verification(target)
        await self.refresh_groups()

    # ----- periodic work

    async def sweep_forever(self) -> None:
        while True:
            await asyncio.sleep(SWEEP_SECONDS)
            try:
                await self.sweep(catch_up=False)
            except Exception:
                logger.exception("Push sweep failed")

    async def sweep(self, catch_up: bool) -> None:
        await _db(subscriptions.delete_expired)()
        async with self.deliveries:
            for target in await _db(subscriptions.unsent_verifications)():
                await self.send_verification(target)
        if catch_up:
            await self.deliver_states(subscriptions.verified_targets, None)
        else:
            await self.deliver_states(subscriptions.retry_targets)
        await self.refresh_groups()

    async def refresh_groups(self) -> None:
        """On a shared layer: be in the group of every watched account (joining again refreshes expiry)."""
        if self.channel is None:
            return
        layer = get_channel_layer()
        watched = await _db(subscriptions.watched_account_pks)()
        for pk in watched:
            await layer.group_add(notify.account_group(pk), self.channel)
        for pk in self.groups - watched:
            await layer.group_discard(notify.account_group(pk), self.channel)
        for pk in watched - self.groups:
            self.poke(pk)  # a change made before we joined the group was not heard
        self.groups = watched

    # ----- sending

    async def send_verification(self, target: Target) -> None:
        message = {
            "@type": "PushVerification",
            "pushSubscriptionId": target.jmap_id,
            "verificationCode": target.verification_code,
        }
        outcome = await asyncio.to_thread(webpush.post, target.endpoint, message)
        await _db(subscriptions.record_outcome)(target.pk, outcome, verification=True)

    async def deliver_states(self, load: Callable[..., list[Target]], *args: Any) -> None:
        """Push to the subscriptions ``load(*args)`` returns, read under the lock so none is stale."""
        limit = asyncio.Semaphore(CONCURRENT_DELIVERIES)

        async def deliver(target: Target) -> None:
            async with limit:
                await self.deliver_state(target)

        async with self.deliveries:
            targets = await _db(load)(*args)
            await asyncio.gather(*(deliver(target) for target in targets))

    async def deliver_state(self, target: Target) -> None:
        watcher = StateWatcher(target.accounts, target.types)
        watcher.sent = target.pushed
        current = await read_states_async(target.accounts)
        changed = watcher.changes(current)
        if not changed:
            return
        outcome = await asyncio.to_thread(webpush.post, target.endpoint, state_change(changed), STATE_TOPIC)
        await _db(subscriptions.record_outcome)(target.pk, outcome, pushed=watcher.sent)
