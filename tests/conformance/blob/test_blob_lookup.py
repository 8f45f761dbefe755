"""Blob/lookup (RFC 9404 section 4.3)."""

from __future__ import annotations

from jmapcore.engine.capabilities import CORE
from jmapcore.engine.context import Context
from jmapcore.models import Account
from jmapcore.selectors.accounts import accessible_accounts
from jmapcore.services.blobs import to_sha256
from tests.conftest import MAIL

from .helpers import BLOB, USING, call, error, unique, upload_ok

LOOKUP_USING = [*USING, MAIL]


def _lookup(client, type_names: list[str], ids: list[str]) -> dict:
    return call(client, "Blob/lookup", {"typeNames": type_names, "ids": ids}, LOOKUP_USING)


def test_a_blob_no_mailbox_holds_matches_nothing(jmap):
    blob_id = upload_ok(jmap, unique())
    assert _lookup(jmap, ["Mailbox"], [blob_id]) == {
        "accountId": jmap.account_id,
        "list": [{"id": blob_id, "matchedIds": {"Mailbox": []}}],
        "notFound": [],
    }


def test_a_foreign_or_missing_blob_answers_like_an_unreferenced_one(jmap, stranger):
    foreign = upload_ok(stranger, unique())
    missing = "G" + "3" * 64
    result = _lookup(jmap, ["Mailbox"], [foreign, missing, "not-a-blob"])
    assert result["list"] == [
        {"id": foreign, "matchedIds": {"Mailbox": []}},
        {"id": missing, "matchedIds": {"Mailbox": []}},
    ]
    assert result["notFound"] == ["not-a-blob"]


def test_unknown_types_or_types_not_in_using_are_unknown_data_type(jmap):
    blob_id = upload_ok(jmap, unique())
    for type_names, using in (
        (["Nothing"], LOOKUP_USING),
        (["Mailbox", "Core"], LOOKUP_USING),
        (["Mailbox"], USING),  # the Mailbox capability is not in use
    ):
        arguments = {"typeNames": type_names, "ids": [blob_id]}
        assert error(jmap, "Blob/lookup", arguments, using)["type"] == "unknownDataType"
    assert error(jmap, "Blob/lookup", {"ids": [blob_id]}, LOOKUP_USING)["type"] == "invalidArguments"


def test_registered_lookups_contribute_their_matches(jmap, orm):
    from jmapcore.datatypes import blob as blob_methods

    blob_id = upload_ok(jmap, unique())
    account = Account.objects.get(pk=jmap.account.pk)
    seen: list[list[str]] = []

    def things(account: Account, sha256s: list[str]) -> dict[str, list[str]]:
        seen.append(sha256s)
        return {sha256: ["T1", "T2"] for sha256 in sha256s}

    previous = dict(blob_methods.BLOB_LOOKUPS)
    blob_methods.register_blob_lookup("Thing", CORE, things)
    try:
        ctx = Context(user=account.user, accounts=accessible_accounts(account.user), using=frozenset(USING))
        result = blob_methods.blob_lookup(
            ctx, {"accountId": account.jmap_id, "typeNames": ["Thing"], "ids": [blob_id, "G" + "4" * 64]}
        )
    finally:
        blob_methods.BLOB_LOOKUPS.clear()
        blob_methods.BLOB_LOOKUPS.update(previous)
    assert seen == [[to_sha256(blob_id)]]  # only blobs the account can see are looked up
    assert result["list"] == [
        {"id": blob_id, "matchedIds": {"Thing": ["T1", "T2"]}},
        {"id": "G" + "4" * 64, "matchedIds": {"Thing": []}},
    ]


def test_supported_type_names_are_advertised(jmap):
    session = jmap.http.get("/jmap/session/").json()
    capability = session["accounts"][jmap.account_id]["accountCapabilities"][BLOB]
    assert capability["supportedTypeNames"] == ["Mailbox"]
