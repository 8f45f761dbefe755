"""A generic third-party JMAP client (jmapc, from PyPI) against the server over TLS.

Nothing here knows the server's internals: every call goes through jmapc's public
API (its session discovery, method classes, upload and event source), and a
result counts only if jmapc could parse it into its own models.
"""

from __future__ import annotations

import os
import queue
import threading
import time
from dataclasses import replace

import jmapc
import pytest
import requests
from jmapc import methods
from jmapc.models import Comparator, Mailbox, TypeState

from tests.conftest import CORE, MAIL


def mailbox_ids_by_role(client: jmapc.Client) -> dict[str, str]:
    response = client.request(methods.MailboxGet(ids=None), raise_errors=True)
    return {mailbox.role: mailbox.id for mailbox in response.data if mailbox.role}


def mailbox_state(client: jmapc.Client) -> str:
    return client.request(methods.MailboxGet(ids=[]), raise_errors=True).state


def create_mailbox(client: jmapc.Client, name: str) -> tuple[str, str]:
    """Creates a top-level mailbox; returns (its id, the new Mailbox state)."""
    response = client.request(methods.MailboxSet(create={"new": Mailbox(name=name)}), raise_errors=True)
    assert response.not_created is None, response
    return response.created["new"].id, response.new_state


def test_client_discovers_the_session_and_primary_account(client, account, tls_server):
    session = client.jmap_session

    assert session.username == account.address
    # Our server lists the account as primary for core as well as mail (jmapc looks
    # at core first, for uploads and Core/echo); either way it is the user's account.
    assert session.primary_accounts.core == account.account_id
    assert session.primary_accounts.mail == account.account_id
    assert client.account_id == account.account_id
    assert {CORE, MAIL} <= session.capabilities.urns
    assert session.capabilities.core.max_calls_in_request > 0
    assert "i;unicode-casemap" in session.capabilities.core.collation_algorithms
    for url in (session.api_url, session.upload_url, session.download_url, session.event_source_url):
        assert url.startswith(tls_server.url + "/"), url


def test_core_echo_round_trips(client):
    data = {"hello": True, "list": [1, "two", None, 3.5], "nested": {"ünïcode": "✓", "empty": {}}}

    response = client.request(methods.CoreEcho(data=data), raise_errors=True)

    assert isinstance(response, methods.CoreEchoResponse)
    assert response.data == data


def test_mailbox_create_rename_and_destroy_with_mailbox_set(client):
    mailbox_id, _ = create_mailbox(client, "Projects")
    fetched = client.request(methods.MailboxGet(ids=[mailbox_id]), raise_errors=True)
    assert [(mailbox.id, mailbox.name, mailbox.parent_id) for mailbox in fetched.data] == [
        (mailbox_id, "Projects", None)
    ]

    renamed = client.request(
        methods.MailboxSet(update={mailbox_id: {"name": "Projects 2026"}}), raise_errors=True
    )
    assert renamed.not_updated is None, renamed
    assert list(renamed.updated) == [mailbox_id]
    fetched = client.request(methods.MailboxGet(ids=[mailbox_id]), raise_errors=True)
    assert [mailbox.name for mailbox in fetched.data] == ["Projects 2026"]

    destroyed = client.request(methods.MailboxSet(destroy=[mailbox_id]), raise_errors=True)
    assert destroyed.not_destroyed is None, destroyed
    assert destroyed.destroyed == [mailbox_id]
    fetched = client.request(methods.MailboxGet(ids=[mailbox_id]), raise_errors=True)
    assert fetched.data == []
    assert fetched.not_found == [mailbox_id]


def test_mailbox_changes_since_a_state_reports_exactly_what_changed(client):
    roles = mailbox_ids_by_role(client)
    since = mailbox_state(client)
    first, _ = create_mailbox(client, "Receipts")
    second, _ = create_mailbox(client, "Travel")
    updated = client.request(
        methods.MailboxSet(update={roles["drafts"]: {"sortOrder": 50}}), raise_errors=True
    )
    assert list(updated.updated) == [roles["drafts"]]
    destroyed = client.request(methods.MailboxSet(destroy=[roles["junk"]]), raise_errors=True)
    assert destroyed.destroyed == [roles["junk"]]

    changes = client.request(methods.MailboxChanges(since_state=since), raise_errors=True)

    assert isinstance(changes, methods.MailboxChangesResponse)
    assert changes.old_state == since
    assert changes.new_state == destroyed.new_state
    assert changes.has_more_changes is False
    assert sorted(changes.created) == sorted([first, second])
    assert changes.updated == [roles["drafts"]]
    assert changes.destroyed == [roles["junk"]]

    unchanged = client.request(methods.MailboxChanges(since_state=changes.new_state), raise_errors=True)
    assert (unchanged.created, unchanged.updated, unchanged.destroyed) == ([], [], [])
    assert unchanged.new_state == changes.new_state


