"""Helpers shared by the conformance tests: only JSON in, JSON out."""

from __future__ import annotations

from typing import Any

from tests.conftest import CORE, MAIL, JmapClient

USING = [CORE, MAIL]
PROBLEM = "urn:ietf:params:jmap:error:"
STANDARD_ROLES = {"inbox", "drafts", "sent", "archive", "junk", "trash"}
MAILBOX_PROPERTIES = {
    "id",
    "name",
    "parentId",
    "role",
    "sortOrder",
    "totalEmails",
    "unreadEmails",
    "totalThreads",
    "unreadThreads",
    "myRights",
    "isSubscribed",
}
RIGHTS = {
    "mayReadItems",
    "mayAddItems",
    "mayRemoveItems",
    "maySetSeen",
    "maySetKeywords",
    "mayCreateChild",
    "mayRename",
    "mayDelete",
    "maySubmit",
}
COUNTS = ["totalEmails", "unreadEmails", "totalThreads", "unreadThreads"]


def ref(result_of: str, name: str, path: str) -> dict[str, str]:
    """A ResultReference (RFC 8620 section 3.7)."""
    return {"resultOf": result_of, "name": name, "path": path}


def mailboxes(jmap: JmapClient, **arguments: Any) -> dict[str, dict]:
    """Every Mailbox by id (a full Mailbox/get)."""
    response = jmap.call("Mailbox/get", {"ids": None, **arguments})
    return {mailbox["id"]: mailbox for mailbox in response["list"]}


def state(jmap: JmapClient) -> str:
    return jmap.call("Mailbox/get", {"ids": [], "properties": ["id"]})["state"]


def by_role(jmap: JmapClient) -> dict[str, str]:
    return {m["role"]: m["id"] for m in mailboxes(jmap).values() if m["role"]}


def mailbox_set(jmap: JmapClient, **arguments: Any) -> dict:
    return jmap.call("Mailbox/set", arguments)


def create_mailbox(jmap: JmapClient, name: str, **properties: Any) -> str:
    """Create one Mailbox and return its id (asserting success)."""
    response = mailbox_set(jmap, create={"new": {"name": name, **properties}})
    assert response["notCreated"] is None, response
    return response["created"]["new"]["id"]


def create_mailboxes(jmap: JmapClient, create: dict[str, dict]) -> dict[str, str]:
    """Create several Mailboxes in one /set; creation id -> id (asserting success)."""
    response = mailbox_set(jmap, create=create)
    assert response["notCreated"] is None, response
    return {creation_id: created["id"] for creation_id, created in response["created"].items()}


def update_ok(jmap: JmapClient, update: dict[str, dict]) -> dict:
    response = mailbox_set(jmap, update=update)
    assert response["notUpdated"] is None, response
    return response


def destroy_ok(jmap: JmapClient, ids: list[str]) -> dict:
    response = mailbox_set(jmap, destroy=ids)
    assert response["notDestroyed"] is None, response
    return response


def query_ids(jmap: JmapClient, **arguments: Any) -> list[str]:
    return jmap.call("Mailbox/query", arguments)["ids"]


def splice(old_ids: list[str], removed: list[str], added: list[dict], total: int | None = None) -> list[str]:
    """Apply a /queryChanges response to a cached id list (RFC 8620 section 5.6).

    Splice out every removed id the cache holds, splice in each added item at its
    index (lowest index first), then truncate to the new total when it is known.
    """
    removed_set = set(removed)
    ids = [i for i in old_ids if i not in removed_set]
    indexes = [item["index"] for item in added]
    assert indexes == sorted(indexes), "added MUST be sorted by index, lowest first"
    for item in added:
        assert item["index"] <= len(ids), f"index {item['index']} is past the end of {ids}"
        ids.insert(item["index"], item["id"])
    if total is not None:
        ids = ids[:total]
    return ids


def apply_changes(snapshot: dict[str, dict], changes: dict, fetched: list[dict]) -> dict[str, dict]:
    """A stale Mailbox/get snapshot brought forward with /changes and a /get of what changed.

    Like a strict client, it insists that a created id is new to it and an updated id
    is one it has: a /changes page must describe a state the client can be in.
    """
    result = {key: dict(value) for key, value in snapshot.items()}
    assert not set(changes["created"]) & set(result), ("created, but already known", changes)
    assert set(changes["updated"]) <= set(result), ("updated, but never seen", changes)
    for destroyed in changes["destroyed"]:
        result.pop(destroyed, None)
    for mailbox in fetched:
        result[mailbox["id"]] = mailbox
    return result


def assert_problem(response, error_type: str, status: int = 400) -> dict:
    """A request-level error: an RFC 7807 problem details object (RFC 8620 section 3.6.1)."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].split(";")[0].strip() == "application/problem+json"
    body = response.json()
    assert body["type"] == PROBLEM + error_type, body
    assert body["status"] == status, body
    assert isinstance(body.get("detail"), str), body
    return body
