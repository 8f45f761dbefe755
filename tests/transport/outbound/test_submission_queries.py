"""Pinned query counts of EmailSubmission reads: none may grow with the number of submissions."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jmapcore.changes.log import account_write
from jmapcore.engine.capabilities import CORE, MAIL, SUBMISSION
from jmapcore.engine.context import Context
from jmapcore.engine.dispatch import run_request
from jmapcore.models import Identity
from jmapcore.protocol.request import Invocation, Request
from jmapcore.services.accounts import account_create
from jmapcore.services.submissions import submission_create

from .test_submissions import stored_draft

USING = [CORE, MAIL, SUBMISSION]


@pytest.fixture
def account(db):
    account = account_create("submission-counts@example.test", None)
    identity = Identity.objects.get(account=account)
    for n in range(12):
        email = stored_draft(account, to=f"r{n}@remote.test")
        with account_write(account.pk) as log:
            submission_create(
                log, account, identity, email, (f"E{email.pk}", f"T{email.thread_id}"), None, f"c{n}"
            )
    return account


def queries(account, calls: list[list]) -> tuple[int, list]:
    ctx = Context(user=account.user, accounts={account.jmap_id: account}, using=frozenset(USING))
    request = Request(using=USING, method_calls=[Invocation(*call) for call in calls])
    with CaptureQueriesContext(connection) as captured:
        responses = run_request(ctx, request, "s").method_responses
    assert all(r.name != "error" for r in responses), [r.to_json() for r in responses]
    return len(captured.captured_queries), responses


def test_get_all_and_query(account):
    count, responses = queries(
        account, [["EmailSubmission/get", {"accountId": account.jmap_id, "ids": None}, "0"]]
    )
    assert len(responses[0].arguments["list"]) == 12
    assert count == 2  # the type state; the submissions
    count, responses = queries(
        account,
        [
            [
                "EmailSubmission/query",
                {
                    "accountId": account.jmap_id,
                    "filter": {"undoStatus": "pending"},
                    "sort": [{"property": "sentAt"}],
                },
                "0",
            ]
        ],
    )
    assert len(responses[0].arguments["ids"]) == 12
    assert count == 2  # the query state; the matching ids
