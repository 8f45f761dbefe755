"""PushSubscription/get and /set (RFC 8620 section 7.2).

Subscriptions belong to the user, not to an account: there is no accountId and no
state, so the generic engine does not fit; the rules it applies elsewhere (unknown
and server-set properties, PatchObject, per-object SetErrors) are applied here.
The push worker (jmapcore/push/worker.py) sends the PushVerification and, once the
client has echoed the code, the StateChanges.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings

from jmapcore.engine.arguments import Arguments
from jmapcore.engine.capabilities import CORE
from jmapcore.engine.context import Context
from jmapcore.engine.registry import method
from jmapcore.models import PushSubscription
from jmapcore.protocol.errors import MethodError, SetError, invalid_properties
from jmapcore.protocol.patch import PatchError, apply_patch
from jmapcore.push import subscriptions as service

PROPERTIES = ("id", "deviceClientId", "url", "keys", "verificationCode", "expires", "types")
PRIVATE = frozenset({"url", "keys"})  # never returned by /get
IMMUTABLE = frozenset({"id", "deviceClientId", "url", "keys"})
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
MAX_URL_LENGTH = 2000
UTC_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")


# ----------------------------------------------------------------- values


def to_utc_date(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def to_json(subscription: PushSubscription, properties: list[str]) -> dict[str, Any]:
    keys = {"p256dh": subscription.p256dh, "auth": subscription.auth} if subscription.p256dh else None
    values = {
        "id": subscription.jmap_id,
        "deviceClientId": subscription.device_client_id,
        "url": subscription.url,
        "keys": keys,
        "verificationCode": subscription.verification_code if subscription.verified else None,
        "expires": to_utc_date(subscription.expires),
        "types": subscription.types,
    }
    return {name: values[name] for name in properties}


def _pk(jmap_id: str | None) -> int | None:
    if jmap_id and jmap_id.startswith("P") and jmap_id[1:].isdigit() and len(jmap_id) < 19:
        return int(jmap_id[1:])
    return None


def _url(value: Any) -> str:
    if not isinstance(value, str) or len(value) > MAX_URL_LENGTH:
        raise invalid_properties("url must be an absolute https:// URL", "url")
    parts = urlsplit(value)
    # Plain http only to this machine and only for a site not served over https: a test receiver.
    loopback = parts.scheme == "http" and parts.hostname in LOOPBACK_HOSTS and not settings.SECURE
    if not parts.hostname or not (parts.scheme == "https" or loopback):
        raise invalid_properties("url must be an absolute https:// URL", "url")
    return value


def _decode_key(value: Any) -> bytes:
    if not isinstance(value, str):
        raise ValueError
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))


def _keys(value: Any) -> tuple[str, str] | None:
    """RFC 8291 keys: a P-256 public point and a 16-octet secret, URL-safe base64."""
    if value is None:
        return None
    if not isinstance(value, dict) or set(value) != {"p256dh", "auth"}:
        raise invalid_properties("keys must be null or an object with p256dh and auth", "keys")
    try:
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), _decode_key(value["p256dh"]))
        valid = len(_decode_key(value["auth"])) == 16
    except (ValueError, binascii.Error):
        valid = False
    if not valid:
        raise invalid_properties("keys must hold a P-256 public key and a 16-octet auth secret", "keys")
    return value["p256dh"], value["auth"]


def _expires(value: Any) -> tuple[datetime, bool]:
    """The expiry to store, and whether it differs from what the client asked for."""
    limit = service.max_expiry()
    if value is None:
        return limit, True
    if not isinstance(value, str) or not UTC_DATE.match(value):
        raise invalid_properties("expires must be a UTCDate", "expires")
    try:
        wanted = datetime.fromisoformat(value).astimezone(UTC)
    except ValueError:
        raise invalid_properties("expires must be a UTCDate", "expires") from None
    if wanted <= datetime.now(UTC):
        raise invalid_properties("expires must be in the future", "expires")
    return (limit, True) if wanted > limit else (wanted, False)


def _types(value: Any) -> list[str] | None:
    if value is None or (isinstance(value, list) and all(isinstance(name, str) for name in value)):
        return value
    raise invalid_properties("types must be null or an array of type names", "types")


def _check_names(names: list[str]) -> None:
    unknown = [name for name in names if name not in PROPERTIES]
    if unknown:
        raise SetError("invalidProperties", f"Unknown properties: {', '.join(unknown)}", unknown)


# ----------------------------------------------------------------- /get


def _get_properties(requested: list[str] | None) -> list[str]:
    if requested is None:
        return [name for name in PROPERTIES if name not in PRIVATE]
    unknown = [name for name in requested if name not in PROPERTIES]
    if unknown:
        raise MethodError(
            "invalidArguments", f"Unknown properties: {', '.join(unknown)}", arguments=["properties"]
        )
    if PRIVATE & set(requested):
        raise MethodError("forbidden", "url and keys are never returned")
    return ["id", *(name for name in dict.fromkeys(requested) if name != "id")]


@method("PushSubscription/get", CORE)
def push_subscription_get(ctx: Context, raw: dict[str, Any]) -> dict[str, Any]:
    args = Arguments(raw)
    ids = args.id_list("ids")
    properties = _get_properties(args.string_list("properties"))
    args.finish()
    if ids is not None and len(ids) > settings.JMAP_MAX_OBJECTS_IN_GET:
        raise MethodError("requestTooLarge", f"At most {settings.JMAP_MAX_OBJECTS_IN_GET} ids per /get")
    mine = service.live_subscriptions(ctx.user)
    if ids is None:
        return {"list": [to_json(s, properties) for s in mine.values()], "notFound": []}
    found, not_found = [], []
    for given in dict.fromkeys(ids):
        shown = ctx.resolve_id(given) or given
        subscription = mine.get(_pk(shown))  # type: ignore[arg-type]
        if subscription is None:
            not_found.append(shown)
        else:
            found.append(to_json(subscription, properties))
    return {"list": found, "notFound": not_found}


# ----------------------------------------------------------------- /set


@dataclass
class SetResult:
    created: dict[str, Any]
    updated: dict[str, Any]
    destroyed: list[str]
    not_created: dict[str, Any]
    not_updated: dict[str, Any]
    not_destroyed: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {
            "created": self.created or None,
            "updated": self.updated or None,
            "destroyed": self.destroyed or None,
            "notCreated": self.not_created or None,
            "notUpdated": self.not_updated or None,
            "notDestroyed": self.not_destroyed or None,
        }


@method("PushSubscription/set", CORE)
def push_subscription_set(ctx: Context, raw: dict[str, Any]) -> dict[str, Any]:
    args = Arguments(raw)
    create = args.object("create") or {}
    update = args.object("update") or {}
    destroy = args.id_list("destroy") or []
    args.finish()
    if len(create) + len(update) + len(destroy) > settings.JMAP_MAX_OBJECTS_IN_SET:
        raise MethodError("requestTooLarge", f"At most {settings.JMAP_MAX_OBJECTS_IN_SET} objects per /set")
    result = SetResult({}, {}, [], {}, {}, {})
    for creation_id, data in create.items():
        try:
            result.created[creation_id] = _create(ctx, data)
            ctx.created_ids[creation_id] = result.created[creation_id]["id"]
        except SetError as error:
            result.not_created[creation_id] = error.to_json()
    for given, patch in update.items():
        shown = ctx.resolve_id(given) or given
        try:
            result.updated[shown] = _update(_find(ctx, shown), patch)
        except SetError as error:
            result.not_updated[shown] = error.to_json()
    for given in dict.fromkeys(destroy):
        shown = ctx.resolve_id(given) or given
        try:
            service.subscription_destroy(_find(ctx, shown))
            result.destroyed.append(shown)
        except SetError as error:
            result.not_destroyed[shown] = error.to_json()
    return result.to_json()


def _find(ctx: Context, jmap_id: str) -> PushSubscription:
    subscription = service.live_subscriptions(ctx.user).get(_pk(jmap_id))  # type: ignore[arg-type]
    if subscription is None:
        raise SetError("notFound", f"No PushSubscription with id {jmap_id!r}")
    return subscription


def _create(ctx: Context, data: Any) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise SetError("invalidProperties", "A created object must be a JSON object")
    _check_names(list(data))
    if "id" in data:
        raise invalid_properties("id is set by the server", "id")
    if data.get("verificationCode") is not None:
        raise invalid_properties("verificationCode must be null on create", "verificationCode")
    device = data.get("deviceClientId")
    if not isinstance(device, str) or not device or len(device) > 255:
        raise invalid_properties("deviceClientId must be a non-empty string", "deviceClientId")
    url, keys, types = _url(data.get("url")), _keys(data.get("keys")), _types(data.get("types"))
    expires, clamped = _expires(data.get("expires"))
    if len(service.live_subscriptions(ctx.user)) >= service.MAX_PER_USER:
        raise SetError("overQuota", f"At most {service.MAX_PER_USER} push subscriptions per user")
    subscription = service.subscription_create(
        ctx.user, device_client_id=device, url=url, keys=keys, expires=expires, types=types
    )
    # Besides the id, what the server chose: defaults for omitted properties, a clamped expiry.
    reported: dict[str, Any] = {"id": subscription.jmap_id}
    reported.update({name: None for name in ("keys", "verificationCode", "types") if name not in data})
    if clamped:
        reported["expires"] = to_utc_date(expires)
    return reported


def _update(subscription: PushSubscription, patch: Any) -> dict[str, Any] | None:
    if not isinstance(patch, dict):
        raise SetError("invalidPatch", "A PatchObject must be a JSON object")
    _check_names([path.split("/", 1)[0] for path in patch])
    current = to_json(subscription, list(PROPERTIES))
    try:
        wanted = apply_patch(current, patch)
    except PatchError as error:
        raise SetError("invalidPatch", str(error)) from None
    changes = {name: value for name, value in wanted.items() if value != current[name]}
    forbidden = sorted(IMMUTABLE & set(changes))
    if forbidden:
        raise SetError("invalidProperties", "These properties cannot be changed", forbidden)
    verify = "verificationCode" in changes
    code = changes.get("verificationCode")
    expected = subscription.verification_code.encode()
    if verify and not (isinstance(code, str) and hmac.compare_digest(code.encode(), expected)):
        raise invalid_properties("Wrong verification code", "verificationCode")
    expires, clamped = _expires(changes["expires"]) if "expires" in changes else (None, False)
    types = _types(changes.get("types"))
    service.subscription_update(
        subscription, verify=verify, expires=expires, types=types, set_types="types" in changes
    )
    return {"expires": to_utc_date(expires)} if clamped and expires else None
