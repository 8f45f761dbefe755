"""The SMTP client against a real aiosmtpd sink on loopback: replies per recipient, failures."""

from datetime import UTC, datetime

import dkim
import pytest
from django.core.management import CommandError, call_command

from jmapcore.mime.parse import parse_message
from jmapcore.models.keys import dkim_private_key_new, dkim_txt_value
from tests.conftest import free_port
from transport.outbound.dkim import dkim_sign
from transport.outbound.dsn import FailedRecipient, build_dsn
from transport.outbound.routing import RelayConfigError, relay_route
from transport.outbound.smtp import ConnectFailed, Reply, Route, helo_name, reply_from, send

from .sink import Sink

MESSAGE = (
    b"From: Alice <alice@hosted.test>\r\nTo: bob@remote.test\r\nSubject: Hi\r\n"
    b"Message-ID: <m1@hosted.test>\r\nDate: Thu, 26 Nov 2026 06:00:00 +0000\r\n\r\nHello Bob.\r\n"
)


@pytest.fixture
def sink():
    server = Sink().start()
    yield server
    server.stop()


def test_delivers_and_reports_each_recipient(sink):
    sink.refuse("gone@remote.test", "550 5.1.1 No such user")
    sink.refuse("busy@remote.test", "451 4.2.0 Mailbox busy")
    replies = send(
        Route("127.0.0.1", sink.port),
        "alice@hosted.test",
        ["bob@remote.test", "gone@remote.test", "busy@remote.test"],
        MESSAGE,
    )
    assert replies["bob@remote.test"].accepted
    assert str(replies["gone@remote.test"]) == "550 5.1.1 No such user"
    assert replies["gone@remote.test"].permanent
    assert replies["busy@remote.test"].temporary
    [received] = sink.received
    assert received.rcpt_tos == ["bob@remote.test"]
    assert received.mail_from == "alice@hosted.test"
    assert received.content == MESSAGE


def test_nobody_accepted_sends_no_data(sink):
    sink.refuse("gone@remote.test", "550 5.1.1 No such user")
    replies = send(Route("127.0.0.1", sink.port), "alice@hosted.test", ["gone@remote.test"], MESSAGE)
    assert replies["gone@remote.test"].permanent
    assert sink.received == []


def test_unreachable_server_is_a_temporary_connect_failure():
    with pytest.raises(ConnectFailed) as error:
        send(Route("127.0.0.1", free_port()), "alice@hosted.test", ["bob@remote.test"], MESSAGE)
    assert error.value.reply.temporary
    assert error.value.reply.status == "4.4.1"


def test_multiline_replies_fold_as_rfc_8621_says():
    reply = reply_from(550, b"5.7.1 Our system has detected that this message is\n5.7.1 likely spam.")
    assert str(reply) == "550 5.7.1 Our system has detected that this message is likely spam."
    assert reply.status == "5.7.1"
    assert Reply(421, "Service closing").status == "4.0.0"


def test_relay_urls():
    plain = relay_route("smtp://relay.example:2525")
    assert (plain.host, plain.port, plain.implicit_tls, plain.username) == (
        "relay.example",
        2525,
        False,
        None,
    )
    secure = relay_route("smtps://me%40example.org:p%3Ass@relay.example")
    assert (secure.port, secure.implicit_tls, secure.username, secure.password) == (
        465,
        True,
        "me@example.org",
        "p:ss",
    )
    assert relay_route("smtp://u:p@relay.example").require_tls
    for bad in ["http://relay.example", "smtp://", "relay.example:25"]:
        with pytest.raises(RelayConfigError):
            relay_route(bad)


def test_dkim_signature_verifies_against_the_published_key():
    key = dkim_private_key_new()
    signed = dkim_sign(MESSAGE, "hosted.test", "sel1", key)
    assert signed.startswith(b"DKIM-Signature:")
    record = dkim_txt_value(key).encode()

    def dns(name, timeout=5):
        return record if name == b"sel1._domainkey.hosted.test." else None

    assert dkim.verify(signed, dnsfunc=dns)
    assert not dkim.verify(signed.replace(b"Hello Bob", b"Hello Eve"), dnsfunc=dns)


def test_dsn_is_a_delivery_status_report_with_the_original_headers():
    when = datetime(2026, 11, 26, 6, 0, tzinfo=UTC)
    failed = [FailedRecipient("gone@remote.test", Reply(550, "5.1.1 No such user"), "mx.remote.test", when)]
    dsn = build_dsn(MESSAGE, "alice@hosted.test", failed, "mail.hosted.test", "S7", when, when)
    parsed = parse_message(dsn)
    assert parsed.to == [{"name": None, "email": "alice@hosted.test"}]
    assert parsed.in_reply_to == ["m1@hosted.test"]
    structure = parsed.body_structure
    assert structure["type"] == "multipart/report"
    assert [part["type"] for part in structure["subParts"]] == [
        "text/plain",
        "message/delivery-status",
        "text/rfc822-headers",
    ]
    text = dsn.decode()
    assert "report-type=delivery-status" in text
    assert "Final-Recipient: rfc822; gone@remote.test" in text
    assert "Action: failed" in text
    assert "Status: 5.1.1" in text
    assert "Remote-MTA: dns; mx.remote.test" in text
    assert "Diagnostic-Code: smtp; 550 5.1.1 No such user" in text
    assert "Original-Envelope-Id: S7" in text
    assert "Subject: Hi" in text and "Hello Bob" not in text


def test_the_worker_refuses_a_malformed_relay(settings):
    settings.SMTP_RELAY = "relay.example:25"
    with pytest.raises(CommandError, match="SMTP_RELAY"):
        call_command("outboundworker")


@pytest.mark.parametrize(
    ("configured", "sent"),
    [("mail.hosted.test", "mail.hosted.test"), ("127.0.0.1", "[127.0.0.1]"), ("::1", "[IPv6:::1]")],
)
def test_helo_name_is_an_address_literal_for_ips(settings, configured, sent):
    settings.SMTP_HELO_NAME = configured
    assert helo_name() == sent
