"""A dedicated PostgreSQL connection that LISTENs, reconnecting with backoff."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

import psycopg
from asgiref.sync import sync_to_async
from django.db import connection
from psycopg import sql

logger = logging.getLogger(__name__)

# Keys Django's backend adds for its own cursors and pool; psycopg.connect() rejects them.
DJANGO_ONLY_KEYS = ("pool", "cursor_factory", "context", "prepare_threshold", "server_side_binding")
HEALTH_CHECK_SECONDS = 30
FIRST_BACKOFF_SECONDS = 0.5
MAX_BACKOFF_SECONDS = 30

NotifyHandler = Callable[[str, str], Awaitable[None]]
Callback = Callable[[], Awaitable[None]]


def connection_params() -> dict[str, Any]:
    """Django's connection parameters, as psycopg takes them (the embedded backend adds the socket)."""
    params = connection.get_connection_params()
    for key in DJANGO_ONLY_KEYS:
        params.pop(key, None)
    return params


async def listen_forever(
    name: str,
    channels: Iterable[str],
    on_notify: NotifyHandler,
    on_ready: Callback | None = None,
    on_lost: Callback | None = None,
) -> None:
    """LISTEN on ``channels`` until cancelled; ``on_ready`` runs after every (re)connection.

    ``name`` is the connection's application_name, to tell it apart in pg_stat_activity.
    """
    channels = list(channels)
    delay = FIRST_BACKOFF_SECONDS
    while True:
        connected = False
        try:
            async with await _connect(name, channels) as conn:
                connected = True
                delay = FIRST_BACKOFF_SECONDS
                if on_ready is not None:
                    await on_ready()
                await _relay(conn, on_notify)
        except (psycopg.Error, OSError) as error:
            logger.warning("LISTEN %s: %s; reconnecting in %.1fs", ",".join(channels), error, delay)
        except Exception:
            logger.exception("LISTEN %s failed; reconnecting in %.1fs", ",".join(channels), delay)
        if connected and on_lost is not None:
            await on_lost()
        await asyncio.sleep(delay)
        delay = min(delay * 2, MAX_BACKOFF_SECONDS)


async def _connect(name: str, channels: list[str]) -> psycopg.AsyncConnection:
    params = await sync_to_async(connection_params, thread_sensitive=False)()
    params["application_name"] = name
    conn = await psycopg.AsyncConnection.connect(autocommit=True, **params)
    try:
        for channel in channels:
            await conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(channel)))
    except BaseException:
        await conn.close()
        raise
    return conn


async def _relay(conn: psycopg.AsyncConnection, on_notify: NotifyHandler) -> None:
    while True:
        async for notification in conn.notifies(timeout=HEALTH_CHECK_SECONDS):
            try:
                await on_notify(notification.channel, notification.payload)
            except Exception:
                logger.exception("Handling NOTIFY %s %r failed", notification.channel, notification.payload)
        # A quiet connection may be a dead one: make the server answer.
        await conn.execute("SELECT 1")
