"""JMAP over WebSocket (RFC 8887) against the real server."""

from __future__ import annotations

import json
from typing import Any

import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import ClientConnection, connect

from tests.conftest import CORE, MAIL

from .helpers import create_mailbox, log_in


def ws_url(server_url: str) -> str:
    return server_url.replace("http://", "ws://", 1) + "/jmap/ws/"


def open_ws(server_url: str, token: str | None = None, **kwargs: Any) -> ClientConnection:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    headers.update(kwargs.pop("additional_headers", {}))
    kwargs.setdefault("subprotocols", ["jmap"])
    return connect(ws_url(server_url), additional_headers=headers, proxy=None, open_timeout=5, **kwargs)


def receive(ws: ClientConnection, timeout: float = 3) -> dict[str, Any]:
    return json.loads(ws.recv(timeout=timeout))


@pytest.fixture
def ws(jmap):
    with open_ws(jmap.server.url, jmap.account.token) as connection:
        yield connection


def test_session_advertises_websocket_with_push(jmap):
    session = jmap.http.get("/jmap/session/").json()
    assert session["capabilities"]["urn:ietf:params:jmap:websocket"] == {
        "url": ws_url(jmap.server.url),
        "supportsPush": True,
    }


def test_request_gets_response_with_request_id(ws):
    assert ws.subprotocol == "jmap"
    ws.send(
        json.dumps(
            {
                "@type": "Request",
                "id": "R1",
                "using": [CORE],
                "methodCalls": [["Core/echo", {"hello": True, "high": 5}, "b3ff"]],
            }
        )
    )
    response = receive(ws)
    assert response["@type"] == "Response"
    assert response["requestId"] == "R1"
    assert response["methodResponses"] == [["Core/echo", {"hello": True, "high": 5}, "b3ff"]]
    assert response["sessionState"]


def test_request_errors_are_problem_details_with_request_id(ws):
    ws.send("{not json")
    error = receive(ws)
    assert error["@type"] == "RequestError"
    assert error["type"] == "urn:ietf:params:jmap:error:notJSON"
    assert error["status"] == 400
    assert "requestId" not in error

    ws.send(json.dumps({"@type": "Request", "id": "R2", "using": [CORE], "methodCalls": "nope"}))
    error = receive(ws)
    assert error == {**error, "@type": "RequestError", "requestId": "R2"}
    assert error["type"] == "urn:ietf:params:jmap:error:notRequest"

    ws.send(json.dumps({"@type": "Request", "id": "R3", "using": ["urn:example:nope"], "methodCalls": []}))
    assert receive(ws)["type"] == "urn:ietf:params:jmap:error:unknownCapability"


def test_push_enable_sends_state_changes_until_disabled(jmap, ws):
    ws.send(json.dumps({"@type": "WebSocketPushEnable", "dataTypes": None}))
    new_state = create_mailbox(jmap)

    change = receive(ws)
    assert change["@type"] == "StateChange"
    assert change["changed"] == {jmap.account_id: {"Mailbox": new_state}}
    assert change["pushState"]

    ws.send(json.dumps({"@type": "WebSocketPushDisable"}))
    create_mailbox(jmap, "After disable")
    ws.send(json.dumps({"@type": "Request", "id": "after", "using": [CORE], "methodCalls": []}))
    assert receive(ws)["requestId"] == "after"
    with pytest.raises(TimeoutError):
        ws.recv(timeout=0.3)


def test_push_follows_a_set_made_on_the_same_connection(jmap, ws):
    ws.send(json.dumps({"@type": "WebSocketPushEnable", "dataTypes": ["Mailbox"]}))
    ws.send(
        json.dumps(
            {
                "@type": "Request",
                "id": "set",
                "using": [CORE, MAIL],
                "methodCalls": [
                    ["Mailbox/set", {"accountId": jmap.account_id, "create": {"m": {"name": "Over WS"}}}, "0"]
                ],
            }
        )
    )
    response = receive(ws)
    assert response["@type"] == "Response"
    new_state = response["methodResponses"][0][1]["newState"]
    change = receive(ws)
    assert change["changed"] == {jmap.account_id: {"Mailbox": new_state}}


def test_data_types_filter_state_changes(jmap, ws):
    ws.send(json.dumps({"@type": "WebSocketPushEnable", "dataTypes": ["Email"]}))
    create_mailbox(jmap)
    with pytest.raises(TimeoutError):
        ws.recv(timeout=0.3)


def test_push_state_catches_up_on_reconnect(jmap):
    with open_ws(jmap.server.url, jmap.account.token) as first:
        first.send(json.dumps({"@type": "WebSocketPushEnable", "dataTypes": None}))
        create_mailbox(jmap, "Seen")
        push_state = receive(first)["pushState"]

    missed_state = create_mailbox(jmap, "Missed")

    with open_ws(jmap.server.url, jmap.account.token) as again:
        again.send(json.dumps({"@type": "WebSocketPushEnable", "dataTypes": None, "pushState": push_state}))
        assert receive(again, timeout=1)["changed"] == {jmap.account_id: {"Mailbox": missed_state}}


def test_missing_subprotocol_is_rejected(jmap):
    with pytest.raises(InvalidStatus) as refused:
        open_ws(jmap.server.url, jmap.account.token, subprotocols=None)
    assert refused.value.response.status_code == 403


def test_wrong_credentials_are_rejected(jmap):
    with pytest.raises(InvalidStatus):
        open_ws(jmap.server.url, "jmap_not-a-token")
    with pytest.raises(InvalidStatus):
        open_ws(jmap.server.url)


def test_session_cookie_needs_this_sites_origin(jmap):
    browser = log_in(jmap.server.url, jmap.account.address, jmap.account.password)
    cookie = f"sessionid={browser.cookies['sessionid']}"
    browser.close()

    with open_ws(jmap.server.url, origin=jmap.server.url, additional_headers={"Cookie": cookie}) as ws:
        ws.send(json.dumps({"@type": "Request", "using": [CORE], "methodCalls": [["Core/echo", {}, "0"]]}))
        assert receive(ws)["methodResponses"] == [["Core/echo", {}, "0"]]

    for origin in ("https://evil.example", None):
        with pytest.raises(InvalidStatus):
            open_ws(jmap.server.url, origin=origin, additional_headers={"Cookie": cookie})
