"""Fixtures for the binary-data tests: a second user, a server with small limits, ORM access."""

from __future__ import annotations

import httpx
import pytest
from django.contrib.auth.hashers import PBKDF2SHA1PasswordHasher
from django.test.utils import override_settings

from tests.conftest import JmapClient, TestAccount, free_port, start_daphne, stop_daphne

from .helpers import SMALL_LIMIT


class OneRoundPBKDF2SHA1(PBKDF2SHA1PasswordHasher):
    """Fast test passwords; the server still verifies them (the rounds are in the hash)."""

    iterations = 1


@pytest.fixture(autouse=True, scope="session")
def fast_passwords():
    hasher = f"{__name__}.{OneRoundPBKDF2SHA1.__name__}"
    with override_settings(PASSWORD_HASHERS=[hasher]):
        yield


@pytest.fixture
def stranger(jmap_server, make_account):
    """A client for another user's account."""
    client = JmapClient(jmap_server, make_account())
    yield client
    client.close()


@pytest.fixture(scope="session")
def limited_server(jmap_server):
    """A second server on the same database whose uploads are limited to SMALL_LIMIT octets."""
    server = start_daphne(free_port(), {"JMAP_MAX_SIZE_UPLOAD": str(SMALL_LIMIT)})
    yield server
    stop_daphne(server)


@pytest.fixture
def limited(limited_server, account: TestAccount):
    client = JmapClient(limited_server, account)
    yield client
    client.close()


@pytest.fixture
def orm(django_db_blocker):
    """Reach the database the servers use, outside of any test transaction."""
    with django_db_blocker.unblock():
        yield


@pytest.fixture
def anonymous_http(jmap_server):
    """An HTTP client without credentials."""
    with httpx.Client(base_url=jmap_server.url, timeout=30) as client:
        yield client
