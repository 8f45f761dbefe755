"""Fixtures for the push tests (the server and accounts come from tests/conftest.py)."""

from __future__ import annotations

import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from tests.conftest import JmapClient

from .helpers import Delivery, EventStream, PushReceiver, start_push_worker, stop_process


@pytest.fixture
def open_stream(jmap_server):
    """open_stream(account, query, headers=..., cookies=...) -> an opened EventStream."""
    streams: list[EventStream] = []

    def open_(account: Any = None, query: str = "types=*&closeafter=no&ping=0", **kwargs: Any) -> EventStream:
        headers = dict(kwargs.pop("headers", {}))
        if account is not None:
            headers["Authorization"] = f"Bearer {account.token}"
        stream = EventStream(f"{jmap_server.url}/jmap/eventsource/?{query}", headers, **kwargs)
        streams.append(stream)
        stream.wait_open()
        return stream

    yield open_
    for stream in streams:
        stream.close()


@pytest.fixture
def push_receiver() -> Iterator[PushReceiver]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    receiver = PushReceiver(f"http://127.0.0.1:{server.server_address[1]}")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            receiver.received.put(Delivery(self.path, {k.lower(): v for k, v in self.headers.items()}, body))
            self.send_response(receiver.status.get(self.path, 201))
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server.RequestHandlerClass = Handler
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield receiver
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def push_worker(jmap_server) -> Iterator[subprocess.Popen]:
    """``manage.py pushworker`` against the test database, as ``make run`` starts it."""
    process = start_push_worker(jmap_server.env)
    yield process
    stop_process(process)


@pytest.fixture
def other_jmap(jmap_server, make_account) -> Iterator[JmapClient]:
    """A client for a second, unrelated user."""
    client = JmapClient(jmap_server, make_account())
    yield client
    client.close()
