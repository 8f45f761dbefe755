"""PushSubscription (RFC 8620 section 7.2): the methods, and Web Push delivery by the push worker."""

from __future__ import annotations

import base64
import json
import os
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import http_ece
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import Vapid02

from tests.conftest import CORE, JmapClient

from .helpers import Delivery, PushReceiver, create_mailbox


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


class Device:
    """A browser's side of RFC 8291: its key pair and auth secret."""

    def __init__(self) -> None:
        self.private_key = ec.generate_private_key(ec.SECP256R1())
        self.auth = os.urandom(16)

    def keys(self) -> dict[str, str]:
        public = self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return {"p256dh": b64url(public), "auth": b64url(self.auth)}

    def decrypt(self, delivery: Delivery) -> Any:
        assert delivery.headers["content-encoding"] == "aes128gcm"
        plain = http_ece.decrypt(
            delivery.body, private_key=self.private_key, auth_secret=self.auth, version="aes128gcm"
        )
        return json.loads(plain)


def call(jmap: JmapClient, name: str, arguments: dict[str, Any]) -> list[Any]:
    """One call without accountId (push subscriptions belong to the user)."""
    return jmap.request([[name, arguments, "0"]], using=[CORE])["methodResponses"][0]


def set_(jmap: JmapClient, arguments: dict[str, Any]) -> dict[str, Any]:
    name, result, _ = call(jmap, "PushSubscription/set", arguments)
    assert name == "PushSubscription/set", result
    return result


def get(jmap: JmapClient, **arguments: Any) -> dict[str, Any]:
    name, result, _ = call(jmap, "PushSubscription/get", arguments)
    assert name == "PushSubscription/get", result
    return result


def create(jmap: JmapClient, **properties: Any) -> dict[str, Any]:
    result = set_(jmap, {"create": {"new": {"deviceClientId": "device-1", **properties}}})
    assert result["created"], result
    return result["created"]["new"]


def subscribe(jmap: JmapClient, receiver: PushReceiver, path: str, **properties: Any) -> str:
    """Create a plain (unencrypted) subscription and verify it the way a client does."""
    subscription_id = create(jmap, url=receiver.url + path, **properties)["id"]
    verification = json.loads(receiver.next().body)
    updated = set_(
        jmap, {"update": {subscription_id: {"verificationCode": verification["verificationCode"]}}}
    )
    assert updated["updated"] == {subscription_id: None}, updated
    return subscription_id


def test_verified_subscription_gets_encrypted_state_changes(jmap, push_worker, push_receiver):
    device = Device()
    created = create(jmap, url=push_receiver.url + "/device", keys=device.keys(), types=None)
    subscription_id = created["id"]

    delivery = push_receiver.next()
    assert delivery.path == "/device"
    assert delivery.headers["ttl"]
    assert Vapid02.verify(delivery.headers["authorization"])
    verification = device.decrypt(delivery)
    assert verification["@type"] == "PushVerification"
    assert verification["pushSubscriptionId"] == subscription_id
    code = verification["verificationCode"]
    assert len(code) >= 32

    # Nothing but the verification goes to the URL until the client proves it got it.
    create_mailbox(jmap, "Before verification")
    wrong = set_(jmap, {"update": {subscription_id: {"verificationCode": "guess"}}})
    assert wrong["notUpdated"][subscription_id]["type"] == "invalidProperties"
    assert wrong["notUpdated"][subscription_id]["properties"] == ["verificationCode"]
    assert set_(jmap, {"update": {subscription_id: {"verificationCode": code}}})["updated"] == {
        subscription_id: None
    }
    assert get(jmap, ids=[subscription_id])["list"][0]["verificationCode"] == code

    new_state = create_mailbox(jmap, "After verification")

    change = device.decrypt(push_receiver.next())
    assert change == {"@type": "StateChange", "changed": {jmap.account_id: {"Mailbox": new_state}}}
    assert push_receiver.nothing_within(0.3)


def test_plain_delivery_honours_types(jmap, push_worker, push_receiver):
    subscribe(jmap, push_receiver, "/mailboxes", types=["Mailbox"])
    subscribe(jmap, push_receiver, "/emails", types=["Email"])

    new_state = create_mailbox(jmap)

    delivery = push_receiver.next()
    assert delivery.path == "/mailboxes"
    assert delivery.headers["content-type"] == "application/json"
    assert json.loads(delivery.body) == {
        "@type": "StateChange",
        "changed": {jmap.account_id: {"Mailbox": new_state}},
    }
    assert push_receiver.nothing_within(0.3)


