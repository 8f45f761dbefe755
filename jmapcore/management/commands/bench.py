"""``make bench``: median latencies and wire sizes of JMAP calls over HTTP, as a table."""

import logging
import platform
import uuid
from datetime import UTC, datetime

import httpx
from django.core.management import call_command
from django.core.management.base import BaseCommand

from jmapcore.bench.harness import BenchServer, measure, table
from jmapcore.bench.mail import USING, MailBench, corpus, import_corpus, split_corpus
from jmapcore.services.accounts import account_create, token_create


class Command(BaseCommand):
    help = "Benchmark the JMAP server over HTTP on loopback and print a table."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--runs", type=int, default=100)
        parser.add_argument(
            "--messages", type=int, default=28234, help="Size of the generated corpus (0: none)"
        )
        parser.add_argument("--max-attachment-kb", type=int, default=64)

    def handle(self, runs: int, messages: int, max_attachment_kb: int, **options) -> None:
        logging.getLogger("httpx").setLevel(logging.WARNING)
        call_command("migrate", interactive=False, verbosity=0)
        call_command("createcachetable", verbosity=0)
        account = account_create(f"bench-{uuid.uuid4().hex[:8]}@bench.test", None)
        token = token_create(account.user, "bench")
        rows = []
        held_back = []
        if messages:
            self.stderr.write(f"Generating and importing {messages:,} messages...")
            to_import, held_back = split_corpus(corpus(messages, max_attachment_kb))
            rows.append(import_corpus(account, to_import).row())
        server = BenchServer()
        try:
            rows += self.run_core(server.url, token, account.jmap_id, runs)
            if messages:
                rows += self.run_mail(server.url, token, account, runs, held_back)
        finally:
            server.stop()
            account.user.delete()
        self.stdout.write(
            f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.machine()}, "
            f"{platform.python_implementation()} {platform.python_version()}, one client on loopback\n"
        )
        self.stdout.write(table(rows))

    def run_core(self, url: str, token: str, account_id: str, runs: int) -> list:
        http = httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=30)

        def api(calls: list) -> httpx.Response:
            return http.post("/jmap/api/", json={"using": USING, "methodCalls": calls})

        with http:
            return [
                measure("session (GET /.well-known/jmap)", lambda: http.get("/.well-known/jmap"), runs),
                measure("Core/echo", lambda: api([["Core/echo", {"ping": 1}, "0"]]), runs),
                measure(
                    "Mailbox/get (all)",
                    lambda: api([["Mailbox/get", {"accountId": account_id, "ids": None}, "0"]]),
                    runs,
                ),
            ]

    def run_mail(self, url: str, token: str, account, runs: int, held_back: list) -> list:
        bench = MailBench(url, token, account, runs)
        try:
            return [
                *bench.cold_start(),
                bench.resync_unchanged(),
                bench.resync_after_changes(held_back),
                *bench.text_queries(),
                bench.keyword_update(),
                bench.html_body(),
            ]
        finally:
            bench.close()
