"""Mailbox/changes (RFC 8621 section 2.2, RFC 8620 section 5.2)."""

from __future__ import annotations

import pytest

from tests.conformance.helpers import (
    apply_changes,
    by_role,
    create_mailbox,
    create_mailboxes,
    destroy_ok,
    mailboxes,
    state,
    update_ok,
)


def changes(jmap, since: str, **arguments) -> dict:
    return jmap.call("Mailbox/changes", {"sinceState": since, **arguments})


def all_changes(jmap, since: str, max_changes: int) -> tuple[list[dict], str]:
    """Follow hasMoreChanges to the end; every page and the final state."""
    pages = []
    while True:
        page = changes(jmap, since, maxChanges=max_changes)
        assert page["oldState"] == since
        pages.append(page)
        if not page["hasMoreChanges"]:
            return pages, page["newState"]
        assert page["newState"] != since, "an intermediate state must make progress"
        since = page["newState"]


def test_changes_since_the_current_state_are_empty(jmap):
    current = state(jmap)
    assert changes(jmap, current) == {
        "accountId": jmap.account_id,
        "oldState": current,
        "newState": current,
        "hasMoreChanges": False,
        "created": [],
        "updated": [],
        "destroyed": [],
        "updatedProperties": None,
    }


def test_created_updated_and_destroyed_since_a_state(jmap):
    roles = by_role(jmap)
    since = state(jmap)
    created = create_mailboxes(jmap, {"a": {"name": "A"}, "b": {"name": "B"}})
    update_ok(jmap, {roles["drafts"]: {"sortOrder": 50}})
    destroy_ok(jmap, [roles["junk"]])
    response = changes(jmap, since)
    assert sorted(response["created"]) == sorted(created.values())
    assert response["updated"] == [roles["drafts"]]
    assert response["destroyed"] == [roles["junk"]]
    assert response["hasMoreChanges"] is False
    assert response["oldState"] == since
    assert response["newState"] == state(jmap)


def test_new_state_of_changes_is_the_new_state_of_the_set(jmap):
    since = state(jmap)
    response = jmap.call("Mailbox/set", {"create": {"k": {"name": "K"}}})
    assert changes(jmap, since)["newState"] == response["newState"]


def test_created_then_updated_is_reported_as_created_only(jmap):
    since = state(jmap)
    mailbox = create_mailbox(jmap, "Fresh")
    update_ok(jmap, {mailbox: {"name": "Fresher"}})
    response = changes(jmap, since)
    assert response["created"] == [mailbox]
    assert response["updated"] == []


def test_updated_then_destroyed_is_reported_as_destroyed_only(jmap):
    mailbox = create_mailbox(jmap, "Short-lived")
    since = state(jmap)
    update_ok(jmap, {mailbox: {"name": "Shorter-lived"}})
    destroy_ok(jmap, [mailbox])
    response = changes(jmap, since)
    assert response["destroyed"] == [mailbox]
    assert response["updated"] == []
    assert response["created"] == []


def test_created_then_destroyed_in_the_window_is_not_reported(jmap):
    since = state(jmap)
    mailbox = create_mailbox(jmap, "Ephemeral")
    update_ok(jmap, {mailbox: {"name": "Ephemeral 2"}})
    destroy_ok(jmap, [mailbox])
    response = changes(jmap, since)
    assert mailbox not in response["created"] + response["updated"] + response["destroyed"]
    # And in one /set call.
    since = state(jmap)
    body = jmap.request(
        [
            ["Mailbox/set", {"accountId": jmap.account_id, "create": {"t": {"name": "Temp"}}}, "0"],
            ["Mailbox/set", {"accountId": jmap.account_id, "destroy": ["#t"]}, "1"],
        ]
    )
    temp = body["methodResponses"][0][1]["created"]["t"]["id"]
    response = changes(jmap, since)
    assert temp not in response["created"] + response["updated"] + response["destroyed"]


def test_move_is_an_update(jmap):
    roles = by_role(jmap)
    mailbox = create_mailbox(jmap, "Movable")
    since = state(jmap)
    update_ok(jmap, {mailbox: {"parentId": roles["archive"]}})
    response = changes(jmap, since)
    assert response["updated"] == [mailbox]
    assert response["updatedProperties"] is None


@pytest.mark.parametrize("change", ["rename", "create", "destroy", "subscribe"])
def test_updated_properties_is_null_when_more_than_counts_changed(jmap, change):
    mailbox = create_mailbox(jmap, "Subject")
    since = state(jmap)
    if change == "rename":
        update_ok(jmap, {mailbox: {"name": "Renamed"}})
    elif change == "create":
        create_mailbox(jmap, "Another")
    elif change == "destroy":
        destroy_ok(jmap, [mailbox])
    else:
        update_ok(jmap, {mailbox: {"isSubscribed": False}})
    assert changes(jmap, since)["updatedProperties"] is None


