"""Durability before 250, LMTP's reply per recipient, and push of delivered mail."""

from __future__ import annotations

import os
import signal
import time

import pytest

from jmapcore.models import Email, Mailbox
from jmapcore.services.blobs import blob_path
from tests.transport.conftest import start_smtpd

from .mail import inbox_emails, message

pytestmark = pytest.mark.usefixtures("jmap_server")


def _stored_copy(django_db_blocker, account_pk: int, subject: str) -> Email | None:
    """Read through this test process's own connection, not the server's."""
    with django_db_blocker.unblock():
        return Email.objects.filter(account_id=account_pk, summary__subject=subject).first()


def test_the_row_and_blob_exist_when_the_client_reads_250(smtp, account, django_db_blocker) -> None:
    smtp.ehlo("client.test")
    smtp.mail("a@outside.test")
    smtp.rcpt(account.address)
    code, reply = smtp.data(message("a@outside.test", account.address, "Durable"))
    assert code == 250 and reply.startswith(b"2.0.0")
    email = _stored_copy(django_db_blocker, account.pk, "Durable")
    assert email is not None, "250 was sent before the transaction committed"
    assert blob_path(email.blob_id).is_file()


def test_killing_the_server_right_after_250_loses_nothing(account, django_db_blocker, dns_table) -> None:
    server = start_smtpd({"DNS_STATIC_FILE": str(dns_table.path)})
    client = server.client()
    client.ehlo("client.test")
    client.mail("a@outside.test")
    client.rcpt(account.address)
    code, _ = client.data(message("a@outside.test", account.address, "Survives"))
    os.kill(server.process.pid, signal.SIGKILL)
    server.process.wait(10)
    client.close()
    assert code == 250
    email = _stored_copy(django_db_blocker, account.pk, "Survives")
    assert email is not None and blob_path(email.blob_id).is_file()


def test_lmtp_answers_each_recipient_after_data(lmtpd, make_account, django_db_blocker) -> None:
    fine, broken = make_account(), make_account()
    with django_db_blocker.unblock():  # an account whose Inbox is gone cannot take mail now
        Mailbox.objects.filter(account_id=broken.pk, role="inbox").delete()
    client = lmtpd.client(lmtp=True)
    assert client.ehlo("front.test")[0] == 250  # smtplib's LMTP sends LHLO
    assert client.mail("a@outside.test")[0] == 250
    assert client.rcpt(fine.address)[0] == 250
    assert client.rcpt(broken.address)[0] == 250
    first = client.data(message("a@outside.test", fine.address, "Per recipient"))
    second = client.getreply()
    client.quit()
    assert first[0] == 250 and first[1].startswith(b"2.0.0")
    assert second[0] == 451 and second[1].startswith(b"4.3.0")
    assert _stored_copy(django_db_blocker, fine.pk, "Per recipient") is not None


def test_lmtp_refuses_helo(lmtpd) -> None:
    client = lmtpd.client(lmtp=True)
    assert client.helo("front.test")[0] == 500
    client.close()


def test_delivery_is_pushed_to_an_open_event_source(smtp, jmap, open_stream) -> None:
    stream = open_stream(jmap.account)
    address = jmap.account.address
    sent = time.monotonic()
    assert smtp.sendmail("a@outside.test", [address], message("a@outside.test", address, "Live")) == {}
    event = stream.next(timeout=5)
    latency = time.monotonic() - sent
    changed = event.data["changed"][jmap.account_id]
    assert event.data["@type"] == "StateChange" and {"Email", "Mailbox", "Thread"} <= set(changed)
    assert latency < 5
    new_state = jmap.call("Email/get", {"ids": []})["state"]
    assert changed["Email"] == new_state
    assert [e["subject"] for e in inbox_emails(jmap)] == ["Live"]


def test_lmtp_trace_names_lmtp_and_skips_spf(lmtpd, jmap) -> None:
    """Behind a fronting MTA the client address is the MTA's: SPF on it would mean nothing."""
    client = lmtpd.client(lmtp=True)
    to = jmap.account.address
    assert client.sendmail("a@outside.test", [to], message("a@outside.test", to, "Via LMTP")) == {}
    client.quit()
    [email] = inbox_emails(jmap, ["header:Received", "header:Authentication-Results"])
    assert " with LMTP id " in " ".join(email["header:Received"].split())
    results = email["header:Authentication-Results"]
    assert "spf=" not in results and "dkim=none" in results and "dmarc=none" in results


def test_smtp_answers_451_when_one_account_cannot_store(smtp, make_account, django_db_blocker) -> None:
    """One reply covers every recipient in SMTP: the sender must keep the message and retry."""
    import smtplib

    fine, broken = make_account(), make_account()
    with django_db_blocker.unblock():
        Mailbox.objects.filter(account_id=broken.pk, role="inbox").delete()
    raw = message("a@outside.test", fine.address, "Retry me")
    with pytest.raises(smtplib.SMTPDataError) as refused:
        smtp.sendmail("a@outside.test", [fine.address, broken.address], raw)
    assert refused.value.smtp_code == 451 and refused.value.smtp_error.startswith(b"4.3.0")
