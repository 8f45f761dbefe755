"""The SMTP envelope of a submission: given by the client, or derived from the headers (RFC 8621 7).

Pure functions over header values; no database. Errors are raised as
:class:`EnvelopeError` carrying the SetError type the submission should get.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from jmapcore.mime.addresses import parse_addresses

# RFC 5321 4.1.2 Mailbox, loosely: printable local part (UTF-8 allowed, RFC 6531), a dot-atom
# domain or an address literal. Quoted local parts keep their quotes.
_LOCAL_RE = re.compile(r'^(?:[^\s@"()<>,;:\\\[\]]+|"(?:[^"\\\r\n]|\\.)+")$')
_LABEL_RE = re.compile(r"^(?!-)[^\s.@()<>,;:\\\[\]\"]{1,63}(?<!-)$")
_LITERAL_RE = re.compile(r"^\[[^\[\]\s\\]+\]$")
MAX_ADDRESS_OCTETS = 254


class EnvelopeError(Exception):
    """A submission the envelope rules refuse; ``kind`` is the SetError type."""

    def __init__(self, kind: str, description: str, **extra: Any) -> None:
        super().__init__(description)
        self.kind = kind
        self.description = description
        self.extra = extra


@dataclass(frozen=True)
class Envelope:
    mail_from: str
    mail_parameters: dict[str, str | None] | None
    rcpt_to: list[tuple[str, dict[str, str | None] | None]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "mailFrom": {"email": self.mail_from, "parameters": self.mail_parameters},
            "rcptTo": [{"email": email, "parameters": params} for email, params in self.rcpt_to],
        }

    @property
    def recipients(self) -> list[str]:
        return [email for email, _ in self.rcpt_to]


def is_valid_mailbox(address: str) -> bool:
    """Whether ``address`` can be a Forward-path or Reverse-path mailbox (RFC 5321 4.1.2)."""
    if not address or len(address.encode("utf-8")) > MAX_ADDRESS_OCTETS or "@" not in address:
        return False
    local, domain = address.rsplit("@", 1)
    if not _LOCAL_RE.match(local) or len(local.encode("utf-8")) > 64:
        return False
    if _LITERAL_RE.match(domain):
        return True
    labels = domain.split(".")
    return len(labels) >= 1 and all(_LABEL_RE.match(label) for label in labels)


def domain_of(address: str) -> str:
    return address.rsplit("@", 1)[1].lower().rstrip(".") if "@" in address else ""


# ---------------------------------------------------------------- client-given envelope


def _parameters(value: Any, where: str) -> dict[str, str | None] | None:
    if value is None:
        return None
    if not isinstance(value, dict) or not all(
        isinstance(key, str) and key and (item is None or isinstance(item, str))
        for key, item in value.items()
    ):
        raise EnvelopeError("invalidProperties", f"{where}.parameters must map names to strings or null")
    return {key.upper(): item for key, item in value.items()}


def _address(value: Any, where: str) -> tuple[str, dict[str, str | None] | None]:
    if not isinstance(value, dict) or not isinstance(value.get("email"), str):
        raise EnvelopeError("invalidProperties", f"{where} must be an Address with an email")
    unknown = set(value) - {"email", "parameters"}
    if unknown:
        raise EnvelopeError(
            "invalidProperties", f"{where} has unknown properties: {', '.join(sorted(unknown))}"
        )
    return value["email"], _parameters(value.get("parameters"), where)


def parse_envelope(value: Any) -> Envelope:
    """The client's Envelope object, checked for shape (addresses are checked later)."""
    if not isinstance(value, dict) or set(value) - {"mailFrom", "rcptTo"} or "mailFrom" not in value:
        raise EnvelopeError("invalidProperties", "envelope must be an object with mailFrom and rcptTo")
    mail_from, mail_parameters = _address(value["mailFrom"], "envelope.mailFrom")
    rcpt_to = value.get("rcptTo")
    if not isinstance(rcpt_to, list):
        raise EnvelopeError("invalidProperties", "envelope.rcptTo must be a list of Address")
    return Envelope(mail_from, mail_parameters, [_address(item, "envelope.rcptTo") for item in rcpt_to])


# ---------------------------------------------------------------- derived envelope


def _single_mailbox(headers: Sequence[tuple[str, str]], name: str) -> str | None:
    """The one address of the ``name`` field; the RFC's SHOULD-reject cases raise invalidEmail."""
    values = [value for field_name, value in headers if field_name.lower() == name.lower()]
    if not values:
        return None
    addresses = [item["email"] for item in parse_addresses(values[-1]) if item.get("email")]
    if len(values) > 1 or len(addresses) != 1:
        raise EnvelopeError(
            "invalidEmail",
            f"The {name} header field must hold exactly one address to derive the envelope",
            properties=[name.lower()],
        )
    return addresses[0]


def derive_envelope(
    headers: Sequence[tuple[str, str]], identity_email: str, allowed: Callable[[str], bool]
) -> Envelope:
    """RFC 8621 7: mailFrom from Sender, else From (the identity's address if not allowed);
    rcptTo the deduplicated To, Cc and Bcc addresses, without parameters."""
    sender = _single_mailbox(headers, "Sender")
    mail_from = sender if sender is not None else _single_mailbox(headers, "From")
    if mail_from is None or not allowed(mail_from):
        mail_from = identity_email
    recipients: dict[str, str] = {}
    for field_name, value in headers:
        if field_name.lower() in ("to", "cc", "bcc"):
            for item in parse_addresses(value):
                email = item.get("email")
                if email:
                    recipients.setdefault(email.lower(), email)
    return Envelope(mail_from, None, [(email, None) for email in recipients.values()])


# ---------------------------------------------------------------- FUTURERELEASE (RFC 4865)


def release_time(parameters: dict[str, str | None] | None, now: datetime, max_delay: int) -> datetime | None:
    """When a HOLDFOR or HOLDUNTIL mail parameter releases the message; None without one."""
    parameters = parameters or {}
    hold_for, hold_until = parameters.get("HOLDFOR"), parameters.get("HOLDUNTIL")
    if "HOLDFOR" in parameters and "HOLDUNTIL" in parameters:
        raise EnvelopeError("invalidProperties", "HOLDFOR and HOLDUNTIL exclude each other")
    if "HOLDFOR" in parameters:
        if hold_for is None or not hold_for.isdigit():
            raise EnvelopeError("invalidProperties", "HOLDFOR takes a number of seconds")
        release = now + timedelta(seconds=int(hold_for))
    elif "HOLDUNTIL" in parameters:
        release = _parse_date_time(hold_until)
    else:
        return None
    if release > now + timedelta(seconds=max_delay):
        raise EnvelopeError(
            "invalidProperties", f"A message may be held for at most {max_delay} seconds (maxDelayedSend)"
        )
    return max(release, now)


def _parse_date_time(value: str | None) -> datetime:
    """RFC 3339 date-time with an offset (RFC 4865 HOLDUNTIL)."""
    try:
        moment = datetime.fromisoformat((value or "").replace("z", "Z").replace("Z", "+00:00"))
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None or "T" not in (value or "").upper():
        raise EnvelopeError("invalidProperties", "HOLDUNTIL takes an RFC 3339 date-time with an offset")
    return moment
