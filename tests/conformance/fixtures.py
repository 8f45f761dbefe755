"""Fixtures for the conformance suite (the server and accounts come from tests/conftest.py).

Imported by the conftest of each folder of this suite, so that other suites under
tests/conformance/ are not affected.
"""

from __future__ import annotations

import ssl

import httpx
import pytest
from django.contrib.auth.hashers import PBKDF2SHA1PasswordHasher
from django.test.utils import override_settings

from tests.conftest import JmapClient

# Building an SSL context (loading the CA bundle) costs ~40 ms per httpx.Client; the
# suite only speaks plain HTTP on loopback, so every client shares this one.
SHARED_SSL_CONTEXT = ssl.create_default_context()


class Client(JmapClient):
    """tests.conftest.JmapClient on an httpx.Client that reuses SHARED_SSL_CONTEXT."""

    def __init__(self, server, account) -> None:
        self.server = server
        self.account = account
        self.account_id = account.account_id
        self.http = httpx.Client(
            base_url=server.url,
            headers={"Authorization": f"Bearer {account.token}"},
            timeout=30,
            verify=SHARED_SSL_CONTEXT,
        )


def http_client(server) -> httpx.Client:
    """An HTTP client without credentials."""
    return httpx.Client(base_url=server.url, timeout=30, verify=SHARED_SSL_CONTEXT)


class FastPBKDF2PasswordHasher(PBKDF2SHA1PasswordHasher):
    """A hasher the server knows (pbkdf2_sha1), with one iteration.

    Test accounts are created in this process; the server reads the iteration count
    from the stored hash, so it needs no setting to accept these. It is not the
    server's preferred algorithm, so a wrong password is not slowed down to the
    preferred work factor (Django's harden_runtime), which keeps the lockout test fast.
    """

    iterations = 1


@pytest.fixture(autouse=True, scope="session")
def fast_password_hashing():
    with override_settings(PASSWORD_HASHERS=[f"{__name__}.FastPBKDF2PasswordHasher"]):
        yield


@pytest.fixture
def jmap(jmap_server, account):
    client = Client(jmap_server, account)
    yield client
    client.close()


@pytest.fixture
def other_jmap(jmap_server, make_account):
    """A client for a second, unrelated account."""
    client = Client(jmap_server, make_account())
    yield client
    client.close()


@pytest.fixture
def session(jmap) -> dict:
    response = jmap.http.get("/.well-known/jmap")
    assert response.status_code == 200, response.text
    return response.json()


@pytest.fixture
def anonymous(jmap_server):
    """An HTTP client with no credentials."""
    with http_client(jmap_server) as client:
        yield client


def clear_auth_failures(django_db_blocker) -> None:
    """Forget every failed-login counter (per address and per account) in the shared DB cache.

    All tests reach the server from 127.0.0.1, so a test that fails logins on
    purpose must not leave the per-address counter behind for the rest of the suite.
    """
    from django.db import connection

    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM django_cache WHERE cache_key LIKE %s", ["%authfail:%"])


@pytest.fixture
def auth_failures(jmap_server, django_db_blocker):
    """Start from, and leave behind, no recorded authentication failures."""
    clear_auth_failures(django_db_blocker)
    yield
    clear_auth_failures(django_db_blocker)
