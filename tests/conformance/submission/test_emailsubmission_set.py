"""EmailSubmission/set over HTTP (RFC 8621 7.5): sending, the implicit Email/set, SetErrors."""

from __future__ import annotations

import json
import time
import uuid

from tests.conformance.helpers import by_role

from .helpers import (
    SUBMISSION,
    USING,
    draft,
    identity_id,
    remote_address,
    submission,
    submit,
    wait_for_status,
)

RFC_EXAMPLE = """
{"using": ["urn:ietf:params:jmap:core", "urn:ietf:params:jmap:mail",
           "urn:ietf:params:jmap:submission"],
 "methodCalls": [[ "EmailSubmission/set", {
  "accountId": "%(account)s",
  "create": {
    "k1490": {
      "identityId": "%(identity)s",
      "emailId": "%(email)s",
      "envelope": {
        "mailFrom": {
          "email": "%(sender)s",
          "parameters": null
        },
        "rcptTo": [{
          "email": "%(rcpt)s",
          "parameters": null
        }]
      }
    }
  },
  "onSuccessUpdateEmail": {
    "#k1490": {
      "mailboxIds/%(drafts)s": null,
      "mailboxIds/%(sent)s": true,
      "keywords/$draft": null
    }
  }
}, "0" ]]}
"""


def test_session_advertises_submission(jmap):
    session = jmap.http.get("/.well-known/jmap").json()
    assert SUBMISSION in session["capabilities"]
    account = session["accounts"][jmap.account_id]["accountCapabilities"][SUBMISSION]
    assert account["maxDelayedSend"] > 0
    assert "FUTURERELEASE" in account["submissionExtensions"]


