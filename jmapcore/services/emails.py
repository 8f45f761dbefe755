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

from jmapcore.changes.log import ChangeLog
from jmapcore.mail.fields import EmailFields
from jmapcore.mail.subjects import base_subject
from jmapcore.models import Account, Email, EmailMailbox, Mailbox, MailboxThread, Thread
from jmapcore.services.blobs import blobs_pin, blobs_release, to_blob_id

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
    known: dict[tuple[str, str], int] = {}
    for thread_id, subject, message_ids in _emails_sharing_ids(account, items):
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


def _emails_sharing_ids(account: Account, items: list[NewEmail]) -> list[tuple[int, str, list[str]]]:
    """(thread, base subject, message ids) of stored emails that share a message id with the
    batch, oldest first.

    One index probe per id: with hundreds of ids, ``message_ids && array`` makes PostgreSQL
    estimate a large match and read the whole table instead.
    """
    related = sorted({mid for item in items for mid in item.fields.message_ids})
    if not related:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT e.thread_id, e.base_subject, e.message_ids FROM {Email._meta.db_table} e
            WHERE e.id = ANY(ARRAY(
                SELECT x.id FROM unnest(%s::text[]) AS m(id)
                JOIN {Email._meta.db_table} x ON x.message_ids @> ARRAY[m.id] AND x.account_id = %s
            ))
            ORDER BY e.received_at, e.id
            """,
            [related, account.pk],
        )
        return cursor.fetchall()


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


@dataclass
class _Move:
    """One email's memberships and unread state, before and after a change."""

    email: Email
    was_unread: bool
    old_boxes: frozenset[int]
    new_boxes: frozenset[int]

    @property
    def now_unread(self) -> bool:
        return self.email.is_unread


def _join_mailboxes(log: ChangeLog, pairs: list[tuple[Email, Mailbox]]) -> None:
    """New emails into their mailboxes."""
    boxes: dict[int, set[int]] = defaultdict(set)
    emails: dict[int, Email] = {}
    for email, mailbox in pairs:
        boxes[email.pk].add(mailbox.pk)
        emails[email.pk] = email
    moves = [_Move(e, e.is_unread, frozenset(), frozenset(boxes[pk])) for pk, e in emails.items()]
    _apply_moves(log, moves)


def _memberships(email_ids: list[int]) -> dict[int, frozenset[int]]:
    found: dict[int, set[int]] = defaultdict(set)
    for email_id, mailbox_id in EmailMailbox.objects.filter(email_id__in=email_ids).values_list(
        "email_id", "mailbox_id"
    ):
        found[email_id].add(mailbox_id)
    return {email_id: frozenset(found.get(email_id, ())) for email_id in email_ids}


def _apply_moves(log: ChangeLog, moves: list[_Move]) -> None:
    """Write membership changes and bring every counter they touch up to date.

    A handful of statements however many emails move: the memberships, the affected
    ``MailboxThread`` rows (the conversation list and the thread counters; RFC 8621 2: a
    thread is unread in a mailbox when one of its emails there is unread) and the Mailbox
    counters, each reported as a counts-only Mailbox change.
    """
    leaving = [(m.email, box) for m in moves for box in sorted(m.old_boxes - m.new_boxes)]
    joining = [(m.email, box) for m in moves for box in sorted(m.new_boxes - m.old_boxes)]
    pair_delta: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0, 0])  # emails, unread
    for move in moves:
        thread_id, was, now = move.email.thread_id, int(move.was_unread), int(move.now_unread)
        for box in move.old_boxes - move.new_boxes:
            pair_delta[(box, thread_id)][0] -= 1
            pair_delta[(box, thread_id)][1] -= was
        for box in move.new_boxes - move.old_boxes:
            pair_delta[(box, thread_id)][0] += 1
            pair_delta[(box, thread_id)][1] += now
        for box in move.old_boxes & move.new_boxes:
            pair_delta[(box, thread_id)][1] += now - was
    if leaving:
        _delete_memberships(leaving)
    if joining:
        EmailMailbox.objects.bulk_create(
            [
                EmailMailbox(email=e, mailbox_id=box, thread_id=e.thread_id, received_at=e.received_at)
                for e, box in joining
            ]
        )
    moved_pairs = {(box, e.thread_id) for e, box in leaving + joining}
    mailbox_deltas = _update_thread_rows(pair_delta, moved_pairs)
    _update_mailbox_counters(log, mailbox_deltas)


