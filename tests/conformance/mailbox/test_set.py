"""Mailbox/set (RFC 8621 section 2.5, RFC 8620 section 5.3)."""

from __future__ import annotations

import pytest

from tests.conformance.helpers import (
    COUNTS,
    RIGHTS,
    by_role,
    create_mailbox,
    create_mailboxes,
    destroy_ok,
    mailbox_set,
    mailboxes,
    state,
    update_ok,
)
from tests.conftest import CORE, MAIL

ALL_RIGHTS = dict.fromkeys(RIGHTS, True)
SET_RESPONSE_KEYS = {
    "accountId",
    "oldState",
    "newState",
    "created",
    "updated",
    "destroyed",
    "notCreated",
    "notUpdated",
    "notDestroyed",
}


def set_error(
    response: dict, kind: str, key: str, error_type: str, properties: list[str] | None = None
) -> dict:
    """Assert that ``response[kind][key]`` is a SetError of this type (and these invalid properties)."""
    errors = response[kind]
    assert errors is not None and key in errors, response
    error = errors[key]
    assert error["type"] == error_type, error
    if properties is not None:
        assert sorted(error["properties"]) == sorted(properties), error
    if error.get("description") is not None:
        assert isinstance(error["description"], str)
    return error


def create_error(jmap, data: dict, error_type: str = "invalidProperties", properties=None) -> dict:
    response = mailbox_set(jmap, create={"k": data})
    assert response["created"] is None, response
    return set_error(response, "notCreated", "k", error_type, properties)


def update_error(jmap, mailbox_id: str, patch, error_type: str, properties=None) -> dict:
    response = mailbox_set(jmap, update={mailbox_id: patch})
    assert response["updated"] is None, response
    return set_error(response, "notUpdated", mailbox_id, error_type, properties)


# ----------------------------------------------------------------- create


def test_create_reports_every_server_set_and_defaulted_property(jmap):
    response = mailbox_set(jmap, create={"k": {"name": "Projects"}})
    created = response["created"]["k"]
    assert created == {
        "id": created["id"],
        "parentId": None,
        "role": None,
        "sortOrder": 0,
        "isSubscribed": True,
        "totalEmails": 0,
        "unreadEmails": 0,
        "totalThreads": 0,
        "unreadThreads": 0,
        "myRights": ALL_RIGHTS,
    }
    assert isinstance(created["id"], str) and created["id"]
    assert mailboxes(jmap)[created["id"]] == {"name": "Projects", **created}


def test_create_with_every_settable_property_reports_only_server_set_ones(jmap):
    archive = by_role(jmap)["archive"]
    data = {"name": "2024", "parentId": archive, "role": "flagged", "sortOrder": 42, "isSubscribed": False}
    response = mailbox_set(jmap, create={"k": data})
    created = response["created"]["k"]
    assert created == {"id": created["id"], **dict.fromkeys(COUNTS, 0), "myRights": ALL_RIGHTS}
    assert mailboxes(jmap)[created["id"]] == {**data, **created}


def test_set_response_has_every_key_and_null_when_empty(jmap):
    before = state(jmap)
    response = mailbox_set(jmap)
    assert response == {
        "accountId": jmap.account_id,
        "oldState": before,
        "newState": before,
        "created": None,
        "updated": None,
        "destroyed": None,
        "notCreated": None,
        "notUpdated": None,
        "notDestroyed": None,
    }


def test_explicit_nulls_for_create_update_destroy_are_the_defaults(jmap):
    response = mailbox_set(jmap, create=None, update=None, destroy=None, ifInState=None)
    assert set(response) == SET_RESPONSE_KEYS
    assert response["created"] is response["updated"] is response["destroyed"] is None


def test_old_and_new_state_bracket_the_change(jmap):
    before = state(jmap)
    response = mailbox_set(jmap, create={"k": {"name": "Stateful"}})
    assert response["oldState"] == before
    assert response["newState"] != before
    assert response["newState"] == state(jmap)


