"""Emails for in-process tests, stored through the real services with hand-made fields."""

from __future__ import annotations

import hashlib
import itertools
from datetime import UTC, datetime, timedelta

from jmapcore.changes.log import account_write
from jmapcore.mail.derive import header_search_text
from jmapcore.mail.fields import EmailFields
from jmapcore.mail.subjects import base_subject
from jmapcore.models import Account, Blob, Email, Mailbox
from jmapcore.services.emails import email_create

_serial = itertools.count(1)
BASE_TIME = datetime(2025, 1, 1, tzinfo=UTC)


def fields(
    subject: str = "Hello", message_id: str | None = None, refs: tuple[str, ...] = (), **extra
) -> EmailFields:
    n = next(_serial)
    sha = hashlib.sha256(f"message {n}".encode()).hexdigest()
    Blob.objects.get_or_create(sha256=sha, defaults={"size": 100})
    own = message_id or f"m{n}@example.test"
    values = {
        "blob_sha256": sha,
        "size": 100 + n,
        "message_ids": [own, *refs],
        "own_message_id": own,
        "subject": subject,
        "subject_sort": subject.lower(),
        "from_sort": "alice",
        "to_sort": "bob",
        "sent_at": None,
        "preview": f"preview {n}",
        "has_attachment": False,
        "summary": {"subject": subject, "messageId": [own]},
        "parsed": {"subject": subject, "messageId": [own]},
        "search_headers": subject,
        "search_text": f"body {n}",
    }
    values.update(extra)
    return EmailFields(**values)


def deliver(account: Account, mailboxes: list[Mailbox], keywords=(), minutes: int = 0, **field_args) -> Email:
    with account_write(account.pk) as log:
        return email_create(
            log, account, fields(**field_args), mailboxes, keywords, BASE_TIME + timedelta(minutes=minutes)
        )


def address(name: str | None, email: str) -> dict:
    return {"name": name, "email": email}


def deliver_message(
    account: Account,
    mailboxes: list[Mailbox],
    keywords=(),
    minutes: int = 0,
    *,
    subject: str = "Hello",
    from_: tuple[dict, ...] = (),
    to: tuple[dict, ...] = (),
    cc: tuple[dict, ...] = (),
    bcc: tuple[dict, ...] = (),
    headers: tuple[tuple[str, str], ...] = (),
    body: str = "",
    **field_args,
) -> Email:
    """deliver() with address and header fields, their sort keys, the preview and the search
    text derived the way jmapcore.mail.derive does."""

    def sort_name(addresses: tuple[dict, ...]) -> str:
        return ((addresses[0].get("name") or addresses[0].get("email") or "") if addresses else "").casefold()

    parsed = {
        "subject": subject,
        "from": list(from_) or None,
        "to": list(to) or None,
        "cc": list(cc) or None,
        "bcc": list(bcc) or None,
        "headers": [{"name": name, "value": value} for name, value in headers],
    }
    values = {
        "summary": {key: value for key, value in parsed.items() if key != "headers"},
        "parsed": parsed,
        "subject_sort": base_subject(subject),
        "from_sort": sort_name(from_),
        "to_sort": sort_name(to),
        "search_headers": header_search_text(subject, list(from_), list(to), list(cc), list(bcc)),
        "search_text": body,
        "preview": body[:256],
    }
    values.update(field_args)
    return deliver(account, mailboxes, keywords, minutes, subject=subject, **values)
