"""The submission service in-process: the default hold for undo, limits, and what is sent."""

from __future__ import annotations

import hashlib
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from jmapcore.changes.log import account_write
from jmapcore.models import Account, Change, EmailSubmission, Identity, Mailbox, OutboundMessage
from jmapcore.services.blobs import blob_store_bytes
from jmapcore.services.emails import NewEmail, emails_create
from jmapcore.services.messages import prepare_raw
from jmapcore.services.submissions import (
    SubmissionRefused,
    identity_allows,
    submission_cancel,
    submission_create,
    submissions_prune,
    without_bcc,
)
from transport.outbound import delivery

BCC_MESSAGE = (
    b"From: a@hosted.test\r\nBcc: hidden@remote.test,\r\n  other@remote.test\r\nTo: b@remote.test\r\n"
    b"Subject: s\r\n\r\nBcc: this line is body text\r\n"
)


def test_without_bcc_removes_folded_fields_and_keeps_the_body():
    assert without_bcc(BCC_MESSAGE) == (
        b"From: a@hosted.test\r\nTo: b@remote.test\r\nSubject: s\r\n\r\nBcc: this line is body text\r\n"
    )


def test_identity_addresses():
    exact = Identity(email="Alice@Hosted.test")
    assert identity_allows(exact, "alice@hosted.test")
    assert not identity_allows(exact, "bob@hosted.test")
    wildcard = Identity(email="*@hosted.test")
    assert identity_allows(wildcard, "anyone@HOSTED.test")
    assert not identity_allows(wildcard, "anyone@other.test")
    assert not identity_allows(wildcard, "*@hosted.test")


@pytest.fixture
def account(django_db_setup, make_account, django_db_blocker):
    created = make_account()
    with django_db_blocker.unblock():
        yield Account.objects.select_related("domain").get(pk=created.pk)


def stored_draft(account: Account, to: str = "b@remote.test", extra: str = ""):
    raw = (
        f"From: <{account.address}>\r\n{extra}To: <{to}>\r\nSubject: draft\r\n"
        f"Message-ID: <{uuid.uuid4().hex}@hosted.test>\r\n\r\nbody\r\n"
    ).encode()
    blob_store_bytes(account, raw, "message/rfc822")
    fields = prepare_raw(hashlib.sha256(raw).hexdigest(), raw).fields
    drafts = Mailbox.objects.get(account=account, role="drafts")
    with account_write(account.pk) as log:
        [email] = emails_create(log, account, [NewEmail(fields, [drafts], ["$draft"], timezone.now())])
    return email


def create(account: Account, creation_id: str = "c1"):
    email = stored_draft(account)
    identity = Identity.objects.get(account=account)
    with account_write(account.pk) as log:
        return submission_create(
            log, account, identity, email, (f"E{email.pk}", f"T{email.thread_id}"), None, creation_id
        ).submission


def test_the_default_hold_lets_the_user_undo(account, settings, django_db_blocker):
    settings.SUBMISSION_UNDO_SECONDS = 30
    with django_db_blocker.unblock():
        before = timezone.now()
        submission = create(account)
        outbound = OutboundMessage.objects.get(submission=submission)
        # sendAt stays the creation time (no FUTURERELEASE); the queue waits for the hold.
        assert submission.send_at - before < timedelta(seconds=2)
        assert outbound.send_at - before >= timedelta(seconds=29)
        with account_write(account.pk) as log:
            assert submission_cancel(log, submission)
        assert delivery.attempt(outbound.pk) is None
        assert EmailSubmission.objects.get(pk=submission.pk).undo_status == "canceled"
        assert OutboundMessage.objects.get(pk=outbound.pk).attempts == 0


@pytest.mark.parametrize(
    ("setting", "value", "kind", "extra"),
    [
        ("SUBMISSION_MAX_SIZE", 10, "tooLarge", {"maxSize": 10}),
        ("SUBMISSION_MAX_RECIPIENTS", 0, "tooManyRecipients", {"maxRecipients": 0}),
        ("SUBMISSION_HOURLY_LIMIT", 0, "forbiddenToSend", {}),
    ],
)
def test_limits(account, settings, django_db_blocker, setting, value, kind, extra):
    setattr(settings, setting, value)
    with django_db_blocker.unblock(), pytest.raises(SubmissionRefused) as refused:
        create(account)
    assert refused.value.kind == kind
    assert refused.value.extra == extra


def test_sent_submissions_are_forgotten_after_the_retention(account, django_db_blocker):
    with django_db_blocker.unblock():
        kept = create(account, "kept")
        canceled = create(account, "gone")
        with account_write(account.pk) as log:
            submission_cancel(log, canceled)
        assert submissions_prune(timedelta(0)) >= 1
        remaining = set(EmailSubmission.objects.filter(account=account).values_list("pk", flat=True))
        # The pending one stays; the canceled one is destroyed through the change log.
        assert remaining == {kept.pk}
        assert Change.objects.filter(
            account_id=account.pk, type_name="EmailSubmission", object_id=canceled.pk, destroyed=True
        ).exists()
        # Its queue entry stays for the replay window, without the message bytes.
        assert bytes(OutboundMessage.objects.get(creation_id="gone", account=account).message) == b""
        with account_write(account.pk) as log:
            submission_cancel(log, kept)


def test_a_wildcard_identity_sends_from_the_from_address(account, django_db_blocker):
    with django_db_blocker.unblock():
        identity = Identity.objects.create(account=account, email=f"*@{account.domain.name}")
        # A Sender the identity does not allow: RFC 8621 7 falls back to the identity's
        # address, which a wildcard identity does not have; the From address stands in.
        email = stored_draft(account, extra="Sender: <someone@elsewhere.test>\r\n")
        ids = (f"E{email.pk}", f"T{email.thread_id}")
        with account_write(account.pk) as log:
            submission = submission_create(log, account, identity, email, ids, None, "wild").submission
            assert submission.envelope["mailFrom"]["email"] == account.address
            submission_cancel(log, submission)
