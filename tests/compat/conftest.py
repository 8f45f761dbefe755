"""A daphne server behind TLS for the third-party client tests.

jmapc always fetches ``https://{host}/.well-known/jmap``, so this server listens on
a Twisted ``ssl:`` endpoint with a self-signed certificate for 127.0.0.1, and its
``PUBLIC_URL`` (from which every URL in the session is built) is https too.
"""

from __future__ import annotations

import ssl
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import jmapc
import pytest
from django.conf import settings

from tests.conftest import ROOT, LiveServer, TestAccount, free_port, server_env, stop_daphne
from tests.tls import self_signed_certificate


def write_self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    """A key and a certificate valid for the IP address 127.0.0.1; returns (key, cert)."""
    cert_path, key_path = self_signed_certificate(directory)
    return key_path, cert_path


@dataclass
class TlsServer(LiveServer):
    host: str  # what jmapc takes: "127.0.0.1:<port>"
    cert: Path  # the self-signed certificate, for clients to trust


def start_tls_daphne(port: int, key: Path, cert: Path) -> TlsServer:
    env = server_env(port, {"PUBLIC_URL": f"https://127.0.0.1:{port}"})
    log = open(Path(settings.DATA_DIR) / f"test-daphne-tls-{port}.log", "wb")  # noqa: SIM115
    # A Twisted endpoint description; a colon inside a value is escaped with a backslash.
    key_arg, cert_arg = (str(path).replace(":", "\\:") for path in (key, cert))
    endpoint = f"ssl:{port}:interface=127.0.0.1:privateKey={key_arg}:certKey={cert_arg}"
    process = subprocess.Popen(
        [sys.executable, "-m", "daphne", "-e", endpoint, "webmail.asgi:application"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"https://127.0.0.1:{port}"
    context = ssl.create_default_context(cafile=str(cert))
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"daphne exited; see {log.name}")
        try:
            httpx.get(url + "/.well-known/jmap", timeout=1, verify=context)
        except httpx.TransportError:
            time.sleep(0.1)
            continue
        return TlsServer(url, process, env, f"127.0.0.1:{port}", cert)
    process.kill()
    raise RuntimeError("daphne (TLS) did not start")


@pytest.fixture(scope="session")
def tls_server(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[TlsServer]:
    with django_db_blocker.unblock():
        from django.core.management import call_command

        call_command("createcachetable", verbosity=0)
    key, cert = write_self_signed_certificate(tmp_path_factory.mktemp("tls"))
    server = start_tls_daphne(free_port(), key, cert)
    yield server
    stop_daphne(server)


@pytest.fixture
def trust_server(tls_server, monkeypatch) -> None:
    """Requests made outside a client's session trust the test certificate too.

    sseclient (behind ``Client.events``) calls ``requests.get`` itself and jmapc passes
    it no ``verify``; requests reads REQUESTS_CA_BUNDLE for such calls.
    """
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(tls_server.cert))


@pytest.fixture
def connect(tls_server, trust_server) -> Iterator[Callable[..., jmapc.Client]]:
    """connect(account, auth="bearer"|"basic", **client_kwargs) -> a jmapc.Client for the TLS server."""
    clients: list[jmapc.Client] = []

    def connect_(account: TestAccount, auth: str = "bearer", **kwargs: Any) -> jmapc.Client:
        if auth == "bearer":
            client = jmapc.Client.create_with_api_token(tls_server.host, account.token, **kwargs)
        else:
            client = jmapc.Client.create_with_password(
                tls_server.host, account.address, account.password, **kwargs
            )
        client.requests_session.verify = str(tls_server.cert)
        clients.append(client)
        return client

    yield connect_
    for client in clients:
        client.requests_session.close()


@pytest.fixture
def client(connect, account) -> jmapc.Client:
    return connect(account)
