"""Several web processes sharing a Redis channel layer (REDIS_URL): push crosses processes."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
import redis

from tests.conftest import CORE, JmapClient, LiveServer, stop_daphne

from .helpers import EventStream, create_mailbox, start_push_worker, start_server, stop_process

# A database number of its own on this machine's Redis, away from other users of it.
REDIS_URL = "redis://127.0.0.1:6379/13"


@pytest.fixture(scope="module")
def redis_servers(jmap_server) -> Iterator[list[LiveServer]]:
    # Redis runs on this machine: if it is unreachable, that is a failure, not a skip.
    redis.Redis.from_url(REDIS_URL, socket_timeout=2).ping()
    servers = [start_server({"REDIS_URL": REDIS_URL}) for _ in range(2)]
    yield servers
    for server in servers:
        stop_daphne(server)


def test_change_through_one_process_reaches_event_source_on_another(account, redis_servers):
    writer, reader = redis_servers
    stream = EventStream(
        f"{reader.url}/jmap/eventsource/?types=*&closeafter=no&ping=0",
        {"Authorization": f"Bearer {account.token}"},
    )
    jmap = JmapClient(writer, account)
    try:
        assert stream.wait_open().status_code == 200
        new_state = create_mailbox(jmap)
        event = stream.next(timeout=2)
        assert event.data["changed"] == {account.account_id: {"Mailbox": new_state}}
    finally:
        stream.close()
        jmap.close()


def test_push_worker_on_a_shared_layer_delivers_changes_made_anywhere(account, redis_servers, push_receiver):
    writer, _ = redis_servers
    worker = start_push_worker(writer.env)
    jmap = JmapClient(writer, account)
    try:
        created = jmap.request(
            [
                [
                    "PushSubscription/set",
                    {"create": {"s": {"deviceClientId": "d", "url": push_receiver.url}}},
                    "0",
                ]
            ],
            using=[CORE],
        )["methodResponses"][0][1]["created"]["s"]
        code = json.loads(push_receiver.next().body)["verificationCode"]
        update = {"update": {created["id"]: {"verificationCode": code}}}
        jmap.request([["PushSubscription/set", update, "0"]], using=[CORE])

        new_state = create_mailbox(jmap)

        # Another test session's worker may also have sent a verification: skip those.
        messages = (json.loads(push_receiver.next().body) for _ in range(3))
        change = next(message for message in messages if message["@type"] == "StateChange")
        assert change["changed"] == {account.account_id: {"Mailbox": new_state}}
    finally:
        jmap.close()
        stop_process(worker)
