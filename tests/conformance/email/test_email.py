"""Email, Thread and Mailbox counters over HTTP (RFC 8621 sections 3 and 4)."""

from __future__ import annotations

from .helpers import import_raw, mailbox_id, message, upload

WITH_ATTACHMENT = (
    b"From: Alice <alice@example.test>\r\nTo: bob@example.test\r\nSubject: Report\r\n"
    b"Date: Tue, 01 Jul 2025 10:00:00 +0000\r\nMessage-ID: <att@example.test>\r\nMIME-Version: 1.0\r\n"
    b'Content-Type: multipart/mixed; boundary="b1"\r\n\r\n'
    b"--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nSee attached.\r\n"
    b'--b1\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename="data.bin"\r\n'
    b"Content-Transfer-Encoding: base64\r\n\r\nAAECAwQF\r\n--b1--\r\n"
)


def test_imported_email_has_the_list_properties(jmap):
    created = import_raw(jmap, message(), keywords={"$seen": True})
    email = jmap.call(
        "Email/get",
        {
            "ids": [created["id"]],
            "properties": [
                "id",
                "threadId",
                "mailboxIds",
                "keywords",
                "from",
                "subject",
                "receivedAt",
                "preview",
                "size",
                "hasAttachment",
                "sentAt",
                "messageId",
            ],
        },
    )["list"][0]
    assert email["threadId"] == created["threadId"]
    assert email["mailboxIds"] == {mailbox_id(jmap, "inbox"): True}
    assert email["keywords"] == {"$seen": True}
    assert email["from"] == [{"name": "Alice Example", "email": "alice@example.test"}]
    assert email["subject"] == "Hello"
    assert email["preview"] == "Hi there"
    assert email["sentAt"] == "2025-07-01T10:00:00+02:00"
    assert email["messageId"] == ["m1@example.test"]
    assert email["hasAttachment"] is False
    assert email["size"] == created["size"] == len(message())


def test_body_values_and_text_body(jmap):
    created = import_raw(jmap, message(body="Line one\r\nLine two"))
    email = jmap.call(
        "Email/get",
        {"ids": [created["id"]], "properties": ["textBody", "bodyValues"], "fetchTextBodyValues": True},
    )["list"][0]
    part_id = email["textBody"][0]["partId"]
    assert email["bodyValues"][part_id]["value"].replace("\r\n", "\n") == "Line one\nLine two\n"
    assert email["bodyValues"][part_id]["isTruncated"] is False


def test_a_reply_joins_the_thread_and_thread_get_lists_both_oldest_first(jmap):
    first = import_raw(jmap, message(message_id="p@x"), receivedAt="2025-07-01T08:00:00Z")
    reply = import_raw(jmap, message("Re: Hello", "r@x", refs="p@x"), receivedAt="2025-07-01T09:00:00Z")
    assert reply["threadId"] == first["threadId"]
    thread = jmap.call("Thread/get", {"ids": [first["threadId"]]})["list"][0]
    assert thread["emailIds"] == [first["id"], reply["id"]]


def test_mailbox_counters_follow_import_read_and_destroy(jmap):
    inbox = mailbox_id(jmap, "inbox")

    def counters() -> tuple[int, int, int, int]:
        box = jmap.call("Mailbox/get", {"ids": [inbox]})["list"][0]
        return box["totalEmails"], box["unreadEmails"], box["totalThreads"], box["unreadThreads"]

    created = import_raw(jmap, message(message_id="c@x"))
    assert counters() == (1, 1, 1, 1)
    jmap.call("Email/set", {"update": {created["id"]: {"keywords/$seen": True}}})
    assert counters() == (1, 0, 1, 0)
    jmap.call("Email/set", {"destroy": [created["id"]]})
    assert counters() == (0, 0, 0, 0)


def test_mailbox_changes_after_delivery_report_counts_only(jmap):
    state = jmap.call("Mailbox/get", {"ids": None})["state"]
    import_raw(jmap, message(message_id="u@x"))
    changes = jmap.call("Mailbox/changes", {"sinceState": state})
    assert changes["updated"] == [mailbox_id(jmap, "inbox")]
    assert changes["updatedProperties"] == ["totalEmails", "unreadEmails", "totalThreads", "unreadThreads"]


def test_moving_an_email_with_a_mailbox_ids_patch(jmap):
    created = import_raw(jmap, message(message_id="mv@x"))
    inbox, archive = mailbox_id(jmap, "inbox"), mailbox_id(jmap, "archive")
    result = jmap.call(
        "Email/set", {"update": {created["id"]: {f"mailboxIds/{inbox}": None, f"mailboxIds/{archive}": True}}}
    )
    assert result["updated"] == {created["id"]: None}
    email = jmap.call("Email/get", {"ids": [created["id"]], "properties": ["mailboxIds"]})["list"][0]
    assert email["mailboxIds"] == {archive: True}


