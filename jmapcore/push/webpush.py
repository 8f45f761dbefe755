"""Sending one push message to a PushSubscription URL (RFC 8030, VAPID RFC 8292, RFC 8291).

Blocking (requests): the worker calls :func:`post` in a thread, never inside a
database transaction. With client keys the body is encrypted (aes128gcm) by
pywebpush; without, it is the plain JSON RFC 8620 describes.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests
from django.conf import settings
from py_vapid import Vapid
from pywebpush import WebPusher, WebPushException

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 10
# How long a push service may hold a message for an offline device.
TTL_SECONDS = 24 * 3600
VAPID_KEY_FILE = "vapid_private.pem"


@dataclass(frozen=True)
class Endpoint:
    url: str
    p256dh: str = ""  # empty: no encryption keys
    auth: str = ""


@dataclass(frozen=True)
class Outcome:
    status: int | None  # None: no HTTP answer (network error, timeout, redirect)
    retry_after: int | None = None

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    @property
    def gone(self) -> bool:
        return self.status in (404, 410)


@functools.cache
def vapid() -> Vapid:
    """The server's VAPID key: VAPID_PRIVATE_KEY, or one generated once into DATA_DIR."""
    configured = settings.VAPID_PRIVATE_KEY
    if configured:
        if "-----BEGIN" in configured:
            return Vapid.from_pem(configured.encode())
        return Vapid.from_string(configured)
    path = Path(settings.DATA_DIR) / VAPID_KEY_FILE
    if not path.exists():
        _generate_key(path)
    return Vapid.from_file(str(path))


def _generate_key(path: Path) -> None:
    key = Vapid()
    key.generate_keys()
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    temporary.write_bytes(key.private_pem())
    temporary.chmod(0o600)
    try:
        os.link(temporary, path)  # atomic, and loses cleanly to a process that got there first
    except FileExistsError:
        pass
    finally:
        temporary.unlink()


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _vapid_headers(url: str) -> dict[str, str]:
    claims = {"sub": settings.VAPID_SUBJECT, "aud": _origin(url), "exp": int(time.time()) + 12 * 3600}
    return vapid().sign(claims)


_sessions = threading.local()


def _session() -> requests.Session:
    session = getattr(_sessions, "session", None)
    if session is None:
        session = requests.Session()
        # A redirect could point the server at any address: treat it as a failure.
        session.max_redirects = 0
        _sessions.session = session
    return session


def post(endpoint: Endpoint, payload: dict[str, Any], topic: str | None = None) -> Outcome:
    """POST one JMAP push object; the answer classified for the worker."""
    body = json.dumps(payload, separators=(",", ":")).encode()
    headers = {"Content-Type": "application/json", "TTL": str(TTL_SECONDS), **_vapid_headers(endpoint.url)}
    if topic:
        headers["Topic"] = topic  # a newer message with the same topic replaces an undelivered one
    try:
        if endpoint.p256dh:
            keys = {"p256dh": endpoint.p256dh, "auth": endpoint.auth}
            pusher = WebPusher({"endpoint": endpoint.url, "keys": keys}, requests_session=_session())
            response = pusher.send(body, headers, ttl=TTL_SECONDS, timeout=TIMEOUT_SECONDS)
        else:
            response = _session().post(endpoint.url, data=body, headers=headers, timeout=TIMEOUT_SECONDS)
    except (requests.RequestException, WebPushException, ValueError) as error:
        logger.info("Push to %s failed: %s", _origin(endpoint.url), error)
        return Outcome(None)
    return Outcome(response.status_code, _retry_after(response))


def _retry_after(response: requests.Response) -> int | None:
    value = response.headers.get("Retry-After", "")
    return int(value) if value.isdigit() else None
