"""EmailSubmission over HTTP: a worker relaying to an SMTP sink, clients for two accounts."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conftest import JmapClient
from tests.transport.outbound.sink import Sink
from tests.transport.outbound.worker import Worker


@pytest.fixture(scope="module")
def sink() -> Iterator[Sink]:
    server = Sink().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def worker(django_db_setup, sink) -> Iterator[Worker]:
    running = Worker({"SMTP_RELAY": f"smtp://127.0.0.1:{sink.port}"})
    yield running
    running.stop()


@pytest.fixture
def other(jmap_server, make_account) -> Iterator[JmapClient]:
    """A second account on the same hosted domain."""
    client = JmapClient(jmap_server, make_account())
    yield client
    client.close()
