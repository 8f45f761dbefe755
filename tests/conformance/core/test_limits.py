"""Request limits advertised in the core capability (RFC 8620 sections 2 and 3.6.1)."""

from __future__ import annotations

import json

from tests.conformance.helpers import assert_problem
from tests.conftest import CORE


def test_more_calls_than_max_calls_in_request_is_a_limit_error(jmap, session):
    limit = session["capabilities"][CORE]["maxCallsInRequest"]
    calls = [["Core/echo", {"i": i}, str(i)] for i in range(limit + 1)]
    problem = assert_problem(jmap.post({"using": [CORE], "methodCalls": calls}), "limit")
    assert problem["limit"] == "maxCallsInRequest"


def test_exactly_max_calls_in_request_is_accepted(jmap, session):
    limit = session["capabilities"][CORE]["maxCallsInRequest"]
    calls = [["Core/echo", {"i": i}, str(i)] for i in range(limit)]
    body = jmap.request(calls, using=[CORE])
    assert body["methodResponses"] == calls


def padded_request(size: int) -> bytes:
    """A valid Request of exactly ``size`` octets (the padding is an unknown, ignored member)."""
    skeleton = {"using": [CORE], "methodCalls": [["Core/echo", {}, "0"]], "padding": ""}
    base = len(json.dumps(skeleton, separators=(",", ":")).encode())
    skeleton["padding"] = "x" * (size - base)
    body = json.dumps(skeleton, separators=(",", ":")).encode()
    assert len(body) == size
    return body


def test_request_larger_than_max_size_request_is_a_limit_error(jmap, session):
    limit = session["capabilities"][CORE]["maxSizeRequest"]
    response = jmap.http.post(
        "/jmap/api/", content=padded_request(limit + 1), headers={"Content-Type": "application/json"}
    )
    problem = assert_problem(response, "limit")
    assert problem["limit"] == "maxSizeRequest"


def test_request_of_exactly_max_size_request_is_accepted(jmap, session):
    limit = session["capabilities"][CORE]["maxSizeRequest"]
    response = jmap.http.post(
        "/jmap/api/", content=padded_request(limit), headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 200, response.text[:500]
    assert response.json()["methodResponses"] == [["Core/echo", {}, "0"]]


def test_chunked_request_larger_than_max_size_request_is_a_limit_error(jmap, session):
    """Without a Content-Length the server only learns the size while reading."""
    limit = session["capabilities"][CORE]["maxSizeRequest"]
    body = padded_request(limit + 64 * 1024)

    def chunks():
        for start in range(0, len(body), 256 * 1024):
            yield body[start : start + 256 * 1024]

    response = jmap.http.post("/jmap/api/", content=chunks(), headers={"Content-Type": "application/json"})
    problem = assert_problem(response, "limit")
    assert problem["limit"] == "maxSizeRequest"
