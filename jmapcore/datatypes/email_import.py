"""Email/import and Email/parse (RFC 8621 sections 4.8 and 4.9)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from jmapcore.changes.log import account_write
from jmapcore.engine.arguments import Arguments
from jmapcore.engine.capabilities import MAIL
from jmapcore.engine.context import Context
from jmapcore.engine.registry import method
from jmapcore.engine.savepoint import object_savepoint
from jmapcore.mime.parse import parse_message
from jmapcore.models import Account
from jmapcore.protocol.errors import MethodError, SetError, invalid_properties
from jmapcore.protocol.ids import is_valid_id
from jmapcore.services import emails as service
from jmapcore.services.blobs import blob_open, to_blob_id, to_sha256, visible_blob
from jmapcore.services.messages import PreparedMessage, prepare_stored

from .email import CONVENIENCE, EMAIL, received_at_argument


def _check_import(ctx: Context, account: Account, item: Any) -> tuple[str, dict, list[str], Any]:
    if not isinstance(item, dict):
        raise invalid_properties("An EmailImport must be an object", "blobId")
    unknown = sorted(set(item) - {"blobId", "mailboxIds", "keywords", "receivedAt"})
    if unknown:
        raise invalid_properties("Unknown properties", *unknown)
    blob_id = item.get("blobId")
    resolved = ctx.resolve_id(blob_id) if isinstance(blob_id, str) else None
    if not resolved or visible_blob(account, resolved) is None:
        raise invalid_properties("blobId names no blob of this account", "blobId")
    if not isinstance(item.get("mailboxIds"), dict):
        raise invalid_properties("mailboxIds is required", "mailboxIds")
    keywords = EMAIL.keywords(item.get("keywords") or {})
    return (
        to_sha256(resolved) or "",
        item["mailboxIds"],
        keywords,
        received_at_argument(item.get("receivedAt")),
    )


@method("Email/import", MAIL)
def email_import(ctx: Context, raw: dict[str, Any]) -> dict[str, Any]:
    args = Arguments(raw)
    account = ctx.account(args.any("accountId"), MAIL)
    if_in_state = args.string("ifInState")
    emails = args.object("emails")
    args.finish()
    if emails is None:
        raise MethodError("invalidArguments", "emails is required", arguments=["emails"])
    not_created: dict[str, Any] = {}
    ready: dict[str, tuple[PreparedMessage, dict, list[str], Any]] = {}
    for creation_id, item in emails.items():
        try:
            sha256, mailbox_ids, keywords, received_at = _check_import(ctx, account, item)
            ready[creation_id] = (prepare_stored(sha256), mailbox_ids, keywords, received_at)
        except SetError as error:
            not_created[creation_id] = error.to_json()
    created: dict[str, Any] = {}
    with account_write(account.pk) as log:
        old_state = log.state_of("Email")
        if if_in_state is not None and if_in_state != old_state:
            raise MethodError("stateMismatch", f"The Email state is {old_state}")
        for creation_id, (prepared, mailbox_ids, keywords, received_at) in ready.items():
            try:
                with object_savepoint(log, EMAIL):
                    mailboxes = EMAIL.mailboxes(ctx, account, mailbox_ids)
                    when = received_at or prepared.last_received or timezone.now()
                    email = service.email_create(log, account, prepared.fields, mailboxes, keywords, when)
            except SetError as error:
                not_created[creation_id] = error.to_json()
                continue
            created[creation_id] = {
                "id": EMAIL.to_id(email.pk),
                "blobId": to_blob_id(email.blob_id),
                "threadId": f"T{email.thread_id}",
                "size": email.size,
            }
            ctx.created_ids[creation_id] = created[creation_id]["id"]
        log.flush()
        new_state = log.state_of("Email")
    return {
        "accountId": account.jmap_id,
        "oldState": old_state,
        "newState": new_state,
        "created": created or None,
        "notCreated": not_created or None,
    }


# RFC 8621 4.9: these are null for a message that is not in the store.
NOT_STORED = ("id", "mailboxIds", "keywords", "receivedAt", "threadId")
PARSE_DEFAULT = [
    *CONVENIENCE,
    "hasAttachment",
    "preview",
    "bodyValues",
    "textBody",
    "htmlBody",
    "attachments",
]


@method("Email/parse", MAIL)
def email_parse(ctx: Context, raw: dict[str, Any]) -> dict[str, Any]:
    from jmapcore.mail.derive import email_fields
    from jmapcore.models import Email

    args = Arguments(raw)
    account = ctx.account(args.any("accountId"), MAIL)
    blob_ids = args.id_list("blobIds")
    properties = args.string_list("properties") or PARSE_DEFAULT
    extra = {name: read(args, name) for name, read in EMAIL.get_arguments.items()}
    args.finish()
    if blob_ids is None:
        raise MethodError("invalidArguments", "blobIds is required", arguments=["blobIds"])
    unknown = [name for name in properties if EMAIL.prop(name) is None]
    if unknown:
        raise MethodError(
            "invalidArguments", f"Unknown properties: {', '.join(unknown)}", arguments=["properties"]
        )
    parsed: dict[str, Any] = {}
    not_found: list[str] = []
    for given in dict.fromkeys(blob_ids):
        blob_id = ctx.resolve_id(given) or given
        sha256 = to_sha256(blob_id) if is_valid_id(blob_id) else None
        if sha256 is None or visible_blob(account, blob_id) is None:
            not_found.append(given)
            continue
        with blob_open(sha256) as handle:
            message = parse_message(handle.read())
        fields = email_fields(sha256, message)
        probe = Email(
            pk=0,
            account=account,
            blob_id=sha256,
            size=fields.size,
            summary=fields.summary,
            parsed=fields.parsed,
            keywords=[],
        )
        probe.preview, probe.has_attachment, probe.thread_id = fields.preview, fields.has_attachment, None
        shaped = EMAIL.to_json_many(ctx, [probe], [p for p in properties if p not in NOT_STORED], extra)[0]
        parsed[blob_id] = {name: shaped.get(name) for name in properties}
    return {
        "accountId": account.jmap_id,
        "parsed": parsed or None,
        "notParsable": None,
        "notFound": not_found or None,
    }