def _delete_memberships(pairs: list[tuple[Email, int]]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {EmailMailbox._meta.db_table} AS m USING unnest(%s::bigint[], %s::bigint[]) "
            "AS v(email_id, mailbox_id) WHERE m.email_id = v.email_id AND m.mailbox_id = v.mailbox_id",
            [[e.pk for e, _ in pairs], [box for _, box in pairs]],
        )


def _update_thread_rows(
    pair_delta: dict[tuple[int, int], list[int]], moved_pairs: set[tuple[int, int]]
) -> dict[int, list[int]]:
    """Apply per-(mailbox, thread) deltas; returns per-mailbox counter deltas
    (emails, unread emails, threads, unread threads)."""
    rows = {
        (row.mailbox_id, row.thread_id): row
        for row in MailboxThread.objects.filter(
            mailbox_id__in={box for box, _ in pair_delta}, thread_id__in={t for _, t in pair_delta}
        )
        if (row.mailbox_id, row.thread_id) in pair_delta
    }
    latest = _latest_in_pairs(sorted(moved_pairs))
    deltas: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    new_rows, changed_rows, emptied = [], [], []
    for (box, thread_id), (d_emails, d_unread) in pair_delta.items():
        row = rows.get((box, thread_id))
        old_emails, old_unread = (row.emails, row.unread) if row else (0, 0)
        emails, unread = old_emails + d_emails, old_unread + d_unread
        delta = deltas[box]
        delta[0] += d_emails
        delta[1] += d_unread
        delta[2] += int(emails > 0) - int(old_emails > 0)
        delta[3] += int(unread > 0) - int(old_unread > 0)
        if emails == 0:
            if row is not None:
                emptied.append(row.pk)
            continue
        if row is None:
            row = MailboxThread(mailbox_id=box, thread_id=thread_id)
            new_rows.append(row)
        else:
            changed_rows.append(row)
        row.emails, row.unread = emails, unread
        if (box, thread_id) in latest:
            row.latest_email_id, row.latest_received_at = latest[(box, thread_id)]
    if emptied:
        MailboxThread.objects.filter(pk__in=emptied).delete()
    MailboxThread.objects.bulk_create(new_rows)
    _write_thread_rows(changed_rows)
    return deltas


def _write_thread_rows(rows: list[MailboxThread]) -> None:
    """One UPDATE from arrays: Django's bulk_update builds a CASE per row and column."""
    if not rows:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            UPDATE {MailboxThread._meta.db_table} AS t SET emails = v.emails, unread = v.unread,
                latest_email_id = v.latest_email_id, latest_received_at = v.latest_received_at
            FROM unnest(%s::bigint[], %s::int[], %s::int[], %s::bigint[], %s::timestamptz[])
                AS v(id, emails, unread, latest_email_id, latest_received_at)
            WHERE t.id = v.id
            """,
            [
                [row.pk for row in rows],
                [row.emails for row in rows],
                [row.unread for row in rows],
                [row.latest_email_id for row in rows],
                [row.latest_received_at for row in rows],
            ],
        )


def _latest_in_pairs(pairs: list[tuple[int, int]]) -> dict[tuple[int, int], tuple[int, datetime]]:
    """The newest email of each (mailbox, thread), read after the memberships changed."""
    if not pairs:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT DISTINCT ON (m.mailbox_id, m.thread_id) m.mailbox_id, m.thread_id, m.email_id, m.received_at
            FROM {EmailMailbox._meta.db_table} AS m
            JOIN unnest(%s::bigint[], %s::bigint[]) AS v(mailbox_id, thread_id)
              ON m.mailbox_id = v.mailbox_id AND m.thread_id = v.thread_id
            ORDER BY m.mailbox_id, m.thread_id, m.received_at DESC, m.email_id DESC
            """,
            [[box for box, _ in pairs], [thread for _, thread in pairs]],
        )
        return {(box, thread): (email_id, received) for box, thread, email_id, received in cursor.fetchall()}


