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

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db import connection
from django.db.models import F

from jmapcore.changes.log import ChangeLog
from jmapcore.mail.fields import EmailFields
from jmapcore.mail.subjects import base_subject
from jmapcore.models import Account, Email, EmailMailbox, Mailbox, MailboxThread, Thread
from jmapcore.services.blobs import blob_release, blobs_pin, to_blob_id

EMAIL, THREAD, MAILBOX = "Email", "Thread", "Mailbox"


@dataclass(frozen=True)
class NewEmail:
    fields: EmailFields
    mailboxes: list[Mailbox]
    keywords: Iterable[str]
    received_at: datetime


# ---------------------------------------------------------------- threads


def _assign_threads(
    log: ChangeLog, account: Account, items: list[NewEmail]
) -> tuple[list[int], dict[int, int]]:
    """A thread per new email: one sharing a message id and the base subject, else a new one.

    One query finds every stored email related to the batch; emails of the batch can join
    each other's threads too (a reply imported together with its parent). When a new email
    links two stored threads, the younger is to be merged into the older: the second value
    maps each such thread to the one it merges into.
    """
    related = list({mid for item in items for mid in item.fields.message_ids})
    known: dict[tuple[str, str], int] = {}
    if related:
        rows = (
            Email.objects.filter(account=account, message_ids__overlap=related)
            .order_by("received_at", "id")
            .values_list("thread_id", "base_subject", "message_ids")
        )
        for thread_id, subject, message_ids in rows:
            for mid in message_ids:
                known.setdefault((mid, subject), thread_id)
    keys: list[int] = []  # thread ids, or -n for the n-th new thread of the batch
    merges: dict[int, int] = {}
    new_threads = 0
    for item in items:
        subject = base_subject(item.fields.subject)
        matches = {known[(mid, subject)] for mid in item.fields.message_ids if (mid, subject) in known}
        stored = sorted(match for match in matches if match > 0)
        key = stored[0] if stored else (max(matches) if matches else None)
        for younger in stored[1:]:
            merges[younger] = key  # type: ignore[assignment]
            known.update({k: key for k, v in known.items() if v == younger})
        if key is None:
            new_threads += 1
            key = -new_threads
        for mid in item.fields.message_ids:
            known.setdefault((mid, subject), key)
        keys.append(key)
    created = Thread.objects.bulk_create([Thread(account=account) for _ in range(new_threads)])
    for thread in created:
        log.created(THREAD, thread.pk)
    thread_ids = [created[-key - 1].pk if key < 0 else key for key in keys]
    for thread_id in set(thread_ids) - {thread.pk for thread in created}:
        log.updated(THREAD, thread_id)
    return thread_ids, merges


# ---------------------------------------------------------------- create


def email_create(
    log: ChangeLog,
    account: Account,
    fields: EmailFields,
    mailboxes: list[Mailbox],
    keywords: Iterable[str],
    received_at: datetime,
) -> Email:
    return emails_create(log, account, [NewEmail(fields, mailboxes, keywords, received_at)])[0]


def emails_create(log: ChangeLog, account: Account, items: list[NewEmail]) -> list[Email]:
    """Store new emails in a handful of statements, however many there are."""
    if not items:
        return []
    thread_ids, merges = _assign_threads(log, account, items)
    emails = _store(log, account, items, thread_ids)
    for younger, older in merges.items():
        _merge_thread(log, account, younger, older)
    return emails


def _merge_thread(log: ChangeLog, account: Account, younger: int, older: int) -> None:
    """RFC 8621 3: a threadId never changes, so merging threads destroys the younger thread's
    emails and creates them again, with new ids, in the older thread."""
    from jmapcore.services.messages import prepare_stored

    items = []
    for email in Email.objects.filter(account=account, thread_id=younger).defer("search").order_by("id"):
        mailboxes = list(Mailbox.objects.filter(memberships__email=email).order_by("id"))
        items.append(
            NewEmail(prepare_stored(email.blob_id).fields, mailboxes, email.keywords, email.received_at)
        )
        email_destroy(log, email)
    _store(log, account, items, [older] * len(items))


