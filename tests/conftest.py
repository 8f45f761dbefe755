"""Shared fixtures: a real daphne server on loopback against the test database.

JMAP tests speak HTTP to that server, so they go through the whole ASGI stack.
Each test gets fresh accounts with unique addresses, so no test sees another's
data and nothing needs truncating.
"""

from __future__ import annotations

import itertools
import os
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent
CORE = "urn:ietf:params:jmap:core"
MAIL = "urn:ietf:params:jmap:mail"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class LiveServer:
    url: str
    process: subprocess.Popen
    env: dict[str, str]


def server_env(port: int, overrides: dict[str, str] | None = None) -> dict[str, str]:
    """The server's environment; ``overrides`` (e.g. smaller limits) win over everything."""
    env = os.environ.copy()
    env["DATABASE_NAME"] = settings.DATABASES["default"]["NAME"]
    if os.environ.get("DATABASE_URL"):
        url = httpx.URL(os.environ["DATABASE_URL"])
        env["DATABASE_URL"] = str(url.copy_with(path="/" + settings.DATABASES["default"]["NAME"]))
    env["PUBLIC_URL"] = f"http://127.0.0.1:{port}"
    env["PORT"] = str(port)
    env["DATA_DIR"] = str(settings.DATA_DIR)
    env.update(overrides or {})
    return env


def start_daphne(port: int, overrides: dict[str, str] | None = None) -> LiveServer:
    env = server_env(port, overrides)
    log = open(Path(settings.DATA_DIR) / f"test-daphne-{port}.log", "wb")  # noqa: SIM115
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "daphne",
            "-b",
            "127.0.0.1",
            "-p",
            str(port),
            "--no-server-name",
            "webmail.asgi:application",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"daphne exited; see {log.name}")
        try:
            httpx.get(url + "/.well-known/jmap", timeout=1)
            return LiveServer(url, process, env)
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("daphne did not start")


def stop_daphne(server: LiveServer) -> None:
    server.process.terminate()
    try:
        server.process.wait(10)
    except subprocess.TimeoutExpired:
        server.process.kill()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker) -> Any:
    """The test database, even when no collected test asks for the ``db`` fixture.

    pytest-django only creates it for tests that use ``db`` (or a django_db
    marker); live-server tests reach the database through the server and
    ``django_db_blocker`` instead, and would otherwise write to the real one.
    """
    from django.test.utils import setup_databases, teardown_databases

    database = settings.DATABASES["default"]
    if database["NAME"] == database["TEST"]["NAME"]:
        yield
        return
    with django_db_blocker.unblock():
        config = setup_databases(verbosity=0, interactive=False, aliases={"default"})
    yield
    with django_db_blocker.unblock():
        teardown_databases(config, verbosity=0)


@pytest.fixture(scope="session")
def jmap_server(django_db_setup, django_db_blocker) -> Any:
    with django_db_blocker.unblock():
        from django.core.management import call_command

        call_command("createcachetable", verbosity=0)
    server = start_daphne(free_port())
    yield server
    stop_daphne(server)


_counter = itertools.count()


@dataclass
class TestAccount:
    address: str
    password: str
    token: str
    account_id: str
    user_id: int
    pk: int


@pytest.fixture
def make_account(django_db_blocker):
    """Create committed accounts with unique addresses (visible to the server process)."""
    from jmapcore.services.accounts import account_create, token_create

    def create(domain: str = "example.test") -> TestAccount:
        address = f"user{next(_counter)}-{uuid.uuid4().hex[:8]}@{domain}"
        with django_db_blocker.unblock():
            account = account_create(address, "correct horse battery", name="Test User")
            token = token_create(account.user, "tests")
        return TestAccount(
            address, "correct horse battery", token, account.jmap_id, account.user_id, account.pk
        )

    return create


class JmapClient:
    """A thin JMAP client over real HTTP, for raw-JSON tests."""

    def __init__(self, server: LiveServer, account: TestAccount) -> None:
        self.server = server
        self.account = account
        self.account_id = account.account_id
        self.http = httpx.Client(
            base_url=server.url, headers={"Authorization": f"Bearer {account.token}"}, timeout=30
        )

    def post(self, body: Any, **kwargs: Any) -> httpx.Response:
        return self.http.post("/jmap/api/", json=body, **kwargs)

    def request(self, method_calls: list, using: list[str] | None = None, **extra: Any) -> dict:
        response = self.post({"using": using or [CORE, MAIL], "methodCalls": method_calls, **extra})
        assert response.status_code == 200, response.text
        return response.json()

    def call(self, name: str, arguments: dict, using: list[str] | None = None) -> dict:
        """One method call; returns the response arguments (asserting the name matches)."""
        arguments = {"accountId": self.account_id, **arguments}
        responses = self.request([[name, arguments, "c"]], using)["methodResponses"]
        assert responses[0][0] == name, responses
        return responses[0][1]

    def error(self, name: str, arguments: dict, using: list[str] | None = None) -> dict:
        arguments = {"accountId": self.account_id, **arguments}
        responses = self.request([[name, arguments, "c"]], using)["methodResponses"]
        assert responses[0][0] == "error", responses
        return responses[0][1]

    def close(self) -> None:
        self.http.close()


@pytest.fixture
def account(make_account) -> TestAccount:
    return make_account()


@pytest.fixture
def jmap(jmap_server, account):
    jmap = JmapClient(jmap_server, account)
    yield jmap
    jmap.close()
