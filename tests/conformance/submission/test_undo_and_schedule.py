"""Undo send and scheduled send: FUTURERELEASE holds (RFC 4865), canceling while pending."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from .helpers import USING, draft, remote_address, submission, submit, wait_for_status


def utc(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def held(jmap, rcpt: str, hold: dict) -> dict:
    email_id = draft(jmap, [rcpt])
    envelope = {"mailFrom": {"email": jmap.account.address, "parameters": hold}, "rcptTo": [{"email": rcpt}]}
    response = submit(jmap, email_id, create={"envelope": envelope})
    assert response.get("created"), response
    return {**response["created"]["s"], "emailId": email_id}


def test_undo_within_the_hold_sends_nothing(jmap, worker, sink):
    rcpt = remote_address()
    created = held(jmap, rcpt, {"HOLDFOR": "3"})
    assert created["undoStatus"] == "pending"
    # Undo, and mark the message (the client would move it back to Drafts), in one call.
    undo = {
        "update": {created["id"]: {"undoStatus": "canceled"}},
        "onSuccessUpdateEmail": {created["id"]: {"keywords/$flagged": True}},
    }
    responses = jmap.request([["EmailSubmission/set", {"accountId": jmap.account_id, **undo}, "u"]], USING)
    [(_, response, _), (implicit, email_set, call_id)] = responses["methodResponses"]
    assert response["updated"] == {created["id"]: None}
    assert (implicit, call_id) == ("Email/set", "u")
    assert email_set["updated"] == {created["emailId"]: None}
    [email] = jmap.call("Email/get", {"ids": [created["emailId"]], "properties": ["keywords"]})["list"]
    assert email["keywords"]["$flagged"] is True
    assert submission(jmap, created["id"])["undoStatus"] == "canceled"
    time.sleep(4.5)
    assert sink.messages_for(rcpt) == []
    again = jmap.call("EmailSubmission/set", {"update": {created["id"]: {"undoStatus": "pending"}}}, USING)
    assert again["notUpdated"][created["id"]]["type"] == "invalidProperties"


def test_cannot_unsend_once_sent(jmap, worker, sink):
    rcpt = remote_address()
    email_id = draft(jmap, [rcpt])
    created = submit(jmap, email_id)["created"]["s"]
    sink.wait_for(rcpt)
    wait_for_status(jmap, created["id"], rcpt, "unknown")
    response = jmap.call(
        "EmailSubmission/set", {"update": {created["id"]: {"undoStatus": "canceled"}}}, USING
    )
    assert response["notUpdated"][created["id"]]["type"] == "cannotUnsend"


def test_scheduled_send_goes_out_at_send_at(jmap, worker, sink):
    rcpt = remote_address()
    created = held(jmap, rcpt, {"HOLDUNTIL": _in_seconds(3)})
    send_at = utc(created["sendAt"])
    assert created["undoStatus"] == "pending"
    sink.wait_for(rcpt, timeout=15)
    arrived = datetime.now(UTC)
    # Whole seconds on the wire: sendAt is a UTCDate; the worker polls every 0.2 s here.
    assert send_at.timestamp() - 1 <= arrived.timestamp() <= send_at.timestamp() + 2.5
    listed = jmap.call("EmailSubmission/query", {"filter": {"undoStatus": "final"}}, USING)["ids"]
    assert created["id"] in listed


def test_hold_for_sets_send_at_and_longer_holds_are_refused(jmap):
    rcpt = remote_address()
    before = time.time()
    created = held(jmap, rcpt, {"HOLDFOR": "600"})
    assert before + 598 <= utc(created["sendAt"]).timestamp() <= time.time() + 601
    jmap.call("EmailSubmission/set", {"update": {created["id"]: {"undoStatus": "canceled"}}}, USING)
    email_id = draft(jmap, [rcpt])
    envelope = {
        "mailFrom": {"email": jmap.account.address, "parameters": {"HOLDFOR": str(10**9)}},
        "rcptTo": [{"email": rcpt}],
    }
    error = submit(jmap, email_id, create={"envelope": envelope})["notCreated"]["s"]
    assert error["type"] == "invalidProperties" and error["properties"] == ["envelope"]


def _in_seconds(seconds: int) -> str:
    moment = datetime.fromtimestamp(int(time.time()) + seconds, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
