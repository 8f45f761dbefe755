"""Inbound delivery figures: messages per second over loopback SMTP, and 250-to-StateChange latency."""

from __future__ import annotations

import contextlib
import json
import os
import queue
import smtplib
import socket
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
from django.conf import settings

from jmapcore.bench.harness import BenchProcess, free_port


def _message(sender: str, to: str, index: int, body_kb: int) -> bytes:
    body = ("Lorem ipsum dolor sit amet, consectetur adipiscing elit sed do eiusmod.\r\n" * 14) * body_kb
    return (
        f"From: Bench <{sender}>\r\nTo: {to}\r\nSubject: bench message {index}\r\n"
        f"Message-ID: <bench-{index}-{time.monotonic_ns()}@bench.test>\r\n"
        "Date: Thu, 26 Nov 2026 06:00:00 +0000\r\nMIME-Version: 1.0\r\n"
        f"Content-Type: text/plain; charset=utf-8\r\n\r\n{body}"
    ).encode()


class SmtpdProcess(BenchProcess):
    """``manage.py smtpd`` on a free loopback port, answering DNS from an empty fixed table."""

    def __init__(self) -> None:
        self.port = free_port()
        self.dns_file = Path(tempfile.mkstemp(suffix=".json")[1])
        self.dns_file.write_text(json.dumps({}))
        env = {**os.environ, "DNS_STATIC_FILE": str(self.dns_file), "LOG_LEVEL": "WARNING"}
        manage = str(Path(settings.BASE_DIR) / "manage.py")
        command = [sys.executable, manage, "smtpd", "--host", "127.0.0.1", "--port", str(self.port)]
        super().__init__(command, env, "bench-smtpd.log", self._listens)

    def _listens(self) -> bool:
        try:
            socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
        except OSError:
            return False
        return True

    def stop(self) -> None:
        super().stop()
        self.dns_file.unlink(missing_ok=True)


@dataclass
class Throughput:
    connections: int
    messages: int
    seconds: float

    @property
    def per_second(self) -> float:
        return self.messages / self.seconds


def throughput(port: int, to: str, messages: int, connections: int, body_kb: int) -> Throughput:
    """``messages`` spread over ``connections`` clients, each sending one after another."""
    share = [messages // connections + (1 if i < messages % connections else 0) for i in range(connections)]

    def client(count: int, offset: int) -> None:
        with smtplib.SMTP("127.0.0.1", port, local_hostname="bench.test", timeout=60) as smtp:
            for index in range(offset, offset + count):
                smtp.sendmail("bench@sender.test", [to], _message("bench@sender.test", to, index, body_kb))

    offsets = [sum(share[:i]) for i in range(connections)]
    start = time.perf_counter()
    with ThreadPoolExecutor(connections) as pool:
        for future in [
            pool.submit(client, count, offset) for count, offset in zip(share, offsets, strict=True)
        ]:
            future.result()
    return Throughput(connections, messages, time.perf_counter() - start)


def _events(
    url: str, token: str, events: queue.Queue, opened: threading.Event, stop: threading.Event
) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    with (
        contextlib.suppress(httpx.HTTPError),  # the server going away ends the reader
        httpx.Client(timeout=httpx.Timeout(10, read=None)) as http,
        http.stream(
            "GET", f"{url}/jmap/eventsource/?types=*&closeafter=no&ping=0", headers=headers
        ) as response,
    ):
        for line in response.iter_lines():
            if line.startswith("retry"):
                opened.set()
            if line.startswith("event: state"):
                events.put(time.perf_counter())
            if stop.is_set():
                return


def push_latency(port: int, url: str, token: str, to: str, runs: int) -> list[float]:
    """Milliseconds from the client reading 250 to the StateChange arriving on an EventSource."""
    events: queue.Queue[float] = queue.Queue()
    opened, stop = threading.Event(), threading.Event()
    reader = threading.Thread(target=_events, args=(url, token, events, opened, stop), daemon=True)
    reader.start()
    if not opened.wait(10):
        raise RuntimeError("the event source did not open")
    latencies = []
    with smtplib.SMTP("127.0.0.1", port, local_hostname="bench.test", timeout=60) as smtp:
        for index in range(runs):
            smtp.sendmail("bench@sender.test", [to], _message("bench@sender.test", to, index, 1))
            accepted = time.perf_counter()
            arrived = events.get(timeout=10)
            latencies.append((arrived - accepted) * 1000)
            time.sleep(0.1)  # let the push window close, so each event belongs to one message
            while not events.empty():
                events.get_nowait()
    stop.set()
    return latencies


def summary(values: list[float]) -> tuple[float, float]:
    ordered = sorted(values)
    return statistics.median(ordered), ordered[int(len(ordered) * 0.9)]
