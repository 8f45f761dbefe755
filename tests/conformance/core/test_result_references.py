"""References to previous method results (RFC 8620 section 3.7)."""

from __future__ import annotations

import pytest

from tests.conformance.helpers import by_role, create_mailboxes, ref, state, update_ok
from tests.conftest import CORE, MAIL


def test_changes_created_feeds_get_ids_like_the_rfc_example(jmap):
    since = state(jmap)
    created = create_mailboxes(jmap, {"a": {"name": "A"}, "b": {"name": "B"}})
    body = jmap.request(
        [
            ["Mailbox/changes", {"accountId": jmap.account_id, "sinceState": since}, "t0"],
            [
                "Mailbox/get",
                {"accountId": jmap.account_id, "#ids": ref("t0", "Mailbox/changes", "/created")},
                "t1",
            ],
        ]
    )
    changes, get = body["methodResponses"]
    assert sorted(changes[1]["created"]) == sorted(created.values())
    assert get[0] == "Mailbox/get"
    assert sorted(m["id"] for m in get[1]["list"]) == sorted(created.values())
    assert get[1]["notFound"] == []


def test_query_ids_then_get_then_star_path_like_the_rfc_example(jmap):
    """The shape of the RFC 8620 section 3.7 Email/Thread example, with Mailboxes.

    query children of P -> get their parentId -> get the parents through /list/*/parentId.
    """
    ids = create_mailboxes(
        jmap,
        {
            "p": {"name": "Parent"},
            "c1": {"name": "Child 1", "parentId": "#p"},
            "c2": {"name": "Child 2", "parentId": "#p"},
        },
    )
    body = jmap.request(
        [
            [
                "Mailbox/query",
                {
                    "accountId": jmap.account_id,
                    "filter": {"parentId": ids["p"]},
                    "sort": [{"property": "name"}],
                    "position": 0,
                    "limit": 10,
                    "calculateTotal": True,
                },
                "t0",
            ],
            [
                "Mailbox/get",
                {
                    "accountId": jmap.account_id,
                    "#ids": ref("t0", "Mailbox/query", "/ids"),
                    "properties": ["parentId"],
                },
                "t1",
            ],
            [
                "Mailbox/get",
                {
                    "accountId": jmap.account_id,
                    "#ids": ref("t1", "Mailbox/get", "/list/*/parentId"),
                    "properties": ["name"],
                },
                "t2",
            ],
        ]
    )
    query, children, parents = (r[1] for r in body["methodResponses"])
    assert query["ids"] == [ids["c1"], ids["c2"]]
    assert query["total"] == 2
    assert sorted(children["list"], key=lambda m: m["id"]) == sorted(
        [{"id": ids["c1"], "parentId": ids["p"]}, {"id": ids["c2"], "parentId": ids["p"]}],
        key=lambda m: m["id"],
    )
    # The same parent id twice in ids: listed once (RFC 8620 section 5.1).
    assert parents["list"] == [{"id": ids["p"], "name": "Parent"}]
    assert parents["notFound"] == []


def test_star_flattens_arrays_of_arrays(jmap):
    roles = by_role(jmap)
    groups = {"groups": [{"ids": [roles["inbox"], roles["sent"]]}, {"ids": []}, {"ids": [roles["trash"]]}]}
    body = jmap.request(
        [
            ["Core/echo", groups, "e"],
            [
                "Mailbox/get",
                {
                    "accountId": jmap.account_id,
                    "#ids": ref("e", "Core/echo", "/groups/*/ids"),
                    "properties": ["role"],
                },
                "g",
            ],
        ],
        using=[CORE, MAIL],
    )
    listed = body["methodResponses"][1][1]["list"]
    assert sorted(m["role"] for m in listed) == ["inbox", "sent", "trash"]


def test_star_at_the_end_of_a_path_maps_the_whole_array(jmap):
    roles = by_role(jmap)
    body = jmap.request(
        [
            ["Core/echo", {"ids": [roles["inbox"]]}, "e"],
            ["Core/echo", {"#copy": ref("e", "Core/echo", "/ids/*")}, "f"],
        ],
        using=[CORE],
    )
    assert body["methodResponses"][1] == ["Core/echo", {"copy": [roles["inbox"]]}, "f"]


def test_path_with_escaped_tokens_resolves(jmap):
    body = jmap.request(
        [
            ["Core/echo", {"a/b": {"m~n": [1, 2]}}, "e"],
            ["Core/echo", {"#v": ref("e", "Core/echo", "/a~1b/m~0n/1")}, "f"],
        ],
        using=[CORE],
    )
    assert body["methodResponses"][1] == ["Core/echo", {"v": 2}, "f"]


