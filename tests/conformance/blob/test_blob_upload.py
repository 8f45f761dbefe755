"""Blob/upload (RFC 9404 section 4.1)."""

from __future__ import annotations

import base64
import hashlib
import json

from tests.conftest import CORE, MAIL

from .helpers import PROBLEM, USING, blob_upload, call, download, error, text_blob, unique, upload_ok


def test_text_base64_and_empty_sources_create_blobs(jmap):
    text, raw = unique("Hello, world! ").decode(), b"\x00\x01\x02" + unique()
    result = blob_upload(
        jmap,
        {
            "t": {"data": [{"data:asText": text}], "type": "text/plain"},
            "b": {"data": [{"data:asBase64": base64.b64encode(raw).decode()}]},
            "e": {"data": []},
        },
    )
    assert result["accountId"] == jmap.account_id
    assert result["notCreated"] is None
    created = result["created"]
    assert created["t"] == {
        "id": "G" + hashlib.sha256(text.encode()).hexdigest(),
        "type": "text/plain",
        "size": len(text.encode()),
    }
    assert created["b"]["size"] == len(raw) and created["b"]["type"] is None
    assert created["e"]["size"] == 0
    assert download(jmap, created["t"]["id"]).content == text.encode()
    assert download(jmap, created["b"]["id"]).content == raw


def test_sources_concatenate_in_order_with_ranges_and_creation_ids(jmap):
    tag = unique().decode()
    responses = jmap.request(
        [
            ["Blob/upload", {"accountId": jmap.account_id, "create": {"b4": {"data": [
                {"data:asText": "The quick brown fox jumped over the lazy dog." + tag}]}}}, "S4"],
            ["Blob/upload", {"accountId": jmap.account_id, "create": {"cat": {"data": [
                {"data:asText": "How"},
                {"blobId": "#b4", "length": 7, "offset": 3},
                {"data:asText": "was t"},
                {"blobId": "#b4", "length": 1, "offset": 1},
                {"data:asBase64": "YXQ/"},
            ]}}}, "CAT"],
            ["Blob/get", {"accountId": jmap.account_id, "ids": ["#cat"],
                          "properties": ["data:asText", "size"]}, "G4"],
        ],
        using=USING,
        createdIds={},
    )  # fmt: skip
    methods = responses["methodResponses"]
    cat = methods[1][1]["created"]["cat"]["id"]
    assert methods[2][1]["list"] == [{"id": cat, "data:asText": "How quick was that?", "size": 19}]
    assert responses["createdIds"] == {"b4": methods[0][1]["created"]["b4"]["id"], "cat": cat}


def test_a_creation_may_use_an_earlier_creation_of_the_same_call(jmap):
    tag = unique().decode()
    result = blob_upload(
        jmap,
        {
            "first": {"data": [{"data:asText": tag}]},
            "second": {"data": [{"blobId": "#first"}, {"blobId": "#first", "offset": 1}]},
        },
    )
    assert result["created"]["second"]["size"] == 2 * len(tag) - 1


def test_invalid_sources_are_rejected_and_not_guessed_at(jmap):
    source = text_blob(jmap, "short" + unique().decode())
    result = blob_upload(
        jmap,
        {
            "bad64": {"data": [{"data:asBase64": "not*base64!"}]},
            "past": {"data": [{"blobId": source, "offset": 100, "length": 1}]},
            "long": {"data": [{"blobId": source, "offset": 0, "length": 500}]},
            "two": {"data": [{"data:asText": "a", "data:asBase64": "YQ=="}]},
            "none": {"data": [{}]},
            "offset": {"data": [{"data:asText": "a", "offset": 1}]},
            "negative": {"data": [{"blobId": source, "offset": -1}]},
            "extra": {"data": [{"data:asText": "a", "colour": "red"}]},
            "nodata": {"type": "text/plain"},
            "unknown": {"data": [], "name": "x"},
            "fine": {"data": [{"blobId": source, "offset": 5}]},
        },
    )
    not_created = result["notCreated"]
    invalid = ["bad64", "past", "long", "two", "none", "offset", "negative", "extra", "nodata"]
    assert {key: value["type"] for key, value in not_created.items()} == dict.fromkeys(
        [*invalid, "unknown"], "invalidProperties"
    )
    assert not_created["bad64"]["properties"] == ["data/0/data:asBase64"]
    assert not_created["extra"]["properties"] == ["data/0/colour"]
    assert not_created["nodata"]["properties"] == ["data"]
    assert list(result["created"]) == ["fine"]


def test_text_that_is_not_utf8_never_creates_a_blob(jmap):
    # A lone surrogate can only be written as a JSON escape; it has no UTF-8 form (I-JSON).
    body = {
        "using": USING,
        "methodCalls": [
            [
                "Blob/upload",
                {"accountId": jmap.account_id, "create": {"s": {"data": [{"data:asText": "\ud800"}]}}},
                "c",
            ]
        ],
    }
    response = jmap.http.post(
        "/jmap/api/",
        content=json.dumps(body, ensure_ascii=True),
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert response.json()["type"] == PROBLEM + "notJSON"


def test_an_unknown_or_foreign_blob_id_is_blob_not_found(jmap, stranger):
    foreign = upload_ok(stranger, unique())
    missing = "G" + "1" * 64
    result = blob_upload(
        jmap,
        {
            "foreign": {"data": [{"blobId": foreign}]},
            "missing": {"data": [{"blobId": missing}]},
            "uncreated": {"data": [{"blobId": "#nothing"}]},
        },
    )
    assert result["created"] is None
    assert result["notCreated"]["foreign"]["type"] == "blobNotFound"
    assert result["notCreated"]["foreign"]["notFound"] == [foreign]
    assert result["notCreated"]["missing"]["type"] == "blobNotFound"
    assert result["notCreated"]["uncreated"]["notFound"] == ["#nothing"]


def test_at_most_max_data_sources_per_creation(jmap):
    result = blob_upload(
        jmap,
        {
            "max": {"data": [{"data:asText": "a"}] * 63 + [{"data:asText": unique().decode()}]},
            "over": {"data": [{"data:asText": "a"}] * 65},
        },
    )
    assert result["created"]["max"]["size"] == 63 + 36
    assert result["notCreated"]["over"]["type"] == "tooLarge"


def test_the_arguments_are_checked(jmap):
    assert error(jmap, "Blob/upload", {})["type"] == "invalidArguments"
    assert error(jmap, "Blob/upload", {"create": {}, "update": {}})["type"] == "invalidArguments"
    assert error(jmap, "Blob/upload", {"create": {}, "accountId": "A0"})["type"] == "accountNotFound"
    assert call(jmap, "Blob/upload", {"create": {}}) == {
        "accountId": jmap.account_id,
        "created": None,
        "notCreated": None,
    }


def test_blob_upload_needs_the_blob_capability(jmap):
    assert error(jmap, "Blob/upload", {"create": {}}, using=[CORE, MAIL])["type"] == "unknownMethod"
