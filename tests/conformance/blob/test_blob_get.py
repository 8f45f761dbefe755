"""Blob/get (RFC 9404 section 4.2)."""

from __future__ import annotations

import base64
import hashlib

from .helpers import blob_upload, call, error, text_blob, unique, upload_ok

FOX = "The quick brown fox jumped over the lazy dog!"


def _get(client, ids: list[str], **arguments) -> dict:
    return call(client, "Blob/get", {"ids": ids, **arguments})


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def test_by_default_data_and_size_are_returned(jmap):
    text = FOX + unique().decode()
    blob_id = text_blob(jmap, text)
    result = _get(jmap, [blob_id])
    assert result == {
        "accountId": jmap.account_id,
        "list": [{"id": blob_id, "data:asText": text, "size": len(text)}],
        "notFound": [],
    }


def test_offset_and_length_select_octets_while_size_stays_whole(jmap):
    text = FOX + unique().decode()
    blob_id = text_blob(jmap, text)
    properties = ["data:asText", "data:asBase64", "size"]
    (item,) = _get(jmap, [blob_id], properties=properties, offset=4, length=9)["list"]
    assert item == {
        "id": blob_id,
        "data:asText": "quick bro",
        "data:asBase64": _b64(b"quick bro"),
        "size": len(text),
    }


def test_a_range_beyond_the_end_is_truncated(jmap):
    data = unique()
    blob_id = upload_ok(jmap, data)
    (tail,) = _get(jmap, [blob_id], properties=["data:asText"], offset=30, length=100)["list"]
    assert tail == {"id": blob_id, "data:asText": data[30:].decode(), "isTruncated": True}
    (past,) = _get(jmap, [blob_id], properties=["data:asText"], offset=100)["list"]
    assert past == {"id": blob_id, "data:asText": "", "isTruncated": True}
    (exact,) = _get(jmap, [blob_id], properties=["data:asText"], offset=30, length=len(data) - 30)["list"]
    assert "isTruncated" not in exact


def test_octets_that_are_not_utf8_are_an_encoding_problem(jmap):
    raw = b"caf\xc3\xa9 \xff\xfe" + unique()
    blob_id = upload_ok(jmap, raw)
    (text,) = _get(jmap, [blob_id], properties=["data:asText", "size"])["list"]
    assert text == {"id": blob_id, "data:asText": None, "isEncodingProblem": True, "size": len(raw)}
    (data,) = _get(jmap, [blob_id], properties=["data"])["list"]
    assert data == {"id": blob_id, "data:asText": None, "data:asBase64": _b64(raw), "isEncodingProblem": True}
    (valid,) = _get(jmap, [blob_id], properties=["data"], length=5)["list"]
    assert valid == {"id": blob_id, "data:asText": "café"}
    # Cutting a two-octet character in half makes the selection invalid UTF-8 too.
    (cut,) = _get(jmap, [blob_id], properties=["data:asText", "data:asBase64"], length=4)["list"]
    assert cut == {
        "id": blob_id,
        "data:asText": None,
        "data:asBase64": _b64(raw[:4]),
        "isEncodingProblem": True,
    }


def test_digests_are_the_base64_of_the_selected_octets_hash(jmap):
    data = unique(FOX)
    blob_id = upload_ok(jmap, data)
    (whole,) = _get(jmap, [blob_id], properties=["digest:sha", "digest:sha-256"])["list"]
    assert whole == {
        "id": blob_id,
        "digest:sha": _b64(hashlib.sha1(data).digest()),
        "digest:sha-256": _b64(hashlib.sha256(data).digest()),
    }
    (part,) = _get(jmap, [blob_id], properties=["digest:sha-256"], offset=4, length=5)["list"]
    assert part["digest:sha-256"] == _b64(hashlib.sha256(data[4:9]).digest())


def test_foreign_unknown_and_malformed_ids_are_not_found(jmap, stranger):
    foreign = upload_ok(stranger, unique())
    mine = upload_ok(jmap, unique())
    ids = [foreign, "G" + "2" * 64, "not-a-blob", "#never", mine]
    result = _get(jmap, ids, properties=["size"])
    assert result["notFound"] == [foreign, "G" + "2" * 64, "not-a-blob", "#never"]
    assert [item["id"] for item in result["list"]] == [mine]


def test_ids_may_name_blobs_created_earlier_in_the_request(jmap):
    text = unique().decode()
    responses = jmap.request(
        [
            [
                "Blob/upload",
                {"accountId": jmap.account_id, "create": {"n": {"data": [{"data:asText": text}]}}},
                "u",
            ],
            ["Blob/get", {"accountId": jmap.account_id, "ids": ["#n"], "properties": ["data:asText"]}, "g"],
        ],
        using=["urn:ietf:params:jmap:core", "urn:ietf:params:jmap:blob"],
    )["methodResponses"]
    blob_id = responses[0][1]["created"]["n"]["id"]
    assert responses[1][1]["list"] == [{"id": blob_id, "data:asText": text}]


def test_the_arguments_are_checked(jmap):
    blob_id = text_blob(jmap, unique().decode())
    for arguments in (
        {"ids": None},
        {"ids": [blob_id], "properties": ["name"]},
        {"ids": [blob_id], "properties": ["digest:md5"]},
        {"ids": [blob_id], "offset": -1},
        {"ids": [blob_id], "length": "all"},
        {"ids": [blob_id], "since": 1},
    ):
        assert error(jmap, "Blob/get", arguments)["type"] == "invalidArguments", arguments
    created = blob_upload(jmap, {"e": {"data": []}})["created"]["e"]["id"]
    assert _get(jmap, [created], properties=["id", "size"])["list"] == [{"id": created, "size": 0}]
