"""Times the web client in headless Chromium on a large account.

Cold start (no cache, no IndexedDB), warm start (service worker and store filled) and
warm start offline, each from navigation start to the first rows of the inbox on
screen; the bytes a warm start moves over the network (until the resync is done);
and the built JavaScript and CSS, gzipped. The account (a generated corpus, as
`manage.py bench` makes it) is kept between runs.
"""

from __future__ import annotations

import gzip
import statistics
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand

from jmapcore.bench.harness import BenchServer
from jmapcore.bench.mail import corpus
from jmapcore.mail.sources import read_source
from jmapcore.models import Account, Email
from jmapcore.services.accounts import account_create
from jmapcore.services.importer import import_messages
from webmail import frontend

PASSWORD = "bench password"
BROWSER_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
RENDERED = "performance.getEntriesByName('inbox-rendered').length > 0"
RENDERED_AT = "performance.getEntriesByName('inbox-rendered')[0].startTime"


def wait_for(page: Any, expression: str, timeout: float = 60.0) -> None:
    """Polls from outside the page: Playwright's in-page polling evaluates strings, which
    the page's CSP (no unsafe-eval) refuses."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise TimeoutError(expression)
        time.sleep(0.005)


def bundle_sizes() -> list[tuple[str, int, int]]:
    assets = frontend.assets()
    rows = []
    for url in [assets.script, *assets.preloads, *assets.styles]:
        data = (frontend.DIST / url.removeprefix("/static/")).read_bytes()
        rows.append((url.rsplit("/", 1)[1], len(data), len(gzip.compress(data, 9))))
    return rows


def bench_address(messages: int) -> str:
    return f"webclient-{messages}@bench.test"


def bench_account(messages: int, attachment_kb: int, write: Any) -> Account:
    address = bench_address(messages)
    account = Account.objects.filter(local_part=address.split("@")[0], domain__name="bench.test").first()
    if account is None:
        account = account_create(address, PASSWORD, name="Web client bench")
    count = Email.objects.filter(account=account).count()
    if count < messages // 2:
        write(f"importing {messages:,} generated messages (once; kept for later runs)...")
        started = time.perf_counter()
        report = import_messages(account, read_source(corpus(messages, attachment_kb)))
        write(f"imported {report.imported:,} in {time.perf_counter() - started:.0f} s")
        count = Email.objects.filter(account=account).count()
    write(f"account {address}: {count:,} messages")
    return account


class Command(BaseCommand):
    help = "Time the web client (cold, warm and offline start, warm bytes, bundle size) on a large account"

    def add_arguments(self, parser) -> None:
        parser.add_argument("--messages", type=int, default=28234)
        parser.add_argument("--max-attachment-kb", type=int, default=64)
        parser.add_argument("--runs", type=int, default=5)
        parser.add_argument("--chromium", default="/usr/bin/chromium")

    def handle(self, *args: Any, **options: Any) -> None:
        write = self.stdout.write
        write("| file | bytes | gzipped |\n|---|---|---|")
        for name, size, zipped in bundle_sizes():
            write(f"| {name} | {size:,} | {zipped:,} |")
        bench_account(options["messages"], options["max_attachment_kb"], write)
        server = BenchServer()
        try:
            address = bench_address(options["messages"])
            figures = self.measure(server.url, address, options["runs"], options["chromium"])
        finally:
            server.stop()
        write("\n| measurement | median ms | min ms | max ms |\n|---|---|---|---|")
        for name in ("cold start", "warm start", "warm start, offline"):
            values = figures[name]
            write(f"| {name} | {statistics.median(values):.0f} | {min(values):.0f} | {max(values):.0f} |")
        write(
            f"\nwarm start bytes over the network (median): {statistics.median(figures['warm bytes']):,.0f}"
        )
        write(f"cold start bytes over the network (median): {statistics.median(figures['cold bytes']):,.0f}")
        jumps = figures["jump to the end"]
        write(
            f"jump to the end of the inbox in message mode ({figures['inbox size'][0]:,.0f} rows), "
            f"until the last row shows (median of {len(jumps)}): {statistics.median(jumps):,.0f} ms"
        )

    def measure(self, url: str, address: str, runs: int, chromium: str) -> dict[str, list[float]]:
        # Imported here: Playwright's sync API keeps an event loop in this thread, so every
        # database call of this command happens before it starts.
        from playwright.sync_api import sync_playwright

        figures: dict[str, list[float]] = {
            "cold start": [],
            "warm start": [],
            "warm start, offline": [],
            "warm bytes": [],
            "cold bytes": [],
            "jump to the end": [],
            "inbox size": [],
        }
        with sync_playwright() as playwright:
            executable = chromium if Path(chromium).exists() else None
            browser = playwright.chromium.launch(executable_path=executable, args=BROWSER_ARGS)
            login = browser.new_context(base_url=url)
            page = login.new_page()
            page.goto("/login/")
            page.get_by_label("Address").fill(address)
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_url(lambda address: "/login/" not in address)
            cookies = login.storage_state()["cookies"]
            login.close()
            for _ in range(runs):
                context = browser.new_context(base_url=url, storage_state={"cookies": cookies, "origins": []})
                counted = {"bytes": 0}

                def count(request: Any, counted: dict = counted) -> None:
                    response = request.response()
                    if response is None or response.from_service_worker:
                        return
                    sizes = request.sizes()
                    counted["bytes"] += sum(max(value, 0) for value in sizes.values())

                context.on("requestfinished", count)
                page = context.new_page()
                figures["cold start"].append(self.start(page))
                self.settle(page)
                figures["cold bytes"].append(counted["bytes"])
                wait_for(page, "navigator.serviceWorker.controller !== null")
                counted["bytes"] = 0
                figures["warm start"].append(self.start(page))
                self.settle(page)
                figures["warm bytes"].append(counted["bytes"])
                context.set_offline(True)
                figures["warm start, offline"].append(self.start(page))
                context.set_offline(False)
                self.settle(page)
                figures["jump to the end"].append(self.jump_to_the_end(page, figures["inbox size"]))
                context.close()
            browser.close()
        return figures

    @staticmethod
    def start(page: Any) -> float:
        page.goto("/")
        wait_for(page, RENDERED)
        return page.evaluate(RENDERED_AT)

    @staticmethod
    def jump_to_the_end(page: Any, sizes: list[float]) -> float:
        """Message mode, then the scrollbar dragged to the bottom: ms until the last row shows."""
        page.goto("/#mode=messages")
        page.reload()
        wait_for(page, RENDERED)
        Command.settle(page)
        total = int(page.locator(".list-total").inner_text().split()[0])
        sizes.append(total)
        started = time.perf_counter()
        page.locator(".scroller").evaluate("element => element.scrollTo(0, element.scrollHeight)")
        wait_for(page, f"document.getElementById('row-{total - 1}') !== null", timeout=300)
        return (time.perf_counter() - started) * 1000

    @staticmethod
    def settle(page: Any) -> None:
        """Until the resync after the start is done and the list's first page is stored."""
        page.wait_for_selector(".status[data-state=ok][data-push=live]")
        page.wait_for_timeout(1500)  # the body prefetch after the first page
