"""Mailbox/get (RFC 8621 section 2.1, RFC 8620 section 5.1)."""

from __future__ import annotations

from tests.conformance.helpers import (
    MAILBOX_PROPERTIES,
    RIGHTS,
    STANDARD_ROLES,
    by_role,
    create_mailbox,
    mailboxes,
    state,
)
from tests.conftest import CORE


def is_unsigned_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 2**53 - 1


def test_ids_null_returns_every_mailbox_the_six_standard_ones_for_a_new_account(jmap):
    response = jmap.call("Mailbox/get", {"ids": None})
    assert set(response) == {"accountId", "state", "list", "notFound"}
    assert response["accountId"] == jmap.account_id
    assert isinstance(response["state"], str) and response["state"]
    assert response["notFound"] == []
    assert len(response["list"]) == 6
    assert {m["role"] for m in response["list"]} == STANDARD_ROLES
    assert len({m["id"] for m in response["list"]}) == 6


def test_omitted_ids_means_null(jmap):
    """RFC 8620 section 3.5: null is the default for an omitted argument that may be null."""
    assert jmap.call("Mailbox/get", {}) == jmap.call("Mailbox/get", {"ids": None})


def test_every_mailbox_has_every_rfc_property_with_its_type(jmap):
    create_mailbox(jmap, "Custom", parentId=by_role(jmap)["archive"], sortOrder=7, isSubscribed=False)
    for mailbox in mailboxes(jmap).values():
        assert set(mailbox) == MAILBOX_PROPERTIES
        assert isinstance(mailbox["id"], str) and mailbox["id"]
        assert isinstance(mailbox["name"], str) and mailbox["name"]
        assert mailbox["parentId"] is None or isinstance(mailbox["parentId"], str)
        assert mailbox["role"] is None or isinstance(mailbox["role"], str)
        assert is_unsigned_int(mailbox["sortOrder"]) and mailbox["sortOrder"] < 2**31
        for count in ("totalEmails", "unreadEmails", "totalThreads", "unreadThreads"):
            assert is_unsigned_int(mailbox[count]), count
        assert set(mailbox["myRights"]) == RIGHTS
        assert all(isinstance(value, bool) for value in mailbox["myRights"].values())
        assert isinstance(mailbox["isSubscribed"], bool)


def test_standard_mailboxes_are_top_level_subscribed_and_empty(jmap):
    for mailbox in mailboxes(jmap).values():
        assert mailbox["parentId"] is None
        assert mailbox["isSubscribed"] is True
        assert (mailbox["totalEmails"], mailbox["unreadEmails"]) == (0, 0)
        assert (mailbox["totalThreads"], mailbox["unreadThreads"]) == (0, 0)


def test_inbox_may_not_be_renamed_or_deleted_and_others_may(jmap):
    for mailbox in mailboxes(jmap).values():
        rights = mailbox["myRights"]
        is_inbox = mailbox["role"] == "inbox"
        assert rights["mayRename"] is not is_inbox
        assert rights["mayDelete"] is not is_inbox
        assert rights["mayReadItems"] and rights["mayAddItems"] and rights["mayCreateChild"]


def test_properties_limit_what_is_returned_and_id_is_always_included(jmap):
    response = jmap.call("Mailbox/get", {"ids": None, "properties": ["name", "role"]})
    assert len(response["list"]) == 6
    for mailbox in response["list"]:
        assert set(mailbox) == {"id", "name", "role"}


def test_empty_properties_return_only_ids(jmap):
    response = jmap.call("Mailbox/get", {"ids": None, "properties": []})
    assert all(set(m) == {"id"} for m in response["list"])


def test_properties_with_id_listed_return_it_once(jmap):
    response = jmap.call("Mailbox/get", {"ids": None, "properties": ["id", "myRights"]})
    assert all(set(m) == {"id", "myRights"} for m in response["list"])


def test_unknown_property_is_invalid_arguments(jmap):
    error = jmap.error("Mailbox/get", {"ids": None, "properties": ["name", "color"]})
    assert error["type"] == "invalidArguments"


def test_specific_ids_and_not_found(jmap, other_jmap):
    roles = by_role(jmap)
    foreign = by_role(other_jmap)["inbox"]
    response = jmap.call(
        "Mailbox/get",
        {"ids": [roles["inbox"], "Mdoesnotexist", foreign, "M999999999999"], "properties": ["role"]},
    )
    assert response["list"] == [{"id": roles["inbox"], "role": "inbox"}]
    # Another account's Mailbox is as unknown as one that never existed.
    assert sorted(response["notFound"]) == sorted(["Mdoesnotexist", foreign, "M999999999999"])


def test_duplicate_ids_are_returned_once(jmap):
    roles = by_role(jmap)
    response = jmap.call(
        "Mailbox/get",
        {"ids": [roles["sent"], roles["sent"], "Mnope", "Mnope"], "properties": ["name"]},
    )
    assert response["list"] == [{"id": roles["sent"], "name": "Sent"}]
    assert response["notFound"] == ["Mnope"]


def test_empty_ids_return_empty_list_and_not_found(jmap):
    response = jmap.call("Mailbox/get", {"ids": []})
    assert response["list"] == []
    assert response["notFound"] == []


def test_more_ids_than_max_objects_in_get_is_request_too_large(jmap, session):
    limit = session["capabilities"][CORE]["maxObjectsInGet"]
    error = jmap.error("Mailbox/get", {"ids": [f"M{i}" for i in range(limit + 1)]})
    assert error["type"] == "requestTooLarge"


def test_exactly_max_objects_in_get_ids_is_accepted(jmap, session):
    limit = session["capabilities"][CORE]["maxObjectsInGet"]
    inbox = by_role(jmap)["inbox"]
    ids = [inbox] + [f"Mx{i}" for i in range(limit - 1)]
    response = jmap.call("Mailbox/get", {"ids": ids, "properties": ["id"]})
    assert response["list"] == [{"id": inbox}]
    assert len(response["notFound"]) == limit - 1


def test_state_is_stable_while_nothing_changes_and_changes_after_a_write(jmap):
    first = state(jmap)
    assert state(jmap) == first
    create_mailbox(jmap, "New")
    second = state(jmap)
    assert second != first
    assert state(jmap) == second


def test_state_covers_all_mailboxes_not_just_those_returned(jmap):
    roles = by_role(jmap)
    before = jmap.call("Mailbox/get", {"ids": [roles["inbox"]]})["state"]
    jmap.call("Mailbox/set", {"update": {roles["junk"]: {"name": "Spam"}}})
    after = jmap.call("Mailbox/get", {"ids": [roles["inbox"]]})["state"]
    assert after != before


def test_each_account_sees_only_its_own_mailboxes(jmap, other_jmap):
    mine = set(mailboxes(jmap))
    theirs = set(mailboxes(other_jmap))
    assert mine.isdisjoint(theirs)
