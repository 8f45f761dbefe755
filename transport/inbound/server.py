"""The SMTP (or LMTP) server for the hosted domains, on aiosmtpd.

Recipients are checked at RCPT (``550 5.1.1`` unknown, ``550 5.7.1`` not a hosted
domain: never a relay); the message is accepted with ``250`` only after it is
committed (:mod:`transport.inbound.delivery`). In LMTP mode each recipient gets
its own reply after DATA (RFC 2033 4.2). Database and DNS work runs in worker
threads, so the event loop keeps serving other connections meanwhile.
"""

from __future__ import annotations

import asyncio
import logging
import re
import secrets
import ssl
from dataclasses import dataclass, field
from email.utils import format_datetime

from aiosmtpd.lmtp import LMTP
from aiosmtpd.smtp import SMTP, Envelope, Session
from channels.db import database_sync_to_async
from django.conf import settings
from django.utils import timezone

from .authentication import authentication_results
from .delivery import FAILED, DeliveryResult, deliver_resolved
from .message import Head, fold, without_forged_results
from .recipients import Resolution, resolve

log = logging.getLogger(__name__)

_NOT_IN_HOST_NAME = re.compile(r"[^A-Za-z0-9.\-\[\]:_]")

TOO_MANY_RECIPIENTS = "452 4.5.3 Too many recipients"
RECIPIENT_OK = "250 2.1.5 Recipient OK"
NO_VALID_RECIPIENTS = "554 5.5.1 No valid recipients"
LOOKUP_FAILED = "451 4.3.0 Cannot check this recipient now, try again later"


def _threaded(function):
    """Run blocking database/DNS work off the event loop, with fresh DB connections each time."""
    return database_sync_to_async(function, thread_sensitive=False)


@dataclass
class ServerConfig:
    hostname: str
    lmtp: bool = False
    max_message_size: int = 25 * 1024 * 1024
    max_recipients: int = 100
    tls_context: ssl.SSLContext | None = None

    @classmethod
    def from_settings(cls, lmtp: bool = False) -> ServerConfig:
        tls = None
        if settings.SMTP_TLS_CERT and settings.SMTP_TLS_KEY:
            tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            tls.load_cert_chain(settings.SMTP_TLS_CERT, settings.SMTP_TLS_KEY)
        return cls(
            hostname=settings.SMTP_HOSTNAME,
            lmtp=lmtp,
            max_message_size=settings.SMTP_MAX_MESSAGE_SIZE,
            max_recipients=settings.SMTP_MAX_RECIPIENTS,
            tls_context=tls,
        )


@dataclass
class _Accepted:
    """What RCPT decided for each accepted recipient of the current transaction."""

    resolutions: dict[str, Resolution] = field(default_factory=dict)


def helo_name(session: Session) -> str:
    """The client's EHLO/HELO argument, reduced to what a host name or address literal may hold.

    It is copied into Received and Authentication-Results, where anything else could
    forge structure (a ``;`` starting another result).
    """
    return _NOT_IN_HOST_NAME.sub("", session.host_name or "")[:255]


def _received(session: Session, envelope: Envelope, config: ServerConfig, queue_id: str) -> bytes:
    """RFC 5321 4.4 trace field; the protocol names follow RFC 3848 and RFC 6531."""
    peer_ip = session.peer[0] if isinstance(session.peer, tuple) else "unix"
    helo = helo_name(session) or "unknown"
    if config.lmtp:
        protocol = "LMTP"
    else:
        protocol = "UTF8SMTP" if envelope.smtp_utf8 else "ESMTP"
        protocol += "S" if session.ssl else ""
    recipients = envelope.rcpt_tos
    for_clause = f"\r\n\tfor <{recipients[0]}>" if len(recipients) == 1 else ""
    stamp = format_datetime(timezone.now())
    value = (
        f"from {helo} ([{peer_ip}])\r\n\tby {config.hostname} (jmapmail) with {protocol} id {queue_id}"
        f"{for_clause}; {stamp}"
    )
    return f"Received: {value}\r\n".encode()


