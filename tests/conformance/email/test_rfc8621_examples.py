"""The examples of RFC 8621 about Email, Thread and SearchSnippet, replayed over HTTP.

Every request is the RFC's JSON as printed, with only the ids and states replaced by
real ones from this server (the RFC's ids are server-chosen). The mail each test puts
into the account is built so that the RFC's responses follow from it; each response is
compared with the RFC's: the same keys, and the same values wherever the data decides
them. Sections are those of RFC 8621 (message.md, thread.md, searchsnippet.md).
"""

from __future__ import annotations

import email
import email.policy
from email.message import EmailMessage

from tests.conftest import CORE, MAIL, JmapClient

from .helpers import mailbox_id, upload

USING = [CORE, MAIL]


def raw_message(headers: list[str], body: str) -> bytes:
    return ("\r\n".join(headers) + "\r\n\r\n" + body).encode()


def import_one(
    jmap: JmapClient, raw: bytes, mailbox: str, received_at: str, keywords: dict | None = None
) -> dict:
    """Upload + Email/import of one message; the created {id, blobId, threadId, size}."""
    item = {
        "blobId": upload(jmap, raw),
        "mailboxIds": {mailbox: True},
        "keywords": keywords or {},
        "receivedAt": received_at,
    }
    result = jmap.call("Email/import", {"emails": {"k": item}})
    assert result["notCreated"] is None, result
    return result["created"]["k"]


def replay(jmap: JmapClient, method_calls: list) -> list:
    """POST the RFC's methodCalls as they are; the methodResponses."""
    return jmap.request(method_calls, USING)["methodResponses"]


def download(jmap: JmapClient, blob_id: str) -> bytes:
    response = jmap.http.get(f"/jmap/download/{jmap.account_id}/{blob_id}/message.eml?type=message/rfc822")
    assert response.status_code == 200, response.text
    return response.content


def parse(raw: bytes) -> EmailMessage:
    return email.message_from_bytes(raw, policy=email.policy.default)  # type: ignore[return-value]


# ---------------------------------------------------------------- 4.2 Email/get, Example

LONG_HTML = (
    "<html><body><p>Hello everyone,</p>"
    + '<p class="invitation">Dinner is on Thursday at eight, by the river.</p>' * 6
    + "</body></html>"
)
LIST_FOOTER = "-- Sent by your friendly mailing list ..."
DINNER = raw_message(
    [
        'From: "Joe Bloggs" <joe@example.com>',
        "To: partytime@lists.example.com",
        "Subject: Dinner on Thursday?",
        "Date: Sun, 13 Oct 2013 16:10:00 +0200",
        "Message-ID: <dinner@example.com>",
        "List-Post: <mailto:partytime@lists.example.com>",
        "MIME-Version: 1.0",
        'Content-Type: multipart/mixed; boundary="list"',
    ],
    "--list\r\n"
    "Content-Type: text/html; charset=utf-8\r\n\r\n"
    f"{LONG_HTML}\r\n"
    "--list\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n\r\n"
    f"{LIST_FOOTER}\r\n"
    "--list--\r\n",
)