def _store(log: ChangeLog, account: Account, items: list[NewEmail], thread_ids: list[int]) -> list[Email]:
    emails = _insert_emails(account, items, thread_ids)
    blobs_pin(account, [to_blob_id(item.fields.blob_sha256) for item in items])
    _join_mailboxes(
        log,
        [(email, mailbox) for email, item in zip(emails, items, strict=True) for mailbox in item.mailboxes],
    )
    for email in emails:
        log.created(EMAIL, email.pk)
    return emails


# One parameter per column, whatever the number of rows: the statement text never changes,
# so psycopg and PostgreSQL prepare it once, and the full-text vector is computed in the
# same INSERT instead of rewriting every row afterwards (headers weighted A and the body D:
# ``text`` matches both, ``body`` only D; 'simple' does no stemming and drops no stop
# words, so mail in any language stays findable). Ragged arrays (keywords, message ids)
# travel as JSON text. The arrays go in PostgreSQL's binary format (``%b``): megabytes of
# text per batch need no quoting. The ids are drawn first so each row's id is known for sure.
_INSERT_EMAILS = f"""
    INSERT INTO {Email._meta.db_table}
        (id, account_id, thread_id, blob_id, received_at, size, keywords, has_attachment,
         message_ids, base_subject, subject_sort, from_sort, to_sort, sent_at, preview,
         summary, parsed, search)
    SELECT v.id, %s, v.thread_id, v.blob_id, v.received_at, v.size,
        ARRAY(SELECT jsonb_array_elements_text(v.keywords::jsonb)), v.has_attachment,
        ARRAY(SELECT jsonb_array_elements_text(v.message_ids::jsonb)), v.base_subject,
        v.subject_sort, v.from_sort, v.to_sort, v.sent_at, v.preview, v.summary::jsonb,
        v.parsed::jsonb,
        setweight(to_tsvector('simple', v.search_headers), 'A') || to_tsvector('simple', v.search_text)
    FROM unnest(%b::bigint[], %b::bigint[], %b::text[], %b::timestamptz[], %b::integer[], %b::text[],
                %b::boolean[], %b::text[], %b::text[], %b::text[], %b::text[], %b::text[],
                %b::timestamptz[], %b::text[], %b::text[], %b::text[], %b::text[], %b::text[])
        AS v(id, thread_id, blob_id, received_at, size, keywords, has_attachment, message_ids,
             base_subject, subject_sort, from_sort, to_sort, sent_at, preview, summary, parsed,
             search_headers, search_text)
"""


def _insert_emails(account: Account, items: list[NewEmail], thread_ids: list[int]) -> list[Email]:
    """Insert the rows in one statement; the returned objects leave ``search`` unloaded."""
    emails = [_email_row(account, item, thread_id) for item, thread_id in zip(items, thread_ids, strict=True)]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [Email._meta.db_table, len(emails)],
        )
        for email, (pk,) in zip(emails, cursor.fetchall(), strict=True):
            email.pk = pk
            email._state.adding, email._state.db = False, "default"
        cursor.execute(_INSERT_EMAILS, [account.pk, *_email_columns(emails, items)])
    for email in emails:
        del email.search  # deferred, as if loaded with .defer("search")
    return emails


def _email_columns(emails: list[Email], items: list[NewEmail]) -> list[list]:
    return [
        [e.pk for e in emails],
        [e.thread_id for e in emails],
        [e.blob_id for e in emails],
        [e.received_at for e in emails],
        [e.size for e in emails],
        [json.dumps(e.keywords) for e in emails],
        [e.has_attachment for e in emails],
        [json.dumps(e.message_ids) for e in emails],
        [e.base_subject for e in emails],
        [e.subject_sort for e in emails],
        [e.from_sort for e in emails],
        [e.to_sort for e in emails],
        [e.sent_at for e in emails],
        [e.preview for e in emails],
        [json.dumps(e.summary) for e in emails],
        [json.dumps(e.parsed) for e in emails],
        [item.fields.search_headers for item in items],
        [item.fields.search_text for item in items],
    ]


