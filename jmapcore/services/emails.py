"""Storing, changing and destroying Emails: the one way mail enters or leaves the store.

SMTP delivery, import, ``Email/import`` and ``Email/set`` all call these functions
inside :func:`jmapcore.changes.log.account_write`, so threads, Mailbox counters,
the change log and push can never be bypassed. The raw message must already be
stored as a blob (that I/O happens before the transaction).

Counters are kept incrementally: each membership change adjusts the Mailbox's
``total_emails``/``unread_emails`` and the ``MailboxThread`` row behind
``total_threads``/``unread_threads`` (RFC 8621 2: a thread is unread in a mailbox when
one of its emails there is unread), and reports a counts-only Mailbox change.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db.models import F

from jmapcore.changes.log import ChangeLog
from jmapcore.mail.fields import EmailFields
from jmapcore.mail.subjects import base_subject
from jmapcore.models import Account, Email, EmailMailbox, Mailbox, MailboxThread, Thread
from jmapcore.services.blobs import blob_pin, blob_release, to_blob_id

EMAIL, THREAD, MAILBOX = "Email", "Thread", "Mailbox"


# ---------------------------------------------------------------- threads


def find_thread(account: Account, fields: EmailFields) -> Thread | None:
    """The thread of an email sharing a message id and the base subject, oldest first."""
    if not fields.message_ids:
        return None
    subject = base_subject(fields.subject)
    candidates = (
        Email.objects.filter(account=account, message_ids__overlap=fields.message_ids, base_subject=subject)
        .order_by("received_at", "id")
        .values_list("thread_id", flat=True)[:1]
    )
    thread_id = next(iter(candidates), None)
    return Thread(pk=thread_id, account=account) if thread_id else None


# ---------------------------------------------------------------- create


def email_create(
    log: ChangeLog,
    account: Account,
    fields: EmailFields,
    mailboxes: list[Mailbox],
    keywords: Iterable[str],
    received_at: datetime,
) -> Email:
    thread = find_thread(account, fields)
    if thread is None:
        thread = Thread.objects.create(account=account)
        log.created(THREAD, thread.pk)
    else:
        log.updated(THREAD, thread.pk)
    email = Email.objects.create(
        account=account,
        thread=thread,
        blob_id=fields.blob_sha256,
        received_at=received_at,
        size=fields.size,
        keywords=sorted(set(keywords)),
        has_attachment=fields.has_attachment,
        message_ids=fields.message_ids,
        base_subject=base_subject(fields.subject),
        subject_sort=fields.subject_sort,
        from_sort=fields.from_sort,
        to_sort=fields.to_sort,
        sent_at=fields.sent_at,
        preview=fields.preview,
        parsed=fields.parsed,
    )
    _index_text(email.pk, fields.search_text)
    blob_pin(account, to_blob_id(fields.blob_sha256))
    for mailbox in mailboxes:
        _join_mailbox(log, email, mailbox)
    log.created(EMAIL, email.pk)
    return email


def _index_text(email_id: int, text: str) -> None:
    from django.db import connection

    # 'simple' does no stemming and no stop words: mail in any language stays findable.
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Email._meta.db_table} SET search = to_tsvector('simple', %s) WHERE id = %s",
            [text, email_id],
        )


# ---------------------------------------------------------------- membership and counters


def _join_mailbox(log: ChangeLog, email: Email, mailbox: Mailbox) -> None:
    unread = int(email.is_unread)
    EmailMailbox.objects.create(
        email=email, mailbox=mailbox, thread_id=email.thread_id, received_at=email.received_at
    )
    row, created = MailboxThread.objects.get_or_create(
        mailbox=mailbox,
        thread_id=email.thread_id,
        defaults={"latest_email": email, "latest_received_at": email.received_at},
    )
    was_unread = row.unread > 0
    row.emails += 1
    row.unread += unread
    if not created and (email.received_at, email.pk) > (row.latest_received_at, row.latest_email_id or 0):
        row.latest_email, row.latest_received_at = email, email.received_at
    row.save()
    Mailbox.objects.filter(pk=mailbox.pk).update(
        total_emails=F("total_emails") + 1,
        unread_emails=F("unread_emails") + unread,
        total_threads=F("total_threads") + int(created),
        unread_threads=F("unread_threads") + int(row.unread > 0 and not was_unread),
    )
    log.updated(MAILBOX, mailbox.pk, counts_only=True)


def _leave_mailbox(log: ChangeLog, email: Email, mailbox_id: int) -> None:
    unread = int(email.is_unread)
    EmailMailbox.objects.filter(email=email, mailbox_id=mailbox_id).delete()
    row = MailboxThread.objects.get(mailbox_id=mailbox_id, thread_id=email.thread_id)
    was_unread = row.unread > 0
    row.emails -= 1
    row.unread -= unread
    if row.emails == 0:
        row.delete()
    else:
        if row.latest_email_id == email.pk:
            _refresh_latest(row)
        row.save()
    Mailbox.objects.filter(pk=mailbox_id).update(
        total_emails=F("total_emails") - 1,
        unread_emails=F("unread_emails") - unread,
        total_threads=F("total_threads") - int(row.emails == 0),
        unread_threads=F("unread_threads") - int(was_unread and row.unread == 0),
    )
    log.updated(MAILBOX, mailbox_id, counts_only=True)


def _refresh_latest(row: MailboxThread) -> None:
    latest = (
        EmailMailbox.objects.filter(mailbox_id=row.mailbox_id, thread_id=row.thread_id)
        .order_by("-received_at", "-email_id")
        .values_list("email_id", "received_at")
        .first()
    )
    assert latest is not None
    row.latest_email_id, row.latest_received_at = latest


def _unread_changed(log: ChangeLog, email: Email, delta: int) -> None:
    """The email became unread (+1) or read (-1): adjust every mailbox it is in."""
    for mailbox_id in email.memberships.values_list("mailbox_id", flat=True):
        row = MailboxThread.objects.get(mailbox_id=mailbox_id, thread_id=email.thread_id)
        was_unread = row.unread > 0
        row.unread += delta
        row.save(update_fields=["unread"])
        Mailbox.objects.filter(pk=mailbox_id).update(
            unread_emails=F("unread_emails") + delta,
            unread_threads=F("unread_threads") + (int(row.unread > 0) - int(was_unread)),
        )
        log.updated(MAILBOX, mailbox_id, counts_only=True)


# ---------------------------------------------------------------- update


def email_set_keywords(log: ChangeLog, email: Email, keywords: Iterable[str]) -> None:
    new = sorted(set(keywords))
    if new == sorted(email.keywords):
        return
    before = email.is_unread
    email.keywords = new
    Email.objects.filter(pk=email.pk).update(keywords=new)
    if email.is_unread != before:
        _unread_changed(log, email, 1 if email.is_unread else -1)
    log.updated(EMAIL, email.pk)


def email_set_mailboxes(log: ChangeLog, email: Email, mailboxes: list[Mailbox]) -> None:
    current = set(email.memberships.values_list("mailbox_id", flat=True))
    wanted = {mailbox.pk: mailbox for mailbox in mailboxes}
    if set(wanted) == current:
        return
    for mailbox_id in sorted(current - set(wanted)):
        _leave_mailbox(log, email, mailbox_id)
    for mailbox_id in sorted(set(wanted) - current):
        _join_mailbox(log, email, wanted[mailbox_id])
    log.updated(EMAIL, email.pk)


# ---------------------------------------------------------------- destroy


def email_destroy(log: ChangeLog, email: Email) -> None:
    for mailbox_id in sorted(email.memberships.values_list("mailbox_id", flat=True)):
        _leave_mailbox(log, email, mailbox_id)
    thread_id, blob_sha256, account = email.thread_id, email.blob_id, email.account
    email_id = email.pk
    email.delete()
    log.destroyed(EMAIL, email_id)
    if Email.objects.filter(thread_id=thread_id).exists():
        log.updated(THREAD, thread_id)
    else:
        Thread.objects.filter(pk=thread_id).delete()
        log.destroyed(THREAD, thread_id)
    if not Email.objects.filter(account=account, blob_id=blob_sha256).exists():
        blob_release(account, to_blob_id(blob_sha256))


def mailbox_empty(log: ChangeLog, mailbox: Mailbox) -> None:
    """Take every email out of the mailbox; one in no other mailbox is destroyed (RFC 8621 2.5)."""
    emails = Email.objects.filter(memberships__mailbox=mailbox).select_related("account")
    for email in emails.iterator():
        if email.memberships.exclude(mailbox=mailbox).exists():
            _leave_mailbox(log, email, mailbox.pk)
            log.updated(EMAIL, email.pk)
        else:
            email_destroy(log, email)