class InboundHandler:
    """aiosmtpd hooks: EHLO (advertise PIPELINING, never AUTH), RCPT, DATA."""

    def __init__(self, config: ServerConfig) -> None:
        self.config = config

    async def handle_EHLO(
        self, server: SMTP, session: Session, envelope: Envelope, hostname: str, responses: list[str]
    ) -> list[str]:
        session.host_name = hostname
        kept = [line for line in responses if not line[4:].upper().startswith("AUTH")]
        return [*kept[:-1], "250-PIPELINING", "250-ENHANCEDSTATUSCODES", kept[-1]]

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        accepted = self._accepted(envelope)
        if len(envelope.rcpt_tos) >= self.config.max_recipients:
            return TOO_MANY_RECIPIENTS
        try:
            resolution = await _threaded(resolve)(address)
        except Exception:  # a database outage must not look like "no such user" (5xx)
            log.exception("Could not look up recipient %s", address)
            return LOOKUP_FAILED
        if not resolution.accepted:
            return resolution.refusal or "550 5.1.1 Refused"
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.append(options)
        accepted.resolutions[address] = resolution
        return RECIPIENT_OK

    @staticmethod
    def _accepted(envelope: Envelope) -> _Accepted:
        if not hasattr(envelope, "accepted"):
            envelope.accepted = _Accepted()  # type: ignore[attr-defined]
        return envelope.accepted  # type: ignore[attr-defined]

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        resolutions = self._accepted(envelope).resolutions
        if not resolutions:
            return NO_VALID_RECIPIENTS
        queue_id = secrets.token_hex(8)
        raw = bytes(envelope.original_content or b"")
        trace = _received(session, envelope, self.config, queue_id)
        try:
            results = await _threaded(self._authenticate_and_deliver)(
                raw, trace, session.peer, helo_name(session), envelope.mail_from or "", resolutions
            )
        except Exception:  # never a 5xx for our own failure: the sender must keep the message
            log.exception("Message %s could not be processed", queue_id)
            results = {recipient: DeliveryResult(451, FAILED) for recipient in resolutions}
        log.info(
            "Message %s from <%s>: %s", queue_id, envelope.mail_from, {r: v.code for r, v in results.items()}
        )
        if self.config.lmtp:
            return "\r\n".join(results[recipient].reply for recipient in envelope.rcpt_tos)
        return _combined_reply(list(results.values()), queue_id)

    def _authenticate_and_deliver(
        self,
        raw: bytes,
        trace: bytes,
        peer: object,
        helo: str,
        mail_from: str,
        resolutions: dict[str, Resolution],
    ) -> dict[str, DeliveryResult]:
        head = Head.of(raw)
        raw = without_forged_results(raw, head, self.config.hostname)
        ip = None if self.config.lmtp or not isinstance(peer, tuple) else peer[0]
        verdicts = authentication_results(
            raw, head, authserv_id=self.config.hostname, ip=ip, helo=helo, mail_from=mail_from
        )
        message = fold("Authentication-Results", verdicts) + trace + raw
        return deliver_resolved(message, mail_from, resolutions)


def _combined_reply(results: list[DeliveryResult], queue_id: str) -> str:
    """SMTP has one reply for all recipients: accepted only if every one is stored."""
    failed = [result for result in results if not result.delivered]
    if not failed:
        return f"250 2.0.0 Accepted as {queue_id}"
    return failed[0].reply


def _protocol_factory(config: ServerConfig):
    handler = InboundHandler(config)
    protocol_class = LMTP if config.lmtp else SMTP

    def build() -> SMTP:
        return protocol_class(
            handler,
            hostname=config.hostname,
            ident="jmapmail",
            data_size_limit=config.max_message_size,
            enable_SMTPUTF8=True,
            decode_data=False,
            tls_context=config.tls_context,
            require_starttls=False,
            auth_require_tls=True,
        )

    return build


async def serve(host: str, port: int, config: ServerConfig, started: asyncio.Event | None = None) -> None:
    """Listen until cancelled."""
    loop = asyncio.get_running_loop()
    server = await loop.create_server(_protocol_factory(config), host=host, port=port, reuse_address=True)
    log.info("%s listening on %s:%s", "LMTP" if config.lmtp else "SMTP", host, port)
    if started is not None:
        started.set()
    async with server:
        await server.serve_forever()
