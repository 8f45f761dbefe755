from tests.conftest import CORE


def test_core_echo_returns_arguments_unchanged(jmap):
    body = jmap.request([["Core/echo", {"hello": True, "high": 5}, "b3ff"]], using=[CORE])
    assert body["methodResponses"] == [["Core/echo", {"hello": True, "high": 5}, "b3ff"]]
