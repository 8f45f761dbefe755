"""VacationResponse/get and /set over HTTP (RFC 8621 section 8)."""

from __future__ import annotations

import pytest

from tests.conftest import CORE, MAIL, JmapClient

VACATION = "urn:ietf:params:jmap:vacationresponse"
USING = [CORE, MAIL, VACATION]


def call(jmap: JmapClient, name: str, arguments: dict) -> dict:
    return jmap.call(name, arguments, using=USING)


def test_the_capability_is_advertised(jmap) -> None:
    session = jmap.http.get("/.well-known/jmap", follow_redirects=True).json()
    assert VACATION in session["capabilities"]
    assert VACATION in session["accounts"][jmap.account_id]["accountCapabilities"]


def test_get_returns_the_disabled_singleton(jmap) -> None:
    response = call(jmap, "VacationResponse/get", {"ids": None})
    assert response["list"] == [
        {
            "id": "singleton",
            "isEnabled": False,
            "fromDate": None,
            "toDate": None,
            "subject": None,
            "textBody": None,
            "htmlBody": None,
        }
    ]
    assert response["notFound"] == []
    other = call(jmap, "VacationResponse/get", {"ids": ["singleton", "other"], "properties": ["isEnabled"]})
    assert other["list"] == [{"id": "singleton", "isEnabled": False}] and other["notFound"] == ["other"]


def test_set_updates_and_moves_the_state(jmap) -> None:
    before = call(jmap, "VacationResponse/get", {"ids": ["singleton"]})["state"]
    response = call(
        jmap,
        "VacationResponse/set",
        {
            "ifInState": before,
            "update": {
                "singleton": {
                    "isEnabled": True,
                    "fromDate": "2026-12-20T00:00:00Z",
                    "toDate": "2027-01-05T00:00:00Z",
                    "subject": "Away for the holidays",
                    "textBody": "Back on 5 January.",
                }
            },
        },
    )
    assert response["updated"] == {"singleton": None}
    assert response["oldState"] == before != response["newState"]
    [vacation] = call(jmap, "VacationResponse/get", {})["list"]
    assert vacation["isEnabled"] is True and vacation["toDate"] == "2027-01-05T00:00:00Z"
    assert vacation["subject"] == "Away for the holidays" and vacation["htmlBody"] is None


def test_create_and_destroy_are_singleton_errors(jmap) -> None:
    response = call(
        jmap, "VacationResponse/set", {"create": {"new": {"isEnabled": True}}, "destroy": ["singleton"]}
    )
    assert response["notCreated"]["new"]["type"] == "singleton"
    assert response["notDestroyed"]["singleton"]["type"] == "singleton"


@pytest.mark.parametrize(
    ("patch", "bad"),
    [
        ({"isEnabled": "yes"}, "isEnabled"),
        ({"fromDate": "2026-12-20"}, "fromDate"),
        ({"toDate": "2026-12-20T00:00:00+01:00"}, "toDate"),
        ({"subject": 7}, "subject"),
        ({"id": "other"}, "id"),
        ({"unknown": 1}, "unknown"),
    ],
)
def test_bad_values_are_invalid_properties(jmap, patch, bad) -> None:
    response = call(jmap, "VacationResponse/set", {"update": {"singleton": patch}})
    error = response["notUpdated"]["singleton"]
    assert error["type"] == "invalidProperties" and error["properties"] == [bad]


def test_an_unknown_id_is_not_found(jmap) -> None:
    response = call(jmap, "VacationResponse/set", {"update": {"holiday": {"isEnabled": True}}})
    assert response["notUpdated"]["holiday"]["type"] == "notFound"


def test_methods_need_the_capability(jmap) -> None:
    response = jmap.request(
        [["VacationResponse/get", {"accountId": jmap.account_id}, "0"]], using=[CORE, MAIL]
    )
    assert response["methodResponses"][0][1]["type"] == "unknownMethod"
