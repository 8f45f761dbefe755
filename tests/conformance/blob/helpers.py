"""Helpers for the binary-data tests (RFC 8620 section 6, RFC 9404): only HTTP and JSON."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from tests.conftest import CORE, JmapClient

BLOB = "urn:ietf:params:jmap:blob"
USING = [CORE, BLOB]
PROBLEM = "urn:ietf:params:jmap:error:"
# The small upload limit of the `limited` server.
SMALL_LIMIT = 1000


def unique(text: str = "") -> bytes:
    """Content no other test (nor another test run sharing the blob directory) uploads."""
    return f"{text}{uuid.uuid4()}".encode()


def upload(
    client: JmapClient, data: bytes, content_type: str | None = "application/octet-stream", **kwargs: Any
) -> httpx.Response:
    account_id = kwargs.pop("account_id", client.account_id)
    headers = {"Content-Type": content_type} if content_type else {}
    return client.http.post(f"/jmap/upload/{account_id}/", content=data, headers=headers, **kwargs)


def upload_ok(client: JmapClient, data: bytes, content_type: str = "application/octet-stream") -> str:
    response = upload(client, data, content_type)
    assert response.status_code == 201, response.text
    return response.json()["blobId"]


def download(
    client: JmapClient,
    blob_id: str,
    name: str = "file.bin",
    accept: str | None = None,
    method: str = "GET",
    **kwargs: Any,
) -> httpx.Response:
    account_id = kwargs.pop("account_id", client.account_id)
    params = {"accept": accept} if accept is not None else {}
    url = f"/jmap/download/{account_id}/{blob_id}/{name}"
    return client.http.request(method, url, params=params, **kwargs)


def call(client: JmapClient, name: str, arguments: dict, using: list[str] | None = None) -> dict:
    return client.call(name, arguments, using or USING)


def error(client: JmapClient, name: str, arguments: dict, using: list[str] | None = None) -> dict:
    return client.error(name, arguments, using or USING)


def blob_upload(client: JmapClient, create: dict, using: list[str] | None = None) -> dict:
    return call(client, "Blob/upload", {"create": create}, using)


def text_blob(client: JmapClient, text: str) -> str:
    created = blob_upload(client, {"t": {"data": [{"data:asText": text}]}})["created"]
    return created["t"]["id"]