def test_email_get_example(jmap):
    """4.2: htmlBody of a list message (HTML + the list's plain footer), truncated at 256 octets."""
    inbox = mailbox_id(jmap, "inbox")
    dinner = import_one(jmap, DINNER, inbox, "2013-10-13T14:12:00Z")
    [[name, response, call_id]] = replay(
        jmap,
        [
            [
                "Email/get",
                {
                    "accountId": jmap.account_id,
                    "ids": ["f123u456", dinner["id"]],
                    "properties": [
                        "threadId",
                        "mailboxIds",
                        "from",
                        "subject",
                        "receivedAt",
                        "header:List-POST:asURLs",
                        "htmlBody",
                        "bodyValues",
                    ],
                    "bodyProperties": ["partId", "blobId", "size", "type"],
                    "fetchHTMLBodyValues": True,
                    "maxBodyValueBytes": 256,
                },
                "#1",
            ]
        ],
    )
    assert (name, call_id) == ("Email/get", "#1")
    assert set(response) == {"accountId", "state", "list", "notFound"}
    assert response["accountId"] == jmap.account_id
    assert isinstance(response["state"], str)
    assert response["notFound"] == ["f123u456"]
    [found] = response["list"]
    assert set(found) == {
        "id",
        "threadId",
        "mailboxIds",
        "from",
        "subject",
        "receivedAt",
        "header:List-POST:asURLs",
        "htmlBody",
        "bodyValues",
    }
    assert found["id"] == dinner["id"]
    assert found["threadId"] == dinner["threadId"]
    assert found["mailboxIds"] == {inbox: True}
    assert found["from"] == [{"name": "Joe Bloggs", "email": "joe@example.com"}]
    assert found["subject"] == "Dinner on Thursday?"
    assert found["receivedAt"] == "2013-10-13T14:12:00Z"
    assert found["header:List-POST:asURLs"] == ["mailto:partytime@lists.example.com"]
    html_part, text_part = found["htmlBody"]
    assert set(html_part) == set(text_part) == {"partId", "blobId", "size", "type"}
    assert html_part["type"] == "text/html"
    assert text_part["type"] == "text/plain"
    assert html_part["size"] == len(LONG_HTML.encode())
    assert text_part["size"] == len(LIST_FOOTER.encode())
    assert html_part["partId"] != text_part["partId"]
    assert set(found["bodyValues"]) == {html_part["partId"], text_part["partId"]}
    html_value = found["bodyValues"][html_part["partId"]]
    text_value = found["bodyValues"][text_part["partId"]]
    assert set(html_value) == set(text_value) == {"isEncodingProblem", "isTruncated", "value"}
    assert html_value["isEncodingProblem"] is False
    assert html_value["isTruncated"] is True
    assert html_value["value"].startswith("<html><body><p>Hello ")
    assert len(html_value["value"].encode()) <= 256
    assert LONG_HTML.startswith(html_value["value"])
    # The 256th octet falls inside a <p class="invitation"> tag; 4.2: SHOULD NOT cut there.
    assert LONG_HTML[:256].rfind("<") > LONG_HTML[:256].rfind(">")
    assert html_value["value"].rfind("<") < html_value["value"].rfind(">")
    assert text_value == {"isEncodingProblem": False, "isTruncated": False, "value": LIST_FOOTER}
    # Each part's blobId serves that part's bytes.
    for part, content in ((html_part, LONG_HTML), (text_part, LIST_FOOTER)):
        blob = jmap.http.get(f"/jmap/download/{jmap.account_id}/{part['blobId']}/part?type={part['type']}")
        assert blob.status_code == 200
        assert blob.content == content.encode()


# ---------------------------------------------------------------- 5.1 Thread/get, Example


def thread_message(message_id: str, subject: str, refs: str = "") -> bytes:
    headers = [
        "From: Alice <alice@example.com>",
        "To: Bob <bob@example.com>",
        f"Subject: {subject}",
        "Date: Tue, 01 Jul 2025 10:00:00 +0000",
        f"Message-ID: <{message_id}>",
    ]
    if refs:
        headers += [f"In-Reply-To: <{refs}>", f"References: <{refs}>"]
    return raw_message([*headers, "Content-Type: text/plain; charset=utf-8"], "Text\r\n")


def test_thread_get_example(jmap):
    """5.1: two Threads; emailIds oldest receivedAt first, whatever the order of arrival."""
    inbox = mailbox_id(jmap, "inbox")
    later = import_one(jmap, thread_message("eaa@x", "Plans"), inbox, "2025-07-01T09:00:00Z")
    earlier = import_one(jmap, thread_message("f78@x", "Re: Plans", "eaa@x"), inbox, "2025-07-01T08:00:00Z")
    alone = import_one(jmap, thread_message("82c@x", "Something else"), inbox, "2025-07-01T10:00:00Z")
    assert earlier["threadId"] == later["threadId"] != alone["threadId"]
    [[name, response, call_id]] = replay(
        jmap,
        [["Thread/get", {"accountId": jmap.account_id, "ids": [later["threadId"], alone["threadId"]]}, "#1"]],
    )
    assert (name, call_id) == ("Thread/get", "#1")
    assert set(response) == {"accountId", "state", "list", "notFound"}
    assert response["accountId"] == jmap.account_id
    assert isinstance(response["state"], str)
    assert response["list"] == [
        {"id": later["threadId"], "emailIds": [earlier["id"], later["id"]]},
        {"id": alone["threadId"], "emailIds": [alone["id"]]},
    ]
    assert response["notFound"] == []
    # RFC 8620 5.1: an id given twice is answered once.
    twice = jmap.call("Thread/get", {"ids": [alone["threadId"], alone["threadId"], "T0"]})
    assert twice["list"] == [{"id": alone["threadId"], "emailIds": [alone["id"]]}]
    assert twice["notFound"] == ["T0"]


# ---------------------------------------------------------------- 4.10 Examples: the inbox, then resync

BIG_REVEAL_TEXT = (
    "As you may be aware, we are required to prepare a presentation where we wow a panel of 5 random "
    "members of the public, on or before 30 June each year. We have drafted a few slides and would "
    "like your opinion on them before Friday, because the panel meets the week after and we still "
    "need to rehearse."
)
BIG_REVEAL = raw_message(
    [
        'From: "Jane Doe" <jdoe@example.com>',
        "To: team@example.com",
        "Subject: The Big Reveal",
        "Date: Wed, 27 Jun 2018 00:20:00 +0000",
        "Message-ID: <reveal@example.com>",
        "MIME-Version: 1.0",
        'Content-Type: multipart/mixed; boundary="r"',
    ],
    "--r\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
    f"{BIG_REVEAL_TEXT}\r\n"
    '--r\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename="slides.pdf"\r\n'
    "Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--r--\r\n",
)