def test_gone_endpoint_deletes_the_subscription(jmap, push_worker, push_receiver):
    subscription_id = subscribe(jmap, push_receiver, "/gone")
    push_receiver.status["/gone"] = 410

    create_mailbox(jmap)

    assert push_receiver.next().path == "/gone"
    deadline = time.monotonic() + 3
    while get(jmap, ids=[subscription_id])["notFound"] != [subscription_id]:
        assert time.monotonic() < deadline, "the subscription outlived a 410"
        time.sleep(0.05)


def test_get_never_returns_url_or_keys(jmap, other_jmap, push_receiver):
    device = Device()
    subscription_id = create(jmap, url=push_receiver.url + "/get", keys=device.keys())["id"]

    listed = get(jmap, ids=None)["list"]
    assert [item["id"] for item in listed] == [subscription_id]
    assert set(listed[0]) == {"id", "deviceClientId", "verificationCode", "expires", "types"}
    assert listed[0]["verificationCode"] is None

    for private in ("url", "keys"):
        name, error, _ = call(jmap, "PushSubscription/get", {"properties": ["id", private]})
        assert (name, error["type"]) == ("error", "forbidden")
    name, error, _ = call(jmap, "PushSubscription/get", {"accountId": jmap.account_id})
    assert (name, error["type"]) == ("error", "invalidArguments")

    # Another user's subscriptions do not exist for this one.
    assert get(other_jmap, ids=[subscription_id]) == {"list": [], "notFound": [subscription_id]}
    assert (
        set_(other_jmap, {"destroy": [subscription_id]})["notDestroyed"][subscription_id]["type"]
        == "notFound"
    )
    assert set_(jmap, {"destroy": [subscription_id]})["destroyed"] == [subscription_id]
    assert get(jmap, ids=[subscription_id])["notFound"] == [subscription_id]


def test_invalid_creations_are_set_errors(jmap, push_receiver):
    good = {"deviceClientId": "d", "url": push_receiver.url + "/x"}
    cases = {
        "plain http elsewhere": ({**good, "url": "http://example.com/push"}, ["url"]),
        "not a URL": ({**good, "url": "ftp://example.com/push"}, ["url"]),
        "bad keys": ({**good, "keys": {"p256dh": "AAAA", "auth": "AAAA"}}, ["keys"]),
        "code on create": ({**good, "verificationCode": "x"}, ["verificationCode"]),
        "no device": ({"url": good["url"]}, ["deviceClientId"]),
        "unknown property": ({**good, "colour": "red"}, ["colour"]),
        "server-set id": ({**good, "id": "P1"}, ["id"]),
        "bad expiry": ({**good, "expires": "tomorrow"}, ["expires"]),
    }
    result = set_(jmap, {"create": {name: data for name, (data, _) in cases.items()}})
    assert result["created"] is None
    for name, (_, properties) in cases.items():
        assert result["notCreated"][name]["type"] == "invalidProperties", name
        assert result["notCreated"][name]["properties"] == properties, name


def test_expiry_is_limited_to_seven_days(jmap, push_receiver):
    def utc_date(moment: datetime) -> str:
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")

    def parse(value: str) -> datetime:
        return datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)

    now = datetime.now(UTC)
    created = create(jmap, url=push_receiver.url + "/expiry", expires="2999-01-01T00:00:00Z")
    assert abs(parse(created["expires"]) - (now + timedelta(days=7))) < timedelta(minutes=1)

    tomorrow = utc_date(now + timedelta(days=1))
    assert "expires" not in create(jmap, url=push_receiver.url + "/expiry", expires=tomorrow)
    assert "expires" in create(jmap, url=push_receiver.url + "/expiry")  # the server chose one

    subscription_id = created["id"]
    assert set_(jmap, {"update": {subscription_id: {"expires": tomorrow}}})["updated"] == {
        subscription_id: None
    }
    far = set_(jmap, {"update": {subscription_id: {"expires": "2999-01-01T00:00:00Z"}}})["updated"]
    assert parse(far[subscription_id]["expires"]) > now + timedelta(days=6)

    immutable = set_(jmap, {"update": {subscription_id: {"url": push_receiver.url + "/elsewhere"}}})
    assert immutable["notUpdated"][subscription_id]["properties"] == ["url"]
