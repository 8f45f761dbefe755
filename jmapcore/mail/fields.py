"""What the store keeps of a parsed message."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class EmailFields:
    """Built by :func:`jmapcore.mail.derive.email_fields`; stored by :func:`jmapcore.services.emails.email_create`."""

    blob_sha256: str
    size: int
    message_ids: list[str]  # its own Message-ID, then In-Reply-To and References
    own_message_id: str | None
    subject: str | None
    subject_sort: str
    from_sort: str
    to_sort: str
    sent_at: datetime | None
    preview: str
    has_attachment: bool
    summary: dict  # messageId, inReplyTo, references, sender, from, to, cc, bcc, replyTo, subject, sentAt
    parsed: dict  # all of Email/get's parsed properties: headers, the summary's, the body structure
    search_headers: str  # subject and addresses: indexed apart so ``body`` searches skip them
    search_text: str  # the body text
