"""From a parsed message to what the store keeps (pure: no database)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from jmapcore.mime.parse import ParsedMessage, search_text

from .fields import EmailFields
from .subjects import base_subject

# Email/get's convenience header properties: stored in the summary JSON, which list views read.
SUMMARY_PROPERTIES = (
    "messageId",
    "inReplyTo",
    "references",
    "sender",
    "from",
    "to",
    "cc",
    "bcc",
    "replyTo",
    "subject",
    "sentAt",
)


def _sort_name(addresses: list[dict[str, Any]] | None) -> str:
    """RFC 8621 4.4.2: the first address's name, else its email, else ''."""
    if not addresses:
        return ""
    first = addresses[0]
    return (first.get("name") or first.get("email") or "").casefold()


def _sent_at(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def header_search_text(subject: str | None, *address_lists: list[dict[str, Any]] | None) -> str:
    """Subject and addresses for the search index, so a ``text`` search is one index lookup.

    Addresses go in whole and split at the @, so "alice", "example.org" and
    "alice@example.org" all find them.
    """
    words = [subject or ""]
    for addresses in address_lists:
        for address in addresses or []:
            email = address.get("email") or ""
            words += [address.get("name") or "", email, *email.split("@")]
    return " ".join(word for word in words if word)


def email_fields(sha256: str, message: ParsedMessage) -> EmailFields:
    own = message.message_id or []
    related = [*own, *(message.in_reply_to or []), *(message.references or [])]
    summary = {
        "messageId": message.message_id,
        "inReplyTo": message.in_reply_to,
        "references": message.references,
        "sender": message.sender,
        "from": message.from_,
        "to": message.to,
        "cc": message.cc,
        "bcc": message.bcc,
        "replyTo": message.reply_to,
        "subject": message.subject,
        "sentAt": message.sent_at,
    }
    # The full document keeps the summary's properties too: queries filter on them there.
    parsed = {
        "headers": [{"name": name, "value": value} for name, value in message.headers],
        **summary,
        "bodyStructure": message.body_structure,
        "textBody": message.text_body,
        "htmlBody": message.html_body,
        "attachments": message.attachments,
    }
    return EmailFields(
        blob_sha256=sha256,
        size=message.size,
        message_ids=list(dict.fromkeys(related)),
        own_message_id=own[0] if own else None,
        subject=message.subject,
        subject_sort=base_subject(message.subject),
        from_sort=_sort_name(message.from_),
        to_sort=_sort_name(message.to),
        sent_at=_sent_at(message.sent_at),
        preview=message.preview,
        has_attachment=message.has_attachment,
        summary=summary,
        parsed=parsed,
        search_headers=header_search_text(
            message.subject, message.from_, message.to, message.cc, message.bcc
        ),
        search_text=search_text(message),
    )
