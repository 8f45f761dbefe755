"""The engine with data the API cannot make yet: counts-only Mailbox changes, full mailboxes.

Email delivery does not exist yet, so counters are bumped here through the change
log, as delivery will, and the methods run through the engine's request runner.
"""

from __future__ import annotations

import pytest

import jmapcore.datatypes  # noqa: F401  (registers the methods)
from jmapcore.changes.log import account_write
from jmapcore.engine.capabilities import CORE, MAIL
from jmapcore.engine.context import Context
from jmapcore.engine.dispatch import run_request
from jmapcore.models import Mailbox
from jmapcore.protocol.request import Invocation, Request
from jmapcore.services.accounts import account_create
from jmapcore.services.mailboxes import mailbox_create
from tests.jmapcore.mailbox_counts import deliver, state

COUNTS = ["totalEmails", "unreadEmails", "totalThreads", "unreadThreads"]


@pytest.fixture
def account(db):
    return account_create("engine@example.test", None)


@pytest.fixture
def inbox(account) -> Mailbox:
    return Mailbox.objects.get(account=account, role="inbox")


def run(account, calls: list[list]) -> list[list]:
    ctx = Context(user=account.user, accounts={account.jmap_id: account}, using=frozenset([CORE, MAIL]))
    request = Request(using=[CORE, MAIL], method_calls=[Invocation(*call) for call in calls])
    return [r.to_json() for r in run_request(ctx, request, "session").method_responses]


def test_updated_properties_feed_mailbox_get_properties(account, inbox):
    """The RFC 8621 section 2.2 example, end to end through the engine."""
    since = state(account)
    deliver(account, inbox, total=16307, unread=13905)
    responses = run(
        account,
        [
            ["Mailbox/changes", {"accountId": account.jmap_id, "sinceState": since}, "0"],
            [
                "Mailbox/get",
                {
                    "accountId": account.jmap_id,
                    "#ids": {"resultOf": "0", "name": "Mailbox/changes", "path": "/updated"},
                    "#properties": {"resultOf": "0", "name": "Mailbox/changes", "path": "/updatedProperties"},
                },
                "1",
            ],
        ],
    )
    changes, get = responses[0][1], responses[1][1]
    assert changes["updatedProperties"] == COUNTS
    assert changes["updated"] == [f"M{inbox.pk}"]
    assert get["list"] == [
        {
            "id": f"M{inbox.pk}",
            "totalEmails": 16307,
            "unreadEmails": 13905,
            "totalThreads": 16307,
            "unreadThreads": 13905,
        }
    ]


def test_mailbox_with_emails_needs_on_destroy_remove_emails(account):
    with account_write(account.pk) as log:
        full = mailbox_create(log, account, name="Full")
    deliver(account, full, total=3, unread=0)
    mailbox_id = f"M{full.pk}"
    refused = run(account, [["Mailbox/set", {"accountId": account.jmap_id, "destroy": [mailbox_id]}, "0"]])
    assert refused[0][1]["notDestroyed"][mailbox_id]["type"] == "mailboxHasEmail"
    done = run(
        account,
        [
            [
                "Mailbox/set",
                {"accountId": account.jmap_id, "destroy": [mailbox_id], "onDestroyRemoveEmails": True},
                "0",
            ]
        ],
    )
    assert done[0][1]["destroyed"] == [mailbox_id]


def test_get_of_all_objects_beyond_max_objects_in_get_is_request_too_large(account, settings):
    settings.JMAP_MAX_OBJECTS_IN_GET = 6
    get_all = ["Mailbox/get", {"accountId": account.jmap_id, "ids": None, "properties": ["id"]}, "0"]
    assert len(run(account, [get_all])[0][1]["list"]) == 6
    with account_write(account.pk) as log:
        mailbox_create(log, account, name="Seventh")
    response = run(account, [get_all])[0]
    assert response[0] == "error"
    assert response[1]["type"] == "requestTooLarge"


def test_a_set_that_fails_unexpectedly_changes_nothing_and_leaves_no_creation_id(account, monkeypatch):
    """RFC 8620 3.6.2: after serverFail 'the method call made no changes to the server's state'."""
    from jmapcore.datatypes.mailbox import MailboxType

    def explode(self, *args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(MailboxType, "destroy", explode)
    trash = Mailbox.objects.get(account=account, role="trash")
    before = state(account)
    ctx = Context(user=account.user, accounts={account.jmap_id: account}, using=frozenset([CORE, MAIL]))
    request = Request(
        using=[CORE, MAIL],
        method_calls=[
            Invocation(
                "Mailbox/set",
                {
                    "accountId": account.jmap_id,
                    "create": {"k": {"name": "Doomed"}},
                    "destroy": [f"M{trash.pk}"],
                },
                "0",
            ),
            Invocation("Mailbox/get", {"accountId": account.jmap_id, "ids": ["#k"]}, "1"),
        ],
        created_ids={},
    )
    response = run_request(ctx, request, "session").to_json()
    failed, get = response["methodResponses"]
    assert failed[0] == "error" and failed[1]["type"] == "serverFail"
    assert get[1]["list"] == [] and get[1]["notFound"] == ["#k"]
    assert response["createdIds"] == {}
    assert state(account) == before
    assert not Mailbox.objects.filter(account=account, name="Doomed").exists()
