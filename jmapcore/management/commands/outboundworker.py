"""Run the outgoing mail queue: sends, retries, scheduled sends, bounces (``make run`` starts one)."""

import asyncio
import signal
import sys

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from procrastinate.contrib.django import app

from transport.outbound.routing import RelayConfigError, relay_route
from transport.outbound.tasks import QUEUE


class Command(BaseCommand):
    help = "Deliver queued outgoing mail until stopped (SIGINT/SIGTERM finish the running sends first)."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--concurrency", type=int, default=4, help="messages delivered at the same time (default 4)"
        )

    def handle(self, **options) -> None:
        if settings.SMTP_RELAY:
            try:
                relay_route(settings.SMTP_RELAY)
            except RelayConfigError as error:
                raise CommandError(str(error)) from None
        # Deferring uses Django's connection (inside the caller's transaction); the worker
        # needs its own asynchronous connections, to LISTEN for new jobs.
        # Until the worker installs its own handlers (which finish running jobs first),
        # a stop request simply ends the process: no job has started yet.
        for stop in (signal.SIGINT, signal.SIGTERM):
            signal.signal(stop, _exit_before_start)
        self.stdout.write(f"Outgoing mail worker started (queue {QUEUE!r})")
        self.stdout.flush()
        with app.replace_connector(app.connector.get_worker_connector()):
            asyncio.run(self.run(options["concurrency"]))

    async def run(self, concurrency: int) -> None:
        async with app.open_async():
            await app.run_worker_async(
                queues=[QUEUE],
                concurrency=concurrency,
                fetch_job_polling_interval=settings.OUTBOUND_POLL_INTERVAL,
                install_signal_handlers=True,
                # Finished jobs are history the queue does not need; failures stay to be seen.
                delete_jobs="successful",
            )


def _exit_before_start(signum: int, frame: object) -> None:
    sys.exit(0)
