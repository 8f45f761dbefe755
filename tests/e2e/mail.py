"""A small mailbox for the browser tests, imported over JMAP (upload + Email/import)."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

from tests.conftest import JmapClient

TINY_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 100]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)
BASE_TIME = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
PIXEL_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


def message(
    subject: str,
    sender: str,
    body: str,
    *,
    when: datetime,
    message_id: str,
    reply_to: str | None = None,
    html: str | None = None,
    attachments: tuple[tuple[str, str, bytes], ...] = (),
) -> bytes:
    headers = [
        f"From: {sender}",
        "To: Reader <reader@example.test>",
        f"Subject: {subject}",
        f"Date: {format_datetime(when)}",
        f"Message-ID: <{message_id}>",
        "MIME-Version: 1.0",
    ]
    if reply_to:
        headers += [f"In-Reply-To: <{reply_to}>", f"References: <{reply_to}>"]
    if html is None and not attachments:
        headers.append("Content-Type: text/plain; charset=utf-8")
        return ("\r\n".join(headers) + "\r\n\r\n" + body.replace("\n", "\r\n") + "\r\n").encode()
    boundary = "=-=boundary=-="
    kind = "mixed" if attachments else "alternative"
    headers.append(f'Content-Type: multipart/{kind}; boundary="{boundary}"')
    parts = [f"Content-Type: text/plain; charset=utf-8\r\n\r\n{body}"]
    if html is not None:
        parts.append(f"Content-Type: text/html; charset=utf-8\r\n\r\n{html}")
    for name, media_type, data in attachments:
        encoded = base64.b64encode(data).decode()
        parts.append(
            f"Content-Type: {media_type}; name={name}\r\nContent-Disposition: attachment; filename={name}\r\n"
            f"Content-Transfer-Encoding: base64\r\n\r\n{encoded}"
        )
    text = "\r\n".join(headers) + "\r\n\r\n"
    for part in parts:
        text += f"--{boundary}\r\n{part}\r\n"
    return (text + f"--{boundary}--\r\n").encode()


def mailbox_ids(jmap: JmapClient) -> dict[str, str]:
    listed = jmap.call("Mailbox/get", {"ids": None})["list"]
    return {mailbox["role"] or mailbox["name"]: mailbox["id"] for mailbox in listed}


def import_messages(jmap: JmapClient, raws: list[tuple[bytes, dict]]) -> list[str]:
    """Uploads and imports each (raw, options); options: mailboxes (roles), seen, received."""
    mailboxes = mailbox_ids(jmap)
    emails = {}
    for index, (raw, options) in enumerate(raws):
        upload = jmap.http.post(
            f"/jmap/upload/{jmap.account_id}/", content=raw, headers={"Content-Type": "message/rfc822"}
        )
        assert upload.status_code == 201, upload.text
        emails[f"m{index}"] = {
            "blobId": upload.json()["blobId"],
            "mailboxIds": {mailboxes[role]: True for role in options.get("mailboxes", ["inbox"])},
            "keywords": {"$seen": True} if options.get("seen") else {},
            "receivedAt": options["received"].strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
    result = jmap.call("Email/import", {"emails": emails})
    assert not result.get("notCreated"), result
    return [result["created"][f"m{index}"]["id"] for index in range(len(raws))]


def corpus() -> list[tuple[bytes, dict]]:
    """Sixty fillers (more than one page of the list), a three-message thread, rich mail."""
    raws: list[tuple[bytes, dict]] = []
    for n in range(60):
        when = BASE_TIME - timedelta(days=60 - n)
        raws.append(
            (
                message(
                    f"Weekly digest number {n}",
                    "Digest <digest@news.example>",
                    f"Issue {n} of the digest.\nNothing important here.",
                    when=when,
                    message_id=f"digest-{n}@news.example",
                ),
                {"seen": True, "received": when},
            )
        )
    raws.append(
        (
            message(
                "Quarterly report",
                "Alice Adams <alice@example.test>",
                "Here is the draft of the quarterly report.\nSee https://example.test/report for details.",
                when=BASE_TIME,
                message_id="report-1@example.test",
            ),
            {"seen": True, "received": BASE_TIME},
        )
    )
    raws.append(
        (
            message(
                "Re: Quarterly report",
                "Bob Brown <bob@example.test>",
                "Looks good to me.\n\n> Here is the draft of the quarterly report.",
                when=BASE_TIME + timedelta(hours=1),
                message_id="report-2@example.test",
                reply_to="report-1@example.test",
            ),
            {"seen": True, "received": BASE_TIME + timedelta(hours=1)},
        )
    )
    raws.append(
        (
            message(
                "Re: Quarterly report",
                "Alice Adams <alice@example.test>",
                "Thanks Bob, final version attached.\n\n> Looks good to me.",
                when=BASE_TIME + timedelta(hours=2),
                message_id="report-3@example.test",
                reply_to="report-2@example.test",
                attachments=(
                    ("chart.png", "image/png", PIXEL_PNG),
                    ("report.pdf", "application/pdf", TINY_PDF),
                ),
            ),
            {"received": BASE_TIME + timedelta(hours=2)},
        )
    )
    newsletter_html = (
        "<h1>Spring sale</h1><p onclick=\"alert('x')\">Everything must go.</p>"
        '<img src="https://tracker.example/pixel.gif" alt="tracker">'
        "<script>document.title='pwned'</script>"
        '<form action="https://evil.example/"><input name="password"></form>'
    )
    raws.append(
        (
            message(
                "Spring sale newsletter",
                "Shop <news@shop.example>",
                "Spring sale: everything must go.",
                when=BASE_TIME + timedelta(hours=3),
                message_id="sale@shop.example",
                html=newsletter_html,
            ),
            {"received": BASE_TIME + timedelta(hours=3), "mailboxes": ["inbox", "archive"]},
        )
    )
    return raws
