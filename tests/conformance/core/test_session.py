"""The Session resource (RFC 8620 section 2)."""

from __future__ import annotations

from tests.conformance.helpers import USING
from tests.conftest import CORE, MAIL

CORE_LIMITS = {
    # name: the RFC's suggested minimum
    "maxSizeUpload": 50_000_000,
    "maxConcurrentUpload": 4,
    "maxSizeRequest": 10_000_000,
    "maxConcurrentRequests": 4,
    "maxCallsInRequest": 16,
    "maxObjectsInGet": 500,
    "maxObjectsInSet": 500,
}


def is_unsigned_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 2**53 - 1


def test_session_has_every_required_member(session):
    assert set(session) >= {
        "capabilities",
        "accounts",
        "primaryAccounts",
        "username",
        "apiUrl",
        "downloadUrl",
        "uploadUrl",
        "eventSourceUrl",
        "state",
    }
    assert isinstance(session["state"], str) and session["state"]
    assert isinstance(session["username"], str)


def test_session_core_capability_has_every_limit_with_suggested_minimums(session):
    core = session["capabilities"][CORE]
    for name, minimum in CORE_LIMITS.items():
        assert is_unsigned_int(core[name]), name
        assert core[name] >= minimum, name
    assert isinstance(core["collationAlgorithms"], list)
    assert core["collationAlgorithms"]
    assert all(isinstance(c, str) for c in core["collationAlgorithms"])


def test_session_advertises_mail_capability(session):
    assert isinstance(session["capabilities"][MAIL], dict)


def test_session_lists_only_the_users_own_account(session, jmap):
    assert list(session["accounts"]) == [jmap.account_id]
    account = session["accounts"][jmap.account_id]
    assert account["name"] == jmap.account.address
    assert account["isPersonal"] is True
    assert account["isReadOnly"] is False
    assert session["username"] == jmap.account.address


def test_session_account_capabilities_describe_mail(session, jmap):
    capabilities = session["accounts"][jmap.account_id]["accountCapabilities"]
    assert set(capabilities) <= set(session["capabilities"])
    mail = capabilities[MAIL]
    # RFC 8621 section 1.3.1.
    assert mail["maxMailboxesPerEmail"] is None or (
        is_unsigned_int(mail["maxMailboxesPerEmail"]) and mail["maxMailboxesPerEmail"] >= 1
    )
    assert mail["maxMailboxDepth"] is None or is_unsigned_int(mail["maxMailboxDepth"])
    assert is_unsigned_int(mail["maxSizeMailboxName"]) and mail["maxSizeMailboxName"] >= 100
    assert is_unsigned_int(mail["maxSizeAttachmentsPerEmail"])
    assert isinstance(mail["emailQuerySortOptions"], list)
    assert all(isinstance(option, str) for option in mail["emailQuerySortOptions"])
    assert isinstance(mail["mayCreateTopLevelMailbox"], bool)


def test_session_primary_accounts_name_the_users_account_for_every_capability(session, jmap):
    primary = session["primaryAccounts"]
    assert primary[MAIL] == jmap.account_id
    # RFC 8620 section 2 says core "SHOULD NOT be present"; the product asks for it
    # (clients that look up the upload/echo account there), and a SHOULD allows it.
    assert primary[CORE] == jmap.account_id
    for capability, account_id in primary.items():
        assert capability in session["accounts"][account_id]["accountCapabilities"], capability


def test_session_urls_are_absolute_and_carry_their_template_variables(session, jmap_server):
    for name in ("apiUrl", "downloadUrl", "uploadUrl", "eventSourceUrl"):
        assert session[name].startswith(jmap_server.url + "/"), (name, session[name])
    for variable in ("{accountId}", "{blobId}", "{type}", "{name}"):
        assert variable in session["downloadUrl"]
    assert "{accountId}" in session["uploadUrl"]
    for variable in ("{types}", "{closeafter}", "{ping}"):
        assert variable in session["eventSourceUrl"]


def test_api_url_from_the_session_accepts_requests(session, jmap):
    response = jmap.http.post(
        session["apiUrl"], json={"using": [CORE], "methodCalls": [["Core/echo", {}, "0"]]}
    )
    assert response.status_code == 200
    assert response.json()["methodResponses"] == [["Core/echo", {}, "0"]]


def test_session_is_the_same_object_at_well_known_and_api_url(jmap):
    well_known = jmap.http.get("/.well-known/jmap")
    api = jmap.http.get("/jmap/api/")
    assert well_known.status_code == api.status_code == 200
    assert well_known.json() == api.json()


def test_session_response_is_json_and_not_cached(jmap):
    response = jmap.http.get("/.well-known/jmap")
    assert response.headers["content-type"].split(";")[0] == "application/json"
    assert "no-store" in response.headers.get("cache-control", "")


def test_session_state_is_the_api_response_session_state(session, jmap):
    body = jmap.request([["Core/echo", {}, "0"]], using=USING)
    assert body["sessionState"] == session["state"]


def test_session_state_is_stable_while_nothing_changes(jmap):
    first = jmap.http.get("/.well-known/jmap").json()
    second = jmap.http.get("/.well-known/jmap").json()
    assert first["state"] == second["state"]


def test_sessions_of_two_users_differ(session, other_jmap):
    other = other_jmap.http.get("/.well-known/jmap").json()
    assert list(other["accounts"]) == [other_jmap.account_id]
    assert other["primaryAccounts"][MAIL] == other_jmap.account_id
    assert other["state"] != session["state"]
