"""maxSizeUpload and maxSizeBlobSet, against a server whose limit is SMALL_LIMIT octets."""

from __future__ import annotations

from collections.abc import Iterator

from .helpers import BLOB, PROBLEM, SMALL_LIMIT, blob_upload, download, text_blob, unique, upload


def _padded(size: int) -> bytes:
    data = unique()
    return data + b"x" * (size - len(data))


def _assert_upload_limit(response) -> None:
    assert response.status_code == 413, response.text
    assert response.headers["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert problem["type"] == PROBLEM + "limit"
    assert problem["limit"] == "maxSizeUpload"
    assert problem["status"] == 413


def test_the_session_advertises_the_smaller_limits(limited):
    session = limited.http.get("/jmap/session/").json()
    assert session["capabilities"]["urn:ietf:params:jmap:core"]["maxSizeUpload"] == SMALL_LIMIT
    account = session["accounts"][limited.account_id]["accountCapabilities"]
    assert account[BLOB]["maxSizeBlobSet"] == SMALL_LIMIT


def test_an_upload_of_exactly_the_limit_is_accepted(limited):
    data = _padded(SMALL_LIMIT)
    response = upload(limited, data)
    assert response.status_code == 201, response.text
    assert download(limited, response.json()["blobId"]).content == data


def test_an_upload_over_the_limit_is_a_limit_problem(limited):
    _assert_upload_limit(upload(limited, _padded(SMALL_LIMIT + 1)))


def test_a_chunked_upload_over_the_limit_is_a_limit_problem(limited):
    def body() -> Iterator[bytes]:  # no Content-Length: the server must count
        for _ in range(4):
            yield _padded(SMALL_LIMIT // 2)

    _assert_upload_limit(upload(limited, body()))


def test_blob_upload_over_max_size_blob_set_is_too_large(limited):
    half = text_blob(limited, _padded(SMALL_LIMIT // 2 + 1).decode())
    result = blob_upload(
        limited,
        {
            "inline": {"data": [{"data:asText": _padded(SMALL_LIMIT + 1).decode()}]},
            "joined": {"data": [{"blobId": half}, {"blobId": half}]},
            "fits": {"data": [{"blobId": half}, {"data:asText": "tail"}]},
        },
    )
    assert result["notCreated"]["inline"]["type"] == "tooLarge"
    assert result["notCreated"]["joined"]["type"] == "tooLarge"
    assert result["created"]["fits"]["size"] == SMALL_LIMIT // 2 + 1 + 4
