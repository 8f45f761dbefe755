"""Identity (RFC 8621 section 6): the From addresses an account may send with, and signatures."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from jmapcore.changes.log import ChangeLog
from jmapcore.engine.capabilities import SUBMISSION
from jmapcore.engine.context import Context
from jmapcore.engine.datatype import DataType, Prop
from jmapcore.engine.registry import register
from jmapcore.models import Account, Identity
from jmapcore.protocol.errors import SetError, invalid_properties
from jmapcore.selectors.addresses import may_send_as
from jmapcore.services import identities as service

# JMAP property -> model field, for the properties a client may set.
FIELDS = {
    "name": "name",
    "email": "email",
    "replyTo": "reply_to",
    "bcc": "bcc",
    "textSignature": "text_signature",
    "htmlSignature": "html_signature",
}
MAX_TEXT = 10_000  # a signature longer than this is a mistake, not a signature


def _string(value: Any, prop: str, limit: int = MAX_TEXT) -> str:
    if not isinstance(value, str):
        raise invalid_properties(f"{prop} must be a String", prop)
    if len(value) > limit:
        raise invalid_properties(f"{prop} is longer than {limit} characters", prop)
    return value


def _email_addresses(value: Any, prop: str) -> list[dict[str, Any]] | None:
    """``EmailAddress[]|null`` (RFC 8621 4.1.2.3): each ``{name: String|null, email: String}``."""
    if value is None:
        return None
    if not isinstance(value, list):
        raise invalid_properties(f"{prop} must be null or an array of EmailAddress", prop)
    addresses = []
    for entry in value:
        if not isinstance(entry, dict) or set(entry) - {"name", "email"}:
            raise invalid_properties(f"{prop} entries are EmailAddress objects (name, email)", prop)
        name, email = entry.get("name"), entry.get("email")
        if (name is not None and not isinstance(name, str)) or not isinstance(email, str) or "@" not in email:
            raise invalid_properties(f"{prop} entries need an email and a String or null name", prop)
        addresses.append({"name": name, "email": email})
    return addresses


def _clean(changes: dict[str, Any]) -> dict[str, Any]:
    """Model fields from validated client values."""
    fields: dict[str, Any] = {}
    for prop, value in changes.items():
        if prop in ("replyTo", "bcc"):
            fields[FIELDS[prop]] = _email_addresses(value, prop)
        elif prop == "name":
            fields["name"] = _string(value, prop, limit=200)
        elif prop in ("textSignature", "htmlSignature"):
            fields[FIELDS[prop]] = _string(value, prop)
    return fields


def _sendable_email(account: Account, value: Any) -> str:
    email = _string(value, "email", limit=320).strip()
    local, at, domain = email.rpartition("@")
    if not at or not local or not domain:
        raise invalid_properties("email must be an address", "email")
    if not may_send_as(account, email):
        raise SetError(
            "forbiddenFrom",
            f"{email} is not an address of this account (its own address, an alias, or *@ a catch-all domain)",
        )
    return f"{local}@{domain.lower()}"


class IdentityType(DataType):
    name = "Identity"
    capability = SUBMISSION
    id_prefix = "I"
    methods = ("get", "changes", "set")
    properties = (
        Prop("id", server_set=True, immutable=True),
        Prop("name"),
        Prop("email", immutable=True),
        Prop("replyTo"),
        Prop("bcc"),
        Prop("textSignature"),
        Prop("htmlSignature"),
        Prop("mayDelete", server_set=True),
    )

    def fetch(self, ctx: Context, account: Account, pks: Iterable[int] | None) -> dict[int, Identity]:
        rows = Identity.objects.filter(account=account).order_by("id")
        if pks is not None:
            rows = rows.filter(pk__in=list(pks))
        return {identity.pk: identity for identity in rows}

    def to_json(self, ctx: Context, obj: Identity, properties: list[str]) -> dict[str, Any]:
        values = {
            "id": lambda: self.to_id(obj.pk),
            "name": lambda: obj.name,
            "email": lambda: obj.email,
            "replyTo": lambda: obj.reply_to,
            "bcc": lambda: obj.bcc,
            "textSignature": lambda: obj.text_signature,
            "htmlSignature": lambda: obj.html_signature,
            "mayDelete": lambda: obj.may_delete,
        }
        return {name: values[name]() for name in properties}

    def create(
        self, ctx: Context, log: ChangeLog, account: Account, data: dict[str, Any], args: dict
    ) -> tuple[Identity, dict]:
        if "email" not in data:
            raise invalid_properties("email is required", "email")
        fields = _clean(data)
        fields["email"] = _sendable_email(account, data["email"])
        identity = service.identity_create(log, account, **fields, may_delete=True)
        defaults = {prop: self.to_json(ctx, identity, [prop])[prop] for prop in FIELDS if prop not in data}
        return identity, {**defaults, "mayDelete": True}

    def update(
        self,
        ctx: Context,
        log: ChangeLog,
        account: Account,
        obj: Identity,
        changes: dict[str, Any],
        args: dict,
    ) -> dict[str, Any] | None:
        fields = _clean(changes)
        if fields:
            service.identity_update(log, obj, **fields)
        return None

    def destroy(self, ctx: Context, log: ChangeLog, account: Account, obj: Identity, args: dict) -> None:
        if not obj.may_delete:
            raise SetError("forbidden", "This identity is the account's own address; it cannot be deleted")
        service.identity_destroy(log, obj)


register(IdentityType())
