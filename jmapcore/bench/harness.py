"""Timing JMAP calls over HTTP: medians and bytes on the wire, headers included."""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
from django.conf import settings


@dataclass
class Measurement:
    name: str
    median_ms: float
    p90_ms: float
    bytes_up: int
    bytes_down: int
    runs: int


def wire_bytes(response: httpx.Response) -> tuple[int, int]:
    """Request and response sizes as HTTP/1.1 puts them on the wire."""
    request = response.request
    up = len(f"{request.method} {request.url.raw_path.decode()} HTTP/1.1\r\n")
    up += sum(len(k) + len(v) + 4 for k, v in request.headers.raw) + 2 + len(request.content)
    down = len(f"HTTP/1.1 {response.status_code} {response.reason_phrase}\r\n")
    # num_bytes_downloaded counts the body as sent (gzipped), not as decoded.
    down += sum(len(k) + len(v) + 4 for k, v in response.headers.raw) + 2 + response.num_bytes_downloaded
    return up, down


def measure(name: str, call: Callable[[], httpx.Response], runs: int = 200, warmup: int = 20) -> Measurement:
    for _ in range(warmup):
        call().raise_for_status()
    timings = []
    response = None
    for _ in range(runs):
        start = time.perf_counter()
        response = call()
        timings.append((time.perf_counter() - start) * 1000)
        response.raise_for_status()
    assert response is not None
    up, down = wire_bytes(response)
    timings.sort()
    return Measurement(name, statistics.median(timings), timings[int(len(timings) * 0.9)], up, down, runs)


def table(rows: list[Measurement]) -> str:
    header = f"| {'measurement':<34} | {'median ms':>9} | {'p90 ms':>7} | {'bytes up':>8} | {'bytes down':>10} | {'runs':>5} |"
    rule = "|" + "|".join("-" * (len(cell) + 0) for cell in header.split("|")[1:-1]) + "|"
    lines = [header, rule]
    for row in rows:
        lines.append(
            f"| {row.name:<34} | {row.median_ms:>9.2f} | {row.p90_ms:>7.2f} | {row.bytes_up:>8} | {row.bytes_down:>10} | {row.runs:>5} |"
        )
    return "\n".join(lines)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class BenchProcess:
    """A process of the site on loopback, logging to ``DATA_DIR/<log_name>``, up once
    ``ready()`` says so (within 30 seconds)."""

    def __init__(
        self, command: list[str], env: dict[str, str], log_name: str, ready: Callable[[], bool]
    ) -> None:
        log = open(Path(settings.DATA_DIR) / log_name, "wb")  # noqa: SIM115
        self.process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if ready():
                return
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"{' '.join(command[1:3])} did not start; see {log_name}")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()


class BenchServer(BenchProcess):
    """A daphne process on a free loopback port, as ``make run`` would start it."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "PORT": str(self.port), "PUBLIC_URL": self.url, "LOG_LEVEL": "WARNING"}
        command = [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(self.port)]
        super().__init__(
            [*command, "--no-server-name", "webmail.asgi:application"], env, "bench-daphne.log", self._answers
        )

    def _answers(self) -> bool:
        try:
            httpx.get(self.url + "/", timeout=1)
        except httpx.TransportError:
            return False
        return True
