"""The event source (RFC 8620 section 7.3), over HTTP against the real server."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
import time

import httpx
from django.db import connection

from jmapcore.push import bridge

from .helpers import CLOSED, EventStream, create_mailbox, log_in


def test_state_change_follows_mailbox_set(jmap, open_stream):
    stream = open_stream(jmap.account)
    response = stream.wait_open()
    assert response.headers["content-type"] == "text/event-stream"
    assert response.headers["cache-control"] == "no-cache"
    assert response.headers["x-accel-buffering"] == "no"

    new_state = create_mailbox(jmap)

    event = stream.next()
    assert event.name == "state"
    assert event.data == {"@type": "StateChange", "changed": {jmap.account_id: {"Mailbox": new_state}}}
    assert event.id


def test_change_committed_by_another_process_arrives_within_a_second(jmap, jmap_server, open_stream):
    stream = open_stream(jmap.account)
    script = textwrap.dedent(
        f"""
        import time
        from jmapcore.changes.log import account_write
        from jmapcore.models import Account
        from jmapcore.services.mailboxes import mailbox_create

        account = Account.objects.get(pk={jmap.account.pk})
        with account_write(account.pk) as log:
            mailbox_create(log, account, name="From another process")
        print("committed", time.time())
        """
    )
    done = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", script],
        env=jmap_server.env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    committed_at = float(re.search(r"committed (\S+)", done.stdout).group(1))

    event = stream.next(timeout=5)
    latency = event.arrived - committed_at
    assert event.name == "state"
    assert "Mailbox" in event.data["changed"][jmap.account_id]
    assert latency < 1.0


def test_types_limit_what_is_pushed(jmap, open_stream):
    emails_only = open_stream(jmap.account, "types=Email,Thread&closeafter=no&ping=0")
    mailboxes = open_stream(jmap.account, "types=Mailbox&closeafter=no&ping=0")

    new_state = create_mailbox(jmap)

    assert mailboxes.next().data["changed"] == {jmap.account_id: {"Mailbox": new_state}}
    assert emails_only.nothing_within(0.3)


def test_closeafter_state_ends_the_response_after_one_state_event(jmap, open_stream):
    stream = open_stream(jmap.account, "types=*&closeafter=state&ping=0")

    create_mailbox(jmap)

    assert stream.next().name == "state"
    assert stream.next() is CLOSED


def test_ping_reports_the_interval_the_server_uses(jmap, open_stream):
    # 1 s is below the server's minimum, which the ping data must then report.
    stream = open_stream(jmap.account, "types=*&closeafter=no&ping=1")

    started = time.monotonic()
    event = stream.next(timeout=4)

    assert event.name == "ping"
    assert event.data == {"interval": 2}
    assert event.id is None
    assert 1.5 < time.monotonic() - started < 3.5


def test_reconnect_with_last_event_id_gets_what_changed_meanwhile(jmap, open_stream):
    first = open_stream(jmap.account)
    create_mailbox(jmap, "Seen")
    last_id = first.next().id
    first.close()

    missed_state = create_mailbox(jmap, "Missed while away")

    again = open_stream(jmap.account, headers={"Last-Event-ID": last_id})
    event = again.next(timeout=1)
    assert event.data["changed"] == {jmap.account_id: {"Mailbox": missed_state}}

    up_to_date = open_stream(jmap.account, headers={"Last-Event-ID": event.id})
    assert up_to_date.nothing_within(0.3)


def test_no_credentials_is_401(jmap_server):
    response = httpx.get(f"{jmap_server.url}/jmap/eventsource/?types=*&closeafter=no&ping=0")
    assert response.status_code == 401
    assert "WWW-Authenticate" in response.headers


def test_bad_arguments_are_400(jmap):
    response = jmap.http.get("/jmap/eventsource/?types=*&closeafter=maybe&ping=0")
    assert response.status_code == 400
    response = jmap.http.get("/jmap/eventsource/?types=*&closeafter=no&ping=-1")
    assert response.status_code == 400


def test_browser_session_cookie_authenticates(jmap, jmap_server, open_stream):
    browser = log_in(jmap_server.url, jmap.account.address, jmap.account.password)
    stream = open_stream(cookies=browser.cookies)
    assert stream.wait_open().status_code == 200

    new_state = create_mailbox(jmap)

    assert stream.next().data["changed"] == {jmap.account_id: {"Mailbox": new_state}}
    browser.close()


def test_many_open_streams_do_not_hold_database_connections(jmap, jmap_server):
    # More streams than the server's connection pool (DB_POOL_SIZE, 10 by default).
    streams = [
        EventStream(
            f"{jmap_server.url}/jmap/eventsource/?types=*&closeafter=no&ping=0",
            {"Authorization": f"Bearer {jmap.account.token}"},
        )
        for _ in range(15)
    ]
    try:
        for stream in streams:
            assert stream.wait_open().status_code == 200
        started = time.monotonic()
        new_state = create_mailbox(jmap)
        assert time.monotonic() - started < 2
        for stream in streams:
            assert stream.next().data["changed"][jmap.account_id]["Mailbox"] == new_state
    finally:
        for stream in streams:
            stream.close()


def test_bridge_reconnects_and_catches_up_after_losing_its_connection(jmap, open_stream, django_db_blocker):
    stream = open_stream(jmap.account)
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE application_name = %s AND datname = current_database()",
            [bridge.APPLICATION_NAME],
        )
        assert any(terminated for (terminated,) in cursor.fetchall())

    # Most likely made while the bridge is away: its notification is lost, the catch-up is not.
    new_state = create_mailbox(jmap)

    assert stream.next(timeout=5).data["changed"] == {jmap.account_id: {"Mailbox": new_state}}
