"""Content-Type and Content-Disposition parameters as mailers really write them."""

from __future__ import annotations

import pytest

from jmapcore.mime.params import decode_filename, parse_content_type, parse_disposition


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (
            ' text/plain; charset="utf-8"; format=flowed',
            ("text/plain", {"charset": "utf-8", "format": "flowed"}),
        ),
        (" TEXT/HTML; CHARSET=UTF-8", ("text/html", {"charset": "UTF-8"})),
        (' multipart/mixed\tboundary="b1"', ("multipart/mixed", {"boundary": "b1"})),
        (" text/plain;;;; charset=koi8-r", ("text/plain", {"charset": "koi8-r"})),
        (
            " text/plain; charset=us-ascii format=flowed",
            ("text/plain", {"charset": "us-ascii", "format": "flowed"}),
        ),
        (" application/pdf; name=my report.pdf", ("application/pdf", {"name": "my report.pdf"})),
        (' text/plain; name="unclosed', ("text/plain", {"name": "unclosed"})),
        (" text/plain (a comment); charset=utf-8", ("text/plain", {"charset": "utf-8"})),
        (' text/plain; a="1"; a="2"', ("text/plain", {"a": "1"})),
        (' text/plain; name="a \\"quoted\\" name"', ("text/plain", {"name": 'a "quoted" name'})),
        (" text", (None, {})),
        (" text; charset=koi8-r", (None, {"charset": "koi8-r"})),
        ("", (None, {})),
    ],
)
def test_content_type(raw: str, expected: tuple) -> None:
    assert parse_content_type(raw) == expected


@pytest.mark.parametrize(
    ("raw", "filename"),
    [
        (" attachment; filename*=utf-8''%E2%82%AC%20rate.pdf", "€ rate.pdf"),
        (" attachment; filename*=iso-8859-1'en'%E9t%E9.txt", "été.txt"),
        (" attachment; filename*0*=utf-8''%E2%82%AC; filename*1=\" plain\"; filename*2*=%C3%A4", "€ plainä"),
        # Sections out of order, and a %XX escape split between two of them.
        (" attachment; filename*1*=2%B7.png; filename*0*=UTF-8''%E3%82%B9%E3%8", "スシ.png"),
        (" attachment; filename=\"plain.txt\"; filename*=utf-8''better.txt", "better.txt"),
        (" attachment; filename*=x-unknown''caf%C3%A9", "café"),
        (" attachment; filename*=utf-8''%FF", "\ufffd"),
    ],
)
def test_rfc2231_filenames(raw: str, filename: str) -> None:
    disposition, params = parse_disposition(raw)
    assert disposition == "attachment"
    assert params["filename"] == filename


def test_disposition_without_a_type() -> None:
    assert parse_disposition(" filename=a.txt") == (None, {"filename": "a.txt"})
    assert parse_disposition(" INLINE") == ("inline", {})


@pytest.mark.parametrize(
    ("value", "name"),
    [
        ("=?utf-8?B?0J7RgtGH0ZHRgi5kb2M=?=", "Отчёт.doc"),
        ("=?utf-8?Q?a?= =?utf-8?Q?b.txt?=", "ab.txt"),
        ("  spaced.txt ", "spaced.txt"),
        ("", None),
        (None, None),
    ],
)
def test_decode_filename(value: str | None, name: str | None) -> None:
    assert decode_filename(value) == name