def _email_row(account: Account, item: NewEmail, thread_id: int) -> Email:
    fields = item.fields
    return Email(
        account=account,
        thread_id=thread_id,
        blob_id=fields.blob_sha256,
        received_at=item.received_at,
        size=fields.size,
        keywords=sorted(set(item.keywords)),
        has_attachment=fields.has_attachment,
        message_ids=fields.message_ids,
        base_subject=base_subject(fields.subject),
        subject_sort=fields.subject_sort,
        from_sort=fields.from_sort,
        to_sort=fields.to_sort,
        sent_at=fields.sent_at,
        preview=fields.preview,
        summary=fields.summary,
        parsed=fields.parsed,
    )


# ---------------------------------------------------------------- membership and counters


def _join_mailbox(log: ChangeLog, email: Email, mailbox: Mailbox) -> None:
    _join_mailboxes(log, [(email, mailbox)])


def _join_mailboxes(log: ChangeLog, pairs: list[tuple[Email, Mailbox]]) -> None:
    """Add emails to mailboxes: memberships, thread rows and counters, in a few statements."""
    if not pairs:
        return
    EmailMailbox.objects.bulk_create(
        [EmailMailbox(email=e, mailbox=m, thread_id=e.thread_id, received_at=e.received_at) for e, m in pairs]
    )
    groups: dict[tuple[int, int], list[Email]] = defaultdict(list)
    for email, mailbox in pairs:
        groups[(mailbox.pk, email.thread_id)].append(email)
    existing = {
        (row.mailbox_id, row.thread_id): row
        for row in MailboxThread.objects.filter(
            mailbox_id__in={key[0] for key in groups}, thread_id__in={key[1] for key in groups}
        )
    }
    deltas: dict[int, list[int]] = defaultdict(
        lambda: [0, 0, 0, 0]
    )  # emails, unread, threads, unread threads
    new_rows, changed_rows = [], []
    for (mailbox_id, thread_id), emails in groups.items():
        latest = max(emails, key=lambda e: (e.received_at, e.pk))
        unread = sum(e.is_unread for e in emails)
        row = existing.get((mailbox_id, thread_id))
        was_unread, is_new = bool(row and row.unread), row is None
        if row is None:
            row = MailboxThread(
                mailbox_id=mailbox_id,
                thread_id=thread_id,
                latest_email=latest,
                latest_received_at=latest.received_at,
            )
            new_rows.append(row)
        else:
            changed_rows.append(row)
            if (latest.received_at, latest.pk) > (row.latest_received_at, row.latest_email_id or 0):
                row.latest_email, row.latest_received_at = latest, latest.received_at
        row.emails += len(emails)
        row.unread += unread
        delta = deltas[mailbox_id]
        delta[0] += len(emails)
        delta[1] += unread
        delta[2] += int(is_new)
        delta[3] += int(row.unread > 0 and not was_unread)
    MailboxThread.objects.bulk_create(new_rows)
    MailboxThread.objects.bulk_update(
        changed_rows, ["emails", "unread", "latest_email", "latest_received_at"]
    )
    for mailbox_id, (emails, unread, threads, unread_threads) in deltas.items():
        Mailbox.objects.filter(pk=mailbox_id).update(
            total_emails=F("total_emails") + emails,
            unread_emails=F("unread_emails") + unread,
            total_threads=F("total_threads") + threads,
            unread_threads=F("unread_threads") + unread_threads,
        )
        log.updated(MAILBOX, mailbox_id, counts_only=True)


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
