"""The mail store services: threads, counters kept incrementally, and the change log."""

from __future__ import annotations

import random

import pytest

from jmapcore.changes.log import account_write
from jmapcore.changes.read import changes_since
from jmapcore.models import Email, Mailbox, MailboxThread, Thread
from jmapcore.services.accounts import account_create
from jmapcore.services.emails import (
    EmailChange,
    email_destroy,
    email_set_keywords,
    email_set_mailboxes,
    emails_change,
    emails_destroy,
    mailbox_empty,
)
from tests.jmapcore.mail_factory import deliver


@pytest.fixture
def account(db):
    return account_create("store@example.test", None)


@pytest.fixture
def inbox(account):
    return Mailbox.objects.get(account=account, role="inbox")


@pytest.fixture
def archive(account):
    return Mailbox.objects.get(account=account, role="archive")


def counts(mailbox: Mailbox) -> tuple[int, int, int, int]:
    mailbox.refresh_from_db()
    return mailbox.total_emails, mailbox.unread_emails, mailbox.total_threads, mailbox.unread_threads


def recount(mailbox: Mailbox) -> tuple[int, int, int, int]:
    """The counters computed from scratch, to compare with the incremental ones."""
    emails = Email.objects.filter(memberships__mailbox=mailbox)
    unread = [e for e in emails if e.is_unread]
    return (
        emails.count(),
        len(unread),
        len({e.thread_id for e in emails}),
        len({e.thread_id for e in unread}),
    )


def test_a_reply_joins_the_thread_of_the_message_it_references(account, inbox):
    first = deliver(account, [inbox], subject="Plans", message_id="a@x")
    reply = deliver(account, [inbox], subject="Re: Plans", message_id="b@x", refs=("a@x",), minutes=1)
    assert reply.thread_id == first.thread_id


def test_a_reply_with_a_new_subject_starts_a_new_thread(account, inbox):
    first = deliver(account, [inbox], subject="Plans", message_id="c@x")
    other = deliver(account, [inbox], subject="Something else", message_id="d@x", refs=("c@x",))
    assert other.thread_id != first.thread_id


def test_a_parent_arriving_after_its_reply_joins_the_reply_thread(account, inbox):
    reply = deliver(account, [inbox], subject="Re: Trip", message_id="f@x", refs=("e@x",))
    parent = deliver(account, [inbox], subject="Trip", message_id="e@x")
    assert parent.thread_id == reply.thread_id


def test_counters_follow_deliveries_reads_moves_and_destroys(account, inbox, archive):
    a = deliver(account, [inbox], subject="One", message_id="1@x")
    deliver(account, [inbox], subject="Re: One", message_id="2@x", refs=("1@x",), keywords=["$seen"])
    c = deliver(account, [inbox, archive], subject="Two", message_id="3@x")
    assert counts(inbox) == recount(inbox) == (3, 2, 2, 2)
    assert counts(archive) == recount(archive) == (1, 1, 1, 1)
    with account_write(account.pk) as log:
        email_set_keywords(log, a, ["$seen"])
    assert counts(inbox) == recount(inbox) == (3, 1, 2, 1)
    with account_write(account.pk) as log:
        email_set_mailboxes(log, c, [archive])
    assert counts(inbox) == recount(inbox) == (2, 0, 1, 0)
    with account_write(account.pk) as log:
        email_destroy(log, c)
    assert counts(archive) == recount(archive) == (0, 0, 0, 0)
    assert not MailboxThread.objects.filter(mailbox=archive).exists()


def test_drafts_do_not_count_as_unread(account, inbox):
    deliver(account, [inbox], keywords=["$draft"])
    assert counts(inbox) == (1, 0, 1, 0)


def test_the_latest_email_of_a_thread_row_moves_back_when_the_newest_leaves(account, inbox, archive):
    old = deliver(account, [inbox], subject="Topic", message_id="t1@x", minutes=1)
    new = deliver(account, [inbox], subject="Re: Topic", message_id="t2@x", refs=("t1@x",), minutes=5)
    row = MailboxThread.objects.get(mailbox=inbox, thread_id=old.thread_id)
    assert row.latest_email_id == new.pk
    with account_write(account.pk) as log:
        email_set_mailboxes(log, new, [archive])
    row.refresh_from_db()
    assert (row.latest_email_id, row.emails) == (old.pk, 1)


