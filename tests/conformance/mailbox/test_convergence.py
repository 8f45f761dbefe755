"""Convergence: a stale snapshot + Mailbox/changes + Mailbox/get of what changed == a fresh Mailbox/get.

A seeded random sequence of creates, renames, moves, re-subscriptions and destroys
runs through the API; at several points a client that took a snapshot earlier
catches up (in pages of a few changes, like a real client) and must see exactly
what a fresh Mailbox/get shows. Query results are checked the same way through
Mailbox/queryChanges.
"""

from __future__ import annotations

import random

import pytest

from tests.conformance.helpers import apply_changes, mailboxes, splice, state

TREE_QUERY = {"sort": [{"property": "sortOrder"}, {"property": "name"}], "sortAsTree": True}


def descendants(all_: dict[str, dict], mailbox_id: str) -> set[str]:
    found, stack = set(), [mailbox_id]
    while stack:
        current = stack.pop()
        for child in (m["id"] for m in all_.values() if m["parentId"] == current):
            if child not in found:
                found.add(child)
                stack.append(child)
    return found


def random_step(jmap, rng: random.Random, serial: int) -> None:
    """One random, valid Mailbox/set."""
    all_ = mailboxes(jmap)
    custom = [m for m in all_.values() if m["role"] != "inbox"]
    kind = rng.choice(["create", "create", "rename", "move", "subscribe", "order", "destroy", "batch"])
    name = f"Box {serial}"
    if kind == "create" or not custom:
        parent = rng.choice([None, *all_])
        arguments = {"create": {"k": {"name": name, "parentId": parent, "sortOrder": rng.randrange(5)}}}
    elif kind == "rename":
        arguments = {"update": {rng.choice(custom)["id"]: {"name": name}}}
    elif kind == "move":
        mailbox = rng.choice(custom)
        allowed = [
            None,
            *(i for i in all_ if i != mailbox["id"] and i not in descendants(all_, mailbox["id"])),
        ]
        arguments = {"update": {mailbox["id"]: {"parentId": rng.choice(allowed), "name": name}}}
    elif kind == "subscribe":
        mailbox = rng.choice(custom)
        arguments = {"update": {mailbox["id"]: {"isSubscribed": not mailbox["isSubscribed"]}}}
    elif kind == "order":
        arguments = {"update": {rng.choice(custom)["id"]: {"sortOrder": rng.randrange(10)}}}
    elif kind == "destroy":
        leaves = [m["id"] for m in custom if not descendants(all_, m["id"])]
        arguments = {"destroy": [rng.choice(leaves)]} if leaves else {"create": {"k": {"name": name}}}
    else:
        # Several things in one call: a parent and child created, one renamed, one destroyed.
        leaves = [m["id"] for m in custom if not descendants(all_, m["id"])]
        arguments = {
            "create": {"c": {"name": f"{name} child", "parentId": "#p"}, "p": {"name": name}},
            "update": {rng.choice(custom)["id"]: {"name": f"{name} renamed"}},
            "destroy": rng.sample(leaves, min(1, len(leaves))),
        }
    response = jmap.call("Mailbox/set", arguments)
    for failures in ("notCreated", "notUpdated", "notDestroyed"):
        # A batch may both rename and destroy one leaf; anything else must succeed.
        errors = response[failures] or {}
        assert all(e["type"] == "notFound" for e in errors.values()), (arguments, response)


def catch_up(jmap, picture: dict[str, dict], since: str, max_changes: int) -> tuple[dict[str, dict], str]:
    """What a client does: page through /changes, fetch created and updated, apply."""
    while True:
        body = jmap.request(
            [
                [
                    "Mailbox/changes",
                    {"accountId": jmap.account_id, "sinceState": since, "maxChanges": max_changes},
                    "0",
                ],
                [
                    "Mailbox/get",
                    {
                        "accountId": jmap.account_id,
                        "#ids": {"resultOf": "0", "name": "Mailbox/changes", "path": "/created"},
                    },
                    "1",
                ],
                [
                    "Mailbox/get",
                    {
                        "accountId": jmap.account_id,
                        "#ids": {"resultOf": "0", "name": "Mailbox/changes", "path": "/updated"},
                    },
                    "2",
                ],
            ]
        )
        changes, created, updated = (r[1] for r in body["methodResponses"])
        picture = apply_changes(picture, changes, created["list"] + updated["list"])
        since = changes["newState"]
        if not changes["hasMoreChanges"]:
            return picture, since


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_stale_snapshot_plus_changes_equals_a_fresh_get(jmap, seed):
    rng = random.Random(seed)
    snapshots = []  # (picture, state, query ids, query state) taken along the way
    for serial in range(18):
        if serial % 6 == 0:
            query = jmap.call("Mailbox/query", TREE_QUERY)
            snapshots.append((mailboxes(jmap), state(jmap), query["ids"], query["queryState"]))
        random_step(jmap, rng, serial)
    fresh = mailboxes(jmap)
    fresh_query = jmap.call("Mailbox/query", TREE_QUERY)["ids"]
    for picture, since, old_ids, query_state in snapshots:
        for max_changes in (3, 1000):
            caught_up, new_state = catch_up(jmap, picture, since, max_changes)
            assert caught_up == fresh
            assert new_state == state(jmap)
        changes = jmap.call("Mailbox/queryChanges", {**TREE_QUERY, "sinceQueryState": query_state})
        assert splice(old_ids, changes["removed"], changes["added"]) == fresh_query
