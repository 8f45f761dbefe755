"""The upload and download endpoints (RFC 8620 sections 6.1 and 6.2)."""

from __future__ import annotations

import hashlib
import os

from jmapcore.services.blobs import blob_path, to_sha256

from .helpers import BLOB, PROBLEM, download, unique, upload, upload_ok


def test_upload_answers_201_with_account_blob_type_and_size(jmap):
    data = unique("hello ")
    response = upload(jmap, data, "text/plain; charset=utf-8")
    assert response.status_code == 201, response.text
    assert response.headers["Content-Type"] == "application/json"
    assert response.json() == {
        "accountId": jmap.account_id,
        "blobId": "G" + hashlib.sha256(data).hexdigest(),
        "type": "text/plain; charset=utf-8",
        "size": len(data),
    }


def test_an_upload_without_content_type_is_octet_stream(jmap):
    response = upload(jmap, unique(), content_type=None)
    assert response.status_code == 201, response.text
    assert response.json()["type"] == "application/octet-stream"


def test_download_is_byte_identical_to_the_upload(jmap):
    data = unique() + os.urandom(300_000)
    blob_id = upload_ok(jmap, data)
    response = download(jmap, blob_id)
    assert response.status_code == 200, response.text
    assert response.content == data
    assert response.headers["Content-Length"] == str(len(data))


def test_an_empty_upload_downloads_as_nothing(jmap):
    response = upload(jmap, b"")
    assert response.status_code == 201, response.text
    assert response.json()["size"] == 0
    fetched = download(jmap, response.json()["blobId"])
    assert fetched.status_code == 200
    assert fetched.content == b""


def test_identical_uploads_are_stored_once(jmap, stranger, orm):
    from jmapcore.models import AccountBlob, Blob

    data = unique("twice ")
    first, second = upload_ok(jmap, data), upload_ok(jmap, data)
    from_stranger = upload_ok(stranger, data)
    assert first == second == from_stranger
    sha256 = to_sha256(first)
    path = blob_path(sha256)
    assert path.read_bytes() == data
    assert [p.name for p in path.parent.iterdir() if p.name == sha256] == [sha256]
    assert Blob.objects.filter(pk=sha256).count() == 1
    assert AccountBlob.objects.filter(blob_id=sha256).count() == 2  # one reference per account


def test_another_accounts_blob_is_not_found_like_a_missing_one(jmap, stranger):
    blob_id = upload_ok(jmap, unique("mine "))
    foreign = download(stranger, blob_id)
    missing = download(stranger, "G" + "0" * 64)
    assert foreign.status_code == missing.status_code == 404
    assert foreign.headers["Content-Type"] == "application/problem+json"
    assert foreign.json()["type"] == missing.json()["type"]
    assert download(jmap, blob_id).status_code == 200


def test_another_users_account_is_not_found_for_upload_and_download(jmap, stranger):
    blob_id = upload_ok(jmap, unique())
    for response in (
        download(stranger, blob_id, account_id=jmap.account_id),
        download(stranger, blob_id, account_id="A999999999"),
        upload(stranger, unique(), account_id=jmap.account_id),
        upload(stranger, unique(), account_id="nope"),
    ):
        assert response.status_code == 404, response.text
        assert response.headers["Content-Type"] == "application/problem+json"
        assert response.json()["type"] == PROBLEM + "accountNotFound"


def test_a_malformed_blob_id_is_not_found(jmap):
    assert download(jmap, "not-a-blob").status_code == 404


def test_download_takes_its_type_from_accept(jmap):
    blob_id = upload_ok(jmap, unique(), "text/plain")
    assert download(jmap, blob_id, accept="image/png").headers["Content-Type"] == "image/png"
    with_parameter = download(jmap, blob_id, accept="text/plain; charset=utf-8")
    assert with_parameter.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert download(jmap, blob_id).headers["Content-Type"] == "application/octet-stream"
    # Not a media type: never copied into a header.
    injected = download(jmap, blob_id, accept="text/html\r\nSet-Cookie: x=1")
    assert injected.headers["Content-Type"] == "application/octet-stream"
    assert "set-cookie" not in injected.headers


def test_download_names_the_file_as_an_attachment(jmap):
    blob_id = upload_ok(jmap, unique())
    plain = download(jmap, blob_id, name="report 2024.pdf")
    assert plain.headers["Content-Disposition"] == 'attachment; filename="report 2024.pdf"'
    accented = download(jmap, blob_id, name="résumé ✓.pdf")
    assert accented.headers["Content-Disposition"] == (
        "attachment; filename=\"r_sum_ _.pdf\"; filename*=UTF-8''r%C3%A9sum%C3%A9%20%E2%9C%93.pdf"
    )
    quoted = download(jmap, blob_id, name='say "hi".txt')
    assert quoted.headers["Content-Disposition"] == (
        "attachment; filename=\"say _hi_.txt\"; filename*=UTF-8''say%20%22hi%22.txt"
    )


