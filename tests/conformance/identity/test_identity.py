"""Identity/get, /changes and /set over HTTP (RFC 8621 section 6)."""

from __future__ import annotations

import uuid

import pytest

from jmapcore.models import Account, Alias, Domain
from tests.conftest import CORE, MAIL, JmapClient

SUBMISSION = "urn:ietf:params:jmap:submission"
USING = [CORE, MAIL, SUBMISSION]


@pytest.fixture
def joe(jmap_server, make_account):
    account = make_account(f"joe-{uuid.uuid4().hex[:8]}.test")
    client = JmapClient(jmap_server, account)
    yield client
    client.close()


def call(jmap: JmapClient, name: str, arguments: dict) -> dict:
    return jmap.call(name, arguments, using=USING)


def identities(jmap: JmapClient) -> list[dict]:
    return call(jmap, "Identity/get", {})["list"]


def add_alias(django_db_blocker, jmap: JmapClient, local_part: str) -> str:
    domain_name = jmap.account.address.split("@")[1]
    with django_db_blocker.unblock():
        alias = Alias.objects.create(domain=Domain.objects.get(name=domain_name), local_part=local_part)
        alias.targets.add(Account.objects.get(pk=jmap.account.pk))
    return f"{local_part}@{domain_name}"


def test_an_account_starts_with_its_own_address(joe) -> None:
    response = call(joe, "Identity/get", {"ids": None})
    [identity] = response["list"]
    assert identity == {
        "id": identity["id"],
        "name": "Test User",
        "email": joe.account.address,
        "replyTo": None,
        "bcc": None,
        "textSignature": "",
        "htmlSignature": "",
        "mayDelete": False,
    }
    assert response["notFound"] == [] and response["state"]


def test_the_rfc_example_shape(joe, django_db_blocker) -> None:
    """Section 6.3: the own identity with a bcc and signatures, and a wildcard for a catch-all."""
    domain = joe.account.address.split("@")[1]
    add_alias(django_db_blocker, joe, "*")
    own = identities(joe)[0]
    local = joe.account.address.split("@")[0]
    updated = call(
        joe,
        "Identity/set",
        {
            "update": {
                own["id"]: {
                    "name": "Joe Bloggs",
                    "bcc": [{"name": None, "email": f"{local}+archive@{domain}"}],
                    "textSignature": "-- \nJoe Bloggs\nMaster of Email",
                    "htmlSignature": "<div><b>Joe Bloggs</b></div><div>Master of Email</div>",
                }
            },
            "create": {"w": {"name": "Joe B", "email": f"*@{domain}"}},
        },
    )
    assert updated["updated"] == {own["id"]: None}
    created = updated["created"]["w"]
    assert created["mayDelete"] is True and created["textSignature"] == "" and created["bcc"] is None
    listed = {identity["email"]: identity for identity in identities(joe)}
    assert listed[joe.account.address]["bcc"] == [{"name": None, "email": f"{local}+archive@{domain}"}]
    assert listed[joe.account.address]["mayDelete"] is False
    assert listed[f"*@{domain}"] == {
        "id": created["id"],
        "name": "Joe B",
        "email": f"*@{domain}",
        "replyTo": None,
        "bcc": None,
        "textSignature": "",
        "htmlSignature": "",
        "mayDelete": True,
    }


def test_an_alias_may_become_an_identity(joe, django_db_blocker) -> None:
    alias = add_alias(django_db_blocker, joe, "sales")
    response = call(joe, "Identity/set", {"create": {"a": {"name": "Sales", "email": alias.upper()}}})
    assert response["created"]["a"]["id"]
    assert alias in {identity["email"].lower() for identity in identities(joe)}


@pytest.mark.parametrize(
    "email",
    ["ceo@bank.test", "*@{domain}", "someone-else@{domain}"],
    ids=["foreign", "wildcard-without-catch-all", "other-user-of-own-domain"],
)
def test_addresses_the_account_does_not_own_are_forbidden_from(joe, email) -> None:
    domain = joe.account.address.split("@")[1]
    response = call(joe, "Identity/set", {"create": {"x": {"email": email.format(domain=domain)}}})
    assert response["notCreated"]["x"]["type"] == "forbiddenFrom"


def test_invalid_values_are_invalid_properties(joe) -> None:
    response = call(
        joe,
        "Identity/set",
        {
            "create": {
                "no-email": {"name": "Nobody"},
                "bad-reply-to": {"email": joe.account.address, "replyTo": [{"email": 5}]},
                "bad-name": {"email": joe.account.address, "name": None},
                "server-set": {"email": joe.account.address, "mayDelete": False},
            }
        },
    )
    not_created = response["notCreated"]
    assert {key: error["type"] for key, error in not_created.items()} == {
        "no-email": "invalidProperties",
        "bad-reply-to": "invalidProperties",
        "bad-name": "invalidProperties",
        "server-set": "invalidProperties",
    }
    assert not_created["bad-reply-to"]["properties"] == ["replyTo"]


def test_email_is_immutable(joe) -> None:
    own = identities(joe)[0]
    response = call(joe, "Identity/set", {"update": {own["id"]: {"email": "other@" + own["email"]}}})
    assert response["notUpdated"][own["id"]]["type"] == "invalidProperties"


def test_the_own_identity_cannot_be_destroyed_but_a_second_can(joe) -> None:
    own = identities(joe)[0]
    second = call(joe, "Identity/set", {"create": {"s": {"email": joe.account.address, "name": "Work"}}})
    second_id = second["created"]["s"]["id"]
    response = call(joe, "Identity/set", {"destroy": [own["id"], second_id]})
    assert response["destroyed"] == [second_id]
    assert response["notDestroyed"][own["id"]]["type"] == "forbidden"


def test_changes_follow_create_update_destroy(joe) -> None:
    since = call(joe, "Identity/get", {"ids": []})["state"]
    created = call(joe, "Identity/set", {"create": {"n": {"email": joe.account.address}}})["created"]["n"]
    own = identities(joe)[0]
    call(joe, "Identity/set", {"update": {own["id"]: {"name": "Renamed"}}})
    changes = call(joe, "Identity/changes", {"sinceState": since})
    assert (changes["created"], changes["updated"], changes["destroyed"]) == (
        [created["id"]],
        [own["id"]],
        [],
    )
    call(joe, "Identity/set", {"destroy": [created["id"]]})
    later = call(joe, "Identity/changes", {"sinceState": changes["newState"]})
    assert later["destroyed"] == [created["id"]] and later["oldState"] == changes["newState"]


def test_identity_methods_need_the_submission_capability(joe) -> None:
    response = joe.request([["Identity/get", {"accountId": joe.account_id}, "0"]], using=[CORE, MAIL])
    assert response["methodResponses"][0][1]["type"] == "unknownMethod"