def _update_mailbox_counters(log: ChangeLog, deltas: dict[int, list[int]]) -> None:
    if not deltas:
        return
    ids = sorted(deltas)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            UPDATE {Mailbox._meta.db_table} AS b SET
                total_emails = b.total_emails + v.emails, unread_emails = b.unread_emails + v.unread,
                total_threads = b.total_threads + v.threads,
                unread_threads = b.unread_threads + v.unread_threads
            FROM unnest(%s::bigint[], %s::int[], %s::int[], %s::int[], %s::int[])
                AS v(id, emails, unread, threads, unread_threads)
            WHERE b.id = v.id
            """,
            [ids, *([deltas[box][i] for box in ids] for i in range(4))],
        )
    for box in ids:
        log.updated(MAILBOX, box, counts_only=True)


# ---------------------------------------------------------------- update


@dataclass
class EmailChange:
    """New keywords (normalised) and/or mailboxes for one email; None leaves that as it is."""

    email: Email
    keywords: list[str] | None = None
    mailbox_ids: set[int] | None = None


def emails_change(log: ChangeLog, changes: list[EmailChange]) -> list[Email]:
    """Change keywords and mailboxes of many emails in a few statements; returns those that changed."""
    flipped: set[int] = set()  # emails whose unread state changes: their counters move
    was_unread: dict[int, bool] = {}
    new_keywords: list[Email] = []
    for change in changes:
        email = change.email
        was_unread[email.pk] = email.is_unread
        keywords = sorted(set(change.keywords)) if change.keywords is not None else None
        if keywords is not None and keywords != sorted(email.keywords):
            email.keywords = keywords
            new_keywords.append(email)
            if email.is_unread != was_unread[email.pk]:
                flipped.add(email.pk)
    current = _memberships(
        [c.email.pk for c in changes if c.mailbox_ids is not None or c.email.pk in flipped]
    )
    moves = []
    for change in changes:
        email = change.email
        if email.pk not in current:
            continue
        old = current[email.pk]
        new = frozenset(change.mailbox_ids) if change.mailbox_ids is not None else old
        if new != old or email.pk in flipped:
            moves.append(_Move(email, was_unread[email.pk], old, new))
    if new_keywords:
        _write_keywords(new_keywords)
    _apply_moves(log, moves)
    changed = {email.pk: email for email in new_keywords}
    changed.update({move.email.pk: move.email for move in moves})
    for email_id in changed:
        log.updated(EMAIL, email_id)
    return list(changed.values())


def _write_keywords(emails: list[Email]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Email._meta.db_table} AS e "
            "SET keywords = ARRAY(SELECT jsonb_array_elements_text(v.keywords::jsonb)) "
            "FROM unnest(%s::bigint[], %s::text[]) AS v(id, keywords) WHERE e.id = v.id",
            [[e.pk for e in emails], [json.dumps(e.keywords) for e in emails]],
        )


def email_set_keywords(log: ChangeLog, email: Email, keywords: Iterable[str]) -> None:
    emails_change(log, [EmailChange(email, keywords=list(keywords))])


def email_set_mailboxes(log: ChangeLog, email: Email, mailboxes: list[Mailbox]) -> None:
    emails_change(log, [EmailChange(email, mailbox_ids={mailbox.pk for mailbox in mailboxes})])


# ---------------------------------------------------------------- destroy


def email_destroy(log: ChangeLog, email: Email) -> None:
    emails_destroy(log, email.account, [email])


def emails_destroy(log: ChangeLog, account: Account, emails: list[Email]) -> None:
    """Destroy emails: out of their mailboxes, then gone; an emptied thread goes too, and a
    message blob that no other email of the account uses is released."""
    if not emails:
        return
    current = _memberships([email.pk for email in emails])
    _apply_moves(log, [_Move(e, e.is_unread, current[e.pk], frozenset()) for e in emails])
    Email.objects.filter(pk__in=[email.pk for email in emails]).delete()
    for email in emails:
        log.destroyed(EMAIL, email.pk)
    thread_ids = {email.thread_id for email in emails}
    remaining = set(Email.objects.filter(thread_id__in=thread_ids).values_list("thread_id", flat=True))
    for thread_id in sorted(thread_ids & remaining):
        log.updated(THREAD, thread_id)
    Thread.objects.filter(pk__in=thread_ids - remaining).delete()
    for thread_id in sorted(thread_ids - remaining):
        log.destroyed(THREAD, thread_id)
    shas = {email.blob_id for email in emails}
    kept = set(Email.objects.filter(account=account, blob_id__in=shas).values_list("blob_id", flat=True))
    blobs_release(account, [to_blob_id(sha256) for sha256 in sorted(shas - kept)])


def mailbox_empty(log: ChangeLog, mailbox: Mailbox) -> None:
    """Take every email out of the mailbox; one in no other mailbox is destroyed (RFC 8621 2.5)."""
    emails = list(Email.objects.filter(memberships__mailbox=mailbox).defer("parsed", "search"))
    boxes = _memberships([email.pk for email in emails])
    staying = [e for e in emails if boxes[e.pk] - {mailbox.pk}]
    emails_change(log, [EmailChange(e, mailbox_ids=set(boxes[e.pk] - {mailbox.pk})) for e in staying])
    emails_destroy(log, mailbox.account, [e for e in emails if not boxes[e.pk] - {mailbox.pk}])