def test_several_creates_in_one_call(jmap):
    ids = create_mailboxes(jmap, {f"k{i}": {"name": f"Box {i}"} for i in range(5)})
    assert len(set(ids.values())) == 5
    all_ = mailboxes(jmap)
    assert {all_[ids[f"k{i}"]]["name"] for i in range(5)} == {f"Box {i}" for i in range(5)}


def test_one_failed_create_does_not_stop_the_others(jmap):
    response = mailbox_set(
        jmap, create={"good": {"name": "Good"}, "bad": {"name": ""}, "good2": {"name": "Good 2"}}
    )
    assert set(response["created"]) == {"good", "good2"}
    assert set(response["notCreated"]) == {"bad"}


# ----------------------------------------------------------------- create: invalidProperties


@pytest.mark.parametrize(
    ("data", "properties"),
    [
        ({}, ["name"]),
        ({"parentId": None}, ["name"]),
        ({"name": ""}, ["name"]),
        ({"name": None}, ["name"]),
        ({"name": 5}, ["name"]),
        ({"name": ["Inbox"]}, ["name"]),
        ({"name": "X", "totalEmails": 0}, ["totalEmails"]),
        ({"name": "X", "unreadThreads": 3}, ["unreadThreads"]),
        ({"name": "X", "myRights": ALL_RIGHTS}, ["myRights"]),
        ({"name": "X", "id": "M1"}, ["id"]),
        ({"name": "X", "color": "red"}, ["color"]),
        ({"name": "X", "role": "notarole"}, ["role"]),
        ({"name": "X", "role": "Drafts"}, ["role"]),
        ({"name": "X", "role": "\\Drafts"}, ["role"]),
        ({"name": "X", "role": ""}, ["role"]),
        ({"name": "X", "role": 1}, ["role"]),
        ({"name": "X", "parentId": "Mdoesnotexist"}, ["parentId"]),
        ({"name": "X", "parentId": 12}, ["parentId"]),
        ({"name": "X", "sortOrder": -1}, ["sortOrder"]),
        ({"name": "X", "sortOrder": 2**31}, ["sortOrder"]),
        ({"name": "X", "sortOrder": 1.5}, ["sortOrder"]),
        ({"name": "X", "sortOrder": "1"}, ["sortOrder"]),
        ({"name": "X", "sortOrder": True}, ["sortOrder"]),
        ({"name": "X", "isSubscribed": "yes"}, ["isSubscribed"]),
        ({"name": "X", "isSubscribed": 1}, ["isSubscribed"]),
        ({"name": "", "sortOrder": -1}, ["name", "sortOrder"]),
        ({"name": "X", "color": 1, "totalEmails": 1}, ["color", "totalEmails"]),
    ],
    ids=[
        "missing-name",
        "missing-name-with-others",
        "empty-name",
        "null-name",
        "number-name",
        "array-name",
        "server-set-totalEmails",
        "server-set-unreadThreads",
        "server-set-myRights",
        "server-set-id",
        "unknown-property",
        "unknown-role",
        "role-not-lower-case",
        "role-imap-spelling",
        "empty-role",
        "number-role",
        "unknown-parent",
        "number-parent",
        "negative-sortOrder",
        "sortOrder-2^31",
        "fractional-sortOrder",
        "string-sortOrder",
        "boolean-sortOrder",
        "string-isSubscribed",
        "number-isSubscribed",
        "two-bad-values",
        "unknown-and-server-set",
    ],
)
def test_invalid_create_is_invalid_properties_naming_them(jmap, data, properties):
    before = mailboxes(jmap)
    create_error(jmap, data, "invalidProperties", properties)
    assert mailboxes(jmap) == before


def test_largest_sort_order_is_accepted(jmap):
    mailbox = create_mailbox(jmap, "Last", sortOrder=2**31 - 1)
    assert mailboxes(jmap)[mailbox]["sortOrder"] == 2**31 - 1


