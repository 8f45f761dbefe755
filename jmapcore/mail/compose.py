"""Email/set create: build the message from JMAP properties, store it, file it."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from jmapcore.changes.log import ChangeLog
from jmapcore.engine.context import Context
from jmapcore.mime.build import BlobNotFound, BuildError, build_message
from jmapcore.mime.parse import part_content
from jmapcore.models import Account, Email
from jmapcore.protocol.errors import SetError
from jmapcore.services import emails as service
from jmapcore.services.blobs import (
    blob_open,
    blob_store_bytes,
    parse_part_blob_id,
    to_blob_id,
    to_sha256,
    visible_blob,
)
from jmapcore.services.messages import prepare_raw

METADATA = ("mailboxIds", "keywords", "receivedAt")


def blob_loader(ctx: Context, account: Account):
    """Bytes of a blob the account can see (an upload, a message, or one part of a message)."""

    def load(given: str) -> bytes | None:
        blob_id = ctx.resolve_id(given) or given
        part = parse_part_blob_id(blob_id)
        sha256 = part[0] if part else to_sha256(blob_id)
        if sha256 is None or visible_blob(account, to_blob_id(sha256)) is None:
            return None
        with blob_open(sha256) as handle:
            raw = handle.read()
        if part is None:
            return raw
        content = part_content(raw, part[1])
        return content[0] if content else None

    return load


def email_from_properties(
    ctx: Context, log: ChangeLog, account: Account, data: dict[str, Any], datatype: Any
) -> tuple[Email, dict[str, Any]]:
    from jmapcore.datatypes.email import received_at_argument

    if "mailboxIds" not in data:
        raise SetError("invalidProperties", "An Email needs mailboxIds", ["mailboxIds"])
    mailboxes = datatype.mailboxes(ctx, account, data["mailboxIds"])
    keywords = datatype.keywords(data.get("keywords"))
    received_at = received_at_argument(data.get("receivedAt")) or timezone.now()
    message = {key: value for key, value in data.items() if key not in METADATA}
    try:
        raw = build_message(message, blob_loader(ctx, account), timezone.now())
    except BuildError as error:
        raise SetError("invalidProperties", str(error), list(error.properties)) from None
    except BlobNotFound as error:
        raise SetError("blobNotFound", "Unknown blob ids", notFound=list(error.blob_ids)) from None
    stored = blob_store_bytes(account, raw, "message/rfc822")
    sha256 = to_sha256(stored.blob_id) or ""
    email = service.email_create(
        log, account, prepare_raw(sha256, raw).fields, mailboxes, keywords, received_at
    )
    return email, {"blobId": stored.blob_id, "threadId": f"T{email.thread_id}", "size": email.size}
