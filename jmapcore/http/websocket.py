"""JMAP over WebSocket (RFC 8887): API requests and push on one connection.

Requests run through the same function as the HTTP API, one at a time per
connection, in arrival order. Push starts with WebSocketPushEnable: the consumer
joins its accounts' groups, and pokes become coalesced StateChanges.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar
from urllib.parse import urlsplit

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.http import HttpRequest

from jmapcore.protocol.errors import RequestError
from jmapcore.push.groups import AccountGroups
from jmapcore.push.states import StateWatcher, encode_token, read_states_async, state_change
from jmapcore.selectors.accounts import accessible_accounts

from .api import execute_request
from .auth import AuthFailed, Caller, authenticate

T = TypeVar("T")

SUBPROTOCOL = "jmap"
DEBOUNCE_SECONDS = 0.05


def in_thread(function: Callable[..., T]) -> Callable[..., Awaitable[T]]:
    """Run in any worker thread: Channels has no per-connection thread, and the shared
    thread-sensitive one would make every connection in the process wait for each request."""
    return database_sync_to_async(function, thread_sensitive=False)


def _origin(url: str) -> str:
    parts = urlsplit(url.lower())
    return f"{parts.scheme}://{parts.netloc}"


def _header(scope: dict[str, Any], name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return value.decode("latin-1")
    return None


def authenticate_scope(scope: dict[str, Any]) -> Caller | None:
    """The caller of an upgrade request, by the HTTP rules; None to refuse it.

    A browser attaches cookies (and cached Basic credentials) to a WebSocket
    opened by any site, so a request whose Origin is not this site is refused,
    and the session cookie counts only with this site's Origin.
    """
    origin = _header(scope, b"origin")
    if origin is not None and _origin(origin) != _origin(settings.PUBLIC_URL):
        return None
    request = HttpRequest()
    request.method = "GET"
    request.META["REMOTE_ADDR"] = (scope.get("client") or ["unknown"])[0]
    authorization = _header(scope, b"authorization")
    if authorization is not None:
        request.META["HTTP_AUTHORIZATION"] = authorization
    request.user = scope.get("user")  # type: ignore[assignment]
    try:
        caller = authenticate(request)
    except AuthFailed:
        return None
    if caller.via == "session" and origin is None:
        return None
    return caller


def request_error(error: RequestError, request_id: str | None) -> dict[str, Any]:
    message: dict[str, Any] = {"@type": "RequestError", **error.problem()}
    if request_id is not None:
        message["requestId"] = request_id
    return message


class JmapWebSocketConsumer(AsyncWebsocketConsumer):
    caller: Caller
    accounts: dict[int, str]
    watcher: StateWatcher | None = None
    account_groups: AccountGroups | None = None
    flush_task: asyncio.Task | None = None
    poked = False

    async def connect(self) -> None:
        if SUBPROTOCOL not in self.scope.get("subprotocols", []):
            await self.close()
            return
        caller = await in_thread(authenticate_scope)(self.scope)
        if caller is None:
            await self.close()
            return
        self.caller = caller
        self.accounts = await in_thread(self._accounts)()
        await self.accept(subprotocol=SUBPROTOCOL)

    def _accounts(self) -> dict[int, str]:
        return {account.pk: jmap_id for jmap_id, account in accessible_accounts(self.caller.user).items()}

    async def disconnect(self, code: int) -> None:
        await self._push_disable()

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        raw = text_data.encode() if text_data is not None else bytes_data or b""
        try:
            message = json.loads(raw)
        except (UnicodeDecodeError, json.JSONDecodeError):
            await self._send(request_error(RequestError("notJSON", "The message is not valid JSON"), None))
            return
        kind = message.get("@type") if isinstance(message, dict) else None
        if kind == "Request":
            await self._request(raw, message.get("id"))
        elif kind == "WebSocketPushEnable":
            await self._push_enable(message)
        elif kind == "WebSocketPushDisable":
            await self._push_disable()
        else:
            detail = "Expected a Request, WebSocketPushEnable or WebSocketPushDisable object"
            await self._send(request_error(RequestError("notRequest", detail), None))

    async def _send(self, message: dict[str, Any]) -> None:
        await self.send(text_data=json.dumps(message, ensure_ascii=False, separators=(",", ":")))

    async def _request(self, raw: bytes, request_id: Any) -> None:
        request_id = request_id if isinstance(request_id, str) else None
        try:
            response = await in_thread(execute_request)(self.caller, raw)
        except RequestError as error:
            await self._send(request_error(error, request_id))
            return
        head = {"@type": "Response"} | ({"requestId": request_id} if request_id is not None else {})
        await self._send(head | response)

    async def _push_enable(self, message: dict[str, Any]) -> None:
        types = message.get("dataTypes")
        push_state = message.get("pushState")
        if not (types is None or (isinstance(types, list) and all(isinstance(t, str) for t in types))):
            error = RequestError("notRequest", "dataTypes must be null or an array of type names")
            await self._send(request_error(error, None))
            return
        if self.account_groups is None:
            self.account_groups = AccountGroups(self.channel_name, self.accounts)
            await self.account_groups.join()
        watcher = StateWatcher(self.accounts, types)
        current = await read_states_async(self.accounts)
        changed = {}
        if isinstance(push_state, str):
            changed = watcher.changes_since_token(current, push_state)
        else:
            watcher.baseline(current)
        self.watcher = watcher  # only now: a flush under way must not diff against an empty one
        await self._send_changes(changed, current)

    async def _push_disable(self) -> None:
        self.watcher = None
        if self.flush_task is not None:
            self.flush_task.cancel()
            self.flush_task = None
        if self.account_groups is not None:
            await self.account_groups.leave()
            self.account_groups = None

    async def jmap_state_changed(self, event: dict[str, Any]) -> None:
        """A poke from the channel layer: coalesce, then send what changed."""
        if self.watcher is None:
            return
        self.poked = True
        if self.flush_task is None or self.flush_task.done():
            self.flush_task = asyncio.create_task(self._flush())

    async def _flush(self) -> None:
        # One flush at a time; a poke that arrives while it reads makes it go round again.
        while self.poked:
            await asyncio.sleep(DEBOUNCE_SECONDS)
            self.poked = False
            current = await read_states_async(self.accounts)
            if self.watcher is not None:
                await self._send_changes(self.watcher.changes(current), current)

    async def _send_changes(self, changed: dict[str, dict[str, str]], current: dict) -> None:
        if changed:
            await self._send(state_change(changed, pushState=encode_token(current)))
