"""One SMTP transaction to one server, with a reply per recipient (RFC 5321).

Blocking ``smtplib`` runs in the worker's thread; a message is one connection per
destination, so an asyncio client would buy nothing here. Every outcome becomes a
:class:`Reply`: connection and protocol failures are synthesised as ``4xx`` (temporary)
so the queue retries them later.
"""

from __future__ import annotations

import ipaddress
import smtplib
import ssl
from dataclasses import dataclass

from django.conf import settings

from .envelope import Envelope


@dataclass(frozen=True)
class Reply:
    code: int
    text: str  # the reply text, enhanced status code included, lines joined (RFC 8621 7)

    def __str__(self) -> str:
        return f"{self.code} {self.text}".rstrip()

    @property
    def accepted(self) -> bool:
        return 200 <= self.code < 300

    @property
    def temporary(self) -> bool:
        return 400 <= self.code < 500

    @property
    def permanent(self) -> bool:
        return self.code >= 500

    @property
    def status(self) -> str:
        """The enhanced status code (RFC 3463), or one implied by the reply class."""
        first = self.text.split(" ", 1)[0]
        if _is_enhanced(first):
            return first
        return {2: "2.0.0", 4: "4.0.0"}.get(self.code // 100, "5.0.0")


def _is_enhanced(token: str) -> bool:
    parts = token.split(".")
    return len(parts) == 3 and all(part.isdigit() for part in parts) and token[0] in "245"


def reply_from(code: int, message: bytes | str) -> Reply:
    """smtplib's (code, text) as one line: later lines lose the prefix they share with the first."""
    text = message.decode("utf-8", "replace") if isinstance(message, bytes) else message
    lines = [line.strip() for line in text.splitlines() if line.strip()] or [""]
    first_token = lines[0].split(" ", 1)[0]
    prefix = first_token + " " if _is_enhanced(first_token) else ""
    rest = [line[len(prefix) :] if prefix and line.startswith(prefix) else line for line in lines[1:]]
    return Reply(code, " ".join([lines[0], *rest]).strip())


def synthetic(code: int, status: str, text: str) -> Reply:
    return Reply(code, f"{status} {text}")


@dataclass(frozen=True)
class Route:
    """Where to hand a message over, and how to secure the connection."""

    host: str
    port: int
    implicit_tls: bool = False
    # Relays must prove their identity; an MX is only encrypted opportunistically
    # (RFC 7435): most have certificates no one can check.
    verify_tls: bool = True
    require_tls: bool = False
    username: str | None = None
    password: str | None = None
    label: str | None = None  # the MX name when ``host`` is one of its addresses

    def __str__(self) -> str:
        return f"{self.label or self.host}:{self.port}"


class ConnectFailed(Exception):
    """The server could not be reached or greeted us with an error: try the next host."""

    def __init__(self, reply: Reply) -> None:
        super().__init__(str(reply))
        self.reply = reply


def _tls_context(route: Route) -> ssl.SSLContext:
    context = ssl.create_default_context()
    if not route.verify_tls:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


def helo_name() -> str:
    """SMTP_HELO_NAME, as an address literal when it is an IP address (RFC 5321 4.1.3)."""
    name = settings.SMTP_HELO_NAME
    try:
        address = ipaddress.ip_address(name.strip("[]"))
    except ValueError:
        return name
    return f"[IPv6:{address}]" if address.version == 6 else f"[{address}]"


def _open(route: Route) -> smtplib.SMTP:
    timeout = settings.OUTBOUND_SMTP_TIMEOUT
    helo = helo_name()
    if route.implicit_tls:
        return smtplib.SMTP_SSL(
            route.host, route.port, local_hostname=helo, timeout=timeout, context=_tls_context(route)
        )
    return smtplib.SMTP(route.host, route.port, local_hostname=helo, timeout=timeout)


def _handshake(client: smtplib.SMTP, route: Route) -> None:
    """EHLO, STARTTLS when offered (required before a login), then the login."""
    client.ehlo_or_helo_if_needed()
    if not route.implicit_tls and client.has_extn("starttls"):
        client.starttls(context=_tls_context(route))
        client.ehlo()
    elif route.require_tls and not route.implicit_tls:
        raise ConnectFailed(synthetic(454, "4.7.0", f"{route} does not offer STARTTLS"))
    if route.username:
        client.login(route.username, route.password or "")


def _connect(route: Route) -> smtplib.SMTP:
    try:
        client = _open(route)
    except (OSError, smtplib.SMTPException) as error:
        raise ConnectFailed(_failure(route, error)) from None
    try:
        _handshake(client, route)
    except (OSError, smtplib.SMTPException, ConnectFailed) as error:
        client.close()
        if isinstance(error, ConnectFailed):
            raise
        raise ConnectFailed(_failure(route, error)) from None
    return client


def _failure(route: Route, error: OSError | smtplib.SMTPException) -> Reply:
    if isinstance(error, smtplib.SMTPAuthenticationError):
        # Wrong relay credentials are the operator's to fix: keep the mail queued meanwhile.
        return synthetic(454, "4.7.0", f"relay login failed: {reply_from(error.smtp_code, error.smtp_error)}")
    if isinstance(error, smtplib.SMTPResponseException):
        return _temporary(error.smtp_code, error.smtp_error)
    return synthetic(451, "4.4.1", f"cannot talk to {route}: {error}")


def _temporary(code: int, text: bytes | str) -> Reply:
    """A greeting or handshake refusal says nothing final about the recipients (RFC 5321 3.8)."""
    reply = reply_from(code, text)
    return reply if reply.temporary else synthetic(451, "4.4.0", f"the server refused the session: {reply}")


def _options(client: smtplib.SMTP, envelope: Envelope, message: bytes) -> tuple[list[str], bool]:
    """MAIL FROM parameters the server supports, and whether SMTPUTF8 is needed but missing."""
    options = []
    if client.has_extn("size"):
        options.append(f"SIZE={len(message)}")
    if not message.isascii() and client.has_extn("8bitmime"):
        options.append("BODY=8BITMIME")
    addresses = [envelope.mail_from, *envelope.recipients]
    needs_utf8 = not all(address.isascii() for address in addresses)
    if needs_utf8 and client.has_extn("smtputf8"):
        options.append("SMTPUTF8")
    return options, needs_utf8 and not client.has_extn("smtputf8")


def send(route: Route, mail_from: str, recipients: list[str], message: bytes) -> dict[str, Reply]:
    """Deliver ``message`` to ``recipients`` through ``route``; a Reply for every recipient.

    Raises :class:`ConnectFailed` when no session could be set up, so the caller can try
    another host of the same destination.
    """
    client = _connect(route)
    try:
        return _transaction(client, mail_from, recipients, message)
    except (OSError, smtplib.SMTPException) as error:
        failure = synthetic(451, "4.4.2", f"connection to {route} broken: {error}")
        return dict.fromkeys(recipients, failure)
    finally:
        try:
            client.quit()
        except (OSError, smtplib.SMTPException):
            client.close()


def _transaction(client: smtplib.SMTP, mail_from: str, recipients: list[str], message: bytes) -> dict:
    envelope = Envelope(mail_from, None, [(rcpt, None) for rcpt in recipients])
    options, utf8_missing = _options(client, envelope, message)
    if utf8_missing:
        return dict.fromkeys(recipients, synthetic(553, "5.6.7", "the server does not support SMTPUTF8"))
    code, text = client.mail(mail_from, options)
    if code != 250:
        return dict.fromkeys(recipients, reply_from(code, text))
    replies: dict[str, Reply] = {}
    accepted: list[str] = []
    for rcpt in recipients:
        code, text = client.rcpt(rcpt)
        replies[rcpt] = reply_from(code, text)
        if code in (250, 251):
            accepted.append(rcpt)
    if not accepted:
        client.rset()
        return replies
    try:
        code, text = client.data(message)
    except smtplib.SMTPDataError as error:
        code, text = error.smtp_code, error.smtp_error
    data_reply = reply_from(code, text)
    # RFC 8621 7: the RCPT reply, unless the message as a whole was refused after DATA.
    if not data_reply.accepted:
        replies.update(dict.fromkeys(accepted, data_reply))
    return replies