def test_mailbox_query_and_query_changes(client):
    by_name = [Comparator(property="name")]
    before = client.request(methods.MailboxQuery(sort=by_name, calculate_total=True), raise_errors=True)
    assert before.can_calculate_changes is True
    assert before.total == len(before.ids) == 6
    roles = mailbox_ids_by_role(client)

    new_id, _ = create_mailbox(client, "Aardvarks")  # sorts before "Archive"
    client.request(methods.MailboxSet(destroy=[roles["junk"]]), raise_errors=True)
    after = client.request(methods.MailboxQuery(sort=by_name, calculate_total=True), raise_errors=True)
    assert after.ids[0] == new_id
    assert roles["junk"] not in after.ids

    changes = client.request(
        methods.MailboxQueryChanges(since_query_state=before.query_state, sort=by_name, calculate_total=True),
        raise_errors=True,
    )

    assert isinstance(changes, methods.MailboxQueryChangesResponse)
    assert changes.old_query_state == before.query_state
    assert changes.new_query_state == after.query_state
    assert changes.total == after.total
    assert roles["junk"] in changes.removed
    assert [(item.id, item.index) for item in changes.added if item.id == new_id] == [(new_id, 0)]
    # RFC 8620 section 5.6: splicing removed and added into the old result gives the new one.
    ids = [mailbox_id for mailbox_id in before.ids if mailbox_id not in set(changes.removed)]
    for item in sorted(changes.added, key=lambda item: item.index):
        ids.insert(item.index, item.id)
    assert ids == after.ids


def test_basic_auth_with_create_with_password(connect, account):
    client = connect(account, auth="basic")

    assert client.account_id == account.account_id
    assert client.request(methods.CoreEcho(data={"via": "basic"}), raise_errors=True).data == {"via": "basic"}
    assert set(mailbox_ids_by_role(client)) >= {"inbox", "trash"}


def test_bearer_token_with_create_with_api_token(connect, account):
    client = connect(account, auth="bearer")

    assert client.account_id == account.account_id
    assert client.request(methods.CoreEcho(data={"via": "bearer"}), raise_errors=True).data == {
        "via": "bearer"
    }
    assert set(mailbox_ids_by_role(client)) >= {"inbox", "trash"}


def test_wrong_password_is_refused(connect, account):
    client = connect(replace(account, password="not the password"), auth="basic")

    with pytest.raises(requests.HTTPError) as raised:
        client.jmap_session  # noqa: B018
    assert raised.value.response.status_code == 401


def test_uploaded_blob_downloads_byte_identical(client, tmp_path):
    data = os.urandom(64 * 1024) + b"\x00\xff\r\n" + os.urandom(100)
    path = tmp_path / "payload.bin"
    path.write_bytes(data)

    blob = client.upload_blob(path)

    assert blob.size == len(data)
    assert blob.type == "application/octet-stream"
    url = client.jmap_session.download_url.format(
        accountId=client.account_id, blobId=blob.id, name="payload.bin", type="application/octet-stream"
    )
    response = client.requests_session.get(url, timeout=10)
    assert response.status_code == 200, response.text
    assert response.content == data


def test_event_source_yields_a_mailbox_state_change(connect, account):
    listener = connect(
        account,
        auth="basic",
        event_source_config=jmapc.EventSourceConfig(types="Mailbox", closeafter="state"),
    )
    writer = connect(account)
    listener.jmap_session  # noqa: B018 -- discover first, so the stream opens promptly
    received: queue.Queue = queue.Queue()

    def consume() -> None:
        try:
            received.put(next(listener.events))
        except Exception as error:  # surfaced in the test below
            received.put(error)

    threading.Thread(target=consume, daemon=True).start()

    # The stream opens in the thread; until it does, a change goes unseen (no
    # Last-Event-ID yet), so create mailboxes until one is reported, within a deadline.
    states: list[str] = []
    deadline = time.monotonic() + 4
    while True:
        assert time.monotonic() < deadline, f"no StateChange after creating {len(states)} mailboxes"
        states.append(create_mailbox(writer, f"Pushed {len(states)}")[1])
        try:
            event = received.get(timeout=0.5)
        except queue.Empty:
            continue
        break

    if isinstance(event, Exception):
        raise event
    assert isinstance(event, jmapc.Event)
    assert event.id
    assert list(event.data.changed) == [account.account_id]
    type_state = event.data.changed[account.account_id]
    assert isinstance(type_state, TypeState)
    assert type_state.mailbox in states
    assert type_state.email is None
