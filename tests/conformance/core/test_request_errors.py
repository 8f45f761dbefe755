"""Request-level errors (RFC 8620 section 3.6.1) and the Request/Response shape (3.3, 3.4)."""

from __future__ import annotations

import json

import pytest

from tests.conformance.helpers import USING, assert_problem
from tests.conftest import CORE


def post_raw(jmap, body: bytes | str, content_type: str = "application/json"):
    if isinstance(body, str):
        body = body.encode()
    return jmap.http.post("/jmap/api/", content=body, headers={"Content-Type": content_type})


# ----------------------------------------------------------------- notJSON


@pytest.mark.parametrize(
    "body",
    [
        b'{"using": [], "methodCalls": [}',
        b"",
        b"not json at all",
        b'{"using": ["urn:ietf:params:jmap:core"], "methodCalls": []',
        b"\xff\xfe{}",
    ],
    ids=["broken-array", "empty", "text", "truncated", "not-utf8"],
)
def test_body_that_does_not_parse_is_not_json(jmap, body):
    assert_problem(post_raw(jmap, body), "notJSON")


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "text/json"])
def test_wrong_content_type_is_not_json(jmap, content_type):
    body = json.dumps({"using": [CORE], "methodCalls": []})
    assert_problem(post_raw(jmap, body, content_type), "notJSON")


def test_missing_content_type_is_not_json(jmap):
    response = jmap.http.post(
        "/jmap/api/", content=b'{"using": [], "methodCalls": []}', headers={"Content-Type": ""}
    )
    assert_problem(response, "notJSON")


def test_content_type_with_charset_parameter_is_json(jmap):
    body = json.dumps({"using": [CORE], "methodCalls": [["Core/echo", {}, "0"]]})
    response = post_raw(jmap, body, "application/json; charset=utf-8")
    assert response.status_code == 200
    assert response.json()["methodResponses"] == [["Core/echo", {}, "0"]]


@pytest.mark.parametrize(
    "body",
    [
        '{"using": [], "methodCalls": [["Core/echo", {"x": NaN}, "0"]]}',
        '{"using": [], "methodCalls": [["Core/echo", {"x": Infinity}, "0"]]}',
        '{"using": [], "methodCalls": [["Core/echo", {"x": -Infinity}, "0"]]}',
    ],
    ids=["NaN", "Infinity", "-Infinity"],
)
def test_non_json_number_literals_are_not_json(jmap, body):
    assert_problem(post_raw(jmap, body), "notJSON")


def test_duplicate_member_names_are_not_i_json(jmap):
    """RFC 7493 (I-JSON) section 2.3: objects MUST NOT have members with duplicate names."""
    body = '{"using": ["urn:ietf:params:jmap:core"], "methodCalls": [["Core/echo", {"a": 1, "a": 2}, "0"]]}'
    assert_problem(post_raw(jmap, body), "notJSON")


def test_lone_surrogate_escape_is_not_i_json(jmap):
    """RFC 7493 section 2.1: I-JSON MUST NOT include code points that identify surrogates."""
    body = r'{"using": ["urn:ietf:params:jmap:core"], "methodCalls": [["Core/echo", {"a": "\ud800"}, "0"]]}'
    assert_problem(post_raw(jmap, body), "notJSON")


def test_surrogate_pair_escape_is_json(jmap):
    body = r'{"using": ["urn:ietf:params:jmap:core"], "methodCalls": [["Core/echo", {"a": "\ud83d\ude00"}, "0"]]}'
    response = post_raw(jmap, body)
    assert response.status_code == 200
    assert response.json()["methodResponses"] == [["Core/echo", {"a": "\U0001f600"}, "0"]]


# ----------------------------------------------------------------- notRequest


@pytest.mark.parametrize(
    "body",
    [
        [],
        "a string",
        42,
        None,
        {"methodCalls": []},
        {"using": [CORE]},
        {"using": CORE, "methodCalls": []},
        {"using": [CORE, 5], "methodCalls": []},
        {"using": None, "methodCalls": []},
        {"using": [CORE], "methodCalls": {}},
        {"using": [CORE], "methodCalls": "Core/echo"},
        {"using": [CORE], "methodCalls": None},
    ],
    ids=[
        "array",
        "string",
        "number",
        "null",
        "missing-using",
        "missing-methodCalls",
        "using-string",
        "using-non-string-item",
        "using-null",
        "methodCalls-object",
        "methodCalls-string",
        "methodCalls-null",
    ],
)
def test_json_that_is_not_a_request_object_is_not_request(jmap, body):
    assert_problem(post_raw(jmap, json.dumps(body)), "notRequest")