def test_duplicate_role_is_invalid_properties(jmap):
    create_error(jmap, {"name": "Second inbox", "role": "inbox"}, "invalidProperties", ["role"])
    create_mailbox(jmap, "Starred", role="flagged")
    create_error(jmap, {"name": "Also starred", "role": "flagged"}, "invalidProperties", ["role"])


def test_duplicate_role_within_one_call_creates_only_one(jmap):
    response = mailbox_set(
        jmap, create={"a": {"name": "A", "role": "all"}, "b": {"name": "B", "role": "all"}}
    )
    assert len(response["created"]) == 1
    (failed,) = response["notCreated"].values()
    assert failed["type"] == "invalidProperties"
    assert failed["properties"] == ["role"]


def test_duplicate_sibling_name_is_invalid_properties(jmap):
    create_error(jmap, {"name": "Inbox"}, "invalidProperties", ["name"])
    parent = create_mailbox(jmap, "Parent")
    create_mailbox(jmap, "Same", parentId=parent)
    create_error(jmap, {"name": "Same", "parentId": parent}, "invalidProperties", ["name"])


def test_same_name_under_different_parents_is_allowed(jmap):
    roles = by_role(jmap)
    first = create_mailbox(jmap, "2024", parentId=roles["archive"])
    second = create_mailbox(jmap, "2024", parentId=roles["sent"])
    top = create_mailbox(jmap, "2024")
    assert len({first, second, top}) == 3


def test_parent_in_another_account_is_invalid_properties(jmap, other_jmap):
    foreign = by_role(other_jmap)["inbox"]
    create_error(jmap, {"name": "Sneaky", "parentId": foreign}, "invalidProperties", ["parentId"])


