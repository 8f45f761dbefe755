"""Body values (charset decoding, truncation), part contents, preview, search text and HTML to text."""

from __future__ import annotations

import base64

import pytest

from jmapcore.mime.parse import (
    PREVIEW_LENGTH,
    body_value,
    body_values,
    html_to_text,
    parse_message,
    part_content,
    search_text,
)
from jmapcore.mime.transfer import b64decode_lenient, uudecode_lenient

from .helpers import fixture


def single(body: bytes, content_type: str = "text/plain; charset=utf-8", cte: str | None = None) -> bytes:
    head = f"Subject: t\r\nContent-Type: {content_type}\r\n"
    if cte:
        head += f"Content-Transfer-Encoding: {cte}\r\n"
    return head.encode() + b"\r\n" + body


def test_truncation_counts_utf8_octets_and_never_splits_a_character() -> None:
    raw = single("aé€😀".encode())  # 1 + 2 + 3 + 4 octets
    assert body_value(raw, "1", 0)["value"] == "aé€😀"
    assert [body_value(raw, "1", n)["value"] for n in range(1, 11)] == [
        "a", "a", "aé", "aé", "aé", "aé€", "aé€", "aé€", "aé€", "aé€😀"
    ]  # fmt: skip
    assert body_value(raw, "1", 9)["isTruncated"] is True
    assert body_value(raw, "1", 10)["isTruncated"] is False


def test_html_truncation_never_ends_inside_a_tag() -> None:
    html = b'<p>Hello <a href="https://example.com/">link</a></p>'
    raw = single(html, "text/html; charset=utf-8")
    assert body_value(raw, "1", 20) == {"value": "<p>Hello ", "isEncodingProblem": False, "isTruncated": True}
    assert body_value(raw, "1", 45)["value"] == '<p>Hello <a href="https://example.com/">link'


def test_crlf_becomes_lf() -> None:
    assert body_value(single(b"one\r\ntwo\r\r\nthree\n"), "1")["value"] == "one\ntwo\nthree\n"


@pytest.mark.parametrize(
    ("cte", "body", "value", "problem"),
    [
        ("quoted-printable", b"caf=C3=A9 =\r\nsoft break", "café soft break", False),
        ("base64", base64.b64encode("Grüße".encode()), "Grüße", False),
        ("base64", b"R3L8\r\n\r\nw59l\r\n", "Gr\ufffd\u00dfe", True),
        ("BASE64", b"SGVsbG8gV29ybGQh", "Hello World!", False),
        ("x-gzip64", b"H4sIAJ", "H4sIAJ", True),
        ("8bit", "naïve".encode(), "naïve", False),
    ],
)
def test_transfer_encodings(cte: str, body: bytes, value: str, problem: bool) -> None:
    result = body_value(single(body, cte=cte), "1")
    assert (result["value"], result["isEncodingProblem"]) == (value, problem)


def test_undeclared_iso_2022_jp_is_detected() -> None:
    raw = single("日本語".encode("iso2022_jp"), "text/plain")
    assert body_value(raw, "1") == {"value": "日本語", "isEncodingProblem": False, "isTruncated": False}


def test_byte_order_mark_is_dropped() -> None:
    raw = single("\ufeffHi".encode("utf-16-le"), "text/plain; charset=UTF-16LE")
    assert body_value(raw, "1")["value"] == "Hi"


def test_body_values_parse_once_and_skip_non_text_parts() -> None:
    raw = fixture("nested-alternative.eml")
    values = body_values(raw, ["1.1", "1.2.1", "1.2.2", "9.9"], max_bytes=10)
    assert set(values) == {"1.1", "1.2.1"}
    assert values["1.1"] == {"value": "Hello Bob,", "isEncodingProblem": False, "isTruncated": True}
    assert body_value(raw, "1.2.2") is None
    assert body_value(raw, "nope") is None


def test_part_content_of_unknown_part_is_none() -> None:
    assert part_content(fixture("nested-alternative.eml"), "7") is None


def test_lenient_base64() -> None:
    assert b64decode_lenient(b"QQ==\nQkM=\n") == (b"ABC", False)
    assert b64decode_lenient(b"QUJDRA") == (b"ABCD", False)
    assert b64decode_lenient(b"QUJD!!REVG") == (b"ABCDEF", True)
    assert b64decode_lenient(b"QUJDR") == (b"ABC", True)


def test_uudecode() -> None:
    assert uudecode_lenient(b"begin 644 hi.txt\n#:&D*\n`\nend\n") == (b"hi\n", False)
    assert uudecode_lenient(b"no begin line") == (b"no begin line", True)
    raw = single(b"begin 644 hi.txt\n#:&D*\n`\nend\n", "application/octet-stream", "x-uuencode")
    assert part_content(raw, "1") == (b"hi\n", "application/octet-stream")


def test_preview_collapses_white_space_and_stops_at_256_characters() -> None:
    raw = single(("word   \r\n\t" * 100).encode())
    preview = parse_message(raw).preview
    assert len(preview) <= PREVIEW_LENGTH
    assert preview.startswith("word word word")
    assert "  " not in preview


def test_preview_of_html_body() -> None:
    html = b"<html><head><title>T</title><style>p{color:red}</style></head><body><p>Caf&eacute; &amp; more</p></body></html>"
    assert parse_message(single(html, "text/html; charset=utf-8")).preview == "Café & more"


def test_search_text_uses_text_bodies_and_converts_html() -> None:
    text = search_text(fixture("nested-alternative.eml"))
    assert text == "Hello Bob, see the logo."
    html_only = single(b"<p>One</p><script>var x = 'no';</script><p>Two &lt;3</p>", "text/html")
    assert search_text(html_only) == "One\n\nTwo <3"


def test_search_text_is_capped() -> None:
    raw = single(("é" * 300_000).encode())
    text = search_text(raw, limit=1001)
    assert text == "é" * 500


@pytest.mark.parametrize(
    ("html", "text"),
    [
        ("<p>a</p><p>b</p>", "a\n\nb"),
        ("line<br>break<br/>again", "line\nbreak\nagain"),
        ("<div>  lots   of\n spaces </div>", "lots of spaces"),
        ("<pre>keep\nits   lines</pre>", "keep\nits   lines"),
        ("<style>x{}</style><script>alert(1)</script>visible", "visible"),
        ("<head><title>t</title><body>unclosed head", "unclosed head"),
        ("a &lt; b &amp;&amp; c &gt; d &#8364; &euro;", "a < b && c > d € €"),
        ("<ul><li>one</li><li>two</li></ul>", "one\n\ntwo"),
        ("<![if !mso]>x<![endif]>", "x"),
        ("", ""),
    ],
)
def test_html_to_text(html: str, text: str) -> None:
    assert html_to_text(html) == text


def test_preview_of_a_long_undeclared_utf8_text_is_not_mojibake() -> None:
    raw = single(("Grüße " * 20_000).encode(), "text/plain")
    assert parse_message(raw).preview.startswith("Grüße Grüße")