def test_reference_to_null_gives_null(jmap):
    """Mailbox/changes updatedProperties (null after a rename) feeds Mailbox/get properties: all of them."""
    since = state(jmap)
    trash = by_role(jmap)["trash"]
    update_ok(jmap, {trash: {"name": "Bin"}})
    body = jmap.request(
        [
            ["Mailbox/changes", {"accountId": jmap.account_id, "sinceState": since}, "0"],
            [
                "Mailbox/get",
                {
                    "accountId": jmap.account_id,
                    "#ids": ref("0", "Mailbox/changes", "/updated"),
                    "#properties": ref("0", "Mailbox/changes", "/updatedProperties"),
                },
                "1",
            ],
        ]
    )
    changes, get = (r[1] for r in body["methodResponses"])
    assert changes["updatedProperties"] is None
    assert changes["updated"] == [trash]
    assert len(get["list"]) == 1
    assert get["list"][0]["name"] == "Bin"
    assert "myRights" in get["list"][0]  # every property


def test_reference_resolves_to_the_first_response_with_that_call_id(jmap):
    body = jmap.request(
        [
            ["Core/echo", {"v": "first"}, "dup"],
            ["Core/echo", {"v": "second"}, "dup"],
            ["Core/echo", {"#got": ref("dup", "Core/echo", "/v")}, "r"],
        ],
        using=[CORE],
    )
    assert body["methodResponses"][2] == ["Core/echo", {"got": "first"}, "r"]


def test_references_may_be_chained(jmap):
    body = jmap.request(
        [
            ["Core/echo", {"v": {"w": 7}}, "a"],
            ["Core/echo", {"#x": ref("a", "Core/echo", "/v")}, "b"],
            ["Core/echo", {"#y": ref("b", "Core/echo", "/x/w")}, "c"],
        ],
        using=[CORE],
    )
    assert body["methodResponses"][2] == ["Core/echo", {"y": 7}, "c"]


@pytest.mark.parametrize(
    "reference",
    [
        ref("q", "Mailbox/query", "/nothingHere"),
        ref("q", "Mailbox/query", "/ids/9999"),
        ref("q", "Mailbox/query", "/ids/first"),
        ref("q", "Mailbox/query", "/ids/0/deeper"),
        ref("q", "Mailbox/query", "ids"),
        ref("q", "Mailbox/get", "/ids"),
        ref("q", "mailbox/query", "/ids"),
        ref("nope", "Mailbox/query", "/ids"),
        ref("later", "Core/echo", "/ids"),
        {"resultOf": "q", "name": "Mailbox/query"},
        {"resultOf": "q", "path": "/ids"},
        {"name": "Mailbox/query", "path": "/ids"},
        {"resultOf": 1, "name": "Mailbox/query", "path": "/ids"},
        "q/ids",
        None,
    ],
    ids=[
        "missing-member",
        "index-out-of-range",
        "index-not-a-number",
        "descend-into-string",
        "path-without-slash",
        "wrong-name",
        "name-case",
        "unknown-resultOf",
        "resultOf-a-later-call",
        "no-path",
        "no-name",
        "no-resultOf",
        "resultOf-number",
        "not-an-object",
        "null",
    ],
)
def test_unresolvable_reference_is_invalid_result_reference(jmap, reference):
    body = jmap.request(
        [
            ["Mailbox/query", {"accountId": jmap.account_id}, "q"],
            ["Mailbox/get", {"accountId": jmap.account_id, "#ids": reference}, "g"],
            ["Core/echo", {"ids": []}, "later"],
        ]
    )
    responses = body["methodResponses"]
    assert responses[1][0] == "error"
    assert responses[1][1]["type"] == "invalidResultReference"
    assert responses[1][2] == "g"
    assert responses[2] == ["Core/echo", {"ids": []}, "later"]


def test_reference_to_an_error_response_is_invalid_result_reference(jmap):
    body = jmap.request(
        [
            ["Mailbox/query", {"accountId": "Anonsense"}, "q"],
            ["Mailbox/get", {"accountId": jmap.account_id, "#ids": ref("q", "Mailbox/query", "/ids")}, "g"],
        ]
    )
    assert body["methodResponses"][0][0] == "error"
    assert body["methodResponses"][1][1]["type"] == "invalidResultReference"


def test_reference_to_a_value_of_the_wrong_type_is_invalid_arguments(jmap):
    body = jmap.request(
        [
            ["Mailbox/query", {"accountId": jmap.account_id}, "q"],
            [
                "Mailbox/get",
                {"accountId": jmap.account_id, "#ids": ref("q", "Mailbox/query", "/queryState")},
                "g",
            ],
        ]
    )
    assert body["methodResponses"][1][1]["type"] == "invalidArguments"