def test_max_changes_returns_intermediate_states_that_reach_the_same_final_picture(jmap):
    since = state(jmap)
    snapshot = mailboxes(jmap)
    roles = by_role(jmap)
    created = create_mailboxes(jmap, {f"k{i}": {"name": f"Box {i}"} for i in range(5)})
    update_ok(jmap, {roles["sent"]: {"sortOrder": 30}, created["k0"]: {"name": "Box zero"}})
    destroy_ok(jmap, [roles["trash"], created["k4"]])
    create_mailbox(jmap, "Late", parentId=created["k1"])

    full = changes(jmap, since)
    pages, final_state = all_changes(jmap, since, max_changes=2)
    assert final_state == full["newState"] == state(jmap)
    assert len(pages) > 1
    for page in pages:
        assert len(page["created"]) + len(page["updated"]) + len(page["destroyed"]) <= 2
        assert page["hasMoreChanges"] is (page is not pages[-1])

    # Follow the pages as a client would, fetching what each page names.
    picture = snapshot
    for page in pages:
        fetched = jmap.call("Mailbox/get", {"ids": page["created"] + page["updated"]})["list"]
        picture = apply_changes(picture, page, fetched)
    assert picture == mailboxes(jmap)

    # The pages report what the single response does, give or take what RFC 8620 5.2
    # allows: an id created in one page may show up as updated in a later one, and one
    # created and destroyed in the window (k4) may show up in just the destroyed list.
    assert sorted(i for page in pages for i in page["created"]) == sorted(full["created"])
    paged_updated = {i for page in pages for i in page["updated"]}
    assert set(full["updated"]) <= paged_updated <= set(full["updated"]) | set(full["created"])
    paged_destroyed = [i for page in pages for i in page["destroyed"]]
    assert len(paged_destroyed) == len(set(paged_destroyed))
    assert set(full["destroyed"]) <= set(paged_destroyed) <= {*full["destroyed"], created["k4"]}
    assert_change_order(pages, set(snapshot))


def assert_change_order(pages: list[dict], known: set[str]) -> None:
    """RFC 8620 5.2: never created after a page that deems it updated or destroyed, and
    never destroyed before a page that deems it created or updated.

    Also, each intermediate state is one the client can be in: an updated id is one
    the client already has (from its snapshot or an earlier page's created).
    """
    known = set(known)
    seen: dict[str, list[str]] = {}
    for page in pages:
        assert not set(page["created"]) & known, (page, known)
        assert set(page["updated"]) <= known, (page, known)
        known = (known | set(page["created"])) - set(page["destroyed"])
        for kind in ("created", "updated", "destroyed"):
            for object_id in page[kind]:
                seen.setdefault(object_id, []).append(kind)
    for object_id, kinds in seen.items():
        if "created" in kinds:
            assert kinds.index("created") == 0 and kinds.count("created") == 1, (object_id, kinds)
        if "destroyed" in kinds:
            assert kinds.index("destroyed") == len(kinds) - 1, (object_id, kinds)


def test_max_changes_one_gives_one_change_per_page(jmap):
    since = state(jmap)
    created = create_mailboxes(jmap, {f"k{i}": {"name": f"One {i}"} for i in range(4)})
    pages, final_state = all_changes(jmap, since, max_changes=1)
    assert final_state == state(jmap)
    assert [len(p["created"]) + len(p["updated"]) + len(p["destroyed"]) for p in pages] == [1, 1, 1, 1]
    assert sorted(i for p in pages for i in p["created"]) == sorted(created.values())


def test_a_client_that_is_up_to_date_after_paging_stays_up_to_date(jmap):
    since = state(jmap)
    create_mailboxes(jmap, {f"k{i}": {"name": f"P {i}"} for i in range(3)})
    _, final_state = all_changes(jmap, since, max_changes=2)
    assert changes(jmap, final_state)["created"] == []


@pytest.mark.parametrize("since", ["garbage", "", "-1", "1.5", " 1", "0x10", "1e3", "\U0001f600"])
def test_unknown_state_is_cannot_calculate_changes(jmap, since):
    assert jmap.error("Mailbox/changes", {"sinceState": since})["type"] == "cannotCalculateChanges"


def test_state_from_the_future_is_cannot_calculate_changes(jmap):
    current = state(jmap)
    for future in (current + "0000", current + "1", "9" * 30):
        assert jmap.error("Mailbox/changes", {"sinceState": future})["type"] == "cannotCalculateChanges"


@pytest.mark.parametrize(
    "arguments",
    [
        {"maxChanges": 0},
        {"maxChanges": -1},
        {"maxChanges": "5"},
        {"maxChanges": 1.5},
        {"maxChanges": True},
        {"sinceState": 5},
        {"sinceState": None},
        {"sinceState": "0", "unknownArgument": 1},
    ],
    ids=[
        "maxChanges-0",
        "maxChanges-negative",
        "maxChanges-string",
        "maxChanges-fraction",
        "maxChanges-boolean",
        "sinceState-number",
        "sinceState-null",
        "unknown-argument",
    ],
)
def test_invalid_arguments(jmap, arguments):
    arguments = {"sinceState": state(jmap), **arguments}
    assert jmap.error("Mailbox/changes", arguments)["type"] == "invalidArguments"


def test_missing_since_state_is_invalid_arguments(jmap):
    assert jmap.error("Mailbox/changes", {})["type"] == "invalidArguments"


def test_changes_in_another_account_do_not_show(jmap, other_jmap):
    since = state(jmap)
    create_mailbox(other_jmap, "Theirs")
    assert state(jmap) == since
    assert changes(jmap, since)["created"] == []


def test_sync_in_one_request_with_back_references(jmap):
    """The RFC 8621 section 2.2 example: /changes, then /get of created and of updated."""
    since = state(jmap)
    snapshot = mailboxes(jmap)
    roles = by_role(jmap)
    new = create_mailbox(jmap, "Synced")
    update_ok(jmap, {roles["archive"]: {"name": "Old stuff"}})
    body = jmap.request(
        [
            ["Mailbox/changes", {"accountId": jmap.account_id, "sinceState": since}, "0"],
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
                    "#properties": {"resultOf": "0", "name": "Mailbox/changes", "path": "/updatedProperties"},
                },
                "2",
            ],
        ]
    )
    change, created, updated = (r[1] for r in body["methodResponses"])
    assert [m["id"] for m in created["list"]] == [new]
    assert [m["id"] for m in updated["list"]] == [roles["archive"]]
    assert created["state"] == updated["state"] == change["newState"]
    picture = apply_changes(snapshot, change, created["list"] + updated["list"])
    assert picture == mailboxes(jmap)
