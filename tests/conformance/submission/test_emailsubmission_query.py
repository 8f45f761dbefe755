"""EmailSubmission/get, changes, query and queryChanges (RFC 8621 7.1-7.4)."""

from __future__ import annotations

from .helpers import USING, draft, identity_id, remote_address, submit


def hold(jmap, to: str) -> tuple[str, str]:
    """A submission held for ten minutes (then canceled by the test); returns (submission, email) ids."""
    email_id = draft(jmap, [to])
    envelope = {
        "mailFrom": {"email": jmap.account.address, "parameters": {"HOLDFOR": "600"}},
        "rcptTo": [{"email": to}],
    }
    return submit(jmap, email_id, create={"envelope": envelope})["created"]["s"]["id"], email_id


def cancel(jmap, ids: list[str]) -> None:
    jmap.call("EmailSubmission/set", {"update": {i: {"undoStatus": "canceled"} for i in ids}}, USING)


def test_filters_and_sorts(jmap):
    first, first_email = hold(jmap, remote_address())
    second, second_email = hold(jmap, remote_address())
    try:
        query = lambda **args: jmap.call("EmailSubmission/query", args, USING)["ids"]  # noqa: E731
        assert query() == [first, second]
        assert query(sort=[{"property": "sentAt", "isAscending": False}]) == [second, first]
        assert query(sort=[{"property": "emailId", "isAscending": False}]) == [second, first]
        assert query(filter={"emailIds": [second_email]}) == [second]
        assert query(filter={"identityIds": [identity_id(jmap)]}) == [first, second]
        assert query(filter={"undoStatus": "pending"}) == [first, second]
        assert query(filter={"before": "2000-01-01T00:00:00Z"}) == []
        assert query(filter={"after": "2000-01-01T00:00:00Z"}) == [first, second]
        assert query(filter={"operator": "NOT", "conditions": [{"emailIds": [first_email]}]}) == [second]
        [got] = jmap.call("EmailSubmission/get", {"ids": [first], "properties": ["emailId"]}, USING)["list"]
        assert got == {"id": first, "emailId": first_email}
        error = jmap.error("EmailSubmission/query", {"filter": {"undoStatus": "sent"}}, USING)
        assert error["type"] == "invalidArguments"
        error = jmap.error("EmailSubmission/query", {"sort": [{"property": "subject"}]}, USING)
        assert error["type"] == "unsupportedSort"
    finally:
        cancel(jmap, [first, second])


def test_changes_and_query_changes_follow_cancel_and_destroy(jmap):
    state = jmap.call("EmailSubmission/get", {"ids": []}, USING)["state"]
    query_state = jmap.call("EmailSubmission/query", {}, USING)["queryState"]
    created, _ = hold(jmap, remote_address())
    changes = jmap.call("EmailSubmission/changes", {"sinceState": state}, USING)
    assert changes["created"] == [created]
    cancel(jmap, [created])
    changes = jmap.call("EmailSubmission/changes", {"sinceState": changes["newState"]}, USING)
    assert changes["updated"] == [created]
    destroyed = jmap.call("EmailSubmission/set", {"destroy": [created]}, USING)
    assert destroyed["destroyed"] == [created]
    changes = jmap.call("EmailSubmission/changes", {"sinceState": changes["newState"]}, USING)
    assert changes["destroyed"] == [created]
    query_changes = jmap.call("EmailSubmission/queryChanges", {"sinceQueryState": query_state}, USING)
    assert query_changes["added"] == []
