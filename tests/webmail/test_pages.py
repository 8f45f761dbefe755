"""The pages around the web client: boot page, manifest, service worker, sign in and out."""

import json
import re

import pytest
from django.core.cache import cache
from django.test import Client

from jmapcore.services.accounts import account_create
from webmail import frontend


@pytest.fixture
def browser(db):
    cache.clear()
    yield Client(HTTP_HOST="127.0.0.1")
    cache.clear()


@pytest.fixture
def signed_in(browser):
    account_create("reader@example.test", "right password")
    assert browser.login(username="reader@example.test", password="right password")
    return browser


def test_the_boot_page_asks_anonymous_visitors_to_sign_in(browser):
    response = browser.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/"


def test_the_boot_page_loads_the_hashed_build_under_a_strict_policy(signed_in):
    response = signed_in.get("/")
    assert response.status_code == 200
    assets = frontend.assets()
    html = response.content.decode()
    assert f'<script type="module" src="{assets.script}"></script>' in html
    assert re.fullmatch(r"/static/assets/app-[\w-]{8,}\.js", assets.script)
    assert "<script>" not in html  # nothing inline: the policy forbids it
    policy = response["Content-Security-Policy"]
    assert "script-src 'self';" in policy
    assert "unsafe-inline" not in policy.split("script-src", 1)[1].split(";", 1)[0]
    assert "no-cache" in response["Cache-Control"]
    assert 'rel="manifest" href="/manifest.webmanifest"' in html
    assert response.cookies["csrftoken"].value  # the client sends it back as X-CSRFToken


def test_hashed_assets_are_cached_for_a_year_and_compressed_on_request(signed_in):
    script = frontend.assets().script
    response = signed_in.get(script, HTTP_ACCEPT_ENCODING="gzip")
    assert response.status_code == 200
    assert "immutable" in response["Cache-Control"]
    assert "max-age=315360000" in response["Cache-Control"]
    assert response["Content-Encoding"] == "gzip"  # precompressed by the build
    brotli = signed_in.get(script, HTTP_ACCEPT_ENCODING="gzip, br")
    assert brotli["Content-Encoding"] == "br"


def test_the_service_worker_is_served_from_the_root_uncached_with_the_shell_list(browser):
    response = browser.get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Cache-Control"] == "no-cache"
    body = response.content.decode()
    shell = json.loads(body.split("self.APP_SHELL = ", 1)[1].split(";\n", 1)[0])
    assets = frontend.assets()
    assert "/" in shell and assets.script in shell and all(s in shell for s in assets.styles)


def test_the_web_app_manifest(browser):
    response = browser.get("/manifest.webmanifest")
    assert response["Content-Type"] == "application/manifest+json"
    manifest = json.loads(response.content)
    assert manifest["start_url"] == "/" and manifest["display"] == "standalone"


def test_signing_out_shows_the_signed_out_page(signed_in):
    response = signed_in.post("/logout/")
    assert response.status_code == 200
    assert b"Signed out" in response.content
    assert signed_in.get("/").status_code == 302


def test_a_script_in_a_page_is_not_offered_basic_auth(browser):
    """Browsers would answer Basic with a password dialog; the client goes to its login page."""
    from_script = browser.get("/.well-known/jmap", HTTP_SEC_FETCH_MODE="cors")
    assert from_script.status_code == 401
    assert from_script["WWW-Authenticate"] == 'Bearer realm="JMAP"'
    opened = browser.get("/.well-known/jmap", HTTP_SEC_FETCH_MODE="navigate")
    assert opened.status_code == 401 and "Basic" in opened["WWW-Authenticate"]
    other_client = browser.get("/.well-known/jmap")
    assert "Basic" in other_client["WWW-Authenticate"]
