"""EmailSubmission (RFC 8621 section 7): sending an Email, undo send and scheduled send.

Creating a submission checks the message against the identity and queues its
delivery (:mod:`jmapcore.services.submissions`); setting ``undoStatus`` to
``canceled`` while it is held cancels it. ``onSuccessUpdateEmail`` and
``onSuccessDestroyEmail`` become one implicit ``Email/set`` after the response.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from django.db.models import Q

from jmapcore.changes.log import ChangeLog
from jmapcore.engine.arguments import Arguments
from jmapcore.engine.capabilities import SUBMISSION
from jmapcore.engine.context import Context
from jmapcore.engine.datatype import Comparator, DataType, FilterTree, Prop
from jmapcore.engine.registry import DATATYPES, register
from jmapcore.models import Account, Email, EmailSubmission, Identity
from jmapcore.protocol.errors import MethodError, SetError, invalid_properties
from jmapcore.protocol.ids import is_valid_id
from jmapcore.protocol.request import Invocation
from jmapcore.services import submissions as service
from transport.outbound.envelope import EnvelopeError, parse_envelope

UNDO_STATUSES = ("pending", "final", "canceled")


def _utc(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _utc_date(value: Any) -> datetime:
    if not isinstance(value, str) or not value.endswith("Z"):
        raise ValueError("must be a UTCDate")
    return datetime.fromisoformat(value[:-1]).replace(tzinfo=UTC)


def _id_list(value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValueError("must be an array of Ids")
    return value


def _undo_status(value: Any) -> str:
    if value not in UNDO_STATUSES:
        raise ValueError(f"must be one of {', '.join(UNDO_STATUSES)}")
    return value


def _patches(args: Arguments, name: str) -> dict[str, Any] | None:
    value = args.object(name)
    for key, patch in (value or {}).items():
        if not is_valid_id(key.removeprefix("#")) or not isinstance(patch, dict):
            raise MethodError(
                "invalidArguments", f"{name} maps EmailSubmission ids to PatchObjects", arguments=[name]
            )
    return value


def _identity_type() -> DataType:
    return DATATYPES["Identity"]


class EmailSubmissionType(DataType):
    name = "EmailSubmission"
    capability = SUBMISSION
    id_prefix = "S"
    properties = (
        Prop("id", server_set=True, immutable=True),
        Prop("identityId", immutable=True),
        Prop("emailId", immutable=True),
        Prop("threadId", server_set=True, immutable=True),
        Prop("envelope", immutable=True),
        Prop("sendAt", server_set=True, immutable=True),
        Prop("undoStatus"),
        Prop("deliveryStatus", server_set=True),
        Prop("dsnBlobIds", server_set=True),
        Prop("mdnBlobIds", server_set=True),
    )
    set_arguments = {"onSuccessUpdateEmail": _patches, "onSuccessDestroyEmail": Arguments.id_list}
    filter_conditions = {
        "identityIds": _id_list,
        "emailIds": _id_list,
        "threadIds": _id_list,
        "undoStatus": _undo_status,
        "before": _utc_date,
        "after": _utc_date,
    }
    # RFC 8621 7.3 names the sort "sentAt"; the property is sendAt, so both are accepted.
    sortable = frozenset({"emailId", "threadId", "sentAt", "sendAt"})

    # ----- reads -----
    def fetch(self, ctx: Context, account: Account, pks: Iterable[int] | None) -> dict[int, EmailSubmission]:
        rows = EmailSubmission.objects.filter(account=account)
        if pks is not None:
            rows = rows.filter(pk__in=list(pks))
        return {submission.pk: submission for submission in rows}

    def to_json(self, ctx: Context, obj: EmailSubmission, properties: list[str]) -> dict[str, Any]:
        values = {
            "id": lambda: self.to_id(obj.pk),
            "identityId": lambda: _identity_type().to_id(obj.identity_id) if obj.identity_id else None,
            "emailId": lambda: obj.email_jmap_id,
            "threadId": lambda: obj.thread_jmap_id,
            "envelope": lambda: obj.envelope,
            "sendAt": lambda: _utc(obj.send_at),
            "undoStatus": lambda: obj.undo_status,
            "deliveryStatus": lambda: obj.delivery_status,
            "dsnBlobIds": lambda: list(obj.dsn_blob_ids),
            "mdnBlobIds": lambda: list(obj.mdn_blob_ids),
        }
        return {name: values[name]() for name in properties}

    def query(
        self, ctx: Context, account: Account, filter: FilterTree | None, sort: list[Comparator], args: dict
    ) -> list[int]:
        rows = EmailSubmission.objects.filter(account=account)
        if filter is not None:
            rows = rows.filter(self._q(ctx, filter))
        found = list(rows.values_list("pk", "email_jmap_id", "thread_jmap_id", "send_at"))
        found.sort(key=lambda row: row[0])
        for comparator in reversed(sort):
            found.sort(key=_sort_key(comparator.property), reverse=not comparator.ascending)
        return [row[0] for row in found]

    def _q(self, ctx: Context, filter: FilterTree) -> Q:
        if "operator" in filter:
            parts = [self._q(ctx, condition) for condition in filter["conditions"]]
            if filter["operator"] == "AND":
                return _all_of(parts)
            return _any_of(parts) if filter["operator"] == "OR" else ~_any_of(parts)
        q = Q()
        for key, value in filter.items():
            if key == "identityIds":
                pks = [_identity_type().to_pk(ctx.resolve_id(v) or v) for v in value]
                q &= Q(identity_id__in=[pk for pk in pks if pk is not None])
            elif key == "emailIds":
                q &= Q(email_jmap_id__in=[ctx.resolve_id(v) or v for v in value])
            elif key == "threadIds":
                q &= Q(thread_jmap_id__in=value)
            elif key == "undoStatus":
                q &= Q(undo_status=value)
            elif key == "before":
                q &= Q(send_at__lt=value)
            elif key == "after":
                q &= Q(send_at__gte=value)
        return q

    # ----- writes -----
    def create(
        self, ctx: Context, log: ChangeLog, account: Account, data: dict[str, Any], args: dict
    ) -> tuple[EmailSubmission, dict]:
        identity = self._identity(ctx, account, data.get("identityId"))
        email = self._email(ctx, account, data.get("emailId"))
        if data.get("undoStatus", "pending") != "pending":
            raise invalid_properties("A new submission is pending", "undoStatus")
        try:
            envelope = parse_envelope(data["envelope"]) if data.get("envelope") is not None else None
        except EnvelopeError as error:
            raise invalid_properties(error.description, "envelope") from None
        ids = (DATATYPES["Email"].to_id(email.pk), DATATYPES["Thread"].to_id(email.thread_id))
        try:
            submitted = service.submission_create(
                log, account, identity, email, ids, envelope, ctx.creation_id
            )
        except service.SubmissionRefused as error:
            raise SetError(error.kind, error.description, **error.extra) from None
        submission = submitted.submission
        args.setdefault("emails", {})[self.to_id(submission.pk)] = submission.email_jmap_id
        return submission, {
            "threadId": submission.thread_jmap_id,
            "sendAt": _utc(submission.send_at),
            "undoStatus": submission.undo_status,
        }

    def _identity(self, ctx: Context, account: Account, value: Any) -> Identity:
        resolved = ctx.resolve_id(value) if isinstance(value, str) else None
        pk = _identity_type().to_pk(resolved) if resolved else None
        identity = Identity.objects.filter(account=account, pk=pk).first() if pk is not None else None
        if identity is None:
            raise invalid_properties("identityId names no Identity of this account", "identityId")
        return identity

    def _email(self, ctx: Context, account: Account, value: Any) -> Email:
        resolved = ctx.resolve_id(value) if isinstance(value, str) else None
        pk = DATATYPES["Email"].to_pk(resolved) if resolved else None
        email = Email.objects.filter(account=account, pk=pk).defer("parsed", "search").first() if pk else None
        if email is None:
            raise invalid_properties("emailId names no Email of this account", "emailId")
        return email

    def update(
        self,
        ctx: Context,
        log: ChangeLog,
        account: Account,
        obj: EmailSubmission,
        changes: dict[str, Any],
        args: dict,
    ) -> dict[str, Any] | None:
        if set(changes) != {"undoStatus"} or changes["undoStatus"] != "canceled":
            raise invalid_properties("Only undoStatus can change, and only to canceled", *changes)
        if not service.submission_cancel(log, obj):
            raise SetError("cannotUnsend", "The message is already on its way")
        args.setdefault("emails", {})[self.to_id(obj.pk)] = obj.email_jmap_id
        return None

    def destroy(
        self, ctx: Context, log: ChangeLog, account: Account, obj: EmailSubmission, args: dict
    ) -> None:
        args.setdefault("emails", {})[self.to_id(obj.pk)] = obj.email_jmap_id
        service.submission_destroy(log, obj)

    # ----- the implicit Email/set -----
    def after_set(self, ctx: Context, account: Account, response: dict[str, Any], args: dict) -> None:
        """RFC 8621 7.5: the emails of the submissions that succeeded, updated or destroyed."""
        succeeded: dict[str, str] = args.get("emails", {})
        update: dict[str, Any] = {}
        for key, patch in (args.get("onSuccessUpdateEmail") or {}).items():
            email_id = succeeded.get(ctx.resolve_id(key) or key)
            if email_id is not None:
                update[email_id] = patch
        destroy = []
        for key in args.get("onSuccessDestroyEmail") or []:
            email_id = succeeded.get(ctx.resolve_id(key) or key)
            if email_id is not None and email_id not in destroy:
                destroy.append(email_id)
        if not update and not destroy:
            return
        from jmapcore.engine.standard import standard_set

        arguments = {"accountId": account.jmap_id, "update": update or None, "destroy": destroy or None}
        try:
            result = Invocation("Email/set", standard_set(ctx, DATATYPES["Email"], arguments), ctx.call_id)
        except MethodError as error:
            result = Invocation("error", error.to_json(), ctx.call_id)
        ctx.extra_responses.append(result)


def _all_of(parts: list[Q]) -> Q:
    combined = Q()
    for part in parts:
        combined &= part
    return combined


def _any_of(parts: list[Q]) -> Q:
    combined = Q(pk__in=[])
    for part in parts:
        combined |= part
    return combined


def _sort_key(property_name: str):
    column = {"emailId": 1, "threadId": 2, "sentAt": 3, "sendAt": 3}[property_name]
    if column == 3:
        return lambda row: row[3]
    # Ids are a letter and a number: compare the numbers, not the digits.
    return lambda row: (len(row[column]), row[column])


EMAIL_SUBMISSION = register(EmailSubmissionType())
