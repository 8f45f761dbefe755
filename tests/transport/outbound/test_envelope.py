"""The envelope rules of RFC 8621 7 and FUTURERELEASE (RFC 4865), without a database."""

from datetime import UTC, datetime, timedelta

import pytest

from jmapcore.mime.parse import parse_message
from transport.outbound.envelope import (
    EnvelopeError,
    derive_envelope,
    is_valid_mailbox,
    parse_envelope,
    release_time,
)

NOW = datetime(2026, 11, 26, 6, 0, tzinfo=UTC)


def headers(*lines: str) -> list[tuple[str, str]]:
    return parse_message(("\r\n".join(lines) + "\r\n\r\nbody\r\n").encode()).headers


def allow_alice(address: str) -> bool:
    return address.lower() == "alice@hosted.test"


def test_mail_from_is_the_sender_field_before_from():
    envelope = derive_envelope(
        headers("From: Alice <alice@hosted.test>", "Sender: bob@hosted.test", "To: x@remote.test"),
        "alice@hosted.test",
        lambda address: True,
    )
    assert envelope.mail_from == "bob@hosted.test"


def test_mail_from_falls_back_to_the_identity_when_not_allowed():
    envelope = derive_envelope(
        headers("From: Mallory <mallory@elsewhere.test>", "To: x@remote.test"),
        "alice@hosted.test",
        allow_alice,
    )
    assert envelope.mail_from == "alice@hosted.test"


def test_recipients_are_to_cc_and_bcc_deduplicated_without_parameters():
    envelope = derive_envelope(
        headers(
            "From: alice@hosted.test",
            "To: X <x@remote.test>, y@remote.test",
            "Cc: X@remote.test, z@remote.test",
            "Bcc: hidden@remote.test, y@remote.test",
        ),
        "alice@hosted.test",
        allow_alice,
    )
    assert envelope.to_json()["rcptTo"] == [
        {"email": address, "parameters": None}
        for address in ["x@remote.test", "y@remote.test", "z@remote.test", "hidden@remote.test"]
    ]
    assert envelope.to_json()["mailFrom"] == {"email": "alice@hosted.test", "parameters": None}


@pytest.mark.parametrize(
    "lines",
    [
        ("From: a@hosted.test, b@hosted.test", "To: x@remote.test"),
        ("From: a@hosted.test", "From: b@hosted.test", "To: x@remote.test"),
        ("From: a@hosted.test", "Sender: a@hosted.test, b@hosted.test", "To: x@remote.test"),
    ],
)
def test_ambiguous_senders_are_rejected(lines):
    with pytest.raises(EnvelopeError) as error:
        derive_envelope(headers(*lines), "a@hosted.test", lambda address: True)
    assert error.value.kind == "invalidEmail"


def test_client_envelope_shape_is_checked():
    envelope = parse_envelope(
        {
            "mailFrom": {"email": "alice@hosted.test", "parameters": {"holdfor": "60"}},
            "rcptTo": [{"email": "x@remote.test"}],
        }
    )
    assert envelope.mail_parameters == {"HOLDFOR": "60"}
    assert envelope.recipients == ["x@remote.test"]
    for bad in [
        None,
        {"rcptTo": []},
        {"mailFrom": {"email": 1}, "rcptTo": []},
        {"mailFrom": {"email": "a@b"}},
    ]:
        with pytest.raises(EnvelopeError):
            parse_envelope(bad)


def test_hold_parameters_set_the_release_time():
    assert release_time(None, NOW, 3600) is None
    assert release_time({"HOLDFOR": "90"}, NOW, 3600) == NOW + timedelta(seconds=90)
    assert release_time({"HOLDUNTIL": "2026-11-26T07:00:00+01:00"}, NOW, 3600) == NOW
    assert release_time({"HOLDUNTIL": "2026-11-26T06:30:00Z"}, NOW, 3600) == NOW + timedelta(minutes=30)
    for bad in [
        {"HOLDFOR": "-1"},
        {"HOLDFOR": "7200"},
        {"HOLDUNTIL": "tomorrow"},
        {"HOLDUNTIL": "2026-11-26"},
    ]:
        with pytest.raises(EnvelopeError):
            release_time(bad, NOW, 3600)


@pytest.mark.parametrize(
    ("address", "valid"),
    [
        ("alice@example.test", True),
        ("a.b+tag@sub.example.test", True),
        ('"odd name"@example.test', True),
        ("jörg@exämple.test", True),
        ("user@[192.0.2.1]", True),
        ("no-at-sign", False),
        ("two@@example.test", False),
        ("space in@example.test", False),
        ("alice@-bad.test", False),
        ("alice@", False),
        ("a" * 65 + "@example.test", False),
    ],
)
def test_mailbox_syntax(address, valid):
    assert is_valid_mailbox(address) is valid
