"""Authentication on the Session and API resources (RFC 8620 sections 2 and 8.2)."""

from __future__ import annotations

import re

import httpx
import pytest
from django.conf import settings

from tests.conformance.fixtures import clear_auth_failures, http_client
from tests.conftest import CORE

ECHO = {"using": [CORE], "methodCalls": [["Core/echo", {"ok": True}, "0"]]}


def basic(username: str, password: str) -> httpx.BasicAuth:
    return httpx.BasicAuth(username, password)


@pytest.mark.parametrize("path", ["/.well-known/jmap", "/jmap/session/", "/jmap/api/"])
def test_session_without_credentials_is_401_with_a_challenge(anonymous, path):
    response = anonymous.get(path)
    assert response.status_code == 401
    challenge = response.headers["www-authenticate"]
    assert re.search(r"\bBasic\b", challenge)
    assert re.search(r"\bBearer\b", challenge)


def test_api_request_without_credentials_is_401_with_a_challenge(anonymous):
    response = anonymous.post("/jmap/api/", json=ECHO)
    assert response.status_code == 401
    assert "www-authenticate" in response.headers


def test_basic_auth_is_accepted_on_session_and_api(anonymous, account):
    auth = basic(account.address, account.password)
    assert anonymous.get("/.well-known/jmap", auth=auth).status_code == 200
    response = anonymous.post("/jmap/api/", json=ECHO, auth=auth)
    assert response.status_code == 200
    assert response.json()["methodResponses"] == [["Core/echo", {"ok": True}, "0"]]


def test_bearer_token_is_accepted_on_session_and_api(anonymous, account):
    headers = {"Authorization": f"Bearer {account.token}"}
    session = anonymous.get("/.well-known/jmap", headers=headers)
    assert session.status_code == 200
    assert list(session.json()["accounts"]) == [account.account_id]
    assert anonymous.post("/jmap/api/", json=ECHO, headers=headers).status_code == 200


def test_auth_scheme_name_is_case_insensitive(anonymous, account):
    headers = {"Authorization": f"bearer {account.token}"}
    assert anonymous.get("/.well-known/jmap", headers=headers).status_code == 200


def test_wrong_password_is_401(anonymous, account, auth_failures):
    response = anonymous.get("/.well-known/jmap", auth=basic(account.address, "wrong password"))
    assert response.status_code == 401
    assert "www-authenticate" in response.headers
    response = anonymous.post("/jmap/api/", json=ECHO, auth=basic(account.address, "wrong password"))
    assert response.status_code == 401


def test_unknown_user_is_401(anonymous, auth_failures):
    response = anonymous.get("/.well-known/jmap", auth=basic("nobody@example.test", "whatever"))
    assert response.status_code == 401


def test_unknown_bearer_token_is_401(anonymous, auth_failures):
    response = anonymous.post("/jmap/api/", json=ECHO, headers={"Authorization": "Bearer jmap_not-a-token"})
    assert response.status_code == 401
    assert "www-authenticate" in response.headers


def test_malformed_basic_credentials_are_401(anonymous, auth_failures):
    response = anonymous.get("/.well-known/jmap", headers={"Authorization": "Basic %%%not-base64"})
    assert response.status_code == 401


def test_repeated_failures_are_refused_with_429(anonymous, make_account, auth_failures, django_db_blocker):
    """After AUTH_FAILURE_LIMIT failures, logins are refused per account and per client address.

    Every test reaches the server from 127.0.0.1, so the ``auth_failures`` fixture
    clears the counters before and after: the rest of the suite is not locked out.
    """
    victim = make_account()
    bystander = make_account()
    for _ in range(settings.AUTH_FAILURE_LIMIT):
        response = anonymous.get("/.well-known/jmap", auth=basic(victim.address, "wrong"))
        assert response.status_code == 401
    # Even the right password is refused now, with a hint when to retry.
    refused = anonymous.get("/.well-known/jmap", auth=basic(victim.address, victim.password))
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) > 0
    assert refused.headers["content-type"].startswith("application/problem+json")
    # The counter is per client address too: another account from this address is refused.
    other = anonymous.post("/jmap/api/", json=ECHO, auth=basic(bystander.address, bystander.password))
    assert other.status_code == 429
    # Clearing the counters (as the fixture does afterwards) lets this address in again.
    clear_auth_failures(django_db_blocker)
    again = anonymous.post("/jmap/api/", json=ECHO, auth=basic(bystander.address, bystander.password))
    assert again.status_code == 200


def login(client: httpx.Client, username: str, password: str) -> None:
    """The browser's login: GET the form for the CSRF cookie, POST it back with the token."""
    form = client.get("/login/")
    assert form.status_code == 200
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text).group(1)
    response = client.post(
        "/login/", data={"username": username, "password": password, "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302, response.text
    assert "sessionid" in client.cookies


def test_session_cookie_reads_the_session_resource(jmap_server, account):
    with http_client(jmap_server) as browser:
        login(browser, account.address, account.password)
        response = browser.get("/.well-known/jmap")
        assert response.status_code == 200
        assert list(response.json()["accounts"]) == [account.account_id]


def test_session_cookie_on_the_api_requires_the_csrf_token(jmap_server, account):
    with http_client(jmap_server) as browser:
        login(browser, account.address, account.password)
        without = browser.post("/jmap/api/", json=ECHO)
        assert without.status_code == 403
        wrong = browser.post("/jmap/api/", json=ECHO, headers={"X-CSRFToken": "x" * 64})
        assert wrong.status_code == 403
        with_token = browser.post(
            "/jmap/api/", json=ECHO, headers={"X-CSRFToken": browser.cookies["csrftoken"]}
        )
        assert with_token.status_code == 200
        assert with_token.json()["methodResponses"] == [["Core/echo", {"ok": True}, "0"]]
