"""``manage.py smtpd``: receive mail for the hosted domains by SMTP (or LMTP behind another MTA)."""

import asyncio
import contextlib
import logging
import signal

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from transport.inbound.server import ServerConfig, serve


class Command(BaseCommand):
    help = "Receive mail for the hosted domains by SMTP (port 25 in production) or, with --lmtp, LMTP."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=None, help="Default: SMTP_PORT (2525)")
        parser.add_argument("--lmtp", action="store_true", help="Speak LMTP (RFC 2033) to a fronting MTA")

    def handle(self, host: str, port: int | None, lmtp: bool, **options) -> None:
        logging.getLogger("transport").setLevel(logging.INFO)
        config = ServerConfig.from_settings(lmtp=lmtp)
        asyncio.run(self._serve(host, port or settings.SMTP_PORT, config))

    async def _serve(self, host: str, port: int, config: ServerConfig) -> None:
        task = asyncio.create_task(serve(host, port, config))
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, task.cancel)
        with contextlib.suppress(asyncio.CancelledError):
            await task