def plain(sender: str, subject: str, message_id: str, body: str, refs: str = "") -> bytes:
    headers = [
        f"From: {sender}",
        "To: jdoe@example.com",
        f"Subject: {subject}",
        f"Message-ID: <{message_id}>",
    ]
    if refs:
        headers += [f"In-Reply-To: <{refs}>", f"References: <{refs}>"]
    return raw_message([*headers, "Content-Type: text/plain; charset=utf-8"], body + "\r\n")


INBOX_LIST_PROPERTIES = [
    "threadId",
    "mailboxIds",
    "keywords",
    "hasAttachment",
    "from",
    "subject",
    "receivedAt",
    "size",
    "preview",
]


def inbox_request(account_id: str, inbox: str) -> list:
    """The first request of 4.10, as printed: query, then three back-referenced gets."""
    return [
        [
            "Email/query",
            {
                "accountId": account_id,
                "filter": {"inMailbox": inbox},
                "sort": [{"isAscending": False, "property": "receivedAt"}],
                "collapseThreads": True,
                "position": 0,
                "limit": 30,
                "calculateTotal": True,
            },
            "0",
        ],
        [
            "Email/get",
            {
                "accountId": account_id,
                "#ids": {"resultOf": "0", "name": "Email/query", "path": "/ids"},
                "properties": ["threadId"],
            },
            "1",
        ],
        [
            "Thread/get",
            {
                "accountId": account_id,
                "#ids": {"resultOf": "1", "name": "Email/get", "path": "/list/*/threadId"},
            },
            "2",
        ],
        [
            "Email/get",
            {
                "accountId": account_id,
                "#ids": {"resultOf": "2", "name": "Thread/get", "path": "/list/*/emailIds"},
                "properties": INBOX_LIST_PROPERTIES,
            },
            "3",
        ],
    ]


