"""An aiosmtpd server on loopback standing in for the relay or a remote MX."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from aiosmtpd.controller import Controller

from tests.conftest import free_port


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    content: bytes


@dataclass
class SinkHandler:
    received: list[Received] = field(default_factory=list)
    # Address -> replies to give its next RCPT commands, in order; then it is accepted.
    rcpt_replies: dict[str, list[str]] = field(default_factory=dict)
    rcpt_attempts: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options) -> str:
        with self.lock:
            self.rcpt_attempts[address.lower()] = self.rcpt_attempts.get(address.lower(), 0) + 1
            replies = self.rcpt_replies.get(address.lower())
            if replies:
                return replies.pop(0)
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope) -> str:
        with self.lock:
            self.received.append(
                Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content)
            )
        return "250 2.0.0 Queued as 1234"


class Sink:
    def __init__(self) -> None:
        self.handler = SinkHandler()
        self.port = free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    def start(self) -> Sink:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()

    @property
    def received(self) -> list[Received]:
        return self.handler.received

    def refuse(self, address: str, *replies: str) -> None:
        with self.handler.lock:
            self.handler.rcpt_replies[address.lower()] = list(replies)

    def attempts(self, address: str) -> int:
        return self.handler.rcpt_attempts.get(address.lower(), 0)

    def wait_for(self, address: str, timeout: float = 20.0) -> Received:
        """The first message delivered to ``address``."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for item in list(self.handler.received):
                if address.lower() in (rcpt.lower() for rcpt in item.rcpt_tos):
                    return item
            time.sleep(0.05)
        raise AssertionError(f"nothing arrived for {address} within {timeout} s")

    def messages_for(self, address: str) -> list[Received]:
        return [
            item for item in self.handler.received if address.lower() in (r.lower() for r in item.rcpt_tos)
        ]
