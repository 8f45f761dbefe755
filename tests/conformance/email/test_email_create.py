"""Email/set create: a message built from JMAP properties (RFC 8621 4.6)."""

from __future__ import annotations

from .helpers import mailbox_id


def test_email_set_create_builds_a_draft_that_reads_back(jmap):
    drafts = mailbox_id(jmap, "drafts")
    result = jmap.call(
        "Email/set",
        {
            "create": {
                "d": {
                    "mailboxIds": {drafts: True},
                    "keywords": {"$draft": True},
                    "from": [{"name": "Me", "email": "me@example.test"}],
                    "to": [{"name": None, "email": "you@example.test"}],
                    "subject": "Draft subject",
                    "bodyValues": {"1": {"value": "Draft body"}},
                    "textBody": [{"partId": "1", "type": "text/plain"}],
                }
            }
        },
    )
    created = result["created"]["d"]
    assert set(created) >= {"id", "blobId", "threadId", "size"}
    email = jmap.call(
        "Email/get",
        {
            "ids": [created["id"]],
            "properties": ["subject", "to", "bodyValues", "textBody"],
            "fetchTextBodyValues": True,
        },
    )["list"][0]
    assert email["subject"] == "Draft subject"
    assert email["to"] == [{"name": None, "email": "you@example.test"}]
    part = email["textBody"][0]["partId"]
    assert email["bodyValues"][part]["value"].strip() == "Draft body"
