"""Fixtures of the outgoing-mail tests: an SMTP sink and a worker sending through it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .sink import Sink
from .worker import Worker


@pytest.fixture(scope="module")
def sink() -> Iterator[Sink]:
    server = Sink().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def relay_worker(django_db_setup, sink) -> Iterator[Worker]:
    """A worker sending everything through SMTP_RELAY, the sink."""
    worker = Worker({"SMTP_RELAY": f"smtp://127.0.0.1:{sink.port}"})
    yield worker
    worker.stop()
