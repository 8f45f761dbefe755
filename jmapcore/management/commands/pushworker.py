import asyncio
import contextlib
import signal

from django.core.management.base import BaseCommand

from jmapcore.push.worker import PushWorker


class Command(BaseCommand):
    help = "Send PushSubscription messages (Web Push) until stopped; `make run` starts one."

    def handle(self, **options) -> None:
        with contextlib.suppress(KeyboardInterrupt, asyncio.CancelledError):
            asyncio.run(self.run())

    async def run(self) -> None:
        task = asyncio.current_task()
        assert task is not None
        # SIGTERM ends the loop normally, so the embedded PostgreSQL sees this process detach.
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)
        await PushWorker(on_ready=self.ready).run()

    def ready(self) -> None:
        self.stdout.write("Push worker ready")
        self.stdout.flush()
