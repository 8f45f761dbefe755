"""Blob/copy (RFC 8620 section 6.3)."""

from __future__ import annotations

from jmapcore.models import Account
from jmapcore.services.blobs import blob_copy
from tests.conftest import CORE

from .helpers import download, error, unique, upload_ok


def _copy(client, from_account_id: str, blob_ids: list[str]) -> dict:
    arguments = {"fromAccountId": from_account_id, "blobIds": blob_ids}
    return client.call("Blob/copy", arguments, [CORE])


def test_copying_within_one_account_maps_each_blob_to_itself(jmap):
    blob_id = upload_ok(jmap, unique())
    missing = "G" + "5" * 64
    result = _copy(jmap, jmap.account_id, [blob_id, missing, "not-a-blob"])
    assert (result["fromAccountId"], result["accountId"]) == (jmap.account_id, jmap.account_id)
    assert result["copied"] == {blob_id: blob_id}
    assert {key: value["type"] for key, value in result["notCopied"].items()} == {
        missing: "notFound",
        "not-a-blob": "notFound",
    }


def test_a_blob_of_another_account_is_not_copied(jmap, stranger):
    foreign = upload_ok(stranger, unique())
    result = _copy(jmap, jmap.account_id, [foreign])
    assert result["copied"] is None
    assert result["notCopied"][foreign]["type"] == "notFound"
    assert download(jmap, foreign).status_code == 404


def test_an_account_of_another_user_is_from_account_not_found(jmap, stranger):
    blob_id = upload_ok(stranger, unique())
    arguments = {"fromAccountId": stranger.account_id, "blobIds": [blob_id]}
    assert error(jmap, "Blob/copy", arguments, [CORE])["type"] == "fromAccountNotFound"
    arguments = {"fromAccountId": "A0", "blobIds": [blob_id]}
    assert error(jmap, "Blob/copy", arguments, [CORE])["type"] == "fromAccountNotFound"


def test_the_target_account_and_arguments_are_checked(jmap):
    blob_id = upload_ok(jmap, unique())
    arguments = {"fromAccountId": jmap.account_id, "accountId": "A0", "blobIds": [blob_id]}
    assert error(jmap, "Blob/copy", arguments, [CORE])["type"] == "accountNotFound"
    assert error(jmap, "Blob/copy", {"fromAccountId": jmap.account_id}, [CORE])["type"] == "invalidArguments"
    assert error(jmap, "Blob/copy", {"blobIds": [blob_id]}, [CORE])["type"] == "invalidArguments"


def test_copying_between_accounts_makes_the_blob_visible_to_the_target(jmap, stranger, orm):
    # One user has one account here, so two accounts are joined below the method.
    data = unique()
    blob_id = upload_ok(jmap, data)
    source, target = Account.objects.get(pk=jmap.account.pk), Account.objects.get(pk=stranger.account.pk)
    assert download(stranger, blob_id).status_code == 404
    assert blob_copy(source, target, [blob_id, "G" + "6" * 64]) == ([blob_id], ["G" + "6" * 64])
    assert download(stranger, blob_id).content == data
