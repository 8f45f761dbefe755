"""Messages for the transport tests and reading what arrived, over JMAP and in the database."""

from __future__ import annotations

import uuid
from typing import Any

from tests.conftest import JmapClient


def message(
    sender: str,
    to: str,
    subject: str = "Hello",
    body: str = "Hi there.\r\n",
    extra_headers: dict[str, str] | None = None,
) -> bytes:
    message_id = f"<{uuid.uuid4().hex}@client.test>"
    lines = [
        f"From: Sender <{sender}>",
        f"To: {to}",
        f"Subject: {subject}",
        f"Message-ID: {message_id}",
        "Date: Thu, 26 Nov 2026 06:00:00 +0000",
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=utf-8",
        *(f"{name}: {value}" for name, value in (extra_headers or {}).items()),
    ]
    return ("\r\n".join(lines) + "\r\n\r\n" + body).encode()


def inbox_id(jmap: JmapClient) -> str:
    mailboxes = jmap.call("Mailbox/get", {"ids": None, "properties": ["role"]})["list"]
    return next(m["id"] for m in mailboxes if m["role"] == "inbox")


def inbox_emails(jmap: JmapClient, properties: list[str] | None = None) -> list[dict[str, Any]]:
    """Every email in the Inbox, newest first, over Email/query + Email/get."""
    responses = jmap.request(
        [
            ["Email/query", {"accountId": jmap.account_id, "filter": {"inMailbox": inbox_id(jmap)}}, "q"],
            [
                "Email/get",
                {
                    "accountId": jmap.account_id,
                    "#ids": {"resultOf": "q", "name": "Email/query", "path": "/ids"},
                    "properties": properties or ["subject", "from", "mailboxIds"],
                },
                "g",
            ],
        ]
    )["methodResponses"]
    return responses[1][1]["list"]