@pytest.mark.parametrize(
    "invocation",
    [
        "Core/echo",
        {"name": "Core/echo"},
        ["Core/echo", {}],
        ["Core/echo", {}, "0", "extra"],
        [],
        [5, {}, "0"],
        ["Core/echo", [], "0"],
        ["Core/echo", None, "0"],
        ["Core/echo", {}, 0],
        ["Core/echo", {}, None],
    ],
    ids=[
        "string",
        "object",
        "two-items",
        "four-items",
        "empty",
        "name-number",
        "arguments-array",
        "arguments-null",
        "call-id-number",
        "call-id-null",
    ],
)
def test_malformed_invocation_is_not_request(jmap, invocation):
    body = {"using": [CORE], "methodCalls": [["Core/echo", {}, "ok"], invocation]}
    assert_problem(jmap.post(body), "notRequest")


@pytest.mark.parametrize("created_ids", [[], "x", {"k1": 5}], ids=["array", "string", "non-string-id"])
def test_malformed_created_ids_is_not_request(jmap, created_ids):
    body = {"using": [CORE], "methodCalls": [], "createdIds": created_ids}
    assert_problem(jmap.post(body), "notRequest")


def test_a_rejected_request_runs_no_method(jmap):
    """A request-level error rejects the whole request: the valid /set before the bad call is not run."""
    before = jmap.call("Mailbox/get", {"ids": None})
    body = {
        "using": USING,
        "methodCalls": [
            ["Mailbox/set", {"accountId": jmap.account_id, "create": {"a": {"name": "Never"}}}, "0"],
            ["Core/echo", {}],
        ],
    }
    assert_problem(jmap.post(body), "notRequest")
    after = jmap.call("Mailbox/get", {"ids": None})
    assert after == before


# ----------------------------------------------------------------- unknownCapability


def test_unknown_capability_in_using_is_rejected(jmap):
    body = {"using": [CORE, "https://example.com/apis/foobar"], "methodCalls": [["Core/echo", {}, "0"]]}
    problem = assert_problem(jmap.post(body), "unknownCapability")
    assert "https://example.com/apis/foobar" in problem["detail"]


def test_capabilities_need_not_be_used_by_the_calls(jmap):
    """RFC 8620 section 3.3: 'The client MAY include capability identifiers even if the
    method calls it makes do not utilise those capabilities.'"""
    body = jmap.request([["Core/echo", {}, "0"]], using=USING)
    assert body["methodResponses"] == [["Core/echo", {}, "0"]]


def test_empty_using_is_a_valid_request(jmap):
    response = jmap.post({"using": [], "methodCalls": []})
    assert response.status_code == 200
    assert response.json()["methodResponses"] == []


# ----------------------------------------------------------------- the Response object


def test_response_has_exactly_method_responses_and_session_state(jmap, session):
    response = jmap.post({"using": [CORE], "methodCalls": [["Core/echo", {"a": 1}, "c1"]]})
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == "application/json"
    assert response.json() == {
        "methodResponses": [["Core/echo", {"a": 1}, "c1"]],
        "sessionState": session["state"],
    }


def test_empty_method_calls_give_empty_method_responses(jmap, session):
    body = jmap.request([], using=[CORE])
    assert body == {"methodResponses": [], "sessionState": session["state"]}


def test_unknown_request_properties_are_ignored(jmap):
    """RFC 8620 section 3.3: 'a server MUST ignore any other properties it does not understand'."""
    body = {
        "using": [CORE],
        "methodCalls": [["Core/echo", {"x": 1}, "0"]],
        "someFutureExtension": {"nested": [1, 2, 3]},
    }
    response = jmap.post(body)
    assert response.status_code == 200
    assert response.json()["methodResponses"] == [["Core/echo", {"x": 1}, "0"]]


def test_api_endpoint_answers_other_http_methods_with_405(jmap):
    response = jmap.http.put("/jmap/api/", json={"using": [], "methodCalls": []})
    assert response.status_code == 405
    assert "POST" in response.headers["allow"]
