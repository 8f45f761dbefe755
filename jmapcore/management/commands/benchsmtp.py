"""``manage.py benchsmtp``: inbound SMTP throughput and the latency from 250 to the push event."""

import logging
import platform
import uuid
from datetime import UTC, datetime

from django.core.management import call_command
from django.core.management.base import BaseCommand

from jmapcore.bench.harness import BenchServer
from jmapcore.services.accounts import account_create, token_create
from transport.inbound.bench import SmtpdProcess, push_latency, summary, throughput


class Command(BaseCommand):
    help = "Benchmark receiving mail over loopback SMTP into a throw-away account."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--messages", type=int, default=300)
        parser.add_argument("--connections", type=int, nargs="+", default=[1, 4, 8])
        parser.add_argument("--body-kb", type=int, default=4, help="Approximate body size of each message")
        parser.add_argument("--latency-runs", type=int, default=30)

    def handle(
        self, messages: int, connections: list[int], body_kb: int, latency_runs: int, **options
    ) -> None:
        logging.getLogger("httpx").setLevel(logging.WARNING)
        call_command("migrate", interactive=False, verbosity=0)
        call_command("createcachetable", verbosity=0)
        account = account_create(f"bench-{uuid.uuid4().hex[:8]}@bench-smtp.test", None)
        token = token_create(account.user, "bench")
        smtpd, web = SmtpdProcess(), BenchServer()
        try:
            throughput(smtpd.port, account.address, 20, 1, body_kb)  # warm-up
            lines = [
                f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.machine()}, "
                f"{platform.python_implementation()} {platform.python_version()}, "
                f"{messages} messages of ~{body_kb} KB each",
                "",
                "| clients | messages | seconds | messages/s |",
                "|---|---|---|---|",
            ]
            for count in connections:
                result = throughput(smtpd.port, account.address, messages, count, body_kb)
                lines.append(f"| {count} | {messages} | {result.seconds:.2f} | {result.per_second:.1f} |")
            latencies = push_latency(smtpd.port, web.url, token, account.address, latency_runs)
            median, p90 = summary(latencies)
            lines += [
                "",
                f"250 -> StateChange on an open EventSource: median {median:.1f} ms, "
                f"p90 {p90:.1f} ms ({latency_runs} messages)",
            ]
        finally:
            smtpd.stop()
            web.stop()
            account.user.delete()
        self.stdout.write("\n".join(lines) + "\n")
