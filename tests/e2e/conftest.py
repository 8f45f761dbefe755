"""The web client in real headless Chromium (Playwright) against the real server.

The browser is the one named by CHROMIUM_PATH, else Debian's /usr/bin/chromium, else
Playwright's own download. The client must be built (`make setup`).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright

from tests.conftest import ROOT, JmapClient, TestAccount

from .mail import corpus, import_messages

T = TypeVar("T")
SCREENSHOTS = ROOT / "var" / "e2e-screenshots"
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


def chromium_path() -> str | None:
    if os.environ.get("CHROMIUM_PATH"):
        return os.environ["CHROMIUM_PATH"]
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None


def outside_the_event_loop(work: Callable[[], T]) -> T:
    """Playwright's sync API keeps an event loop running in this thread, where Django refuses
    database calls; run them in a thread of their own."""
    from django.db import connections

    def run() -> T:
        try:
            return work()
        finally:
            connections.close_all()

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(run).result()


# Module scope, not session: while Playwright's sync API is up, an event loop runs in
# this thread and Django refuses database calls in it, so it must be gone before any
# other module's tests run (whatever order they run in).
@pytest.fixture(scope="module")
def playwright(jmap_server) -> Iterator[Playwright]:
    manifest = ROOT / "frontend" / "dist" / ".vite" / "manifest.json"
    if not manifest.exists():
        pytest.fail("The web client is not built: run `make setup` first")
    with sync_playwright() as instance:
        yield instance


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    browser = playwright.chromium.launch(executable_path=chromium_path(), args=BROWSER_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def reader(make_account, jmap_server) -> Iterator[tuple[TestAccount, JmapClient]]:
    """An account with the test corpus in it, and a JMAP client for changes made 'elsewhere'."""
    account = outside_the_event_loop(make_account)
    jmap = JmapClient(jmap_server, account)
    import_messages(jmap, corpus())
    yield account, jmap
    jmap.close()


@pytest.fixture
def context(browser: Browser, jmap_server) -> Iterator[BrowserContext]:
    context = browser.new_context(base_url=jmap_server.url, viewport={"width": 1280, "height": 800})
    context.set_default_timeout(10_000)
    yield context
    context.close()


def sign_in(page: Page, account: TestAccount) -> None:
    page.goto("/")
    page.wait_for_url("**/login/**")
    page.get_by_label("Address").fill(account.address)
    page.get_by_label("Password").fill(account.password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/login/" not in url)


def wait_for(page: Page, expression: str, timeout: float = 10.0) -> None:
    """Polls from outside the page: Playwright's in-page polling evaluates a string, which
    the app's CSP (no unsafe-eval) refuses."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        assert time.monotonic() < deadline, f"still false after {timeout} s: {expression}"
        time.sleep(0.02)


def screenshot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))
