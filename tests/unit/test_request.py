"""The Request object and result references, in pure Python (RFC 8620 sections 3.3 and 3.7)."""

from __future__ import annotations

import json

import pytest

from jmapcore.protocol.errors import MethodError, RequestError
from jmapcore.protocol.request import Invocation, Response, parse_request, resolve_references

CORE = "urn:ietf:params:jmap:core"


def body(value) -> bytes:
    return json.dumps(value).encode()


def request_error(raw: bytes, max_calls: int = 16) -> RequestError:
    with pytest.raises(RequestError) as caught:
        parse_request(raw, max_calls)
    return caught.value


def test_parses_the_rfc_example_request():
    request = parse_request(
        body(
            {
                "using": [CORE, "urn:ietf:params:jmap:mail"],
                "methodCalls": [
                    ["method1", {"arg1": "arg1data", "arg2": "arg2data"}, "c1"],
                    ["method2", {"arg1": "arg1data"}, "c2"],
                    ["method3", {}, "c3"],
                ],
            }
        ),
        16,
    )
    assert request.using == [CORE, "urn:ietf:params:jmap:mail"]
    assert request.method_calls == [
        Invocation("method1", {"arg1": "arg1data", "arg2": "arg2data"}, "c1"),
        Invocation("method2", {"arg1": "arg1data"}, "c2"),
        Invocation("method3", {}, "c3"),
    ]
    assert request.created_ids is None


def test_created_ids_are_kept_even_when_empty():
    assert parse_request(body({"using": [], "methodCalls": [], "createdIds": {}}), 16).created_ids == {}


def test_unknown_request_members_are_ignored():
    assert parse_request(body({"using": [], "methodCalls": [], "future": 1}), 16).method_calls == []


@pytest.mark.parametrize(
    "raw",
    [b"", b"{", b"\xff", b"NaN", b'{"a": Infinity}', b'{"a": 1, "a": 2}', b'["\\udc00"]', b'{"\\ud800": 1}'],
    ids=[
        "empty",
        "truncated",
        "not-utf8",
        "NaN",
        "Infinity",
        "duplicate-name",
        "lone-surrogate",
        "surrogate-key",
    ],
)
def test_not_json(raw):
    error = request_error(raw)
    assert error.error_type == "notJSON"
    assert error.problem()["type"] == "urn:ietf:params:jmap:error:notJSON"
    assert error.problem()["status"] == 400


@pytest.mark.parametrize(
    "value",
    [
        [],
        {"using": [CORE]},
        {"methodCalls": []},
        {"using": [1], "methodCalls": []},
        {"using": [], "methodCalls": [["a", {}]]},
        {"using": [], "methodCalls": [["a", [], "c"]]},
        {"using": [], "methodCalls": [[1, {}, "c"]]},
        {"using": [], "methodCalls": [["a", {}, 1]]},
        {"using": [], "methodCalls": [], "createdIds": {"k": 1}},
        {"using": [], "methodCalls": [], "createdIds": []},
    ],
)
def test_not_request(value):
    assert request_error(body(value)).error_type == "notRequest"


def test_too_many_calls_is_a_limit_error_naming_the_limit():
    error = request_error(body({"using": [], "methodCalls": [["a", {}, "c"]] * 3}), max_calls=2)
    assert error.error_type == "limit"
    assert error.problem()["limit"] == "maxCallsInRequest"
    assert parse_request(body({"using": [], "methodCalls": [["a", {}, "c"]] * 2}), 2)


def test_response_has_created_ids_only_if_given():
    response = Response([Invocation("Core/echo", {}, "0")], None, "s1")
    assert response.to_json() == {"methodResponses": [["Core/echo", {}, "0"]], "sessionState": "s1"}
    response.created_ids = {}
    assert response.to_json()["createdIds"] == {}


PREVIOUS = [
    Invocation("Foo/changes", {"created": ["f1", "f4"], "list": [{"id": "a"}, {"id": "b"}]}, "t0"),
    Invocation("error", {"type": "serverFail"}, "t1"),
    Invocation("Foo/get", {"list": []}, "t0"),
]


def ref(result_of, name, path):
    return {"resultOf": result_of, "name": name, "path": path}


def test_resolves_the_rfc_example():
    arguments = {"accountId": "A1", "#ids": ref("t0", "Foo/changes", "/created")}
    assert resolve_references(arguments, PREVIOUS) == {"accountId": "A1", "ids": ["f1", "f4"]}


def test_resolves_with_star():
    assert resolve_references({"#ids": ref("t0", "Foo/changes", "/list/*/id")}, PREVIOUS) == {
        "ids": ["a", "b"]
    }


def test_uses_the_first_response_with_the_call_id():
    """RFC 8620 3.7 step 1: the *first* response with that id; its name must then match."""
    with pytest.raises(MethodError) as caught:
        resolve_references({"#ids": ref("t0", "Foo/get", "/list")}, PREVIOUS)
    assert caught.value.error_type == "invalidResultReference"


def test_arguments_without_references_are_unchanged():
    arguments = {"a": 1, "b": {"#c": "not a reference, it is nested"}}
    assert resolve_references(arguments, PREVIOUS) == arguments


@pytest.mark.parametrize(
    "reference",
    [
        ref("t9", "Foo/changes", "/created"),
        ref("t0", "Foo/get", "/created"),
        ref("t0", "Foo/changes", "/missing"),
        ref("t0", "Foo/changes", "created"),
        ref("t1", "Foo/changes", "/type"),
        {"resultOf": "t0", "name": "Foo/changes"},
        {"resultOf": "t0", "path": "/created"},
        ["t0", "Foo/changes", "/created"],
    ],
)
def test_invalid_result_reference(reference):
    with pytest.raises(MethodError) as caught:
        resolve_references({"#ids": reference}, PREVIOUS)
    assert caught.value.error_type == "invalidResultReference"


def test_plain_and_referenced_form_of_one_argument_is_invalid_arguments():
    with pytest.raises(MethodError) as caught:
        resolve_references({"ids": None, "#ids": ref("t0", "Foo/changes", "/created")}, PREVIOUS)
    assert caught.value.error_type == "invalidArguments"
