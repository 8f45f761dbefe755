"""Core/echo (RFC 8620 section 4)."""

from __future__ import annotations

from tests.conftest import CORE


def test_echo_returns_the_rfc_example_exactly(jmap):
    body = jmap.request([["Core/echo", {"hello": True, "high": 5}, "b3ff"]], using=[CORE])
    assert body["methodResponses"] == [["Core/echo", {"hello": True, "high": 5}, "b3ff"]]


def test_echo_returns_any_json_unchanged(jmap):
    arguments = {
        "null": None,
        "false": False,
        "int": -(2**53) + 1,
        "float": 1.5,
        "string": 'ünïcødé ✓ \U0001f600 \u0000 "quoted" \\\\',
        "array": [1, [2, [3, {}]], []],
        "object": {"nested": {"deeper": [None]}},
        "": "empty key",
    }
    body = jmap.request([["Core/echo", arguments, "0"]], using=[CORE])
    assert body["methodResponses"] == [["Core/echo", arguments, "0"]]


def test_echo_with_no_arguments(jmap):
    body = jmap.request([["Core/echo", {}, "0"]], using=[CORE])
    assert body["methodResponses"] == [["Core/echo", {}, "0"]]


def test_echo_needs_the_core_capability_in_using(jmap):
    response = jmap.post({"using": [], "methodCalls": [["Core/echo", {}, "0"]]})
    assert response.status_code == 200
    body = response.json()
    assert body["methodResponses"][0][0] == "error"
    assert body["methodResponses"][0][1]["type"] == "unknownMethod"
