"""Preparing raw messages for the store: read the blob, parse, derive. No transaction here.

Parsing is CPU work and reading a blob is I/O, so both happen before the account's
write lock is taken; :func:`jmapcore.services.emails.email_create` then only writes rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from jmapcore.mail.derive import email_fields
from jmapcore.mail.fields import EmailFields
from jmapcore.mime.parse import ParsedMessage, parse_message
from jmapcore.services.blobs import blob_open


@dataclass(frozen=True)
class PreparedMessage:
    fields: EmailFields
    last_received: datetime | None  # the newest Received header's date, if any


def latest_received_date(message: ParsedMessage) -> datetime | None:
    """The date of the most recent (topmost) Received header (RFC 5321 4.4: after the ';')."""
    for name, value in message.headers:
        if name.lower() == "received" and ";" in value:
            try:
                stamp = parsedate_to_datetime(value.rsplit(";", 1)[1].strip())
            except (TypeError, ValueError, IndexError):
                return None
            return stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)
    return None


def prepare_raw(sha256: str, raw: bytes) -> PreparedMessage:
    message = parse_message(raw)
    return PreparedMessage(email_fields(sha256, message), latest_received_date(message))


def prepare_stored(sha256: str) -> PreparedMessage:
    with blob_open(sha256) as handle:
        return prepare_raw(sha256, handle.read())
