"""SMTP_RELAY over TLS: STARTTLS with a login, implicit TLS (smtps), and no login in clear text."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from tests.conftest import free_port
from tests.tls import self_signed_certificate
from transport.outbound.routing import relay_route
from transport.outbound.smtp import ConnectFailed, send

from .sink import SinkHandler

MESSAGE = b"From: <alice@hosted.test>\r\nTo: <bob@remote.test>\r\nSubject: TLS\r\n\r\nSecret.\r\n"


@pytest.fixture(scope="module")
def certificate(tmp_path_factory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1, trusted through SSL_CERT_FILE."""
    return self_signed_certificate(tmp_path_factory.mktemp("tls"), ca=True)


@pytest.fixture
def trusted(certificate, monkeypatch) -> ssl.SSLContext:
    cert_path, key_path = certificate
    monkeypatch.setenv("SSL_CERT_FILE", str(cert_path))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_path, key_path)
    return context


def check_login(server, session, envelope, mechanism, auth_data) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (b"me", b"s3cret")
    return AuthResult(success=ok, handled=False)


def start(handler: SinkHandler, **options) -> Iterator[int]:
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port, **options)
    controller.start()
    yield port
    controller.stop()


@pytest.fixture
def starttls_relay(trusted) -> Iterator[tuple[SinkHandler, int]]:
    handler = SinkHandler()
    options = {
        "tls_context": trusted,
        "require_starttls": True,
        "authenticator": check_login,
        "auth_required": True,
    }
    for port in start(handler, **options):
        yield handler, port


@pytest.fixture
def implicit_tls_relay(trusted) -> Iterator[tuple[SinkHandler, int]]:
    handler = SinkHandler()
    for port in start(handler, ssl_context=trusted, server_hostname="127.0.0.1"):
        yield handler, port


@pytest.fixture
def plain_relay() -> Iterator[tuple[SinkHandler, int]]:
    handler = SinkHandler()
    options = {"authenticator": check_login, "auth_require_tls": False}
    for port in start(handler, **options):
        yield handler, port


def test_starttls_then_login(starttls_relay):
    handler, port = starttls_relay
    replies = send(
        relay_route(f"smtp://me:s3cret@127.0.0.1:{port}"), "alice@hosted.test", ["bob@remote.test"], MESSAGE
    )
    assert replies["bob@remote.test"].accepted
    assert handler.received[0].content == MESSAGE


def test_wrong_password_keeps_the_mail_queued(starttls_relay):
    _, port = starttls_relay
    with pytest.raises(ConnectFailed) as failed:
        send(
            relay_route(f"smtp://me:wrong@127.0.0.1:{port}"),
            "alice@hosted.test",
            ["bob@remote.test"],
            MESSAGE,
        )
    assert failed.value.reply.temporary


def test_implicit_tls(implicit_tls_relay):
    handler, port = implicit_tls_relay
    replies = send(
        relay_route(f"smtps://127.0.0.1:{port}"), "alice@hosted.test", ["bob@remote.test"], MESSAGE
    )
    assert replies["bob@remote.test"].accepted
    assert handler.received[0].rcpt_tos == ["bob@remote.test"]


def test_no_login_without_tls(plain_relay):
    handler, port = plain_relay
    with pytest.raises(ConnectFailed) as failed:
        send(
            relay_route(f"smtp://me:s3cret@127.0.0.1:{port}"),
            "alice@hosted.test",
            ["bob@remote.test"],
            MESSAGE,
        )
    assert failed.value.reply.status == "4.7.0"
    assert handler.received == []
