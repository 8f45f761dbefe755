"""Bounce messages: RFC 3464 delivery status notifications in an RFC 6522 multipart/report.

Pure: takes the failed recipients and the original message, returns the DSN's bytes.
The third part returns only the original header block (text/rfc822-headers), never
the body, so a bounce cannot carry a large message or its attachments back.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from jmapcore.mime import render
from jmapcore.mime.headers import scan_headers
from jmapcore.mime.parse import header_value

from .smtp import Reply


@dataclass(frozen=True)
class FailedRecipient:
    address: str
    reply: Reply
    remote_mta: str | None  # the host that gave the reply; None when we gave it ourselves
    last_attempt: datetime


def _ascii(text: str) -> str:
    return re.sub(r"[^\x20-\x7e]", "?", text)


def _address_field(address: str) -> str:
    """rfc822 for ASCII addresses, utf-8 (RFC 6533) otherwise."""
    return f"rfc822; {address}" if address.isascii() else f"utf-8; {address}"


def original_header_block(message: bytes) -> bytes:
    _, body_start = scan_headers(message, 0, len(message))
    return message[:body_start].rstrip(b"\r\n") + b"\r\n"


def _human_text(sender: str, failed: list[FailedRecipient], reporting_mta: str) -> str:
    lines = [
        f"This is the mail system at {reporting_mta}.",
        "",
        "Your message could not be delivered to one or more recipients.",
        "It has not been sent to the recipients listed below:",
        "",
    ]
    for item in failed:
        where = f" (said {item.remote_mta})" if item.remote_mta else ""
        lines.append(f"  <{item.address}>{where}: {item.reply}")
    lines += ["", f"The message was sent by <{sender}>; its header follows this report."]
    return "\r\n".join(lines) + "\r\n"


def _status_fields(
    failed: list[FailedRecipient], reporting_mta: str, envelope_id: str, arrival: datetime
) -> bytes:
    groups = [
        [
            f"Reporting-MTA: dns; {reporting_mta}",
            f"Original-Envelope-Id: {_ascii(envelope_id)}",
            f"Arrival-Date: {render.date(arrival)}",
        ]
    ]
    for item in failed:
        fields = [
            f"Final-Recipient: {_address_field(item.address)}",
            "Action: failed",
            f"Status: {item.reply.status if item.reply.permanent else '5.4.7'}",
        ]
        if item.remote_mta:
            fields.append(f"Remote-MTA: dns; {item.remote_mta}")
        fields += [
            render.fold("Diagnostic-Code", f"smtp; {_ascii(str(item.reply))}"),
            f"Last-Attempt-Date: {render.date(item.last_attempt)}",
        ]
        groups.append(fields)
    return "\r\n\r\n".join("\r\n".join(group) for group in groups).encode("utf-8") + b"\r\n"


def build_dsn(
    original: bytes,
    sender: str,
    failed: list[FailedRecipient],
    reporting_mta: str,
    envelope_id: str,
    arrival: datetime,
    now: datetime,
) -> bytes:
    """The bounce for ``failed`` recipients of ``original``, addressed to ``sender``."""
    human = render.Entity("text/plain; charset=utf-8", ["Content-Transfer-Encoding: 8bit"])
    human.content = _human_text(sender, failed, reporting_mta).encode("utf-8")
    status = render.Entity(
        "message/delivery-status", [], _status_fields(failed, reporting_mta, envelope_id, arrival)
    )
    headers = render.Entity(
        "text/rfc822-headers", ["Content-Transfer-Encoding: 8bit"], original_header_block(original)
    )
    report = render.Entity(
        "multipart/report; report-type=delivery-status", [], children=[human, status, headers]
    )
    leading = [
        render.fold("From", f"Mail Delivery System <MAILER-DAEMON@{reporting_mta}>"),
        render.fold("To", f"<{sender}>"),
        render.fold("Subject", "Undelivered Mail Returned to Sender"),
        f"Date: {render.date(now)}",
        f"Message-ID: <{secrets.token_hex(12)}.dsn@{reporting_mta}>",
        "Auto-Submitted: auto-replied",
        "MIME-Version: 1.0",
    ]
    original_ids = header_value(_headers_of(original), "Message-ID", "MessageIds")
    if original_ids:
        leading += [f"In-Reply-To: <{original_ids[0]}>", f"References: <{original_ids[0]}>"]
    return report.serialise(leading)


def _headers_of(message: bytes) -> list[tuple[str, str]]:
    headers, _ = scan_headers(message, 0, len(message))
    return headers
