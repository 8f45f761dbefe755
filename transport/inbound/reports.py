"""Delivery status notifications (RFC 3464) and read receipts (RFC 8098) that come back.

A report is a ``multipart/report`` whose second part holds machine-readable fields:
``message/delivery-status`` (a block of per-message fields, then one block per
recipient) or ``message/disposition-notification``. The message it reports on is named
by its Message-ID, in the returned headers of the third part (DSN) or in the
``Original-Message-ID`` field (MDN). Pure functions: no database here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from email.parser import BytesHeaderParser
from email.policy import compat32

from jmapcore.mime.headers import message_ids_form
from jmapcore.mime.tree import MimePart, parse_tree

DSN, MDN = "delivery-status", "disposition-notification"
_BLANK_LINE = re.compile(rb"\r?\n[ \t]*\r?\n")
# RFC 3464 2.3.3: Action is one of these; what each means for RFC 8621's "delivered".
DELIVERED = {"failed": "no", "delayed": "queued", "delivered": "yes", "relayed": "unknown", "expanded": "yes"}


@dataclass(frozen=True)
class RecipientStatus:
    address: str
    delivered: str  # RFC 8621 7: "queued", "yes", "no" or "unknown"
    reply: str  # an SMTP reply for deliveryStatus.smtpReply


@dataclass(frozen=True)
class Report:
    kind: str  # DSN or MDN
    message_id: str | None  # of the message reported on
    recipients: list[RecipientStatus] = field(default_factory=list)
    displayed: bool = False  # MDN: the recipient's client showed the message


def parse_report(raw: bytes) -> Report | None:
    """The report ``raw`` carries, or None if it is not a DSN or MDN."""
    root = parse_tree(raw)
    if root.type != "multipart/report" or not root.children:
        return None
    kind = (root.params.get("report-type") or "").strip().lower()
    fields_part = _child(root, f"message/{kind}") if kind in (DSN, MDN) else None
    if fields_part is None:
        return None
    blocks = _field_blocks(fields_part.content()[0])
    if kind == MDN:
        return _mdn(blocks[0] if blocks else {})
    original = _child(root, "text/rfc822-headers") or _child(root, "message/rfc822")
    return Report(DSN, _returned_message_id(original), [_recipient(block) for block in blocks[1:]])


def _child(root: MimePart, media_type: str) -> MimePart | None:
    return next((part for part in root.children or () if part.type == media_type), None)


def _field_blocks(data: bytes) -> list[dict[str, str]]:
    """Header-like blocks separated by blank lines, field names lower-cased."""
    parser = BytesHeaderParser(policy=compat32)
    blocks = []
    for chunk in _BLANK_LINE.split(data.strip()):
        parsed = parser.parsebytes(chunk.strip() + b"\r\n")
        blocks.append({name.lower(): " ".join(str(value).split()) for name, value in parsed.items()})
    return [block for block in blocks if block]


def _typed_value(value: str) -> str:
    """``rfc822; bob@example.org`` -> ``bob@example.org`` (RFC 3464 2.1.2 address-type)."""
    return value.partition(";")[2].strip() if ";" in value else value.strip()


def _recipient(block: dict[str, str]) -> RecipientStatus:
    address = _typed_value(block.get("original-recipient") or block.get("final-recipient") or "")
    action = block.get("action", "").strip().lower()
    status = block.get("status", "").strip()
    diagnostic = block.get("diagnostic-code", "")
    reply = _typed_value(diagnostic) if diagnostic.lower().startswith("smtp;") else ""
    if not reply:
        code = {"2": "250", "4": "451", "5": "550"}.get(status[:1], "250")
        reply = f"{code} {status}".strip()
    return RecipientStatus(address, DELIVERED.get(action, "unknown"), reply)


def _mdn(block: dict[str, str]) -> Report:
    """RFC 8098 3.2.6: ``Disposition: manual-action/MDN-sent-manually; displayed``."""
    disposition = block.get("disposition", "").partition(";")[2].strip().lower()
    original = message_ids_form(block.get("original-message-id", ""))
    recipient = _typed_value(block.get("final-recipient", ""))
    return Report(
        MDN,
        original[0] if original else None,
        [RecipientStatus(recipient, "unknown", "")] if recipient else [],
        displayed=disposition.split("/")[0] == "displayed",
    )


def _returned_message_id(part: MimePart | None) -> str | None:
    if part is None:
        return None
    headers = BytesHeaderParser(policy=compat32).parsebytes(part.content()[0])
    ids = message_ids_form(str(headers.get("Message-ID", "")))
    return ids[0] if ids else None
