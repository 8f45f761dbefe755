"""Signing in, the inbox, a conversation, and search, in a real browser."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from .conftest import screenshot, sign_in, wait_for


def rows(page: Page):
    return page.locator(".row")


def test_sign_in_shows_the_inbox_and_opens_a_thread(context, reader):
    account, _ = reader
    page = context.new_page()
    page.goto("/login/")
    screenshot(page, "login")
    sign_in(page, account)
    expect(page.locator(".mailbox.current")).to_contain_text("Inbox")
    expect(rows(page).first).to_contain_text("Spring sale newsletter")
    # An email in two mailboxes carries the other one as a label.
    expect(rows(page).first.locator(".label")).to_have_text("Archive")
    # Conversation mode: the three reports are one row with a count.
    report = rows(page).filter(has_text="Quarterly report")
    expect(report).to_have_count(1)
    expect(report.locator(".thread-count")).to_have_text("3")
    expect(report.get_by_label("has attachment")).to_be_visible()
    expect(page.locator(".list-total")).to_have_text("62")
    screenshot(page, "inbox")

    report.click()
    messages = page.locator(".reader article.message")
    expect(messages).to_have_count(3)
    # Older messages are collapsed, the newest is open with its attachment.
    expect(messages.nth(0)).not_to_have_class("message expanded")
    newest = messages.nth(2)
    expect(newest.locator(".message-header .label")).to_have_text("Inbox")
    expect(newest.locator(".text-body").first).to_contain_text("final version attached")
    expect(newest.locator(".attachments")).to_contain_text("chart.png")
    expect(newest.locator(".attachments")).to_contain_text("report.pdf")
    # A PDF previews in a frame of its own, from a blob: URL of its type.
    newest.locator("li", has_text="report.pdf").get_by_role("button", name="Preview").click()
    expect(newest.locator(".preview-box iframe")).to_have_attribute("src", re.compile(r"^blob:"))
    newest.get_by_role("button", name="Close preview").click()
    # The image attachment previews in place, downloaded with the session cookie.
    newest.locator("li", has_text="chart.png").get_by_role("button", name="Preview").click()
    image = newest.locator(".preview-box img")
    expect(image).to_be_visible()
    page.wait_for_timeout(200)
    assert image.evaluate("element => element.complete && element.naturalWidth") == 1
    messages.nth(0).locator(".message-header").click()
    link = messages.nth(0).get_by_role("link", name="https://example.test/report")
    expect(link).to_have_attribute("target", "_blank")
    screenshot(page, "conversation")


def test_html_mail_is_sanitised_and_remote_images_wait_for_permission(context, reader):
    account, _ = reader
    page = context.new_page()
    sign_in(page, account)
    rows(page).filter(has_text="Spring sale newsletter").click()
    frame_element = page.locator(".html-body iframe")
    expect(frame_element).to_have_attribute(
        "sandbox", "allow-same-origin allow-popups allow-popups-to-escape-sandbox"
    )
    frame = page.frame_locator(".html-body iframe")
    expect(frame.locator("h1")).to_have_text("Spring sale")
    assert frame.locator("script").count() == 0
    assert frame.locator("form").count() == 0
    assert frame.locator("[onclick]").count() == 0
    srcdoc = frame_element.get_attribute("srcdoc")
    assert "Content-Security-Policy" in srcdoc and "img-src data:" in srcdoc
    assert "https:" not in srcdoc.split("img-src", 1)[1].split(";", 1)[0]
    expect(page.locator(".remote-banner")).to_be_visible()
    assert page.title() == "Mail"
    screenshot(page, "html-mail-blocked")
    page.get_by_role("button", name="Show remote content").click()
    expect(page.locator(".remote-banner")).to_have_count(0)
    assert "https:" in frame_element.get_attribute("srcdoc").split("img-src", 1)[1].split(";", 1)[0]

    # Allowed for this message only: opened again, it is blocked again...
    page.keyboard.press("u")
    rows(page).filter(has_text="Spring sale newsletter").click()
    expect(page.locator(".remote-banner")).to_be_visible()
    # ...unless the reader trusts the sender, which holds for later visits too.
    page.get_by_role("button", name="Always from news@shop.example").click()
    expect(page.locator(".remote-banner")).to_have_count(0)
    page.reload()
    expect(page.locator(".reader h2")).to_have_text("Spring sale newsletter")
    expect(page.frame_locator(".html-body iframe").locator("h1")).to_have_text("Spring sale")
    expect(page.locator(".remote-banner")).to_have_count(0)
    assert "https:" in frame_element.get_attribute("srcdoc").split("img-src", 1)[1].split(";", 1)[0]


def test_search_sends_operators_to_the_server(context, reader):
    account, _ = reader
    page = context.new_page()
    sign_in(page, account)
    expect(rows(page).first).to_be_visible()
    page.keyboard.press("/")
    expect(page.get_by_label("Search mail")).to_be_focused()
    page.keyboard.type("from:alice has:attachment")
    page.keyboard.press("Enter")
    expect(page.locator(".list-title")).to_have_text("Search: from:alice has:attachment")
    expect(rows(page)).to_have_count(1)
    expect(rows(page).first).to_contain_text("Quarterly report")
    screenshot(page, "search")
    page.get_by_label("Search mail").fill("subject:digest is:read before:2026-01-05")
    page.get_by_label("Search mail").press("Enter")
    expect(page.locator(".list-title")).to_contain_text("subject:digest")
    expect(rows(page).first).to_contain_text("Weekly digest number")
    for text in rows(page).all_inner_texts():
        assert "Weekly digest" in text


def test_the_list_loads_more_pages_while_scrolling(context, reader):
    account, _ = reader
    page = context.new_page()
    sign_in(page, account)
    page.get_by_role("button", name="Show single messages").click()
    expect(page.locator(".list-total")).to_have_text("64")
    page.locator(".scroller").evaluate("element => element.scrollTo(0, element.scrollHeight)")
    expect(rows(page).filter(has_text="Weekly digest number 0")).to_have_count(1)
    # Virtualised: only the rows in view (and a few around) are in the page.
    assert rows(page).count() < 40


def test_keyboard_moves_opens_and_closes_and_help_shows(context, reader):
    account, _ = reader
    page = context.new_page()
    sign_in(page, account)
    expect(rows(page).first).to_be_visible()
    page.keyboard.press("j")
    expect(rows(page).nth(1)).to_have_attribute("aria-selected", "true")
    page.keyboard.press("o")
    expect(page.locator(".reader h2")).to_have_text("Quarterly report")
    page.keyboard.press("k")
    expect(page.locator(".reader h2")).to_have_text("Spring sale newsletter")
    page.keyboard.press("u")
    expect(page.locator(".reader.empty")).to_be_visible()
    page.keyboard.press("?")
    expect(page.get_by_role("dialog", name="Keyboard shortcuts")).to_be_visible()
    screenshot(page, "help")
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog")).to_have_count(0)


def test_phone_width_shows_one_pane_at_a_time(browser, jmap_server, reader):
    account, _ = reader
    context = browser.new_context(base_url=jmap_server.url, viewport={"width": 390, "height": 800})
    try:
        page = context.new_page()
        sign_in(page, account)
        expect(rows(page).first).to_be_visible()
        expect(page.locator("nav.sidebar")).to_be_hidden()
        screenshot(page, "phone-list")
        rows(page).first.click()
        expect(page.locator(".list-pane")).to_be_hidden()
        screenshot(page, "phone-conversation")
        page.get_by_role("button", name="Back to the list (u)").click()
        expect(page.locator(".list-pane")).to_be_visible()
        page.get_by_role("button", name="Mailboxes").click()
        expect(page.locator("nav.sidebar")).to_be_visible()
    finally:
        context.close()


def test_dark_mode_follows_the_system(browser, jmap_server, reader):
    account, _ = reader
    context = browser.new_context(
        base_url=jmap_server.url, color_scheme="dark", viewport={"width": 1280, "height": 800}
    )
    try:
        page = context.new_page()
        sign_in(page, account)
        expect(page.locator(".row").first).to_be_visible()
        background = page.evaluate("getComputedStyle(document.body).backgroundColor")
        assert background == "rgb(13, 17, 23)"
        rows(page).filter(has_text="Quarterly report").click()
        expect(page.locator(".reader article.message")).to_have_count(3)
        screenshot(page, "conversation-dark")
    finally:
        context.close()


def test_signing_out_forgets_the_mail_kept_in_the_browser(context, reader):
    account, _ = reader
    page = context.new_page()
    sign_in(page, account)
    expect(page.locator(".status")).to_have_attribute("data-state", "ok")
    assert page.evaluate("indexedDB.databases().then(list => list.length)") == 1
    wait_for(page, "navigator.serviceWorker.controller !== null")  # the shell is cached by now
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Signed out")).to_be_visible()
    screenshot(page, "signed-out")
    assert page.evaluate("indexedDB.databases().then(list => list.length)") == 0
    assert page.evaluate("caches.keys().then(keys => keys.length)") == 0
    assert page.evaluate("localStorage.length") == 0
    page.goto("/")
    page.wait_for_url("**/login/**")


def test_an_expired_session_goes_to_the_login_page_even_from_the_cached_shell(context, reader):
    account, _ = reader
    page = context.new_page()
    sign_in(page, account)
    expect(page.locator(".status")).to_have_attribute("data-state", "ok")
    wait_for(page, "navigator.serviceWorker.controller !== null")
    context.clear_cookies()  # as when the session ends on the server
    page.reload()
    page.wait_for_url("**/login/**")
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
