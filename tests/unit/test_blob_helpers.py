"""Pure helpers of the blob store and its HTTP endpoints."""

from __future__ import annotations

import pytest

from jmapcore.http.blobs import (
    RangeNotSatisfiable,
    content_disposition,
    download_media_type,
    etag_matches,
    parse_range,
)
from jmapcore.http.limits import REQUESTS, UPLOADS
from jmapcore.protocol.errors import RequestError
from jmapcore.services.blobs import storage_name, to_blob_id, to_sha256

SHA = "ab" * 32


@pytest.mark.parametrize(
    ("header", "size", "expected"),
    [
        ("bytes=0-9", 100, (0, 9)),
        ("bytes=90-", 100, (90, 99)),
        ("bytes=90-1000", 100, (90, 99)),
        ("bytes=-10", 100, (90, 99)),
        ("bytes=-1000", 100, (0, 99)),
        ("BYTES = 5-5", 100, (5, 5)),
        ("bytes=0-1,5-6", 100, None),  # several ranges: send everything
        ("items=0-9", 100, None),
        ("bytes=9-0", 100, None),
        ("bytes=a-b", 100, None),
        ("bytes=", 100, None),
        ("bytes=5", 100, None),
        ("bytes=²-", 100, None),
    ],
)
def test_parse_range(header, size, expected):
    assert parse_range(header, size) == expected


@pytest.mark.parametrize(
    ("header", "size"), [("bytes=100-", 100), ("bytes=-0", 100), ("bytes=-5", 0), ("bytes=0-", 0)]
)
def test_parse_range_unsatisfiable(header, size):
    with pytest.raises(RangeNotSatisfiable):
        parse_range(header, size)


def test_content_disposition_keeps_ascii_names_plain():
    assert content_disposition("a b.txt") == 'attachment; filename="a b.txt"'


def test_content_disposition_adds_rfc_6266_filename_star_when_needed():
    assert content_disposition("naïve.txt") == (
        "attachment; filename=\"na_ve.txt\"; filename*=UTF-8''na%C3%AFve.txt"
    )
    assert content_disposition('a"b\\c\r\n') == (
        "attachment; filename=\"a_b_c__\"; filename*=UTF-8''a%22b%5Cc%0D%0A"
    )


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, "application/octet-stream"),
        ("", "application/octet-stream"),
        ("image/png", "image/png"),
        (" text/plain ", "text/plain"),
        ("text/plain;charset=utf-8", "text/plain;charset=utf-8"),
        ('text/plain; name="a b"', 'text/plain; name="a b"'),
        ("text", "application/octet-stream"),
        ("text/plain\r\nX-Evil: 1", "application/octet-stream"),
        ("text/plain; charset", "application/octet-stream"),
        ("text/plain\r\n;a=b", "application/octet-stream"),
        ('text/plain; a="\r\n"', "application/octet-stream"),
    ],
)
def test_download_media_type(accept, expected):
    assert download_media_type(accept) == expected


def test_etag_matches():
    assert etag_matches('"x"', '"x"')
    assert etag_matches('"y", W/"x"', '"x"')
    assert etag_matches("*", '"x"')
    assert not etag_matches("", '"x"')
    assert not etag_matches('"y"', '"x"')


def test_blob_ids_name_a_sha256():
    assert to_blob_id(SHA) == "G" + SHA
    assert to_sha256("G" + SHA) == SHA
    for not_ours in ("G" + SHA.upper(), SHA, "G" + SHA[:-1], "M1", "#G" + SHA):
        assert to_sha256(not_ours) is None


def test_storage_name_spreads_blobs_over_two_directory_levels():
    assert storage_name(SHA) == f"ab/ab/{SHA}"


def test_upload_slot_counts_concurrent_uploads_per_user(settings):
    settings.JMAP_MAX_CONCURRENT_UPLOAD = 2
    upload_slot = UPLOADS.slot
    with upload_slot(1), upload_slot(1):
        with pytest.raises(RequestError) as refused, upload_slot(1):
            pass
        assert refused.value.status == 429
        assert refused.value.extra == {"limit": "maxConcurrentUpload"}
        with upload_slot(2):  # another user has slots of their own
            pass
    with upload_slot(1), upload_slot(1):  # released again
        pass


def test_blob_writer_hashes_and_refuses_more_than_its_limit():
    import hashlib

    from jmapcore.services.blobs import BlobTooLarge, BlobWriter

    with BlobWriter(limit=5) as writer:
        writer.write(b"abc")
        with pytest.raises(BlobTooLarge):
            writer.write(b"def")
        writer.write(b"de")
        assert writer.finish() == hashlib.sha256(b"abcde").hexdigest()
        assert writer.path.read_bytes() == b"abcde"
        assert writer.size == 5
    assert not writer.path.exists()  # leaving the block removes the temporary file


def test_request_slots_are_counted_apart_from_upload_slots(settings):
    settings.JMAP_MAX_CONCURRENT_REQUESTS = 1
    settings.JMAP_MAX_CONCURRENT_UPLOAD = 1
    with REQUESTS.slot(7), UPLOADS.slot(7):
        with pytest.raises(RequestError) as refused, REQUESTS.slot(7):
            pass
        assert refused.value.extra == {"limit": "maxConcurrentRequests"}