def test_examples_inbox_listing_then_resync(jmap):
    """4.10: the inbox by Threads, marking unread elsewhere, then Email/changes + Email/queryChanges."""
    inbox, sent = mailbox_id(jmap, "inbox"), mailbox_id(jmap, "sent")
    # Thread C: one old message. Thread B: our message in Sent and the reply in the inbox.
    oldest = import_one(
        jmap, plain("Carl <carl@example.com>", "Lunch", "c@x", "Lunch?"), inbox, "2018-06-20T10:00:00Z"
    )
    ours = import_one(
        jmap, plain("Jane <jdoe@example.com>", "Budget", "b1@x", "Numbers."), sent, "2018-06-24T10:00:00Z"
    )
    reply = import_one(
        jmap,
        plain("Bob <bob@example.com>", "Re: Budget", "b2@x", "Thanks.", refs="b1@x"),
        inbox,
        "2018-06-25T10:00:00Z",
    )
    reveal = import_one(jmap, BIG_REVEAL, inbox, "2018-06-27T00:20:35Z", {"$seen": True, "$flagged": True})
    assert reply["threadId"] == ours["threadId"]

    query, ids, threads, listing = replay(jmap, inbox_request(jmap.account_id, inbox))

    assert query[0] == "Email/query" and query[2] == "0"
    assert set(query[1]) == {"accountId", "queryState", "canCalculateChanges", "position", "total", "ids"}
    assert query[1]["accountId"] == jmap.account_id
    assert query[1]["canCalculateChanges"] is True
    assert query[1]["position"] == 0
    assert query[1]["total"] == 3
    assert query[1]["ids"] == [reveal["id"], reply["id"], oldest["id"]]

    assert ids[0] == "Email/get" and ids[2] == "1"
    assert set(ids[1]) == {"accountId", "state", "list", "notFound"}
    assert ids[1]["list"] == [
        {"id": reveal["id"], "threadId": reveal["threadId"]},
        {"id": reply["id"], "threadId": reply["threadId"]},
        {"id": oldest["id"], "threadId": oldest["threadId"]},
    ]
    assert ids[1]["notFound"] == []

    assert threads[0] == "Thread/get" and threads[2] == "2"
    assert set(threads[1]) == {"accountId", "state", "list", "notFound"}
    assert threads[1]["list"] == [
        {"id": reveal["threadId"], "emailIds": [reveal["id"]]},
        {"id": reply["threadId"], "emailIds": [ours["id"], reply["id"]]},
        {"id": oldest["threadId"], "emailIds": [oldest["id"]]},
    ]
    assert threads[1]["notFound"] == []

    assert listing[0] == "Email/get" and listing[2] == "3"
    assert listing[1]["state"] == ids[1]["state"]
    assert listing[1]["notFound"] == []
    assert [item["id"] for item in listing[1]["list"]] == [
        reveal["id"],
        ours["id"],
        reply["id"],
        oldest["id"],
    ]
    first = listing[1]["list"][0]
    assert set(first) == {"id", *INBOX_LIST_PROPERTIES}
    preview = first.pop("preview")
    assert first == {
        "id": reveal["id"],
        "threadId": reveal["threadId"],
        "mailboxIds": {inbox: True},
        "keywords": {"$seen": True, "$flagged": True},
        "hasAttachment": True,
        "from": [{"email": "jdoe@example.com", "name": "Jane Doe"}],
        "subject": "The Big Reveal",
        "receivedAt": "2018-06-27T00:20:35Z",
        "size": len(BIG_REVEAL),
    }
    assert preview.startswith(BIG_REVEAL_TEXT[:160])
    assert len(preview) <= 256
    assert listing[1]["list"][1]["mailboxIds"] == {sent: True}

    # "on another device, the user marks the first Email as unread"
    [[name, marked, call_id]] = replay(
        jmap,
        [
            [
                "Email/set",
                {"accountId": jmap.account_id, "update": {reveal["id"]: {"keywords/$seen": None}}},
                "0",
            ]
        ],
    )
    assert (name, call_id) == ("Email/set", "0")
    assert marked["oldState"] == listing[1]["state"] != marked["newState"]
    assert marked["updated"] == {reveal["id"]: None}
    assert marked["notUpdated"] is None

    # "The user also deletes a few Emails, and then a new message arrives."
    destroyed = jmap.call("Email/set", {"destroy": [reply["id"]]})
    assert destroyed["destroyed"] == [reply["id"]]
    arrived = import_one(
        jmap, plain("Dee <dee@example.com>", "News", "n@x", "Fresh."), inbox, "2018-06-28T08:00:00Z"
    )

    changes, query_changes = replay(
        jmap,
        [
            [
                "Email/changes",
                {"accountId": jmap.account_id, "sinceState": marked["oldState"], "maxChanges": 50},
                "3",
            ],
            [
                "Email/queryChanges",
                {
                    "accountId": jmap.account_id,
                    "filter": {"inMailbox": inbox},
                    "sort": [{"property": "receivedAt", "isAscending": False}],
                    "collapseThreads": True,
                    "sinceQueryState": query[1]["queryState"],
                    "upToId": oldest["id"],
                    "maxChanges": 25,
                    "calculateTotal": True,
                },
                "11",
            ],
        ],
    )
    assert changes[0] == "Email/changes" and changes[2] == "3"
    now = jmap.call("Email/get", {"ids": [], "properties": ["id"]})["state"]
    assert changes[1] == {
        "accountId": jmap.account_id,
        "oldState": marked["oldState"],
        "newState": now,
        "hasMoreChanges": False,
        "created": [arrived["id"]],
        "updated": [reveal["id"]],
        "destroyed": [reply["id"]],
    }
    assert query_changes[0] == "Email/queryChanges" and query_changes[2] == "11"
    assert set(query_changes[1]) == {
        "accountId",
        "oldQueryState",
        "newQueryState",
        "added",
        "removed",
        "total",
    }
    assert query_changes[1]["oldQueryState"] == query[1]["queryState"]
    assert query_changes[1]["newQueryState"] != query[1]["queryState"]
    # The RFC shows only the new arrival added and the destroyed reply removed. This server
    # also removes every email that changed (here the one marked unread) and, under
    # collapseThreads, every other email of a changed thread (our own message in Sent), and
    # re-adds those now in the results at their index. RFC 8620 5.6 allows extra ids in
    # removed. inMailbox is mutable, so upToId is ignored, as RFC 8620 5.6 says.
    assert set(query_changes[1]["removed"]) == {reply["id"], reveal["id"], ours["id"]}
    assert query_changes[1]["added"] == [{"id": arrived["id"], "index": 0}, {"id": reveal["id"], "index": 1}]
    assert query_changes[1]["total"] == 3
    cached = [i for i in query[1]["ids"] if i not in query_changes[1]["removed"]]
    for added in query_changes[1]["added"]:
        cached.insert(added["index"], added["id"])
    fresh = replay(jmap, inbox_request(jmap.account_id, inbox)[:1])[0][1]
    assert cached == fresh["ids"] == [arrived["id"], reveal["id"], oldest["id"]]
    assert fresh["queryState"] == query_changes[1]["newQueryState"]


# ---------------------------------------------------------------- 4.10 Examples: drafts, then Email/copy

