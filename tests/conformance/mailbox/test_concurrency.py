"""Concurrent writers on one account (RFC 8620 sections 3.10 and 5.3; docs/changes.md).

Two httpx clients (each its own connection) drive the real server from threads.
The server allows JMAP_MAX_CONCURRENT_REQUESTS per user at once, so no test runs
more threads than that.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from tests.conformance.fixtures import Client
from tests.conformance.helpers import apply_changes, create_mailbox, mailboxes, state

WRITERS = 6  # below the default maxConcurrentRequests (8), with room for a reader


def run_together(functions: list[Callable[[], Any]]) -> list[Any]:
    """Start every function at the same moment, each in its own thread; their results in order."""
    barrier = threading.Barrier(len(functions))

    def start(function: Callable[[], Any]) -> Any:
        barrier.wait()
        return function()

    with ThreadPoolExecutor(len(functions)) as pool:
        return [future.result() for future in [pool.submit(start, f) for f in functions]]


def test_two_clients_racing_with_the_same_if_in_state_exactly_one_wins(jmap_server, account):
    first, second = Client(jmap_server, account), Client(jmap_server, account)
    try:
        for round_ in range(5):
            current = state(first)

            def attempt(client: Client, name: str, current: str = current) -> list:
                body = client.request(
                    [
                        [
                            "Mailbox/set",
                            {
                                "accountId": client.account_id,
                                "ifInState": current,
                                "create": {"k": {"name": name}},
                            },
                            "0",
                        ]
                    ]
                )
                return body["methodResponses"][0]

            results = run_together(
                [
                    lambda n=f"First {round_}": attempt(first, n),
                    lambda n=f"Second {round_}": attempt(second, n),
                ]
            )
            names = sorted(r[0] for r in results)
            assert names == ["Mailbox/set", "error"], results
            winner = next(r[1] for r in results if r[0] == "Mailbox/set")
            loser = next(r[1] for r in results if r[0] == "error")
            assert loser["type"] == "stateMismatch"
            assert winner["oldState"] == current
            assert winner["newState"] == state(first)
        created = [m["name"] for m in mailboxes(first).values() if m["role"] is None]
        assert len(created) == 5
    finally:
        first.close()
        second.close()


def test_concurrent_creates_get_distinct_states_and_all_show_up_in_changes_once(jmap_server, account):
    clients = [Client(jmap_server, account) for _ in range(WRITERS)]
    try:
        start = state(clients[0])

        def writer(client: Client, index: int) -> list[tuple[str, str, str]]:
            out = []
            for i in range(5):
                response = client.call("Mailbox/set", {"create": {"k": {"name": f"W{index}-{i}"}}})
                out.append((response["created"]["k"]["id"], response["oldState"], response["newState"]))
            return out

        results = run_together([lambda c=c, i=i: writer(c, i) for i, c in enumerate(clients)])
        writes = [w for result in results for w in result]
        created_ids = [w[0] for w in writes]
        assert len(set(created_ids)) == WRITERS * 5
        # Each write moved the state on from a distinct old state to a distinct new one.
        assert len({w[2] for w in writes}) == len(writes)
        assert len({w[1] for w in writes}) == len(writes)

        changes = clients[0].call("Mailbox/changes", {"sinceState": start})
        assert sorted(changes["created"]) == sorted(created_ids)
        assert changes["updated"] == changes["destroyed"] == []

        # One change per page: every create is its own state, reported exactly once.
        seen, since = [], start
        while True:
            page = clients[0].call("Mailbox/changes", {"sinceState": since, "maxChanges": 1})
            assert len(page["created"]) == 1
            seen += page["created"]
            since = page["newState"]
            if not page["hasMoreChanges"]:
                break
        assert sorted(seen) == sorted(created_ids)
        assert since == state(clients[0])
    finally:
        for client in clients:
            client.close()


def test_a_reader_polling_changes_during_concurrent_writes_converges(jmap_server, account):
    """A client following /changes while others write never misses a change."""
    clients = [Client(jmap_server, account) for _ in range(WRITERS)]
    reader = Client(jmap_server, account)
    try:
        base = create_mailbox(reader, "Base")
        picture, since = mailboxes(reader), state(reader)
        done = threading.Event()

        def writer(client: Client, index: int) -> None:
            own = create_mailbox(client, f"Own {index}")
            for i in range(4):
                client.call("Mailbox/set", {"update": {own: {"name": f"Own {index}.{i}", "sortOrder": i}}})
                child = create_mailbox(client, f"Child {index}.{i}", parentId=base)
                if i % 2:
                    client.call("Mailbox/set", {"destroy": [child]})

        def poll() -> tuple[dict, str]:
            nonlocal picture, since
            while True:
                finished = done.is_set()
                changes = reader.call("Mailbox/changes", {"sinceState": since, "maxChanges": 3})
                fetched = reader.call("Mailbox/get", {"ids": changes["created"] + changes["updated"]})["list"]
                picture, since = apply_changes(picture, changes, fetched), changes["newState"]
                if finished and not changes["hasMoreChanges"]:
                    return picture, since

        with ThreadPoolExecutor(1) as pool:
            polling = pool.submit(poll)
            run_together([lambda c=c, i=i: writer(c, i) for i, c in enumerate(clients)])
            done.set()
            final_picture, final_state = polling.result(timeout=60)
        assert final_state == state(reader)
        assert final_picture == mailboxes(reader)
    finally:
        for client in [*clients, reader]:
            client.close()
