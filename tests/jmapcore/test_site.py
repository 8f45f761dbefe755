"""The Django site around the JMAP server: admin account creation, login rate limit."""

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.test import Client, override_settings

from jmapcore.models import Account, Mailbox
from jmapcore.services.accounts import account_create


@pytest.fixture
def browser(db):
    cache.clear()
    yield Client(HTTP_HOST="127.0.0.1")
    cache.clear()


def test_admin_creates_an_account_with_its_standard_mailboxes(browser):
    get_user_model().objects.create_superuser("admin", "admin@example.test", "pw")
    browser.login(username="admin", password="pw")
    response = browser.post(
        "/admin/jmapcore/account/add/",
        {"address": "frank@admin.test", "password": "long secret", "name": "Frank", "quota_bytes": "1000"},
    )
    assert response.status_code == 302, response.content
    account = Account.objects.get(local_part="frank", domain__name="admin.test")
    assert account.quota_bytes == 1000
    assert Mailbox.objects.filter(account=account).count() == 6


def test_admin_refuses_a_duplicate_address(browser):
    get_user_model().objects.create_superuser("admin", "admin@example.test", "pw")
    account_create("gina@admin.test", "pw")
    browser.login(username="admin", password="pw")
    response = browser.post("/admin/jmapcore/account/add/", {"address": "Gina@admin.test", "password": "x"})
    assert response.status_code == 200
    assert b"already has an account" in response.content


@override_settings(AUTH_FAILURE_LIMIT=3)
def test_web_login_is_refused_after_too_many_failures_even_with_the_right_password(browser):
    account_create("hank@example.test", "right password")
    for _ in range(3):
        response = browser.post("/login/", {"username": "hank@example.test", "password": "wrong"})
        assert b"Please enter a correct" in response.content
    response = browser.post("/login/", {"username": "hank@example.test", "password": "right password"})
    assert response.status_code == 200
    assert b"Too many failed sign-ins" in response.content


def test_web_login_with_the_right_password_signs_in(browser):
    account_create("ivy@example.test", "right password")
    response = browser.post("/login/", {"username": "ivy@example.test", "password": "right password"})
    assert response.status_code == 302
    assert browser.get("/").context["user"].is_authenticated


def test_pages_carry_a_content_security_policy(browser):
    response = browser.get("/login/")
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert "script-src 'self'" in response["Content-Security-Policy"]