def test_an_email_cannot_leave_every_mailbox(jmap):
    created = import_raw(jmap, message(message_id="none@x"))
    result = jmap.call("Email/set", {"update": {created["id"]: {"mailboxIds": {}}}})
    assert result["notUpdated"][created["id"]]["type"] == "invalidProperties"


def test_email_changes_and_thread_changes_after_import(jmap):
    email_state = jmap.call("Email/get", {"ids": []})["state"]
    thread_state = jmap.call("Thread/get", {"ids": []})["state"]
    created = import_raw(jmap, message(message_id="ch@x"))
    assert jmap.call("Email/changes", {"sinceState": email_state})["created"] == [created["id"]]
    assert jmap.call("Thread/changes", {"sinceState": thread_state})["created"] == [created["threadId"]]


def test_attachments_download_decoded_by_their_part_blob_id(jmap):
    created = import_raw(jmap, WITH_ATTACHMENT)
    email = jmap.call("Email/get", {"ids": [created["id"]], "properties": ["attachments", "hasAttachment"]})[
        "list"
    ][0]
    assert email["hasAttachment"] is True
    [attachment] = email["attachments"]
    assert attachment["name"] == "data.bin"
    response = jmap.http.get(f"/jmap/download/{jmap.account_id}/{attachment['blobId']}/data.bin")
    assert response.status_code == 200
    assert response.content == bytes([0, 1, 2, 3, 4, 5])


def test_email_import_rejects_unknown_blob_and_mailbox(jmap):
    blob_id = upload(jmap, message(message_id="bad@x"))
    result = jmap.call(
        "Email/import",
        {
            "emails": {
                "a": {"blobId": "G" + "0" * 64, "mailboxIds": {mailbox_id(jmap, "inbox"): True}},
                "b": {"blobId": blob_id, "mailboxIds": {"M999999": True}},
            }
        },
    )
    assert result["created"] is None
    assert result["notCreated"]["a"]["properties"] == ["blobId"]
    assert result["notCreated"]["b"]["properties"] == ["mailboxIds"]


def test_email_parse_reads_an_uploaded_message_without_storing_it(jmap):
    blob_id = upload(jmap, message(subject="Parsed", message_id="parse@x"))
    result = jmap.call("Email/parse", {"blobIds": [blob_id], "properties": ["subject", "id", "keywords"]})
    assert result["parsed"][blob_id] == {"subject": "Parsed", "id": None, "keywords": None}


def test_destroying_a_mailbox_with_on_destroy_remove_emails(jmap):
    box = jmap.call("Mailbox/set", {"create": {"b": {"name": "Temp"}}})["created"]["b"]["id"]
    blob_id = upload(jmap, message(message_id="tmp@x"))
    created = jmap.call("Email/import", {"emails": {"k": {"blobId": blob_id, "mailboxIds": {box: True}}}})
    email_id = created["created"]["k"]["id"]
    refused = jmap.call("Mailbox/set", {"destroy": [box]})
    assert refused["notDestroyed"][box]["type"] == "mailboxHasEmail"
    done = jmap.call("Mailbox/set", {"destroy": [box], "onDestroyRemoveEmails": True})
    assert done["destroyed"] == [box]
    assert jmap.call("Email/get", {"ids": [email_id]})["notFound"] == [email_id]


def test_a_late_message_linking_two_threads_merges_them_with_new_ids_for_the_moved_emails(jmap):
    first = import_raw(jmap, message("Plan", "a@x"), receivedAt="2025-07-01T08:00:00Z")
    orphan = import_raw(jmap, message("Re: Plan", "c@x", refs="b@x"), receivedAt="2025-07-01T10:00:00Z")
    assert orphan["threadId"] != first["threadId"]
    state = jmap.call("Email/get", {"ids": []})["state"]
    link = import_raw(jmap, message("Re: Plan", "b@x", refs="a@x"), receivedAt="2025-07-01T09:00:00Z")
    assert link["threadId"] == first["threadId"]
    [thread] = jmap.call("Thread/get", {"ids": [first["threadId"]]})["list"]
    assert thread["emailIds"][:2] == [first["id"], link["id"]] and len(thread["emailIds"]) == 3
    moved = thread["emailIds"][2]
    assert moved != orphan["id"]  # RFC 8621 3: threadId is immutable, so the email got a new id
    assert jmap.call("Email/get", {"ids": [orphan["id"]]})["notFound"] == [orphan["id"]]
    assert jmap.call("Thread/get", {"ids": [orphan["threadId"]]})["notFound"] == [orphan["threadId"]]
    changes = jmap.call("Email/changes", {"sinceState": state})
    assert sorted(changes["created"]) == sorted([link["id"], moved])
    assert changes["destroyed"] == [orphan["id"]]
    inbox = jmap.call("Mailbox/get", {"ids": [mailbox_id(jmap, "inbox")]})["list"][0]
    assert (inbox["totalEmails"], inbox["totalThreads"]) == (3, 1)
