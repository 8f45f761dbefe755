"""Delivery straight to the recipient domain's MX (no SMTP_RELAY), with fixed DNS answers."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator

import pytest

from jmapcore.models import Account, EmailSubmission, OutboundMessage
from transport.outbound.queue import queue_message

from .helpers import eventually, verify_dkim
from .worker import Worker

DNS = {
    # A preferred MX that has no address, then the sink.
    "mx-remote.test": {"MX": ["5 dead.mx-remote.test", "10 mx1.mx-remote.test"]},
    "mx1.mx-remote.test": {"A": ["127.0.0.1"]},
    # No MX at all: the domain itself is the mail server (RFC 5321 5.1).
    "implicit.test": {"A": ["127.0.0.1"]},
    # RFC 7505 null MX: the domain takes no mail.
    "nomail.test": {"MX": ["0 ."]},
    "broken-dns.test": "temperror",
}


@pytest.fixture(scope="module")
def mx_worker(django_db_setup, sink, tmp_path_factory) -> Iterator[Worker]:
    table = tmp_path_factory.mktemp("mx-dns") / "answers.json"
    table.write_text(json.dumps(DNS))
    worker = Worker({"DNS_STATIC_FILE": str(table), "OUTBOUND_MX_PORT": str(sink.port)})
    yield worker
    worker.stop()


@pytest.fixture
def sender(django_db_setup, make_account, django_db_blocker) -> Iterator[Account]:
    created = make_account()
    with django_db_blocker.unblock():
        yield Account.objects.select_related("domain").get(pk=created.pk)


def message(sender: Account, to: str) -> bytes:
    return (
        f"From: <{sender.address}>\r\nTo: <{to}>\r\nSubject: MX\r\n"
        f"Message-ID: <{uuid.uuid4().hex}@hosted.test>\r\n\r\nStraight to the MX.\r\n"
    ).encode()


def send(django_db_blocker, sender: Account, recipients: list[str]) -> int:
    with django_db_blocker.unblock():
        return queue_message(sender, sender.address, recipients, message(sender, recipients[0])).pk


def test_the_mx_gets_one_transaction_per_domain_dkim_signed(mx_worker, sink, sender, django_db_blocker):
    first, second = f"a{uuid.uuid4().hex[:6]}@mx-remote.test", f"b{uuid.uuid4().hex[:6]}@mx-remote.test"
    third = f"c{uuid.uuid4().hex[:6]}@implicit.test"
    send(django_db_blocker, sender, [first, second, third])
    received = sink.wait_for(first)
    assert sorted(received.rcpt_tos) == sorted([first, second])
    assert sink.wait_for(third).rcpt_tos == [third]
    with django_db_blocker.unblock():
        assert verify_dkim(received.content, sender.domain.name)


def test_null_mx_bounces_and_dns_failure_waits(mx_worker, sink, sender, django_db_blocker):
    pk = send(django_db_blocker, sender, [f"x{uuid.uuid4().hex[:6]}@nomail.test", "y@broken-dns.test"])
    with django_db_blocker.unblock():
        eventually(lambda: OutboundMessage.objects.get(pk=pk).pending == ["y@broken-dns.test"])
        bounce = eventually(lambda: sender.emails.first())
        assert "Undelivered" in bounce.summary["subject"]
        # The DNS failure is temporary: retried until the lifetime ends, then bounced too.
        eventually(lambda: OutboundMessage.objects.get(pk=pk).finished_at, timeout=30)
        assert sender.emails.count() == 2
        assert not EmailSubmission.objects.filter(account=sender).exists()
