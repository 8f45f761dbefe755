"""Push and offline: new mail shows up live, a reload with no network still reads mail,
and coming back online catches up on what changed meanwhile."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect

from tests.transport.conftest import DnsTable, SmtpServer, start_smtpd

from .conftest import screenshot, sign_in, wait_for
from .mail import BASE_TIME, import_messages, message


def wait_until_live(page: Page) -> None:
    expect(page.locator(".status")).to_have_attribute("data-push", "live")
    expect(page.locator(".status")).to_have_attribute("data-state", "ok")


def test_a_message_delivered_while_the_page_is_open_appears_within_a_second(context, reader):
    account, jmap = reader
    page = context.new_page()
    sign_in(page, account)
    expect(page.locator(".row").first).to_contain_text("Spring sale newsletter")
    wait_until_live(page)
    when = BASE_TIME + timedelta(days=1)
    raw = message(
        "Fresh off the wire",
        "Carol <carol@example.test>",
        "Delivered while you watched.",
        when=when,
        message_id="fresh@example.test",
    )
    started = time.monotonic()
    import_messages(jmap, [(raw, {"received": when})])
    imported = time.monotonic()
    expect(page.locator(".row").first).to_contain_text("Fresh off the wire", timeout=5000)
    shown = time.monotonic()
    print(f"\nimport took {imported - started:.3f}s; shown {shown - imported:.3f}s after the import answered")
    assert shown - imported < 1.0
    expect(page.locator(".mailbox.current .count")).to_have_text("3")


@pytest.fixture(scope="module")
def smtp_server(jmap_server, tmp_path_factory) -> Iterator[SmtpServer]:
    """The site's SMTP server (manage.py smtpd) on loopback, with no DNS answers needed."""
    dns = DnsTable(tmp_path_factory.mktemp("dns") / "answers.json")
    server = start_smtpd({"DNS_STATIC_FILE": str(dns.path)})
    yield server
    server.stop()


def test_mail_received_over_smtp_appears_while_the_page_is_open(context, reader, smtp_server):
    account, _ = reader
    page = context.new_page()
    sign_in(page, account)
    wait_until_live(page)
    raw = message(
        "Sent by SMTP",
        "Erin <erin@outside.test>",
        "Straight from the mail server.",
        when=datetime.now(UTC),
        message_id="smtp-live@outside.test",
    )
    client = smtp_server.client()
    try:
        started = time.monotonic()
        assert client.sendmail("erin@outside.test", [account.address], raw) == {}
        accepted = time.monotonic()
    finally:
        client.quit()
    expect(page.locator(".row").first).to_contain_text("Sent by SMTP", timeout=5000)
    shown = time.monotonic()
    print(f"\nSMTP took {accepted - started:.3f}s; shown {shown - accepted:.3f}s after the 250")
    assert shown - accepted < 1.0
    screenshot(page, "live-smtp")


def test_a_change_in_one_tab_shows_in_another_through_one_shared_stream(context, reader):
    account, _ = reader
    streams = []
    context.on("request", lambda request: "/jmap/eventsource/" in request.url and streams.append(request))
    first = context.new_page()
    sign_in(first, account)
    wait_until_live(first)
    second = context.new_page()
    second.goto("/")
    expect(second.locator(".row").first).to_be_visible()
    # The second tab is told the first one's stream is up, and opens none of its own.
    expect(second.locator(".status")).to_have_attribute("data-push", "live")
    assert len(streams) == 1
    unread = second.locator(".row.unread", has_text="Spring sale newsletter")
    expect(unread).to_have_count(1)
    first.locator(".row", has_text="Spring sale newsletter").click()  # opening marks it read
    expect(unread).to_have_count(0, timeout=3000)


def test_offline_reload_reads_cached_mail_and_online_catches_up(context, reader):
    account, jmap = reader
    page = context.new_page()
    sign_in(page, account)
    page.locator(".row", has_text="Quarterly report").click()
    expect(page.locator(".reader .text-body").first).to_contain_text("final version attached")
    expect(page.locator(".reader article.message")).to_have_count(3)
    expect(page.locator(".reader h2")).to_have_text("Quarterly report")
    wait_for(page, "navigator.serviceWorker.controller !== null")
    wait_until_live(page)

    context.set_offline(True)
    page.reload()
    expect(page.locator(".status")).to_have_attribute("data-state", "offline")
    expect(page.locator(".mailbox.current")).to_contain_text("Inbox")
    expect(page.locator(".row").first).to_contain_text("Spring sale newsletter")
    expect(page.locator(".reader h2")).to_have_text("Quarterly report")
    expect(page.locator(".reader article.message")).to_have_count(3)
    expect(page.locator(".reader .text-body").first).to_contain_text("final version attached")
    screenshot(page, "offline-conversation")

    # Offline search runs over the local store.
    page.get_by_label("Search mail").fill("from:bob")
    page.get_by_label("Search mail").press("Enter")
    expect(page.locator(".list-total")).to_have_text("1 found offline")
    expect(page.locator(".row").first).to_contain_text("Quarterly report")
    screenshot(page, "offline-search")
    page.get_by_label("Search mail").fill("")
    page.get_by_label("Search mail").press("Enter")

    # Meanwhile, elsewhere: new mail arrives and a digest is deleted.
    when = BASE_TIME + timedelta(days=2)
    raw = message(
        "While you were away", "Dan <dan@example.test>", "Caught up?", when=when, message_id="away@x.test"
    )
    import_messages(jmap, [(raw, {"received": when})])
    digest = jmap.call("Email/query", {"filter": {"subject": "Weekly digest number 59"}})["ids"][0]
    assert jmap.call("Email/set", {"destroy": [digest]})["destroyed"] == [digest]
    expect(page.locator(".row", has_text="Weekly digest number 59")).to_have_count(1)

    context.set_offline(False)
    expect(page.locator(".row").first).to_contain_text("While you were away", timeout=10_000)
    expect(page.locator(".row", has_text="Weekly digest number 59")).to_have_count(0)
    expect(page.locator(".status")).to_have_attribute("data-state", "ok")
    screenshot(page, "back-online")
