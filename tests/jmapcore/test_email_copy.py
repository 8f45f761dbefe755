"""Email/copy (RFC 8621 4.7) through the generic /copy, with two accounts in one Context."""

from __future__ import annotations

import pytest
from django.utils import timezone

from jmapcore.changes.log import account_write
from jmapcore.datatypes.email import EMAIL
from jmapcore.engine.capabilities import CORE, MAIL
from jmapcore.engine.context import Context
from jmapcore.engine.copy import standard_copy
from jmapcore.models import Email, Mailbox
from jmapcore.services.accounts import account_create
from jmapcore.services.blobs import blob_store_bytes, to_sha256
from jmapcore.services.emails import email_create
from jmapcore.services.messages import prepare_raw

RAW = b"From: a@x.test\r\nTo: b@y.test\r\nSubject: Copied\r\nMessage-ID: <copy@x.test>\r\n\r\nBody\r\n"


@pytest.fixture
def accounts(db):
    return account_create("copy-a@example.test", None), account_create("copy-b@example.test", None)


def test_email_copy_files_the_same_message_in_the_other_account(accounts):
    source, target = accounts
    stored = blob_store_bytes(source, RAW, "message/rfc822")
    sha = to_sha256(stored.blob_id)
    with account_write(source.pk) as log:
        inbox = Mailbox.objects.get(account=source, role="inbox")
        original = email_create(log, source, prepare_raw(sha, RAW).fields, [inbox], ["$seen"], timezone.now())
    ctx = Context(user=source.user, accounts={a.jmap_id: a for a in accounts}, using=frozenset([CORE, MAIL]))
    archive = Mailbox.objects.get(account=target, role="archive")
    response = standard_copy(
        ctx,
        EMAIL,
        {
            "fromAccountId": source.jmap_id,
            "accountId": target.jmap_id,
            "create": {"c": {"id": EMAIL.to_id(original.pk), "mailboxIds": {f"M{archive.pk}": True}}},
        },
    )
    created = response["created"]["c"]
    copy = Email.objects.get(pk=EMAIL.to_pk(created["id"]))
    assert (copy.account_id, copy.blob_id, copy.keywords) == (target.pk, original.blob_id, ["$seen"])
    assert created["blobId"] == stored.blob_id and created["size"] == len(RAW)
    archive.refresh_from_db()
    assert archive.total_emails == 1


def test_email_copy_refuses_changes_to_the_message(accounts):
    source, target = accounts
    stored = blob_store_bytes(source, RAW, "message/rfc822")
    with account_write(source.pk) as log:
        inbox = Mailbox.objects.get(account=source, role="inbox")
        fields = prepare_raw(to_sha256(stored.blob_id), RAW).fields
        original = email_create(log, source, fields, [inbox], [], timezone.now())
    ctx = Context(user=source.user, accounts={a.jmap_id: a for a in accounts}, using=frozenset([CORE, MAIL]))
    response = standard_copy(
        ctx,
        EMAIL,
        {
            "fromAccountId": source.jmap_id,
            "accountId": target.jmap_id,
            "create": {"c": {"id": EMAIL.to_id(original.pk), "subject": "Changed"}},
        },
    )
    assert response["notCreated"]["c"]["type"] == "invalidProperties"