def test_the_rfc_example_sends_and_moves_the_draft_to_sent(jmap, worker, sink):
    rcpt = remote_address()
    email_id = draft(jmap, [rcpt])
    roles = by_role(jmap)
    body = RFC_EXAMPLE % {
        "account": jmap.account_id,
        "identity": identity_id(jmap),
        "email": email_id,
        "sender": jmap.account.address,
        "rcpt": rcpt,
        "drafts": roles["drafts"],
        "sent": roles["sent"],
    }
    response = jmap.http.post("/jmap/api/", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 200, response.text
    [(name1, set1, call1), (name2, set2, call2)] = response.json()["methodResponses"]
    assert (name1, call1, name2, call2) == ("EmailSubmission/set", "0", "Email/set", "0")
    created = set1["created"]["k1490"]
    assert created["id"] and created["undoStatus"] == "pending"
    assert set2["updated"] == {email_id: None}
    [email] = jmap.call("Email/get", {"ids": [email_id], "properties": ["mailboxIds", "keywords"]})["list"]
    assert email["mailboxIds"] == {roles["sent"]: True}
    assert "$draft" not in email["keywords"]
    received = sink.wait_for(rcpt)
    assert received.mail_from == jmap.account.address
    assert b"DKIM-Signature:" in received.content
    found = wait_for_status(jmap, created["id"], rcpt, "unknown")
    assert found["undoStatus"] == "final"
    assert found["deliveryStatus"][rcpt]["smtpReply"].startswith("250")
    assert found["emailId"] == email_id and found["threadId"] == created["threadId"]
    assert found["envelope"]["rcptTo"] == [{"email": rcpt, "parameters": None}]


def test_local_delivery_between_two_hosted_accounts(jmap, other, worker):
    email_id = draft(jmap, [other.account.address])
    roles = by_role(jmap)
    response = submit(
        jmap,
        email_id,
        onSuccessUpdateEmail={
            "#s": {
                f"mailboxIds/{roles['drafts']}": None,
                f"mailboxIds/{roles['sent']}": True,
                "keywords/$draft": None,
            }
        },
    )
    submission_id = response["created"]["s"]["id"]
    [sent] = jmap.call("Email/get", {"ids": [email_id], "properties": ["mailboxIds", "keywords"]})["list"]
    assert sent == {"id": email_id, "mailboxIds": {roles["sent"]: True}, "keywords": {"$seen": True}}
    found = wait_for_status(jmap, submission_id, other.account.address, "yes")
    assert found["deliveryStatus"][other.account.address]["smtpReply"].startswith("250 2.0.0")
    inbox = by_role(other)["inbox"]
    ids = other.call("Email/query", {"filter": {"inMailbox": inbox}})["ids"]
    [received] = other.call("Email/get", {"ids": ids, "properties": ["from", "subject", "keywords"]})["list"]
    assert received["from"][0]["email"] == jmap.account.address
    assert "$draft" not in received["keywords"]


def test_bcc_recipients_get_the_message_without_the_bcc_header(jmap, worker, sink):
    to, hidden = remote_address(), remote_address()
    email_id = draft(jmap, [to], bcc=[{"email": hidden}])
    submission_id = submit(jmap, email_id)["created"]["s"]["id"]
    received = sink.wait_for(hidden)
    assert sorted(received.rcpt_tos) == sorted([to, hidden])
    assert b"\nBcc:" not in received.content and hidden.encode() not in received.content
    assert set(submission(jmap, submission_id)["envelope"]["rcptTo"][1].values()) == {hidden, None}


def test_replayed_create_sends_once(jmap, worker, sink):
    rcpt = remote_address()
    email_id = draft(jmap, [rcpt])
    request = {
        "using": USING,
        "methodCalls": [
            [
                "EmailSubmission/set",
                {
                    "accountId": jmap.account_id,
                    "create": {"retry-me": {"identityId": identity_id(jmap), "emailId": email_id}},
                },
                "a",
            ]
        ],
    }
    first = jmap.request(request["methodCalls"], USING)["methodResponses"][0][1]
    again = jmap.request(request["methodCalls"], USING)["methodResponses"][0][1]
    assert again["created"]["retry-me"]["id"] == first["created"]["retry-me"]["id"]
    sink.wait_for(rcpt)
    time.sleep(1.0)
    assert len(sink.messages_for(rcpt)) == 1


def test_on_success_destroy_email_and_the_message_still_goes(jmap, worker, sink):
    rcpt = remote_address()
    email_id = draft(jmap, [rcpt])
    # Held for a second, so the Email is gone before the send begins (RFC 8621 7: no effect).
    envelope = {
        "mailFrom": {"email": jmap.account.address, "parameters": {"HOLDFOR": "1"}},
        "rcptTo": [{"email": rcpt}],
    }
    creation = {"identityId": identity_id(jmap), "emailId": email_id, "envelope": envelope}
    response = jmap.request(
        [
            [
                "EmailSubmission/set",
                {"accountId": jmap.account_id, "create": {"s": creation}, "onSuccessDestroyEmail": ["#s"]},
                "x",
            ]
        ],
        USING,
    )["methodResponses"]
    assert [name for name, _, call in response] == ["EmailSubmission/set", "Email/set"]
    assert response[1][1]["destroyed"] == [email_id]
    assert jmap.call("Email/get", {"ids": [email_id]})["notFound"] == [email_id]
    assert b"Hello from the tests." in sink.wait_for(rcpt).content
    # Destroying the submission record does not stop a delivery either.
    submission_id = response[0][1]["created"]["s"]["id"]
    assert submission(jmap, submission_id)["emailId"] == email_id
    other_rcpt = remote_address()
    envelope["rcptTo"] = [{"email": other_rcpt}]
    second = submit(jmap, draft(jmap, [other_rcpt]), create={"envelope": envelope})["created"]["s"]["id"]
    assert jmap.call("EmailSubmission/set", {"destroy": [second]}, USING)["destroyed"] == [second]
    sink.wait_for(other_rcpt)


def test_nothing_implicit_when_the_submission_fails(jmap):
    response = jmap.request(
        [
            [
                "EmailSubmission/set",
                {
                    "accountId": jmap.account_id,
                    "create": {"s": {"identityId": identity_id(jmap), "emailId": "Enope"}},
                    "onSuccessDestroyEmail": ["#s"],
                },
                "x",
            ]
        ],
        USING,
    )["methodResponses"]
    assert len(response) == 1
    assert response[0][1]["notCreated"]["s"]["type"] == "invalidProperties"
    assert response[0][1]["notCreated"]["s"]["properties"] == ["emailId"]


def refused(jmap, email_id: str, **create) -> dict:
    response = submit(jmap, email_id, create=create)
    assert not response.get("created"), response
    return response["notCreated"]["s"]


def test_forbidden_from(jmap):
    email_id = draft(jmap, [remote_address()], **{"from": [{"email": "someone@else.test"}]})
    assert refused(jmap, email_id)["type"] == "forbiddenFrom"


def test_forbidden_mail_from(jmap):
    email_id = draft(jmap, [remote_address()])
    envelope = {"mailFrom": {"email": "someone@else.test"}, "rcptTo": [{"email": remote_address()}]}
    assert refused(jmap, email_id, envelope=envelope)["type"] == "forbiddenMailFrom"


def test_no_recipients(jmap):
    email_id = draft(jmap, [])
    assert refused(jmap, email_id)["type"] == "noRecipients"


def test_invalid_recipients(jmap):
    email_id = draft(jmap, [remote_address()])
    envelope = {
        "mailFrom": {"email": jmap.account.address},
        "rcptTo": [{"email": "ok@remote.test"}, {"email": "not an address"}],
    }
    error = refused(jmap, email_id, envelope=envelope)
    assert error["type"] == "invalidRecipients"
    assert error["invalidRecipients"] == ["not an address"]


def test_invalid_email_when_from_is_ambiguous(jmap):
    email_id = draft(
        jmap, [remote_address()], **{"from": [{"email": jmap.account.address}, {"email": "b@x.test"}]}
    )
    error = refused(jmap, email_id)
    assert error["type"] in ("invalidEmail", "forbiddenFrom")


def test_unknown_identity_and_server_set_properties(jmap):
    email_id = draft(jmap, [remote_address()])
    error = refused(jmap, email_id, identityId="Inope")
    assert error == {**error, "type": "invalidProperties", "properties": ["identityId"]}
    error = refused(jmap, email_id, sendAt="2030-01-01T00:00:00Z")
    assert error["type"] == "invalidProperties" and error["properties"] == ["sendAt"]


def test_bad_on_success_arguments(jmap):
    error = jmap.error("EmailSubmission/set", {"onSuccessUpdateEmail": {"#s": "not a patch"}}, USING)
    assert error["type"] == "invalidArguments"
    body = json.dumps(
        {"using": USING[:2], "methodCalls": [["EmailSubmission/get", {"accountId": jmap.account_id}, "c"]]}
    )
    response = jmap.http.post("/jmap/api/", content=body, headers={"Content-Type": "application/json"})
    assert response.json()["methodResponses"][0][1]["type"] == "unknownMethod"


def test_a_refused_recipient_bounces_into_the_inbox(jmap, worker, sink):
    gone, fine = remote_address(), remote_address()
    sink.refuse(gone, "550 5.1.1 No such user here")
    created = submit(jmap, draft(jmap, [gone, fine]))["created"]["s"]
    found = wait_for_status(jmap, created["id"], gone, "no")
    assert found["deliveryStatus"][gone]["smtpReply"] == "550 5.1.1 No such user here"
    assert found["deliveryStatus"][fine]["delivered"] == "unknown"
    [dsn_blob] = found["dsnBlobIds"]
    inbox = by_role(jmap)["inbox"]
    ids = jmap.call("Email/query", {"filter": {"inMailbox": inbox}})["ids"]
    [bounce] = jmap.call("Email/get", {"ids": ids, "properties": ["blobId", "subject", "bodyStructure"]})[
        "list"
    ]
    assert bounce["blobId"] == dsn_blob
    assert bounce["bodyStructure"]["type"] == "multipart/report"
    report = jmap.http.get(f"/jmap/download/{jmap.account_id}/{dsn_blob}/bounce.eml").content
    assert f"Final-Recipient: rfc822; {gone}".encode() in report
    assert fine.encode() not in report.split(b"text/rfc822-headers")[0]


def test_a_temporary_refusal_is_reported_then_retried(jmap, worker, sink):
    busy = remote_address()
    sink.refuse(busy, *["451 4.2.1 Mailbox busy, try later"] * 2)
    created = submit(jmap, draft(jmap, [busy]))["created"]["s"]
    # Between the attempts (0.5 s, then 1 s apart here) the status shows the temporary reply.
    deadline = time.monotonic() + 10
    while True:
        status = submission(jmap, created["id"])["deliveryStatus"][busy]
        if status["smtpReply"].startswith("451"):
            break
        assert time.monotonic() < deadline and status["delivered"] == "queued", status
        time.sleep(0.05)
    assert status == {
        "smtpReply": "451 4.2.1 Mailbox busy, try later",
        "delivered": "queued",
        "displayed": "unknown",
    }
    sink.wait_for(busy)
    done = wait_for_status(jmap, created["id"], busy, "unknown")
    assert done["deliveryStatus"][busy]["smtpReply"].startswith("250")
    assert sink.attempts(busy) == 3


def test_replayed_draft_and_send_in_one_request_sends_once(jmap, worker, sink):
    """A client that creates the draft and sends it in one request, with its own Message-ID."""
    rcpt = remote_address()
    roles = by_role(jmap)
    email = {
        "mailboxIds": {roles["drafts"]: True},
        "keywords": {"$draft": True},
        "messageId": [f"{uuid.uuid4().hex}@client.test"],
        "from": [{"email": jmap.account.address}],
        "to": [{"email": rcpt}],
        "subject": "Once only",
        "bodyValues": {"b": {"value": "Hi"}},
        "textBody": [{"partId": "b", "type": "text/plain"}],
    }
    calls = [
        ["Email/set", {"accountId": jmap.account_id, "create": {"draft": email}}, "0"],
        [
            "EmailSubmission/set",
            {
                "accountId": jmap.account_id,
                "create": {"send": {"identityId": identity_id(jmap), "emailId": "#draft"}},
                "onSuccessUpdateEmail": {"#send": {"keywords/$draft": None}},
            },
            "1",
        ],
    ]
    first = jmap.request(calls, USING)["methodResponses"]
    again = jmap.request(calls, USING)["methodResponses"]
    assert again[1][1]["created"]["send"]["id"] == first[1][1]["created"]["send"]["id"]
    sink.wait_for(rcpt)
    time.sleep(1.0)
    assert len(sink.messages_for(rcpt)) == 1
