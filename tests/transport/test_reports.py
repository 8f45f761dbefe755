"""Reports that come back about sent mail: DSNs (RFC 3464) and MDNs (RFC 8098)."""

from __future__ import annotations

import hashlib

import pytest

from jmapcore.changes.read import current_state
from jmapcore.models import Account, EmailSubmission
from jmapcore.services.blobs import to_blob_id
from tests.transport.outbound.test_submissions import create
from transport.inbound.delivery import deliver_local
from transport.inbound.reports import DSN, MDN, RecipientStatus, parse_report


def dsn(message_id: str, recipient: str, action: str = "failed", status: str = "5.1.1") -> bytes:
    return (
        "From: Mail Delivery System <MAILER-DAEMON@remote.test>\r\n"
        "To: sender@hosted.test\r\nSubject: Undelivered Mail Returned to Sender\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="b1"\r\n\r\n'
        "--b1\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n"
        "--b1\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.remote.test\r\nArrival-Date: Thu, 26 Nov 2026 06:00:00 +0000\r\n\r\n"
        f"Final-Recipient: rfc822; {recipient.upper()}\r\nAction: {action}\r\nStatus: {status}\r\n"
        f"Diagnostic-Code: smtp; 550 {status} User unknown\r\n\r\n"
        "--b1\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        f"From: sender@hosted.test\r\nTo: {recipient}\r\nSubject: draft\r\nMessage-ID: <{message_id}>\r\n"
        "--b1--\r\n"
    ).encode()


def mdn(message_id: str, recipient: str) -> bytes:
    return (
        f"From: <{recipient}>\r\nTo: sender@hosted.test\r\nSubject: Read: draft\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=disposition-notification; boundary="b2"\r\n\r\n'
        "--b2\r\nContent-Type: text/plain\r\n\r\nYour message was displayed.\r\n"
        "--b2\r\nContent-Type: message/disposition-notification\r\n\r\n"
        f"Reporting-UA: mail.remote.test; Example Mail\r\nFinal-Recipient: rfc822;{recipient}\r\n"
        f"Original-Message-ID: <{message_id}>\r\n"
        "Disposition: manual-action/MDN-sent-manually; displayed\r\n"
        "--b2--\r\n"
    ).encode()


def test_a_dsn_names_the_message_and_what_happened_to_each_recipient():
    report = parse_report(dsn("m1@hosted.test", "bob@remote.test"))
    assert report is not None
    assert (report.kind, report.message_id) == (DSN, "m1@hosted.test")
    assert report.recipients == [RecipientStatus("BOB@REMOTE.TEST", "no", "550 5.1.1 User unknown")]


def test_a_delayed_dsn_without_a_diagnostic_keeps_the_mail_queued():
    raw = dsn("m2@hosted.test", "bob@remote.test", action="delayed", status="4.4.7")
    raw = raw.replace(b"Diagnostic-Code: smtp; 550 4.4.7 User unknown\r\n", b"")
    assert parse_report(raw).recipients == [RecipientStatus("BOB@REMOTE.TEST", "queued", "451 4.4.7")]


def test_an_mdn_names_the_message_and_says_it_was_displayed():
    report = parse_report(mdn("m3@hosted.test", "bob@remote.test"))
    assert (report.kind, report.message_id, report.displayed) == (MDN, "m3@hosted.test", True)


@pytest.mark.parametrize(
    "raw",
    [
        b"From: a@b.test\r\nSubject: plain\r\n\r\nhello\r\n",
        b'Content-Type: multipart/report; report-type=other; boundary="x"\r\n\r\n--x\r\n\r\nx\r\n--x--\r\n',
        b'Content-Type: multipart/report; boundary="x"\r\n\r\n--x\r\n\r\nbroken',
    ],
)
def test_anything_else_is_no_report(raw):
    assert parse_report(raw) is None


@pytest.fixture
def account(django_db_setup, make_account, django_db_blocker):
    created = make_account("hosted.test")
    with django_db_blocker.unblock():
        yield Account.objects.select_related("domain").get(pk=created.pk)


def test_reports_arriving_by_mail_update_the_submission_that_sent_the_message(account, django_db_blocker):
    with django_db_blocker.unblock():
        submission = create(account)
        assert submission.message_id
        [recipient] = submission.delivery_status
        before = current_state(account.pk, "EmailSubmission")

        bounce = dsn(submission.message_id, recipient)
        results = deliver_local(bounce, "", [account.address])
        assert results[account.address].delivered
        submission = EmailSubmission.objects.get(pk=submission.pk)
        stored = b"Return-Path: <>\r\n" + bounce
        assert submission.dsn_blob_ids == [to_blob_id(hashlib.sha256(stored).hexdigest())]
        assert submission.delivery_status[recipient]["delivered"] == "no"
        assert submission.delivery_status[recipient]["smtpReply"] == "550 5.1.1 User unknown"
        assert current_state(account.pk, "EmailSubmission") != before

        deliver_local(mdn(submission.message_id, recipient), recipient, [account.address])
        submission = EmailSubmission.objects.get(pk=submission.pk)
        assert submission.delivery_status[recipient]["displayed"] == "yes"
        assert len(submission.mdn_blob_ids) == 1


def test_a_report_about_mail_the_account_never_sent_changes_nothing(account, django_db_blocker):
    with django_db_blocker.unblock():
        submission = create(account)
        deliver_local(dsn("unknown@elsewhere.test", "bob@remote.test"), "", [account.address])
        assert EmailSubmission.objects.get(pk=submission.pk).dsn_blob_ids == []