PLAN = "I have the most brilliant plan. Let me tell you all about it. What we do is, we"
PLAN_HTML = (
    '<!DOCTYPE html><html><head><title></title><style type="text/css">div{font-size:16px}</style></head>'
    "<body><div>I have the most <b>brilliant</b> plan. Let me tell you all about it. What we do is, we"
    "</div></body></html>"
)


def first_draft(drafts: str) -> dict:
    return {
        "mailboxIds": {drafts: True},
        "keywords": {"$seen": True, "$draft": True},
        "from": [{"name": "Joe Bloggs", "email": "joe@example.com"}],
        "subject": "World domination",
        "receivedAt": "2018-07-10T01:03:11Z",
        "sentAt": "2018-07-10T11:03:11+10:00",
        "bodyStructure": {"type": "text/plain", "partId": "bd48", "header:Content-Language": "en"},
        "bodyValues": {"bd48": {"value": PLAN, "isTruncated": False}},
    }


def second_draft(drafts: str) -> dict:
    return {
        "mailboxIds": {drafts: True},
        "keywords": {"$seen": True, "$draft": True},
        "from": [{"name": "Joe Bloggs", "email": "joe@example.com"}],
        "to": [{"name": "John", "email": "john@example.com"}],
        "subject": "World domination",
        "receivedAt": "2018-07-10T01:05:08Z",
        "sentAt": "2018-07-10T11:05:08+10:00",
        "bodyStructure": {
            "type": "multipart/alternative",
            "subParts": [
                {"partId": "a49d", "type": "text/html", "header:Content-Language": "en"},
                {"partId": "bd48", "type": "text/plain", "header:Content-Language": "en"},
            ],
        },
        "bodyValues": {
            "bd48": {"value": PLAN, "isTruncated": False},
            "a49d": {"value": PLAN_HTML, "isTruncated": False},
        },
    }


def assert_created(response: list, creation_id: str) -> dict:
    """An Email/set response with the RFC's shape; the created {id, blobId, threadId, size}."""
    name, arguments, call_id = response
    assert (name, call_id) == ("Email/set", "0")
    assert arguments["oldState"] != arguments["newState"]
    assert arguments["notCreated"] is None
    created = arguments["created"][creation_id]
    assert set(created) == {"id", "blobId", "threadId", "size"}
    return created


def test_examples_plain_text_draft(jmap):
    """4.10: a text/plain draft with Content-Language set on its body part."""
    drafts = mailbox_id(jmap, "drafts")
    [response] = replay(
        jmap, [["Email/set", {"accountId": jmap.account_id, "create": {"k192": first_draft(drafts)}}, "0"]]
    )
    created = assert_created(response, "k192")
    raw = download(jmap, created["blobId"])
    assert created["size"] == len(raw)
    message = parse(raw)
    assert message["Message-Id"]
    assert message["Mime-Version"] == "1.0"
    assert message["Date"] == "Tue, 10 Jul 2018 11:03:11 +1000"
    [sender] = message["From"].addresses
    assert (sender.display_name, sender.addr_spec) == ("Joe Bloggs", "joe@example.com")
    assert message["Subject"] == "World domination"
    assert message["Content-Language"] == "en"
    assert message.get_content_type() == "text/plain"
    assert message.get_content().rstrip("\r\n").replace("\r\n", " ").replace("\n", " ") == PLAN
    email_ = jmap.call(
        "Email/get",
        {
            "ids": [created["id"]],
            "properties": ["blobId", "threadId", "size", "mailboxIds", "keywords", "receivedAt", "sentAt"],
        },
    )["list"][0]
    assert email_ == {
        "id": created["id"],
        "blobId": created["blobId"],
        "threadId": created["threadId"],
        "size": created["size"],
        "mailboxIds": {drafts: True},
        "keywords": {"$seen": True, "$draft": True},
        "receivedAt": "2018-07-10T01:03:11Z",
        "sentAt": "2018-07-10T11:03:11+10:00",
    }
    structure = jmap.call(
        "Email/get",
        {
            "ids": [created["id"]],
            "properties": ["bodyStructure", "bodyValues"],
            "bodyProperties": ["partId", "type", "charset", "language", "header:Content-Language"],
            "fetchAllBodyValues": True,
        },
    )["list"][0]
    part = structure["bodyStructure"]
    assert (part["type"], part["language"], part["header:Content-Language"]) == ("text/plain", ["en"], " en")
    value = structure["bodyValues"][part["partId"]]
    assert value["value"].rstrip("\r\n") == PLAN
    assert (value["isTruncated"], value["isEncodingProblem"]) == (False, False)