def test_destroying_the_last_email_of_a_thread_destroys_the_thread(account, inbox):
    email = deliver(account, [inbox])
    thread_id = email.thread_id
    state = changes_since(account.pk, "Thread", "0", None).new_state
    with account_write(account.pk) as log:
        email_destroy(log, email)
    assert not Thread.objects.filter(pk=thread_id).exists()
    assert changes_since(account.pk, "Thread", state, None).destroyed == [thread_id]


def test_mail_changes_report_counts_only_mailbox_updates(account, inbox):
    state = changes_since(account.pk, "Mailbox", "0", None).new_state
    email = deliver(account, [inbox])
    result = changes_since(account.pk, "Mailbox", state, None)
    assert (result.updated, result.counts_only) == ([inbox.pk], True)
    email_state = changes_since(account.pk, "Email", "0", None)
    assert email_state.created == [email.pk]


def test_emptying_a_mailbox_destroys_emails_only_there_and_keeps_the_others(account, inbox, archive):
    only_archive = deliver(account, [archive])
    both = deliver(account, [inbox, archive])
    with account_write(account.pk) as log:
        mailbox_empty(log, archive)
    assert not Email.objects.filter(pk=only_archive.pk).exists()
    assert list(both.memberships.values_list("mailbox_id", flat=True)) == [inbox.pk]
    assert counts(archive) == (0, 0, 0, 0)
    assert counts(inbox) == recount(inbox)


def test_deleting_a_user_deletes_the_account_with_its_mail_and_nested_mailboxes(account, inbox):
    from jmapcore.changes.log import account_write as write
    from jmapcore.services.mailboxes import mailbox_create

    with write(account.pk) as log:
        parent = mailbox_create(log, account, name="Parent")
        mailbox_create(log, account, name="Child", parent=parent)
    deliver(account, [inbox, parent])
    account.user.delete()
    assert not Email.objects.filter(account_id=account.pk).exists()
    assert not Mailbox.objects.filter(account_id=account.pk).exists()


def thread_rows(mailbox: Mailbox) -> dict[int, tuple[int, int, int]]:
    return {
        row.thread_id: (row.emails, row.unread, row.latest_email_id)
        for row in MailboxThread.objects.filter(mailbox=mailbox)
    }


def rebuilt_thread_rows(mailbox: Mailbox) -> dict[int, tuple[int, int, int]]:
    rows: dict[int, tuple[int, int, int]] = {}
    for email in Email.objects.filter(memberships__mailbox=mailbox).order_by("received_at", "id"):
        emails, unread, _ = rows.get(email.thread_id, (0, 0, 0))
        rows[email.thread_id] = (emails + 1, unread + int(email.is_unread), email.pk)
    return rows


def test_batched_changes_in_random_mixes_keep_counters_and_thread_rows_exact(account, inbox, archive):
    """Many emails of few threads flagged, read, moved in and out in one call each time:
    two emails of one thread can leave and join the same mailbox in the same batch."""
    rng = random.Random(7)
    boxes = [inbox, archive, Mailbox.objects.get(account=account, role="trash")]
    emails = []
    for n in range(40):
        parent = rng.choice(emails) if emails and rng.random() < 0.6 else None
        emails.append(
            deliver(
                account,
                rng.sample(boxes, rng.randint(1, 2)),
                subject="Re: Topic" if parent else f"Topic {n}",
                message_id=f"r{n}@x",
                refs=(f"r{emails.index(parent)}@x",) if parent else (),
                minutes=rng.randint(0, 500),
                keywords=rng.choice([[], ["$seen"], ["$flagged"]]),
            )
        )
    for _ in range(15):
        batch = rng.sample(emails, rng.randint(1, 12))
        changes = [
            EmailChange(
                Email.objects.get(pk=e.pk),
                keywords=rng.choice([None, [], ["$seen"], ["$seen", "$flagged"]]),
                mailbox_ids=rng.choice([None, {b.pk for b in rng.sample(boxes, rng.randint(1, 2))}]),
            )
            for e in batch
        ]
        with account_write(account.pk) as log:
            emails_change(log, changes)
        for box in boxes:
            assert counts(box) == recount(box)
            assert thread_rows(box) == rebuilt_thread_rows(box)
    survivors = list(Email.objects.filter(account=account))
    with account_write(account.pk) as log:
        emails_destroy(log, account, rng.sample(survivors, 10))
    for box in boxes:
        assert counts(box) == recount(box)
        assert thread_rows(box) == rebuilt_thread_rows(box)
    assert not Thread.objects.filter(account=account).exclude(emails__isnull=False).exists()