def test_download_is_cacheable_forever_and_privately(jmap):
    data = unique()
    blob_id = upload_ok(jmap, data)
    response = download(jmap, blob_id)
    assert response.headers["Cache-Control"] == "private, immutable, max-age=31536000"
    assert response.headers["ETag"] == f'"{hashlib.sha256(data).hexdigest()}"'
    assert response.headers["Accept-Ranges"] == "bytes"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response.headers["Content-Security-Policy"]
    again = download(jmap, blob_id, headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304
    assert again.content == b""


def test_head_sends_the_headers_without_the_body(jmap):
    data = unique()
    blob_id = upload_ok(jmap, data)
    response = download(jmap, blob_id, method="HEAD", accept="text/plain")
    assert response.status_code == 200
    assert response.content == b""
    assert response.headers["Content-Length"] == str(len(data))
    assert response.headers["Content-Type"] == "text/plain"


def test_a_single_range_answers_206_with_those_octets(jmap):
    data = unique() + bytes(range(100))
    blob_id = upload_ok(jmap, data)
    size = len(data)
    cases = {
        "bytes=36-45": (36, 45),
        "bytes=-5": (size - 5, size - 1),
        "bytes=130-": (130, size - 1),
        "bytes=130-100000": (130, size - 1),
    }
    for header, (first, last) in cases.items():
        response = download(jmap, blob_id, headers={"Range": header})
        assert response.status_code == 206, header
        assert response.headers["Content-Range"] == f"bytes {first}-{last}/{size}"
        assert response.headers["Content-Length"] == str(last - first + 1)
        assert response.content == data[first : last + 1]


def test_a_range_past_the_end_answers_416(jmap):
    data = unique()
    blob_id = upload_ok(jmap, data)
    for header in (f"bytes={len(data)}-", f"bytes={len(data) + 10}-{len(data) + 20}", "bytes=-0"):
        response = download(jmap, blob_id, headers={"Range": header})
        assert response.status_code == 416, header
        assert response.headers["Content-Range"] == f"bytes */{len(data)}"


def test_several_ranges_or_a_stale_if_range_send_everything(jmap):
    data = unique()
    blob_id = upload_ok(jmap, data)
    several = download(jmap, blob_id, headers={"Range": "bytes=0-1,4-5"})
    assert (several.status_code, several.content) == (200, data)
    stale = download(jmap, blob_id, headers={"Range": "bytes=0-1", "If-Range": '"other"'})
    assert (stale.status_code, stale.content) == (200, data)
    fresh = download(jmap, blob_id, headers={"Range": "bytes=0-1", "If-Range": stale.headers["ETag"]})
    assert (fresh.status_code, fresh.content) == (206, data[:2])


def test_without_credentials_both_endpoints_answer_401(jmap, anonymous_http):
    blob_id = upload_ok(jmap, unique())
    assert anonymous_http.post(f"/jmap/upload/{jmap.account_id}/", content=b"x").status_code == 401
    assert anonymous_http.get(f"/jmap/download/{jmap.account_id}/{blob_id}/f").status_code == 401


def test_other_http_methods_are_not_allowed(jmap):
    assert jmap.http.get(f"/jmap/upload/{jmap.account_id}/").status_code == 405
    response = jmap.http.delete(f"/jmap/download/{jmap.account_id}/{'G' + '0' * 64}/f")
    assert (response.status_code, response.headers["Allow"]) == (405, "GET, HEAD")


def test_the_session_advertises_the_blob_capability_and_working_templates(jmap):
    session = jmap.http.get("/jmap/session/").json()
    assert session["capabilities"][BLOB] == {}
    capability = session["accounts"][jmap.account_id]["accountCapabilities"][BLOB]
    assert capability == {
        "maxSizeBlobSet": session["capabilities"]["urn:ietf:params:jmap:core"]["maxSizeUpload"],
        "maxDataSources": 64,
        "supportedTypeNames": ["Mailbox"],
        "supportedDigestAlgorithms": ["sha", "sha-256"],
    }
    data = unique()
    upload_url = session["uploadUrl"].replace("{accountId}", jmap.account_id)
    blob_id = jmap.http.post(upload_url, content=data).json()["blobId"]
    download_url = (
        session["downloadUrl"]
        .replace("{accountId}", jmap.account_id)
        .replace("{blobId}", blob_id)
        .replace("{name}", "a%20b.txt")
        .replace("{type}", "text%2Fplain")
    )
    response = jmap.http.get(download_url)
    assert response.content == data
    assert response.headers["Content-Type"] == "text/plain"
    assert response.headers["Content-Disposition"] == 'attachment; filename="a b.txt"'