def test_received_at_is_set_on_create_and_never_changed(jmap):
    """4.1.1: receivedAt is immutable with a default, so a client gives it on create only."""
    drafts = mailbox_id(jmap, "drafts")
    created = jmap.call("Email/set", {"create": {"k192": first_draft(drafts)}})["created"]["k192"]
    result = jmap.call("Email/set", {"update": {created["id"]: {"receivedAt": "2019-01-01T00:00:00Z"}}})
    assert result["notUpdated"][created["id"]]["type"] == "invalidProperties"
    assert result["notUpdated"][created["id"]]["properties"] == ["receivedAt"]
    same = jmap.call("Email/set", {"update": {created["id"]: {"receivedAt": "2018-07-10T01:03:11Z"}}})
    assert same["updated"] == {created["id"]: None}
    for bad in ("2018-07-10T11:03:11+10:00", "yesterday", 5):
        draft = {**first_draft(drafts), "receivedAt": bad}
        refused = jmap.call("Email/set", {"create": {"k": draft}})["notCreated"]["k"]
        assert (refused["type"], refused["properties"]) == ("invalidProperties", ["receivedAt"])


def test_examples_html_draft_replaces_the_plain_one(jmap, make_account):
    """4.10: the HTML + text draft is created and the old draft destroyed in the same call; then Email/copy."""
    drafts = mailbox_id(jmap, "drafts")
    [response] = replay(
        jmap, [["Email/set", {"accountId": jmap.account_id, "create": {"k192": first_draft(drafts)}}, "0"]]
    )
    old = assert_created(response, "k192")
    first_state = response[1]["newState"]
    [response] = replay(
        jmap,
        [
            [
                "Email/set",
                {
                    "accountId": jmap.account_id,
                    "create": {"k1546": second_draft(drafts)},
                    "destroy": [old["id"]],
                },
                "0",
            ]
        ],
    )
    created = assert_created(response, "k1546")
    assert response[1]["oldState"] == first_state
    assert response[1]["destroyed"] == [old["id"]]
    assert response[1]["notDestroyed"] is None
    raw = download(jmap, created["blobId"])
    assert created["size"] == len(raw)
    message = parse(raw)
    [recipient] = message["To"].addresses
    assert (recipient.display_name, recipient.addr_spec) == ("John", "john@example.com")
    assert message["Date"] == "Tue, 10 Jul 2018 11:05:08 +1000"
    assert message.get_content_type() == "multipart/alternative"
    html, text = message.iter_parts()
    assert (html.get_content_type(), text.get_content_type()) == ("text/html", "text/plain")
    assert html["Content-Language"] == text["Content-Language"] == "en"
    assert html.get_content().rstrip("\r\n") == PLAN_HTML
    assert text.get_content().rstrip("\r\n").replace("\r\n", " ").replace("\n", " ") == PLAN
    left = jmap.call("Email/get", {"ids": [old["id"], created["id"]], "properties": ["textBody", "htmlBody"]})
    assert left["notFound"] == [old["id"]]
    [draft] = left["list"]
    assert [part["type"] for part in draft["htmlBody"]] == ["text/html"]
    assert [part["type"] for part in draft["textBody"]] == ["text/plain"]
    assert [part["language"] for part in draft["htmlBody"] + draft["textBody"]] == [["en"], ["en"]]

    # "The client moves this draft to a different account": this server gives each user
    # one account, so another user's account is not one this user may use. RFC 8620 3.6.2:
    # accountNotFound, and (the copy not being made) the original stays.
    other = make_account()
    [[name, error, call_id]] = replay(
        jmap,
        [
            [
                "Email/copy",
                {
                    "fromAccountId": jmap.account_id,
                    "accountId": other.account_id,
                    "create": {"k45": {"id": created["id"], "mailboxIds": {"75a4c956": True}}},
                    "onSuccessDestroyOriginal": True,
                },
                "0",
            ]
        ],
    )
    assert (name, error["type"], call_id) == ("error", "accountNotFound", "0")
    still = jmap.call("Email/get", {"ids": [created["id"]], "properties": ["mailboxIds"]})
    assert still["list"] == [{"id": created["id"], "mailboxIds": {drafts: True}}]


# ---------------------------------------------------------------- 5.1 SearchSnippet/get, Example

# A long preview in two-octet letters puts the match beyond the snippet's 255 octets, so
# the snippet is a fragment around it, as the RFC's second snippet is.
GREETING = "Дорогие друзья, приглашаем всех членов клуба на ежегодный праздник. " * 2
FOOSBALL = GREETING + (
    "This year the foosball competition will be held in the Stadium de France, near the river. "
    "Bring your own team, your own snacks and a lot of good humour, and tell your friends."
)
FOO_BAR = "In short, the Foo/bar method results often returns <1 widget rather than the complete set."


