"""The event source endpoint (RFC 8620 section 7.3): StateChanges as server-sent events.

A Django async view returning a streaming response: when the client goes away,
daphne sends ``http.disconnect``, Django cancels the stream, and leaving the
``Pokes`` block takes this connection out of its account groups.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from channels.db import database_sync_to_async
from django.http import HttpRequest, HttpResponse, HttpResponseBase, QueryDict, StreamingHttpResponse

from jmapcore.push.groups import Pokes
from jmapcore.push.states import StateWatcher, encode_token, read_states_async, state_change
from jmapcore.selectors.accounts import accessible_accounts

from .auth import AuthFailed, authenticate
from .responses import problem_response

# RFC 8620 allows a minimum no higher than 30 s and a maximum no lower than 300 s.
PING_MIN_SECONDS = 2
PING_MAX_SECONDS = 300
# Pokes arriving within this window become one StateChange.
DEBOUNCE_SECONDS = 0.05
RECONNECT_MILLISECONDS = 3000


@dataclass(frozen=True)
class StreamOptions:
    types: frozenset[str] | None  # None: every type
    close_after_state: bool
    ping: int  # seconds; 0: no pings


def parse_options(query: QueryDict) -> StreamOptions:
    """The URL template's variables; ValueError says which one is wrong."""
    types = query.get("types", "*").strip()
    close_after = query.get("closeafter", "no")
    ping = query.get("ping", "0")
    if close_after not in ("state", "no"):
        raise ValueError("closeafter must be 'state' or 'no'")
    if not (ping.isascii() and ping.isdigit()):
        raise ValueError("ping must be a non-negative integer")
    seconds = int(ping) and min(max(int(ping), PING_MIN_SECONDS), PING_MAX_SECONDS)
    names = None if types == "*" else frozenset(name.strip() for name in types.split(",") if name.strip())
    return StreamOptions(names, close_after == "state", seconds)


def _watched_accounts(request: HttpRequest) -> dict[int, str]:
    caller = authenticate(request)
    return {account.pk: jmap_id for jmap_id, account in accessible_accounts(caller.user).items()}


async def eventsource_view(request: HttpRequest) -> HttpResponseBase:
    if request.method != "GET":
        return HttpResponse(status=405, headers={"Allow": "GET"})
    try:
        options = parse_options(request.GET)
    except ValueError as error:
        return problem_response(400, "about:blank", str(error), title="Bad Request")
    try:
        accounts = await database_sync_to_async(_watched_accounts)(request)
    except AuthFailed as failure:
        return failure.response
    events = state_events(accounts, options, request.headers.get("Last-Event-ID"))
    response = StreamingHttpResponse(events, content_type="text/event-stream")
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"
    return response


def server_event(name: str, data: Any, event_id: str | None = None) -> bytes:
    lines = [f"event: {name}"]
    if event_id is not None:
        lines.append(f"id: {event_id}")
    lines.append("data: " + json.dumps(data, separators=(",", ":")))
    return ("\n".join(lines) + "\n\n").encode()


async def state_events(
    accounts: dict[int, str], options: StreamOptions, last_event_id: str | None
) -> AsyncIterator[bytes]:
    loop = asyncio.get_running_loop()
    async with Pokes(accounts) as pokes:
        watcher = StateWatcher(accounts, options.types)
        current = await read_states_async(accounts)
        if last_event_id:
            changed = watcher.changes_since_token(current, last_event_id)
        else:
            watcher.baseline(current)
            changed = {}
        # The first bytes (and the headers with them) leave once every later change will be seen.
        yield f"retry: {RECONNECT_MILLISECONDS}\n\n".encode()
        last_event_at = loop.time()
        while True:
            if changed:
                yield server_event("state", state_change(changed), encode_token(current))
                last_event_at = loop.time()
                if options.close_after_state:
                    return
            wait = options.ping - (loop.time() - last_event_at) if options.ping else None
            if not await pokes.wait(None if wait is None else max(wait, 0)):
                yield server_event("ping", {"interval": options.ping})
                last_event_at = loop.time()
                changed = {}
                continue
            await asyncio.sleep(DEBOUNCE_SECONDS)
            pokes.clear()
            current = await read_states_async(accounts)
            changed = watcher.changes(current)
