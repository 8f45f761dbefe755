"""Email (RFC 8621 section 4): get, changes, set (keywords, mailboxIds, destroy), import.

Everything a list view needs is stored at delivery (columns and one JSON document per
email), so ``Email/get`` of list properties reads no blob; body values are decoded
from the raw message only when asked for.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import OuterRef

from jmapcore.changes.log import ChangeLog
from jmapcore.engine.arguments import Arguments
from jmapcore.engine.capabilities import MAIL
from jmapcore.engine.context import Context
from jmapcore.engine.datatype import DataType, Prop
from jmapcore.engine.registry import register
from jmapcore.mail import bodies, headers
from jmapcore.mail.derive import SUMMARY_PROPERTIES
from jmapcore.mail.keywords import is_valid_keyword, normalise
from jmapcore.models import Account, Email, EmailMailbox, Mailbox
from jmapcore.protocol.errors import MethodError, SetError, invalid_properties
from jmapcore.services import emails as service
from jmapcore.services.blobs import blob_copy, to_blob_id
from jmapcore.services.messages import prepare_stored

METADATA = ("id", "blobId", "threadId", "mailboxIds", "keywords", "size", "receivedAt")
CONVENIENCE = SUMMARY_PROPERTIES  # the header properties list views ask for
BODY = ("hasAttachment", "preview", "bodyStructure", "bodyValues", "textBody", "htmlBody", "attachments")
DEFAULT_PROPERTIES = [*METADATA, *CONVENIENCE, *BODY[:2], "bodyValues", "textBody", "htmlBody", "attachments"]
SETTABLE = {"mailboxIds", "keywords"}
CREATE_ONLY = {"receivedAt"}  # RFC 8621 4.1.1: immutable, defaults to the time of creation
NEEDS_PARSED = {"headers", "bodyStructure", "textBody", "htmlBody", "attachments", "bodyValues"}


def _load_parsed(emails: list[Email]) -> None:
    """The parsed documents of many emails in one query (fetch() defers them)."""
    missing = [email for email in emails if "parsed" in email.get_deferred_fields()]
    if missing:
        documents = dict(Email.objects.filter(pk__in=[e.pk for e in missing]).values_list("pk", "parsed"))
        for email in missing:
            email.parsed = documents.get(email.pk, {})


def _utc(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class EmailType(DataType):
    name = "Email"
    capability = MAIL
    id_prefix = "E"
    methods = ("get", "changes", "set", "copy")
    properties = (
        *(
            Prop(name, server_set=name not in SETTABLE | CREATE_ONLY, immutable=name not in SETTABLE)
            for name in METADATA
        ),
        *(Prop(name, immutable=True) for name in (*CONVENIENCE, *BODY, "headers")),
    )
    get_arguments = {
        "bodyProperties": Arguments.string_list,
        "fetchTextBodyValues": Arguments.boolean,
        "fetchHTMLBodyValues": Arguments.boolean,
        "fetchAllBodyValues": Arguments.boolean,
        "maxBodyValueBytes": lambda args, name: args.integer(name, default=0, minimum=0),
    }

    def prop(self, name: str) -> Prop | None:
        if name.startswith("header:"):
            return Prop(name, immutable=True) if headers.parse_property(name) else None
        return super().prop(name)

    # ----- reads -----
    def default_properties(self, extra: dict) -> list[str]:
        return list(DEFAULT_PROPERTIES)

    def fetch(self, ctx: Context, account: Account, pks: Iterable[int] | None) -> dict[int, Email]:
        if pks is None:
            raise MethodError("requestTooLarge", "Email/get needs ids; use Email/query to list emails")
        # The search vector is for queries; the parsed document is loaded by to_json_many
        # only when a body or header property is asked for (list views never need it).
        # The mailboxes come with the rows: a list page is one query, not two.
        memberships = EmailMailbox.objects.filter(email_id=OuterRef("pk")).values("mailbox_id")
        rows = (
            Email.objects.filter(account=account, pk__in=list(pks))
            .defer("search", "parsed")
            .annotate(mailbox_list=ArraySubquery(memberships))
        )
        return {email.pk: email for email in rows}

    def fetch_for_write(self, ctx: Context, account: Account, pks: Iterable[int]) -> dict[int, Email]:
        # Keywords and mailboxes change; the parsed message and its index are never read here.
        rows = Email.objects.filter(account=account, pk__in=list(pks)).defer("parsed", "search")
        return {email.pk: email for email in rows}

    def to_json(self, ctx: Context, obj: Email, properties: list[str]) -> dict[str, Any]:
        return self.to_json_many(ctx, [obj], properties, {})[0]

    def to_json_many(
        self, ctx: Context, objects: list[Email], properties: list[str], extra: dict
    ) -> list[dict]:
        for name in properties:
            if name.startswith("header:") and not headers.parse_property(name):
                raise MethodError(
                    "invalidArguments", f"Invalid header property {name!r}", arguments=["properties"]
                )
        body_properties = extra.get("bodyProperties") or list(bodies.DEFAULT_BODY_PROPERTIES)
        if not bodies.valid_body_properties(body_properties):
            raise MethodError("invalidArguments", "Invalid bodyProperties", arguments=["bodyProperties"])
        mailboxes = self._mailbox_ids(objects) if "mailboxIds" in properties else {}
        if any(name in NEEDS_PARSED or name.startswith("header:") for name in properties):
            _load_parsed(objects)
        return [self._one(obj, properties, body_properties, mailboxes, extra) for obj in objects]

    @staticmethod
    def _mailbox_ids(objects: list[Email]) -> dict[int, dict[str, bool]]:
        if all(hasattr(email, "mailbox_list") for email in objects):  # read along with the rows
            return {email.pk: {f"M{pk}": True for pk in email.mailbox_list} for email in objects}
        result: dict[int, dict[str, bool]] = defaultdict(dict)
        for email_id, mailbox_id in EmailMailbox.objects.filter(
            email_id__in=[email.pk for email in objects]
        ).values_list("email_id", "mailbox_id"):
            result[email_id][f"M{mailbox_id}"] = True
        return result

    def _one(
        self, email: Email, properties: list[str], body_properties: list[str], mailboxes: dict, extra: dict
    ) -> dict:
        out: dict[str, Any] = {}
        for name in properties:
            if name == "id":
                out[name] = self.to_id(email.pk)
            elif name == "blobId":
                out[name] = to_blob_id(email.blob_id)
            elif name == "threadId":
                out[name] = f"T{email.thread_id}"
            elif name == "mailboxIds":
                out[name] = mailboxes.get(email.pk, {})
            elif name == "keywords":
                out[name] = dict.fromkeys(email.keywords, True)
            elif name == "size":
                out[name] = email.size
            elif name == "receivedAt":
                out[name] = _utc(email.received_at)
            elif name == "hasAttachment":
                out[name] = email.has_attachment
            elif name == "preview":
                out[name] = email.preview
            elif name == "headers":
                out[name] = email.parsed.get("headers", [])
            elif name.startswith("header:"):
                out[name] = headers.value_for_property(email.parsed.get("headers", []), name)
            elif name in ("bodyStructure", "textBody", "htmlBody", "attachments"):
                out[name] = bodies.shape(email.parsed.get(name), email.blob_id, body_properties)
            elif name != "bodyValues":
                out[name] = email.summary.get(name)
        if "bodyValues" in properties:
            out["bodyValues"] = bodies.values_for(email, extra)
        return out

    # ----- writes -----
    def update_many(
        self, ctx: Context, log: ChangeLog, account: Account, items: list[tuple[str, Email, dict]], args: dict
    ) -> dict[str, dict[str, Any] | SetError | None]:
        """Validate every change first, then write them all at once: marking 100 emails read
        is a handful of statements, not a savepoint and counter updates per email."""
        results: dict[str, dict[str, Any] | SetError | None] = {}
        known = self._mailboxes_named(ctx, account, [c.get("mailboxIds") for _, _, c in items])
        valid = []
        for jmap_id, email, changes in items:
            try:
                change = service.EmailChange(email)
                if "mailboxIds" in changes:
                    change.mailbox_ids = {
                        m.pk for m in self.mailboxes(ctx, account, changes["mailboxIds"], known)
                    }
                if "keywords" in changes:
                    change.keywords = self.keywords(changes["keywords"])
            except SetError as error:
                results[jmap_id] = error
                continue
            valid.append(change)
            results[jmap_id] = None
        service.emails_change(log, valid)
        return results

    def destroy_many(
        self, ctx: Context, log: ChangeLog, account: Account, items: list[tuple[str, Email]], args: dict
    ) -> dict[str, SetError | None]:
        service.emails_destroy(log, account, [email for _, email in items])
        return dict.fromkeys((jmap_id for jmap_id, _ in items), None)

    @staticmethod
    def keywords(value: Any) -> list[str]:
        if value is None:
            return []
        if not isinstance(value, dict) or not all(
            is_valid_keyword(k) and v is True for k, v in value.items()
        ):
            raise invalid_properties("keywords must map valid keywords to true", "keywords")
        return normalise(value)

    @staticmethod
    def _mailbox_pks(ctx: Context, value: Any) -> list[int]:
        if not isinstance(value, dict) or not value or not all(v is True for v in value.values()):
            raise invalid_properties("mailboxIds must map at least one Mailbox id to true", "mailboxIds")
        pks = []
        for given in value:
            resolved = ctx.resolve_id(given) or ""
            if not resolved.startswith("M") or not resolved[1:].isdigit():
                raise invalid_properties(f"Unknown Mailbox {given!r}", "mailboxIds")
            pks.append(int(resolved[1:]))
        return pks

    def _mailboxes_named(self, ctx: Context, account: Account, values: list[Any]) -> dict[int, Mailbox]:
        """One query for the mailboxes that several ``mailboxIds`` values name."""
        pks: set[int] = set()
        for value in values:
            try:
                pks.update(self._mailbox_pks(ctx, value))
            except SetError:
                continue  # reported for that email by mailboxes()
        return {m.pk: m for m in Mailbox.objects.filter(account=account, pk__in=pks)} if pks else {}

    def mailboxes(
        self, ctx: Context, account: Account, value: Any, known: dict[int, Mailbox] | None = None
    ) -> list[Mailbox]:
        pks = self._mailbox_pks(ctx, value)
        if known is None:
            known = self._mailboxes_named(ctx, account, [value])
        if not all(pk in known for pk in pks):
            raise invalid_properties("mailboxIds names a Mailbox that does not exist", "mailboxIds")
        return sorted({known[pk] for pk in pks}, key=lambda mailbox: mailbox.pk)

    def copy(
        self,
        ctx: Context,
        log: ChangeLog,
        from_account: Account,
        account: Account,
        original: Email,
        overrides: dict,
    ) -> tuple[Email, dict]:
        """RFC 8621 4.7: only mailboxIds, keywords and receivedAt may be given; the message is the same."""
        others = sorted(set(overrides) - {"mailboxIds", "keywords", "receivedAt"})
        if others or "mailboxIds" not in overrides:
            raise invalid_properties(
                "A copy takes mailboxIds, and may take keywords and receivedAt", *others or ["mailboxIds"]
            )
        mailboxes = self.mailboxes(ctx, account, overrides["mailboxIds"])
        keywords = self.keywords(overrides["keywords"]) if "keywords" in overrides else original.keywords
        received_at = received_at_argument(overrides.get("receivedAt")) or original.received_at
        blob_copy(from_account, account, [to_blob_id(original.blob_id)])
        fields = prepare_stored(original.blob_id).fields
        email = service.email_create(log, account, fields, mailboxes, keywords, received_at)
        return email, {
            "blobId": to_blob_id(email.blob_id),
            "threadId": f"T{email.thread_id}",
            "size": email.size,
        }

    def create(
        self, ctx: Context, log: ChangeLog, account: Account, data: dict, args: dict
    ) -> tuple[Email, dict]:
        from jmapcore.mail.compose import email_from_properties

        return email_from_properties(ctx, log, account, data, self)


EMAIL = register(EmailType())


def received_at_argument(value: Any) -> datetime | None:
    """A UTCDate argument ("2014-10-30T14:12:00Z"), or SetError invalidProperties."""
    if value is None:
        return None
    if not isinstance(value, str) or not value.endswith("Z"):
        raise SetError("invalidProperties", "receivedAt must be a UTCDate", ["receivedAt"])
    try:
        return datetime.fromisoformat(value[:-1]).replace(tzinfo=UTC)
    except ValueError:
        raise SetError("invalidProperties", "receivedAt must be a UTCDate", ["receivedAt"]) from None
