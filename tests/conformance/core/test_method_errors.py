"""Method-level errors (RFC 8620 section 3.6.2) and the Invocation data type (3.2)."""

from __future__ import annotations

import pytest

from tests.conformance.helpers import USING, mailboxes, state
from tests.conftest import CORE, MAIL


def single(jmap, name: str, arguments: dict, call_id: str = "c1", using=None) -> list:
    body = jmap.request([[name, arguments, call_id]], using=using or USING)
    assert len(body["methodResponses"]) == 1
    return body["methodResponses"][0]


def assert_error(invocation: list, error_type: str, call_id: str = "c1") -> dict:
    name, arguments, returned_id = invocation
    assert name == "error", invocation
    assert returned_id == call_id
    assert arguments["type"] == error_type, arguments
    if "description" in arguments:
        assert isinstance(arguments["description"], str)
    return arguments


def test_unknown_method_is_unknown_method(jmap):
    response = single(jmap, "Foo/bar", {"accountId": jmap.account_id})
    assert_error(response, "unknownMethod")


@pytest.mark.parametrize("name", ["mailbox/get", "Mailbox/Get", "Mailbox/get ", "Mailbox", "", "/get"])
def test_method_names_are_matched_exactly(jmap, name):
    assert_error(single(jmap, name, {"accountId": jmap.account_id}), "unknownMethod")


def test_method_of_a_capability_not_in_using_is_unknown_method(jmap):
    response = single(jmap, "Mailbox/get", {"accountId": jmap.account_id}, using=[CORE])
    assert_error(response, "unknownMethod")


def test_method_error_is_not_an_http_error(jmap):
    response = jmap.post({"using": USING, "methodCalls": [["Nope/nope", {}, "0"]]})
    assert response.status_code == 200


@pytest.mark.parametrize(
    "arguments",
    [
        {"ids": "M1"},
        {"ids": [1, 2]},
        {"ids": {}},
        {"properties": "name"},
        {"properties": [1]},
        {"properties": ["name", "noSuchProperty"]},
        {"idz": None},
        {"ids": None, "someUnknownArgument": True},
    ],
    ids=[
        "ids-string",
        "ids-numbers",
        "ids-object",
        "properties-string",
        "properties-number",
        "properties-unknown",
        "unknown-argument",
        "extra-unknown-argument",
    ],
)
def test_wrong_argument_types_and_unknown_arguments_are_invalid_arguments(jmap, arguments):
    response = single(jmap, "Mailbox/get", {"accountId": jmap.account_id, **arguments})
    assert_error(response, "invalidArguments")


@pytest.mark.parametrize(
    "account_id", [5, None, ["A1"], {"id": "A1"}], ids=["number", "null", "array", "object"]
)
def test_account_id_of_the_wrong_type_is_invalid_arguments(jmap, account_id):
    response = single(jmap, "Mailbox/get", {"accountId": account_id})
    assert_error(response, "invalidArguments")


def test_missing_account_id_is_invalid_arguments(jmap):
    assert_error(single(jmap, "Mailbox/get", {}), "invalidArguments")


def test_another_users_account_is_account_not_found(jmap, other_jmap):
    for name, arguments in [
        ("Mailbox/get", {"ids": None}),
        ("Mailbox/set", {"create": {"x": {"name": "Intruder"}}}),
        ("Mailbox/changes", {"sinceState": "0"}),
        ("Mailbox/query", {}),
        ("Mailbox/queryChanges", {"sinceQueryState": "0"}),
    ]:
        response = single(jmap, name, {"accountId": other_jmap.account_id, **arguments})
        assert_error(response, "accountNotFound")
    # Nothing was created in the other account.
    assert "Intruder" not in {m["name"] for m in mailboxes(other_jmap).values()}


@pytest.mark.parametrize("account_id", ["Anonsense", "A999999999999", "", "A-1"])
def test_nonsense_account_id_is_account_not_found(jmap, account_id):
    assert_error(single(jmap, "Mailbox/get", {"accountId": account_id}), "accountNotFound")


@pytest.mark.parametrize(
    "call_id",
    [
        "",
        " ",
        "0",
        "with spaces and / slashes",
        "ünïcødé ✓ \U0001f600",
        "#not-a-reference",
        "x" * 1000,
        "null",
    ],
)
def test_method_call_ids_are_arbitrary_strings_echoed_back(jmap, call_id):
    body = jmap.request(
        [["Core/echo", {"v": 1}, call_id], ["Nope/nope", {}, call_id]],
        using=[CORE],
    )
    assert body["methodResponses"][0] == ["Core/echo", {"v": 1}, call_id]
    assert body["methodResponses"][1][0] == "error"
    assert body["methodResponses"][1][2] == call_id


def test_calls_are_answered_in_order_and_one_failure_does_not_abort_the_others(jmap):
    body = jmap.request(
        [
            ["Core/echo", {"n": 1}, "a"],
            ["Nope/nope", {}, "b"],
            ["Mailbox/get", {"accountId": jmap.account_id, "ids": "wrong"}, "c"],
            ["Mailbox/get", {"accountId": "Anonsense"}, "d"],
            ["Core/echo", {"n": 2}, "e"],
            ["Mailbox/get", {"accountId": jmap.account_id, "ids": [], "properties": ["id"]}, "f"],
        ],
        using=[CORE, MAIL],
    )
    responses = body["methodResponses"]
    assert [r[2] for r in responses] == ["a", "b", "c", "d", "e", "f"]
    assert responses[0] == ["Core/echo", {"n": 1}, "a"]
    assert [r[1]["type"] for r in responses[1:4]] == ["unknownMethod", "invalidArguments", "accountNotFound"]
    assert responses[4] == ["Core/echo", {"n": 2}, "e"]
    assert responses[5][0] == "Mailbox/get"
    assert responses[5][1]["list"] == []


def test_a_failed_method_changes_nothing(jmap):
    """RFC 8620 section 3.6.2: the state MUST NOT have changed if an error is returned."""
    before = state(jmap)
    snapshot = mailboxes(jmap)
    response = single(
        jmap,
        "Mailbox/set",
        {
            "accountId": jmap.account_id,
            "ifInState": "not-the-state",
            "create": {"a": {"name": "Should not exist"}},
            "destroy": [next(iter(snapshot))],
        },
    )
    assert_error(response, "stateMismatch")
    assert state(jmap) == before
    assert mailboxes(jmap) == snapshot


def test_argument_given_both_plain_and_as_reference_is_invalid_arguments(jmap):
    body = jmap.request(
        [
            ["Mailbox/query", {"accountId": jmap.account_id}, "q"],
            [
                "Mailbox/get",
                {
                    "accountId": jmap.account_id,
                    "ids": [],
                    "#ids": {"resultOf": "q", "name": "Mailbox/query", "path": "/ids"},
                },
                "g",
            ],
        ]
    )
    assert_error(body["methodResponses"][1], "invalidArguments", "g")
