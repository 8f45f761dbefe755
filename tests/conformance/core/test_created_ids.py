"""Creation ids: the createdIds map and #creationId references (RFC 8620 sections 3.3, 3.4, 5.3)."""

from __future__ import annotations

from tests.conformance.helpers import by_role, mailboxes


def test_response_has_no_created_ids_unless_the_request_had_them(jmap):
    body = jmap.request(
        [["Mailbox/set", {"accountId": jmap.account_id, "create": {"k1": {"name": "One"}}}, "0"]]
    )
    assert "createdIds" not in body
    assert body["methodResponses"][0][1]["created"]["k1"]["id"]


def test_empty_created_ids_come_back_with_every_new_creation_id(jmap):
    body = jmap.request(
        [
            ["Mailbox/set", {"accountId": jmap.account_id, "create": {"k1": {"name": "One"}}}, "0"],
            ["Mailbox/set", {"accountId": jmap.account_id, "create": {"k2": {"name": "Two"}}}, "1"],
        ],
        createdIds={},
    )
    first = body["methodResponses"][0][1]["created"]["k1"]["id"]
    second = body["methodResponses"][1][1]["created"]["k2"]["id"]
    assert body["createdIds"] == {"k1": first, "k2": second}


def test_created_ids_given_in_the_request_resolve_and_are_returned(jmap):
    roles = by_role(jmap)
    body = jmap.request(
        [
            [
                "Mailbox/get",
                {"accountId": jmap.account_id, "ids": ["#elsewhere"], "properties": ["role"]},
                "0",
            ],
            [
                "Mailbox/set",
                {
                    "accountId": jmap.account_id,
                    "create": {"child": {"name": "Sub", "parentId": "#elsewhere"}},
                },
                "1",
            ],
        ],
        createdIds={"elsewhere": roles["archive"]},
    )
    get, created = (r[1] for r in body["methodResponses"])
    assert get["list"] == [{"id": roles["archive"], "role": "archive"}]
    child = created["created"]["child"]["id"]
    assert body["createdIds"] == {"elsewhere": roles["archive"], "child": child}
    assert mailboxes(jmap)[child]["parentId"] == roles["archive"]


def test_creation_id_references_work_across_calls(jmap):
    body = jmap.request(
        [
            ["Mailbox/set", {"accountId": jmap.account_id, "create": {"k1": {"name": "Parent"}}}, "0"],
            [
                "Mailbox/set",
                {"accountId": jmap.account_id, "create": {"k2": {"name": "Child", "parentId": "#k1"}}},
                "1",
            ],
            [
                "Mailbox/get",
                {"accountId": jmap.account_id, "ids": ["#k1", "#k2"], "properties": ["parentId"]},
                "2",
            ],
            ["Mailbox/set", {"accountId": jmap.account_id, "update": {"#k2": {"name": "Renamed"}}}, "3"],
        ]
    )
    parent = body["methodResponses"][0][1]["created"]["k1"]["id"]
    child = body["methodResponses"][1][1]["created"]["k2"]["id"]
    got = {m["id"]: m for m in body["methodResponses"][2][1]["list"]}
    assert got == {parent: {"id": parent, "parentId": None}, child: {"id": child, "parentId": parent}}
    # The reference in an update key is replaced by the real id.
    assert body["methodResponses"][3][1]["updated"] == {child: None}
    assert mailboxes(jmap)[child]["name"] == "Renamed"


def test_child_listed_before_its_parent_in_one_create_map(jmap):
    """RFC 8620 section 5.3: the server MUST order the creates so that creates happen
    before their creation ids are referenced by another create in the same call."""
    response = jmap.call(
        "Mailbox/set",
        {
            "create": {
                "grandchild": {"name": "Grandchild", "parentId": "#child"},
                "child": {"name": "Child", "parentId": "#parent"},
                "parent": {"name": "Parent"},
            }
        },
    )
    assert response["notCreated"] is None, response
    ids = {key: value["id"] for key, value in response["created"].items()}
    all_ = mailboxes(jmap)
    assert all_[ids["parent"]]["parentId"] is None
    assert all_[ids["child"]]["parentId"] == ids["parent"]
    assert all_[ids["grandchild"]]["parentId"] == ids["child"]


def test_reference_to_a_creation_that_failed_is_invalid_properties(jmap):
    response = jmap.call(
        "Mailbox/set",
        {"create": {"bad": {"name": ""}, "child": {"name": "Orphan", "parentId": "#bad"}}},
    )
    assert response["created"] is None
    assert response["notCreated"]["bad"]["type"] == "invalidProperties"
    assert response["notCreated"]["child"]["type"] == "invalidProperties"
    assert response["notCreated"]["child"]["properties"] == ["parentId"]


def test_unknown_creation_id_reference_is_not_found_or_invalid(jmap):
    body = jmap.request(
        [
            ["Mailbox/get", {"accountId": jmap.account_id, "ids": ["#never"]}, "0"],
            [
                "Mailbox/set",
                {
                    "accountId": jmap.account_id,
                    "create": {"c": {"name": "X", "parentId": "#never"}},
                    "update": {"#never": {"name": "Y"}},
                    "destroy": ["#never"],
                },
                "1",
            ],
        ]
    )
    get, set_ = (r[1] for r in body["methodResponses"])
    assert get["list"] == []
    assert get["notFound"] == ["#never"]
    assert set_["notCreated"]["c"]["properties"] == ["parentId"]
    assert [e["type"] for e in set_["notUpdated"].values()] == ["notFound"]
    assert [e["type"] for e in set_["notDestroyed"].values()] == ["notFound"]


def test_reused_creation_id_maps_to_the_most_recent_creation(jmap):
    """RFC 8620 section 5.3: 'the server MUST map the creation id to the most recently created item'."""
    body = jmap.request(
        [
            ["Mailbox/set", {"accountId": jmap.account_id, "create": {"k": {"name": "First"}}}, "0"],
            ["Mailbox/set", {"accountId": jmap.account_id, "create": {"k": {"name": "Second"}}}, "1"],
            ["Mailbox/get", {"accountId": jmap.account_id, "ids": ["#k"], "properties": ["name"]}, "2"],
        ],
        createdIds={},
    )
    second = body["methodResponses"][1][1]["created"]["k"]["id"]
    assert body["methodResponses"][2][1]["list"] == [{"id": second, "name": "Second"}]
    assert body["createdIds"] == {"k": second}


def test_destroy_by_creation_id_reports_the_real_id(jmap):
    body = jmap.request(
        [
            ["Mailbox/set", {"accountId": jmap.account_id, "create": {"tmp": {"name": "Temporary"}}}, "0"],
            ["Mailbox/set", {"accountId": jmap.account_id, "destroy": ["#tmp"]}, "1"],
        ]
    )
    created = body["methodResponses"][0][1]["created"]["tmp"]["id"]
    assert body["methodResponses"][1][1]["destroyed"] == [created]
    assert created not in mailboxes(jmap)
