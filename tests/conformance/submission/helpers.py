"""Drafts and submissions in JSON, as a client would send them."""

from __future__ import annotations

import time
import uuid
from typing import Any

from tests.conformance.helpers import by_role
from tests.conftest import CORE, MAIL, JmapClient

SUBMISSION = "urn:ietf:params:jmap:submission"
USING = [CORE, MAIL, SUBMISSION]


def remote_address() -> str:
    return f"{uuid.uuid4().hex[:10]}@remote.test"


def identity_id(jmap: JmapClient) -> str:
    identities = jmap.call("Identity/get", {"ids": None}, USING)["list"]
    return next(item["id"] for item in identities if item["email"] == jmap.account.address)


def draft(jmap: JmapClient, to: list[str], **headers: Any) -> str:
    """A draft in Drafts from the account's own address; returns its Email id."""
    email = {
        "mailboxIds": {by_role(jmap)["drafts"]: True},
        "keywords": {"$draft": True, "$seen": True},
        "from": [{"name": "Test User", "email": jmap.account.address}],
        "to": [{"email": address} for address in to],
        "subject": f"Test {uuid.uuid4().hex[:6]}",
        "bodyValues": {"b": {"value": "Hello from the tests.\n"}},
        "textBody": [{"partId": "b", "type": "text/plain"}],
        **headers,
    }
    response = jmap.call("Email/set", {"create": {"d": email}}, USING)
    assert response.get("created"), response
    return response["created"]["d"]["id"]


def submit(jmap: JmapClient, email_id: str, **extra: Any) -> dict:
    """One EmailSubmission/set create (creation id "s"); returns the whole response."""
    creation = {"identityId": identity_id(jmap), "emailId": email_id, **extra.pop("create", {})}
    return jmap.call("EmailSubmission/set", {"create": {"s": creation}, **extra}, USING)


def submission(jmap: JmapClient, submission_id: str) -> dict:
    [found] = jmap.call("EmailSubmission/get", {"ids": [submission_id]}, USING)["list"]
    return found


def wait_for_status(
    jmap: JmapClient, submission_id: str, rcpt: str, delivered: str, timeout: float = 20
) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        found = submission(jmap, submission_id)
        status = (found["deliveryStatus"] or {}).get(rcpt, {})
        if status.get("delivered") == delivered:
            return found
        assert time.monotonic() < deadline, found
        time.sleep(0.1)
