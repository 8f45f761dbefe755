"""The change log below the API: counts-only changes, modseqs and intermediate states.

Count-only Mailbox changes come from Email delivery, which does not exist yet, so
they are made here directly through the change log (see also test_engine.py).
"""

from __future__ import annotations

import pytest

from jmapcore.changes.log import account_write
from jmapcore.changes.read import changes_since
from jmapcore.models import Change, Mailbox
from jmapcore.services.accounts import account_create
from jmapcore.services.mailboxes import mailbox_create, mailbox_destroy, mailbox_update
from tests.jmapcore.mailbox_counts import deliver, state


@pytest.fixture
def account(db):
    return account_create("changelog@example.test", None)


@pytest.fixture
def inbox(account) -> Mailbox:
    return Mailbox.objects.get(account=account, role="inbox")


def rename(account, mailbox: Mailbox, name: str) -> None:
    with account_write(account.pk) as log:
        mailbox_update(log, Mailbox.objects.get(pk=mailbox.pk), name=name)


def test_counts_only_update_is_reported_as_counts_only(account, inbox):
    since = state(account)
    deliver(account, inbox)
    result = changes_since(account.pk, "Mailbox", since, None)
    assert (result.created, result.updated, result.destroyed) == ([], [inbox.pk], [])
    assert result.counts_only is True
    assert result.new_state == state(account) != since


def test_counts_after_a_rename_are_counts_only_only_since_the_rename(account, inbox):
    drafts = Mailbox.objects.get(account=account, role="drafts")
    before_rename = state(account)
    rename(account, drafts, "Entwürfe")
    after_rename = state(account)
    deliver(account, drafts)
    assert changes_since(account.pk, "Mailbox", before_rename, None).counts_only is False
    assert changes_since(account.pk, "Mailbox", after_rename, None).counts_only is True


def test_a_full_update_in_the_same_transaction_wins_over_counts_only(account, inbox):
    sent = Mailbox.objects.get(account=account, role="sent")
    for order in ("counts-first", "full-first"):
        since = state(account)
        with account_write(account.pk) as log:
            if order == "counts-first":
                log.updated("Mailbox", sent.pk, counts_only=True)
            mailbox_update(
                log, Mailbox.objects.get(pk=sent.pk), sort_order=40 if order == "counts-first" else 41
            )
            if order == "full-first":
                log.updated("Mailbox", sent.pk, counts_only=True)
        result = changes_since(account.pk, "Mailbox", since, None)
        assert result.updated == [sent.pk]
        assert result.counts_only is False, order


def test_counts_only_on_a_mailbox_created_in_the_window_is_a_creation(account):
    since = state(account)
    with account_write(account.pk) as log:
        new = mailbox_create(log, account, name="New")
        log.updated("Mailbox", new.pk, counts_only=True)
    result = changes_since(account.pk, "Mailbox", since, None)
    assert (result.created, result.updated, result.counts_only) == ([new.pk], [], False)


def test_counts_only_is_false_when_something_else_was_created_or_destroyed(account, inbox):
    """RFC 8621 2.2: updatedProperties only 'if only the ... properties have changed'."""
    since = state(account)
    deliver(account, inbox)
    with account_write(account.pk) as log:
        mailbox_create(log, account, name="Other")
    assert changes_since(account.pk, "Mailbox", since, None).counts_only is False
    since = state(account)
    deliver(account, inbox, total=2)
    with account_write(account.pk) as log:
        mailbox_destroy(log, Mailbox.objects.get(account=account, name="Other"))
    assert changes_since(account.pk, "Mailbox", since, None).counts_only is False


def test_created_and_destroyed_in_one_transaction_leaves_no_trace(account):
    since = state(account)
    with account_write(account.pk) as log:
        ghost = mailbox_create(log, account, name="Ghost")
        ghost_pk = ghost.pk
        mailbox_destroy(log, ghost)
    assert state(account) == since
    assert not Change.objects.filter(account=account, object_id=ghost_pk).exists()


def test_each_object_gets_its_own_modseq(account):
    since = state(account)
    with account_write(account.pk) as log:
        created = [mailbox_create(log, account, name=f"M{i}").pk for i in range(3)]
    assert int(state(account)) == int(since) + 3
    modseqs = Change.objects.filter(account=account, object_id__in=created).values_list("modseq", flat=True)
    assert len(set(modseqs)) == 3
    pages, cursor = [], since
    while True:
        page = changes_since(account.pk, "Mailbox", cursor, 1)
        pages.append(page.created)
        cursor = page.new_state
        if not page.has_more:
            break
    assert sorted(pk for page in pages for pk in page) == sorted(created)
    assert all(len(page) == 1 for page in pages)


def test_an_object_created_before_a_cut_and_changed_after_it_is_created_in_the_first_page(account):
    since = state(account)
    with account_write(account.pk) as log:
        first = mailbox_create(log, account, name="First")
    with account_write(account.pk) as log:
        second = mailbox_create(log, account, name="Second")
    rename(account, first, "First, renamed")
    page1 = changes_since(account.pk, "Mailbox", since, 1)
    assert (page1.created, page1.updated, page1.has_more) == ([first.pk], [], True)
    page2 = changes_since(account.pk, "Mailbox", page1.new_state, 1)
    assert (page2.created, page2.updated, page2.has_more) == ([second.pk], [], True)
    page3 = changes_since(account.pk, "Mailbox", page2.new_state, 1)
    assert (page3.created, page3.updated, page3.has_more) == ([], [first.pk], False)
    assert page3.new_state == state(account)