def test_search_snippet_get_example(jmap):
    """5.1: "foo" found in a sender only (no snippet), in the subject and body, and in the body only."""
    inbox = mailbox_id(jmap, "inbox")
    sender_only = import_one(
        jmap,
        plain("Foo Fighters <news@foo.example>", "Tour dates", "s1@x", "See you soon."),
        inbox,
        "2025-07-01T08:00:00Z",
    )
    subject_too = import_one(
        jmap,
        plain("Club <club@example.com>", "The Foosball competition", "s2@x", FOOSBALL),
        inbox,
        "2025-07-01T09:00:00Z",
    )
    body_only = import_one(
        jmap, plain("Dev <dev@example.com>", "Widgets", "s3@x", FOO_BAR), inbox, "2025-07-01T10:00:00Z"
    )
    import_one(
        jmap, plain("Other <o@example.com>", "Nothing", "s4@x", "Bar none."), inbox, "2025-07-01T11:00:00Z"
    )
    # "we did an Email/query to search for any Email in the account containing the word foo"
    found = jmap.call("Email/query", {"filter": {"text": "foo"}, "sort": [{"property": "receivedAt"}]})["ids"]
    assert found == [sender_only["id"], subject_too["id"], body_only["id"]]

    [[name, response, call_id]] = replay(
        jmap,
        [
            [
                "SearchSnippet/get",
                {"accountId": jmap.account_id, "filter": {"text": "foo"}, "emailIds": found},
                "0",
            ]
        ],
    )
    assert (name, call_id) == ("SearchSnippet/get", "0")
    assert set(response) == {"accountId", "list", "notFound"}
    assert response["accountId"] == jmap.account_id
    assert response["notFound"] is None
    first, second, third = response["list"]
    assert first == {"emailId": sender_only["id"], "subject": None, "preview": None}
    assert third == {
        "emailId": body_only["id"],
        "subject": None,
        "preview": "In short, the <mark>Foo</mark>/bar method results often returns &lt;1 widget "
        "rather than the complete set.",
    }
    # Like the RFC's "...year the <mark>foo</mark>sball competition will be held in the
    # Stadium de ...": a fragment of the preview around the match, within 255 octets.
    assert set(second) == {"emailId", "subject", "preview"}
    assert second["emailId"] == subject_too["id"]
    assert second["subject"] == "The <mark>Foo</mark>sball competition"
    fragment = second["preview"]
    assert fragment.startswith("…") and not fragment.startswith("…Дорогие")
    assert "This year the <mark>foo</mark>sball competition will be held in the Stadium de France" in fragment
    assert len(fragment.encode()) <= 255
    preview = jmap.call("Email/get", {"ids": [subject_too["id"]], "properties": ["preview"]})["list"][0]
    assert preview["preview"].replace("foosball", "<mark>foo</mark>sball").endswith(fragment[1:])


# ---------------------------------------------------------------- 4.1.2 Header field parsed forms, examples

ADDRESS_LIST = (
    '"  James Smythe" <james@example.com>, Friends:\r\n'
    "  jane@example.com, =?UTF-8?Q?John_Sm=C3=AEth?=\r\n"
    "  <john@example.com>;"
)
HEADER_FORMS = raw_message(
    [
        "From: Joe <joe@example.com>",
        f"To: {ADDRESS_LIST}",
        "Subject: Party",
        "Resent-To: first@example.com",
        "Resent-To: Second <second@example.com>, third@example.com",
        "subject: Party, again",
        "Message-ID: <forms@example.com>",
        "Content-Type: text/plain; charset=utf-8",
    ],
    "Hi\r\n",
)


def test_header_form_examples(jmap):
    """4.1.2.3, 4.1.2.4 and 4.1.3: the address-list example, header:subject, header:Resent-To:asAddresses:all."""
    created = import_one(jmap, HEADER_FORMS, mailbox_id(jmap, "inbox"), "2025-07-01T08:00:00Z")
    properties = [
        "to",
        "header:To:asAddresses",
        "header:To:asGroupedAddresses",
        "header:subject",
        "header:Resent-To:asAddresses:all",
    ]
    [[_, response, _]] = replay(
        jmap,
        [
            [
                "Email/get",
                {"accountId": jmap.account_id, "ids": [created["id"]], "properties": properties},
                "0",
            ]
        ],
    )
    [found] = response["list"]
    addresses = [
        {"name": "James Smythe", "email": "james@example.com"},
        {"name": None, "email": "jane@example.com"},
        {"name": "John Smîth", "email": "john@example.com"},
    ]
    assert found["to"] == found["header:To:asAddresses"] == addresses
    assert found["header:To:asGroupedAddresses"] == [
        {"name": None, "addresses": [{"name": "James Smythe", "email": "james@example.com"}]},
        {
            "name": "Friends",
            "addresses": [
                {"name": None, "email": "jane@example.com"},
                {"name": "John Smîth", "email": "john@example.com"},
            ],
        },
    ]
    # The last field named "subject", matched case-insensitively, in Raw form.
    assert found["header:subject"] == " Party, again"
    assert found["header:Resent-To:asAddresses:all"] == [
        [{"name": None, "email": "first@example.com"}],
        [{"name": "Second", "email": "second@example.com"}, {"name": None, "email": "third@example.com"}],
    ]