def test_name_of_max_size_mailbox_name_octets_is_accepted_and_one_more_is_not(jmap, session):
    limit = session["accounts"][jmap.account_id]["accountCapabilities"][MAIL]["maxSizeMailboxName"]
    longest = create_mailbox(jmap, "a" * limit)
    assert mailboxes(jmap)[longest]["name"] == "a" * limit
    create_error(jmap, {"name": "b" * (limit + 1)}, "invalidProperties", ["name"])
    # The limit is in octets: two-octet characters count twice.
    create_mailbox(jmap, "é" * (limit // 2))
    create_error(jmap, {"name": "é" * (limit // 2 + 1)}, "invalidProperties", ["name"])


def test_unicode_names_round_trip(jmap):
    name = "Reçus 📬 Входящие"
    mailbox = create_mailbox(jmap, name)
    assert mailboxes(jmap)[mailbox]["name"] == name


# ----------------------------------------------------------------- update


def test_update_changes_the_patched_properties_only(jmap):
    mailbox = create_mailbox(jmap, "Old name", sortOrder=3)
    response = update_ok(jmap, {mailbox: {"name": "New name", "sortOrder": 9}})
    assert response["updated"] == {mailbox: None}
    got = mailboxes(jmap)[mailbox]
    assert (got["name"], got["sortOrder"], got["isSubscribed"], got["parentId"]) == (
        "New name",
        9,
        True,
        None,
    )


def test_update_moves_a_mailbox_and_back_to_top_level(jmap):
    roles = by_role(jmap)
    mailbox = create_mailbox(jmap, "Mover")
    update_ok(jmap, {mailbox: {"parentId": roles["archive"]}})
    assert mailboxes(jmap)[mailbox]["parentId"] == roles["archive"]
    update_ok(jmap, {mailbox: {"parentId": None}})
    assert mailboxes(jmap)[mailbox]["parentId"] is None


def test_null_in_a_patch_resets_to_the_default(jmap):
    mailbox = create_mailbox(jmap, "Defaults", sortOrder=5, role="important")
    update_ok(jmap, {mailbox: {"sortOrder": None, "role": None}})
    got = mailboxes(jmap)[mailbox]
    assert (got["sortOrder"], got["role"]) == (0, None)


def test_patch_path_into_an_object_with_the_same_value_is_accepted(jmap):
    mailbox = create_mailbox(jmap, "Rights")
    response = update_ok(jmap, {mailbox: {"myRights/mayRename": True, "name": "Rights 2"}})
    assert response["updated"] == {mailbox: None}
    assert mailboxes(jmap)[mailbox]["name"] == "Rights 2"


def test_server_set_properties_echoed_with_the_same_value_are_accepted(jmap):
    mailbox = create_mailbox(jmap, "Echo")
    current = mailboxes(jmap)[mailbox]
    patch = {key: current[key] for key in ("id", "totalEmails", "unreadEmails", "myRights")}
    response = update_ok(jmap, {mailbox: {**patch, "sortOrder": 4}})
    assert response["updated"] == {mailbox: None}
    assert mailboxes(jmap)[mailbox]["sortOrder"] == 4


def test_the_whole_object_is_a_valid_patch(jmap):
    """RFC 8620 section 5.3: 'an entire Foo object is also a valid PatchObject'."""
    mailbox = create_mailbox(jmap, "Whole")
    whole = mailboxes(jmap)[mailbox]
    update_ok(jmap, {mailbox: {**whole, "name": "Whole again", "isSubscribed": False}})
    got = mailboxes(jmap)[mailbox]
    assert got == {**whole, "name": "Whole again", "isSubscribed": False}


def test_update_that_changes_nothing_succeeds(jmap):
    mailbox = create_mailbox(jmap, "Same")
    response = update_ok(jmap, {mailbox: {"name": "Same"}})
    assert response["updated"] == {mailbox: None}


@pytest.mark.parametrize(
    ("patch", "properties"),
    [
        ({"totalEmails": 5}, ["totalEmails"]),
        ({"unreadEmails": 1}, ["unreadEmails"]),
        ({"id": "M1"}, ["id"]),
        ({"myRights/mayDelete": False}, ["myRights"]),
        ({"myRights": {}}, ["myRights"]),
        ({"color": "red"}, ["color"]),
        ({"name": ""}, ["name"]),
        ({"name": None}, ["name"]),
        ({"role": "nonsense"}, ["role"]),
        ({"role": "inbox"}, ["role"]),
        ({"sortOrder": -5}, ["sortOrder"]),
        ({"parentId": "Mnowhere"}, ["parentId"]),
        ({"isSubscribed": "no"}, ["isSubscribed"]),
    ],
    ids=[
        "server-set-totalEmails",
        "server-set-unreadEmails",
        "server-set-id",
        "server-set-myRights-path",
        "server-set-myRights",
        "unknown-property",
        "empty-name",
        "null-name",
        "unknown-role",
        "duplicate-role",
        "negative-sortOrder",
        "unknown-parent",
        "string-isSubscribed",
    ],
)
def test_invalid_update_is_invalid_properties_naming_them(jmap, patch, properties):
    mailbox = create_mailbox(jmap, "Target")
    before = mailboxes(jmap)
    update_error(jmap, mailbox, patch, "invalidProperties", properties)
    assert mailboxes(jmap) == before


def test_rename_onto_a_sibling_name_is_invalid_properties(jmap):
    mailbox = create_mailbox(jmap, "Unique")
    update_error(jmap, mailbox, {"name": "Sent"}, "invalidProperties", ["name"])


def test_move_next_to_a_sibling_with_the_same_name_is_invalid_properties(jmap):
    archive = by_role(jmap)["archive"]
    create_mailbox(jmap, "Clash", parentId=archive)
    mailbox = create_mailbox(jmap, "Clash")
    error = update_error(jmap, mailbox, {"parentId": archive}, "invalidProperties")
    assert error["properties"] and set(error["properties"]) <= {"name", "parentId"}
    assert mailboxes(jmap)[mailbox]["parentId"] is None


def test_moving_a_mailbox_under_itself_or_a_descendant_is_invalid_properties(jmap):
    ids = create_mailboxes(
        jmap,
        {"a": {"name": "A"}, "b": {"name": "B", "parentId": "#a"}, "c": {"name": "C", "parentId": "#b"}},
    )
    update_error(jmap, ids["a"], {"parentId": ids["a"]}, "invalidProperties", ["parentId"])
    update_error(jmap, ids["a"], {"parentId": ids["b"]}, "invalidProperties", ["parentId"])
    update_error(jmap, ids["a"], {"parentId": ids["c"]}, "invalidProperties", ["parentId"])
    assert mailboxes(jmap)[ids["a"]]["parentId"] is None


@pytest.mark.parametrize(
    "patch",
    [
        {"name/first": "x"},
        {"myRights/mayDelete/deeper": True},
        {"myRights": dict.fromkeys(RIGHTS, True), "myRights/mayRename": True},
        {"myRights/mayRename": True, "myRights-": 1, "myRights": dict.fromkeys(RIGHTS, True)},
        {"noSuchProperty/sub": 1},
        "not an object",
        ["name", "x"],
    ],
    ids=[
        "into-a-string",
        "into-a-boolean",
        "prefix-of-another-path",
        "prefix-of-a-path-sorted-apart",
        "missing-parent",
        "string",
        "array",
    ],
)
def test_invalid_patch_is_invalid_patch(jmap, patch):
    mailbox = create_mailbox(jmap, "Patched")
    before = mailboxes(jmap)
    update_error(jmap, mailbox, patch, "invalidPatch")
    assert mailboxes(jmap) == before


def test_update_of_unknown_or_foreign_ids_is_not_found(jmap, other_jmap):
    foreign = by_role(other_jmap)["trash"]
    response = mailbox_set(jmap, update={"Mnope": {"name": "x"}, foreign: {"name": "Stolen"}, "M0": {}})
    assert response["updated"] is None
    for key in ("Mnope", foreign, "M0"):
        set_error(response, "notUpdated", key, "notFound")
    assert mailboxes(other_jmap)[foreign]["name"] == "Trash"


def test_update_is_atomic_per_mailbox(jmap):
    """RFC 8620 section 5.3: the server MUST NOT only commit part of an update to a single record."""
    mailbox = create_mailbox(jmap, "Atomic", sortOrder=1)
    update_error(jmap, mailbox, {"sortOrder": 2, "role": "bogus"}, "invalidProperties", ["role"])
    assert mailboxes(jmap)[mailbox]["sortOrder"] == 1


# ----------------------------------------------------------------- destroy


def test_destroy_removes_the_mailbox(jmap):
    mailbox = create_mailbox(jmap, "Doomed")
    before = state(jmap)
    response = destroy_ok(jmap, [mailbox])
    assert response["destroyed"] == [mailbox]
    assert response["oldState"] == before
    assert response["newState"] == state(jmap) != before
    got = jmap.call("Mailbox/get", {"ids": [mailbox]})
    assert got["list"] == []
    assert got["notFound"] == [mailbox]


def test_destroy_of_unknown_or_foreign_ids_is_not_found(jmap, other_jmap):
    foreign = by_role(other_jmap)["junk"]
    response = mailbox_set(jmap, destroy=["Mnope", foreign])
    assert response["destroyed"] is None
    set_error(response, "notDestroyed", "Mnope", "notFound")
    set_error(response, "notDestroyed", foreign, "notFound")
    assert foreign in mailboxes(other_jmap)


def test_destroying_twice_is_not_found_the_second_time(jmap):
    mailbox = create_mailbox(jmap, "Once")
    destroy_ok(jmap, [mailbox])
    response = mailbox_set(jmap, destroy=[mailbox])
    set_error(response, "notDestroyed", mailbox, "notFound")


def test_destroying_a_mailbox_with_a_child_is_mailbox_has_child(jmap):
    ids = create_mailboxes(jmap, {"p": {"name": "P"}, "c": {"name": "C", "parentId": "#p"}})
    response = mailbox_set(jmap, destroy=[ids["p"]])
    set_error(response, "notDestroyed", ids["p"], "mailboxHasChild")
    assert ids["p"] in mailboxes(jmap)


@pytest.mark.parametrize("order", ["parent-first", "child-first"])
def test_destroying_parent_and_children_in_one_call_succeeds(jmap, order):
    ids = create_mailboxes(
        jmap,
        {"p": {"name": "P"}, "c": {"name": "C", "parentId": "#p"}, "g": {"name": "G", "parentId": "#c"}},
    )
    listed = [ids["p"], ids["c"], ids["g"]]
    if order == "child-first":
        listed.reverse()
    response = destroy_ok(jmap, listed)
    assert sorted(response["destroyed"]) == sorted(listed)
    assert not set(listed) & set(mailboxes(jmap))


def test_moving_the_child_away_and_destroying_the_parent_in_one_call(jmap):
    ids = create_mailboxes(jmap, {"p": {"name": "P"}, "c": {"name": "C", "parentId": "#p"}})
    response = mailbox_set(jmap, update={ids["c"]: {"parentId": None}}, destroy=[ids["p"]])
    assert response["updated"] == {ids["c"]: None}
    assert response["destroyed"] == [ids["p"]]


def test_destroying_an_empty_mailbox_needs_no_on_destroy_remove_emails(jmap):
    mailbox = create_mailbox(jmap, "Empty")
    response = mailbox_set(jmap, destroy=[mailbox], onDestroyRemoveEmails=False)
    assert response["destroyed"] == [mailbox]
    other = create_mailbox(jmap, "Empty 2")
    response = mailbox_set(jmap, destroy=[other], onDestroyRemoveEmails=True)
    assert response["destroyed"] == [other]


# ----------------------------------------------------------------- the Inbox


def test_inbox_cannot_be_destroyed(jmap):
    inbox = by_role(jmap)["inbox"]
    response = mailbox_set(jmap, destroy=[inbox])
    set_error(response, "notDestroyed", inbox, "forbidden")
    assert inbox in mailboxes(jmap)


@pytest.mark.parametrize(
    "patch",
    [{"name": "Incoming"}, {"parentId": "<archive>"}, {"role": None}, {"role": "flagged"}],
    ids=["rename", "move", "remove-role", "change-role"],
)
def test_inbox_cannot_be_renamed_moved_or_lose_its_role(jmap, patch):
    """Its myRights say mayRename false; RFC 8620 5.3: forbidden 'would violate an ACL'."""
    roles = by_role(jmap)
    inbox = roles["inbox"]
    if "parentId" in patch:
        patch = {"parentId": roles["archive"]}
    before = mailboxes(jmap)
    response = mailbox_set(jmap, update={inbox: patch})
    set_error(response, "notUpdated", inbox, "forbidden")
    assert mailboxes(jmap) == before


def test_inbox_can_be_unsubscribed_and_reordered(jmap):
    inbox = by_role(jmap)["inbox"]
    update_ok(jmap, {inbox: {"isSubscribed": False, "sortOrder": 99}})
    got = mailboxes(jmap)[inbox]
    assert (got["isSubscribed"], got["sortOrder"], got["name"]) == (False, 99, "Inbox")


# ----------------------------------------------------------------- ifInState and limits


def test_if_in_state_that_matches_applies_the_changes(jmap):
    current = state(jmap)
    response = mailbox_set(jmap, ifInState=current, create={"k": {"name": "Guarded"}})
    assert response["oldState"] == current
    assert "k" in response["created"]


def test_if_in_state_that_does_not_match_is_state_mismatch(jmap):
    stale = state(jmap)
    create_mailbox(jmap, "Moves the state")
    before = mailboxes(jmap)
    error = jmap.error("Mailbox/set", {"ifInState": stale, "create": {"k": {"name": "Never"}}})
    assert error["type"] == "stateMismatch"
    assert mailboxes(jmap) == before


@pytest.mark.parametrize(
    "arguments",
    [
        {"create": []},
        {"create": "x"},
        {"update": []},
        {"destroy": "M1"},
        {"destroy": {}},
        {"ifInState": 5},
        {"onDestroyRemoveEmails": "yes"},
        {"unknownArgument": 1},
    ],
    ids=[
        "create-array",
        "create-string",
        "update-array",
        "destroy-string",
        "destroy-object",
        "ifInState-number",
        "onDestroyRemoveEmails-string",
        "unknown-argument",
    ],
)
def test_malformed_set_arguments_are_invalid_arguments(jmap, arguments):
    assert jmap.error("Mailbox/set", arguments)["type"] == "invalidArguments"


def test_more_than_max_objects_in_set_is_request_too_large(jmap, session):
    limit = session["capabilities"][CORE]["maxObjectsInSet"]
    before = state(jmap)
    # The limit counts creates, updates and destroys together.
    half = limit // 2
    arguments = {
        "create": {f"k{i}": {"name": f"N{i}"} for i in range(half)},
        "destroy": [f"Mgone{i}" for i in range(limit - half + 1)],
    }
    assert jmap.error("Mailbox/set", arguments)["type"] == "requestTooLarge"
    assert state(jmap) == before


def test_errors_carry_the_creation_id_or_mailbox_id_as_key(jmap):
    mailbox = create_mailbox(jmap, "Key")
    response = mailbox_set(
        jmap,
        create={"my-creation": {"name": ""}},
        update={mailbox: {"name": ""}},
        destroy=["Mmissing"],
    )
    assert list(response["notCreated"]) == ["my-creation"]
    assert list(response["notUpdated"]) == [mailbox]
    assert list(response["notDestroyed"]) == ["Mmissing"]


def test_set_needs_the_mail_capability(jmap):
    body = jmap.request(
        [["Mailbox/set", {"accountId": jmap.account_id, "create": {"k": {"name": "x"}}}, "0"]], using=[CORE]
    )
    assert body["methodResponses"][0][1]["type"] == "unknownMethod"


# ----------------------------------------------------------------- names and references


def test_names_are_stored_in_nfc_and_compared_that_way(jmap):
    """RFC 8621 2: the name MUST be Net-Unicode (RFC 5198), which is NFC-normalised."""
    decomposed = "Cafe\u0301"
    mailbox = create_mailbox(jmap, decomposed)
    assert mailboxes(jmap)[mailbox]["name"] == "Caf\u00e9"
    create_error(jmap, {"name": "Caf\u00e9"}, "invalidProperties", ["name"])


@pytest.mark.parametrize("name", ["a\u0007b", "line\nbreak", "nul\u0000", "tab\there"])
def test_names_with_control_characters_are_rejected(jmap, name):
    """Net-Unicode (RFC 5198) excludes control characters; RFC 8621 lets servers reject them."""
    create_error(jmap, {"name": name}, "invalidProperties", ["name"])


def test_update_may_reference_a_mailbox_created_in_the_same_call(jmap):
    """RFC 8620 5.3: creates happen before their creation ids are referenced by an update."""
    existing = create_mailbox(jmap, "Existing")
    response = mailbox_set(
        jmap, update={existing: {"parentId": "#new"}}, create={"new": {"name": "New parent"}}
    )
    assert response["notUpdated"] is None and response["notCreated"] is None, response
    assert mailboxes(jmap)[existing]["parentId"] == response["created"]["new"]["id"]


def test_swapping_two_sibling_names_in_one_call(jmap):
    """RFC 8620 5.3 allows the invalid intermediate state only if the final state is valid;
    otherwise each change is processed in turn. Either way no two siblings share a name."""
    ids = create_mailboxes(jmap, {"a": {"name": "A"}, "b": {"name": "B"}})
    response = mailbox_set(jmap, update={ids["a"]: {"name": "B"}, ids["b"]: {"name": "A"}})
    names = sorted(m["name"] for m in mailboxes(jmap).values() if m["id"] in ids.values())
    assert len(set(names)) == 2
    if response["notUpdated"]:
        assert all(e["type"] == "invalidProperties" for e in response["notUpdated"].values())
    else:
        assert names == ["A", "B"]
