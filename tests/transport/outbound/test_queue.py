"""The queue end to end: a real worker process delivering to an aiosmtpd relay on loopback."""

from __future__ import annotations

import time
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from jmapcore.models import Account, Email, OutboundMessage
from transport.outbound.queue import queue_message
from transport.outbound.tasks import requeue_orphans

from .helpers import eventually, verify_dkim
from .worker import Worker


def raw(sender: str, to: str, subject: str = "Queued") -> bytes:
    return (
        f"From: <{sender}>\r\nTo: <{to}>\r\nSubject: {subject}\r\n"
        f"Message-ID: <{uuid.uuid4().hex}@hosted.test>\r\nDate: Thu, 26 Nov 2026 06:00:00 +0000\r\n"
        "\r\nHello.\r\n"
    ).encode()


@pytest.fixture
def sender(django_db_setup, make_account, django_db_blocker):
    created = make_account()
    with django_db_blocker.unblock():
        yield Account.objects.select_related("domain").get(pk=created.pk)


def queue(django_db_blocker, account: Account, recipients: list[str], message: bytes) -> int:
    with django_db_blocker.unblock():
        return queue_message(account, account.address, recipients, message).pk


def test_relay_receives_the_message_dkim_signed(relay_worker, sink, sender, django_db_blocker):
    to = f"{uuid.uuid4().hex[:8]}@remote.test"
    message = raw(sender.address, to)
    queue(django_db_blocker, sender, [to], message)
    received = sink.wait_for(to)
    assert received.mail_from == sender.address
    assert received.content.endswith(message)
    assert received.content.startswith(b"DKIM-Signature:")
    with django_db_blocker.unblock():
        assert verify_dkim(received.content, sender.domain.name)


def test_temporary_failure_is_retried_then_delivered(relay_worker, sink, sender, django_db_blocker):
    to = f"{uuid.uuid4().hex[:8]}@remote.test"
    sink.refuse(to, "451 4.3.0 Try again later")
    pk = queue(django_db_blocker, sender, [to], raw(sender.address, to))
    sink.wait_for(to)
    assert sink.attempts(to) == 2
    with django_db_blocker.unblock():
        outbound = eventually(
            lambda: OutboundMessage.objects.filter(pk=pk, finished_at__isnull=False).first()
        )
    assert outbound.attempts == 2 and outbound.pending == []


def test_permanent_failure_bounces_into_the_senders_inbox(relay_worker, sink, sender, django_db_blocker):
    to = f"{uuid.uuid4().hex[:8]}@remote.test"
    sink.refuse(to, "550 5.1.1 No such user here")
    queue(django_db_blocker, sender, [to], raw(sender.address, to, "Doomed"))
    with django_db_blocker.unblock():
        bounce = eventually(
            lambda: Email.objects.filter(account=sender, memberships__mailbox__role="inbox").first()
        )
        assert bounce.summary["subject"] == "Undelivered Mail Returned to Sender"
    assert sink.messages_for(to) == []


def test_temporary_failures_past_the_lifetime_bounce(relay_worker, sink, sender, django_db_blocker):
    to = f"{uuid.uuid4().hex[:8]}@remote.test"
    sink.refuse(to, *["451 4.3.0 Still busy"] * 100)
    pk = queue(django_db_blocker, sender, [to], raw(sender.address, to, "Never"))
    with django_db_blocker.unblock():
        eventually(lambda: Email.objects.filter(account=sender).exists(), timeout=30)
        outbound = OutboundMessage.objects.get(pk=pk)
    assert outbound.finished_at is not None and outbound.pending == []
    assert sink.attempts(to) >= 3


def test_null_sender_failures_never_bounce(relay_worker, sink, sender, django_db_blocker):
    to = f"{uuid.uuid4().hex[:8]}@remote.test"
    sink.refuse(to, "550 5.1.1 No such user here")
    with django_db_blocker.unblock():
        pk = queue_message(sender, "", [to], raw(sender.address, to, "Auto")).pk
        eventually(lambda: OutboundMessage.objects.filter(pk=pk, finished_at__isnull=False).exists())
        assert not Email.objects.filter(account=sender).exists()


def test_the_worker_stops_cleanly_on_sigterm(relay_worker, sink):
    second = Worker({"SMTP_RELAY": f"smtp://127.0.0.1:{sink.port}"})
    time.sleep(1)  # past start-up: the worker's own handlers let running jobs finish
    started = time.monotonic()
    second.stop()
    assert second.process.returncode == 0, second.log_path.read_text()
    assert time.monotonic() - started < 5


def test_the_sweep_queues_a_message_that_lost_its_job(relay_worker, sink, sender, django_db_blocker):
    to = f"{uuid.uuid4().hex[:8]}@remote.test"
    with django_db_blocker.unblock():
        orphan = OutboundMessage.objects.create(
            account=sender,
            mail_from=sender.address,
            pending=[to],
            message=raw(sender.address, to, "Orphan"),
            send_at=timezone.now(),
        )
        assert requeue_orphans() >= 1
        assert requeue_orphans() == 0  # now it has a job
    sink.wait_for(to)
    with django_db_blocker.unblock():
        eventually(lambda: OutboundMessage.objects.filter(pk=orphan.pk, finished_at__isnull=False).exists())


def test_bare_lf_messages_are_sent_with_crlf_and_still_verify(relay_worker, sink, sender, django_db_blocker):
    to = f"{uuid.uuid4().hex[:8]}@remote.test"
    message = raw(sender.address, to, "Unix lines").replace(b"\r\n", b"\n") + b"second line\n"
    queue(django_db_blocker, sender, [to], message)
    received = sink.wait_for(to)
    assert received.content.endswith(message.replace(b"\n", b"\r\n"))
    with django_db_blocker.unblock():
        assert verify_dkim(received.content, sender.domain.name)


def test_the_sweep_gives_up_a_lost_message_past_its_lifetime(sender, django_db_blocker):
    with django_db_blocker.unblock():
        lost = OutboundMessage.objects.create(
            account=sender,
            mail_from=sender.address,
            pending=["late@remote.test"],
            message=b"Subject: late\r\n\r\n",
            send_at=timezone.now() - timedelta(days=30),
        )
        requeue_orphans()
        assert OutboundMessage.objects.get(pk=lost.pk).finished_at is not None
