"""Putting raw messages into an account over HTTP: upload, then Email/import."""

from __future__ import annotations

from tests.conftest import JmapClient


def upload(jmap: JmapClient, raw: bytes, media_type: str = "message/rfc822") -> str:
    response = jmap.http.post(
        f"/jmap/upload/{jmap.account_id}/", content=raw, headers={"Content-Type": media_type}
    )
    assert response.status_code == 201, response.text
    return response.json()["blobId"]


def mailbox_id(jmap: JmapClient, role: str) -> str:
    mailboxes = jmap.call("Mailbox/get", {"ids": None, "properties": ["role"]})["list"]
    return next(m["id"] for m in mailboxes if m["role"] == role)


def import_raw(
    jmap: JmapClient, raw: bytes, role: str = "inbox", keywords: dict | None = None, **extra
) -> dict:
    blob_id = upload(jmap, raw)
    item = {
        "blobId": blob_id,
        "mailboxIds": {mailbox_id(jmap, role): True},
        "keywords": keywords or {},
        **extra,
    }
    result = jmap.call("Email/import", {"emails": {"k": item}})
    assert result["notCreated"] is None, result
    return result["created"]["k"]


def message(
    subject: str = "Hello", message_id: str = "m1@example.test", refs: str = "", body: str = "Hi there"
) -> bytes:
    headers = [
        "From: Alice Example <alice@example.test>",
        "To: Bob <bob@example.test>",
        f"Subject: {subject}",
        "Date: Tue, 01 Jul 2025 10:00:00 +0200",
        f"Message-ID: <{message_id}>",
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=utf-8",
    ]
    if refs:
        headers += [f"In-Reply-To: <{refs}>", f"References: <{refs}>"]
    return ("\r\n".join(headers) + "\r\n\r\n" + body + "\r\n").encode()
