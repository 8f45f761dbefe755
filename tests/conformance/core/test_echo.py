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


def big_echo(jmap, accept_encoding: str):
    arguments = {"padding": "x" * 2000}
    response = jmap.post(
        {"using": [CORE], "methodCalls": [["Core/echo", arguments, "0"]]},
        headers={"Accept-Encoding": accept_encoding},
    )
    assert response.json()["methodResponses"] == [["Core/echo", arguments, "0"]]
    return response


def test_responses_are_gzipped_for_clients_that_accept_it(jmap):
    response = big_echo(jmap, "br, gzip;q=0.8")
    assert response.headers["Content-Encoding"] == "gzip"
    assert int(response.headers["Content-Length"]) < 300
    assert response.headers["Cache-Control"] == "no-store"


def test_responses_are_plain_when_gzip_is_refused_or_not_offered(jmap):
    for accept_encoding in ("identity", "gzip;q=0", "br"):
        response = big_echo(jmap, accept_encoding)
        assert "Content-Encoding" not in response.headers
        assert int(response.headers["Content-Length"]) > 2000


def test_small_responses_stay_plain(jmap):
    response = jmap.post(
        {"using": [CORE], "methodCalls": [["Core/echo", {}, "0"]]}, headers={"Accept-Encoding": "gzip"}
    )
    assert "Content-Encoding" not in response.headers
