"""Push test helpers: an event source reader, a Web Push receiver, extra server processes."""

from __future__ import annotations

import contextlib
import json
import os
import queue
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from django.conf import settings

from tests.conftest import ROOT, JmapClient, LiveServer, free_port, start_daphne


@dataclass
class ServerEvent:
    name: str
    data: Any
    id: str | None
    # When the reader thread got it: latency is measured to here, not to whenever the
    # test gets round to reading the queue.
    arrived: float = field(default_factory=time.time, compare=False)


CLOSED = ServerEvent("closed", None, None)


class EventStream:
    """Reads an event source in a thread; ``next()`` returns the next event or CLOSED."""

    def __init__(self, url: str, headers: dict[str, str] | None = None, cookies: Any = None) -> None:
        self.client = httpx.Client(timeout=httpx.Timeout(10, read=None), cookies=cookies)
        self.url = url
        self.headers = headers or {}
        self.events: queue.Queue[ServerEvent] = queue.Queue()
        self.opened = threading.Event()
        self.response: httpx.Response | None = None
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        try:
            with self.client.stream("GET", self.url, headers=self.headers) as response:
                self.response = response
                if response.status_code != 200:
                    self.opened.set()
                    return
                self._parse(response.iter_lines())
        except (httpx.HTTPError, RuntimeError):
            pass
        finally:
            self.opened.set()
            self.events.put(CLOSED)

    def _parse(self, lines: Iterator[str]) -> None:
        fields: dict[str, str] = {}
        for line in lines:
            if line == "":
                if "event" in fields:
                    self.events.put(
                        ServerEvent(fields["event"], json.loads(fields["data"]), fields.get("id"))
                    )
                fields = {}
            elif not line.startswith(":"):
                name, _, value = line.partition(":")
                fields[name] = value.removeprefix(" ")
                if name == "retry":
                    self.opened.set()  # the server sends it once it watches every change

    def wait_open(self, timeout: float = 10) -> httpx.Response:
        assert self.opened.wait(timeout), "the event source did not open"
        assert self.response is not None
        return self.response

    def next(self, timeout: float = 3) -> ServerEvent:
        return self.events.get(timeout=timeout)

    def nothing_within(self, seconds: float) -> bool:
        try:
            self.events.get(timeout=seconds)
        except queue.Empty:
            return True
        return False

    def close(self) -> None:
        """Hang up (a socket closed while another thread reads it would stay open)."""
        stream = self.response.extensions.get("network_stream") if self.response is not None else None
        sock = stream.get_extra_info("socket") if stream is not None else None
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        self.thread.join(5)
        self.client.close()


@dataclass
class Delivery:
    path: str
    headers: dict[str, str]  # names in lower case
    body: bytes


@dataclass
class PushReceiver:
    """A local push service: records every POST; answers ``status[path]`` (default 201)."""

    url: str
    received: queue.Queue[Delivery] = field(default_factory=queue.Queue)
    status: dict[str, int] = field(default_factory=dict)

    def next(self, timeout: float = 5) -> Delivery:
        return self.received.get(timeout=timeout)

    def nothing_within(self, seconds: float) -> bool:
        try:
            self.received.get(timeout=seconds)
        except queue.Empty:
            return True
        return False


def wait_for_line(log: Path, text: str, process: subprocess.Popen, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if text in log.read_text(errors="replace"):
            return
        if process.poll() is not None:
            raise RuntimeError(f"{process.args} exited; see {log}")
        time.sleep(0.05)
    raise RuntimeError(f"{process.args} did not say {text!r}; see {log}")


def start_push_worker(env: dict[str, str]) -> subprocess.Popen:
    """``manage.py pushworker`` with the given environment, once it says it is ready."""
    log_path = Path(settings.DATA_DIR) / f"test-pushworker-{os.getpid()}-{time.monotonic_ns()}.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "manage.py", "pushworker"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    wait_for_line(log_path, "Push worker ready", process)
    return process


def stop_process(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()


def start_server(extra_env: dict[str, str]) -> LiveServer:
    """Another daphne process on the test database, with extra settings (e.g. REDIS_URL)."""
    return start_daphne(free_port(), overrides=extra_env)


def create_mailbox(jmap: JmapClient, name: str = "Pushed") -> str:
    """Create a mailbox over HTTP; returns the new Mailbox state."""
    result = jmap.call("Mailbox/set", {"create": {"m": {"name": name}}})
    assert result["created"], result
    return result["newState"]


def log_in(server_url: str, address: str, password: str) -> httpx.Client:
    """A browser-like client logged in through the site's login form (session cookie)."""
    browser = httpx.Client(base_url=server_url, timeout=10)
    page = browser.get("/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    response = browser.post(
        "/login/", data={"username": address, "password": password, "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302, response.text
    assert "sessionid" in browser.cookies
    return browser