# ---------------------------------------------------------------- 4.1.4 Body parts, the list-manager example


def leaf(letter: str, content_type: str, disposition: str = "") -> str:
    headers = [f"Content-Type: {content_type}", f"Content-Description: {letter}"]
    if disposition:
        headers.append(f"Content-Disposition: {disposition}")
    if content_type.startswith("message/"):
        content = "From: a@example.com\r\nSubject: Inner\r\n\r\nInner body\r\n"
    elif content_type.startswith("text/"):
        content = f"Part {letter}\r\n"
    else:
        headers.append("Content-Transfer-Encoding: base64")
        content = "AAECAwQF\r\n"
    return "\r\n".join(headers) + "\r\n\r\n" + content


def multipart(subtype: str, boundary: str, *parts: str) -> str:
    body = "".join(f"--{boundary}\r\n{part}" for part in parts)
    return f'Content-Type: multipart/{subtype}; boundary="{boundary}"\r\n\r\n{body}--{boundary}--\r\n'


LIST_MANAGER = (
    "From: list@example.com\r\nTo: me@example.com\r\nSubject: Digest\r\n"
    "Message-ID: <digest@example.com>\r\nMIME-Version: 1.0\r\n"
    + multipart(
        "mixed",
        "outer",
        leaf("A", "text/plain", "inline"),
        multipart(
            "mixed",
            "middle",
            multipart(
                "alternative",
                "alt",
                multipart(
                    "mixed",
                    "texts",
                    leaf("B", "text/plain", "inline"),
                    leaf("C", "image/jpeg", "inline"),
                    leaf("D", "text/plain", "inline"),
                ),
                multipart("related", "rel", leaf("E", "text/html"), leaf("F", "image/jpeg")),
            ),
            leaf("G", "image/jpeg", "attachment"),
            leaf("H", "application/x-excel"),
            leaf("J", "message/rfc822"),
        ),
        leaf("K", "text/plain", "inline"),
    )
).encode()


def test_body_parts_example(jmap):
    """4.1.4: the message through a list manager decomposes as the RFC's algorithm says."""
    created = import_one(jmap, LIST_MANAGER, mailbox_id(jmap, "inbox"), "2025-07-01T08:00:00Z")
    found = jmap.call(
        "Email/get",
        {
            "ids": [created["id"]],
            "properties": ["textBody", "htmlBody", "attachments", "hasAttachment"],
            "bodyProperties": ["partId", "type", "header:Content-Description:asText"],
        },
    )["list"][0]

    def letters(parts: list[dict]) -> list[str]:
        return [part["header:Content-Description:asText"] for part in parts]

    assert letters(found["textBody"]) == ["A", "B", "C", "D", "K"]
    assert letters(found["htmlBody"]) == ["A", "E", "K"]
    assert letters(found["attachments"]) == ["C", "F", "G", "H", "J"]
    assert found["hasAttachment"] is True


# ---------------------------------------------------------------- 4.4.2 Sorting, the example sort


def test_example_sort(jmap):
    """4.4.2: flagged Threads first, then base subject (case-insensitive), then newest first."""
    inbox = mailbox_id(jmap, "inbox")

    def add(subject: str, message_id: str, at: str, refs: str = "", flagged: bool = False) -> str:
        raw = plain("Ann <ann@example.com>", subject, message_id, "Text", refs=refs)
        keywords = {"$flagged": True} if flagged else {}
        return import_one(jmap, raw, inbox, f"2025-07-01T{at}:00Z", keywords)["id"]

    flagged = add("Zulu", "z1@x", "01:00", flagged=True)
    reply_in_flagged_thread = add("Re: Zulu", "z2@x", "02:00", refs="z1@x")
    older_alpha = add("alpha", "a1@x", "03:00")
    beta = add("Re: beta", "b1@x", "04:00")
    newer_alpha = add("Alpha", "a2@x", "05:00")
    [[name, response, call_id]] = replay(
        jmap,
        [
            [
                "Email/query",
                {
                    "accountId": jmap.account_id,
                    "sort": [
                        {"property": "someInThreadHaveKeyword", "keyword": "$flagged", "isAscending": False},
                        {"property": "subject", "collation": "i;ascii-casemap"},
                        {"property": "receivedAt", "isAscending": False},
                    ],
                },
                "0",
            ]
        ],
    )
    assert (name, call_id) == ("Email/query", "0")
    assert response["ids"] == [reply_in_flagged_thread, flagged, newer_alpha, older_alpha, beta]
