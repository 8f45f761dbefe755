"""Pinned query counts for the read paths clients hit most: none may grow with the mailbox."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jmapcore.engine.capabilities import CORE, MAIL
from jmapcore.engine.context import Context
from jmapcore.engine.dispatch import run_request
from jmapcore.models import Mailbox
from jmapcore.protocol.request import Invocation, Request
from jmapcore.services.accounts import account_create
from tests.jmapcore.mail_factory import deliver

LIST = ["id", "threadId", "mailboxIds", "keywords", "from", "subject", "receivedAt", "preview", "size"]


@pytest.fixture
def account(db):
    account = account_create("counts@example.test", None)
    inbox = Mailbox.objects.get(account=account, role="inbox")
    for n in range(30):
        deliver(account, [inbox], minutes=n, subject=f"Subject {n % 7}")
    return account


def queries(account, calls: list[list]) -> tuple[int, list]:
    ctx = Context(user=account.user, accounts={account.jmap_id: account}, using=frozenset([CORE, MAIL]))
    request = Request(using=[CORE, MAIL], method_calls=[Invocation(*call) for call in calls])
    with CaptureQueriesContext(connection) as captured:
        responses = run_request(ctx, request, "s").method_responses
    assert all(r.name != "error" for r in responses), [r.to_json() for r in responses]
    return len(captured.captured_queries), responses


def test_email_get_of_a_page_of_list_properties(account):
    ids = [f"E{pk}" for pk in account.emails.values_list("pk", flat=True)[:30]]
    count, _ = queries(
        account, [["Email/get", {"accountId": account.jmap_id, "ids": ids, "properties": LIST}, "0"]]
    )
    # the type state; the emails with their mailboxes (summary, no parsed document)
    assert count == 2


def test_resync_with_nothing_changed(account):
    _, responses = queries(
        account,
        [
            [f"{t}/get", {"accountId": account.jmap_id, "ids": [] if t != "Mailbox" else None}, t]
            for t in ("Email", "Thread", "Mailbox")
        ],
    )
    states = {r.call_id: r.arguments["state"] for r in responses}
    calls = [[f"{t}/changes", {"accountId": account.jmap_id, "sinceState": states[t]}, t] for t in states]
    count, _ = queries(account, calls)
    assert count == 3  # one state read per type; an unchanged state reads no change rows


def test_thread_get_of_many_threads(account):
    ids = [f"T{pk}" for pk in account.threads.values_list("pk", flat=True)]
    count, _ = queries(account, [["Thread/get", {"accountId": account.jmap_id, "ids": ids}, "0"]])
    assert count == 3  # the type state; the threads; their email ids in one ordered query


def test_mailbox_get_of_all_mailboxes(account):
    count, _ = queries(account, [["Mailbox/get", {"accountId": account.jmap_id, "ids": None}, "0"]])
    assert count == 2  # the type state; the mailboxes with their counters


def set_queries(account, arguments: dict) -> tuple[int, dict]:
    count, responses = queries(account, [["Email/set", {"accountId": account.jmap_id, **arguments}, "0"]])
    return count, responses[0].arguments


@pytest.mark.parametrize("how_many", [5, 30])
def test_marking_emails_read_costs_the_same_for_5_or_30(account, how_many):
    ids = [f"E{pk}" for pk in account.emails.values_list("pk", flat=True)[:how_many]]
    count, response = set_queries(account, {"update": {i: {"keywords/$seen": True} for i in ids}})
    assert sorted(response["updated"]) == sorted(ids)
    # savepoints, account lock and states, the emails, keywords, memberships, thread rows
    # (read, write), mailbox counters, change log, state, notify: none per email
    assert count == 13


@pytest.mark.parametrize("how_many", [5, 30])
def test_moving_emails_costs_the_same_for_5_or_30(account, how_many):
    archive = Mailbox.objects.get(account=account, role="archive")
    ids = [f"E{pk}" for pk in account.emails.values_list("pk", flat=True)[:how_many]]
    count, response = set_queries(
        account, {"update": {i: {"mailboxIds": {f"M{archive.pk}": True}} for i in ids}}
    )
    assert sorted(response["updated"]) == sorted(ids)
    assert count == 18


@pytest.mark.parametrize("how_many", [5, 30])
def test_destroying_emails_costs_the_same_for_5_or_30(account, how_many):
    ids = [f"E{pk}" for pk in account.emails.values_list("pk", flat=True)[:how_many]]
    count, response = set_queries(account, {"destroy": ids})
    assert sorted(response["destroyed"]) == sorted(ids)
    assert count == 27  # Django's cascades on Email and Thread are most of them


@pytest.mark.parametrize("collapse", [False, True])
def test_email_query_of_a_mailbox_page_is_one_statement(account, collapse):
    inbox = Mailbox.objects.get(account=account, role="inbox")
    query = {
        "accountId": account.jmap_id,
        "filter": {"inMailbox": f"M{inbox.pk}", "text": "Subject"},
        "sort": [{"property": "receivedAt", "isAscending": False}],
        "collapseThreads": collapse,
        "limit": 10,
        "calculateTotal": True,
    }
    count, responses = queries(account, [["Email/query", query, "0"]])
    assert len(responses[0].arguments["ids"]) == 10
    assert count == 1  # state, total and the page of ids in one snapshot
