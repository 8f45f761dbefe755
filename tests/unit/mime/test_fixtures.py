"""Hand-written malformed messages (fixtures/*.eml) and their exact JMAP representation."""

from __future__ import annotations

import json

from jmapcore.mime.parse import body_value, body_values, header_value, parse_message, part_content

from .helpers import body_part, fixture, flat

DATE = ("Date", " Wed, 01 Oct 2014 12:34:56 +0200")
SENT_AT = "2014-10-01T12:34:56+02:00"


def _root_headers(parsed) -> list[tuple[str, str]]:
    return list(parsed.headers)


def test_unknown_charset_is_decoded_as_utf8_and_flagged() -> None:
    parsed = parse_message(fixture("unknown-charset.eml"))
    assert parsed.body_structure == body_part(
        "1", "text/plain", 19, _root_headers(parsed), charset="x-no-such-charset"
    )
    assert parsed.text_body == parsed.html_body == [flat(parsed.body_structure)]
    assert parsed.attachments == []
    assert parsed.has_attachment is False
    assert parsed.preview == "Grüße aus Köln"
    assert parsed.from_ == [{"name": "Alice", "email": "alice@example.com"}]
    assert parsed.sent_at == SENT_AT
    assert body_value(parsed, "1") == {
        "value": "Grüße aus Köln\n",
        "isEncodingProblem": True,
        "isTruncated": False,
    }


def test_wrong_charsets_fall_back_and_flag_the_problem() -> None:
    parsed = parse_message(fixture("wrong-charset.eml"))
    cte = ("Content-Transfer-Encoding", " 8bit")
    parts = [
        body_part(
            "1", "text/plain", 5, [("Content-Type", " text/plain; charset=utf-8"), cte], charset="utf-8"
        ),
        body_part(
            "2",
            "text/plain",
            7,
            [("Content-Type", " text/plain; charset=iso-8859-1"), cte],
            charset="iso-8859-1",
        ),
        body_part("3", "text/plain", 5, [("Content-Type", " text/plain")], charset="us-ascii"),
    ]
    assert parsed.body_structure == body_part(
        None, "multipart/mixed", 234, _root_headers(parsed), sub_parts=parts
    )
    assert parsed.text_body == parsed.html_body == [flat(p) for p in parts]
    assert body_values(parsed, ["1", "2", "3"]) == {
        # Declared UTF-8 but windows-1252 bytes: undecodable octets become U+FFFD.
        "1": {"value": "Gr\ufffd\ufffde", "isEncodingProblem": True, "isTruncated": False},
        # Declared ISO-8859-1 but valid UTF-8: the label is wrong, the text is not.
        "2": {"value": "Grüße", "isEncodingProblem": False, "isTruncated": False},
        # No charset and 8-bit bytes that are not UTF-8: the windows-1252 guess.
        "3": {"value": "Grüße", "isEncodingProblem": True, "isTruncated": False},
    }


def test_boundary_missing_from_the_body_is_recovered_from_the_delimiters() -> None:
    parsed = parse_message(fixture("broken-boundary.eml"))
    plain = [("Content-Type", " text/plain; charset=us-ascii")]
    inner = body_part("2.1", "text/plain", 25, plain, charset="us-ascii")
    first = body_part("1", "text/plain", 11, plain, charset="us-ascii")
    alternative = body_part(
        None,
        "multipart/alternative",
        80,
        [("Content-Type", ' multipart/alternative; boundary="inner"')],
        sub_parts=[inner],
    )
    assert parsed.body_structure == body_part(
        None, "multipart/mixed", 257, _root_headers(parsed), sub_parts=[first, alternative]
    )
    assert parsed.text_body == parsed.html_body == [flat(first), flat(inner)]
    assert parsed.preview == "First part. Inner text, never closed."
    assert body_value(parsed, "2.1")["value"] == "Inner text, never closed."


def test_8bit_headers_are_replaced_in_raw_form_and_nul_dropped() -> None:
    parsed = parse_message(fixture("8bit-header.eml"))
    assert parsed.headers == [
        ("From", " =?utf-8?q?J=C3=B6rg?= <joerg@example.com>"),
        ("To", " Ünal Öztürk <uenal@example.com>"),
        ("Subject", " Caf\ufffd cr\ufffdme"),
        ("X-Nul", " ab"),
        DATE,
        ("Message-ID", " <8bit@example.com>"),
    ]
    assert parsed.subject == "Caf\ufffd cr\ufffdme"
    assert parsed.from_ == [{"name": "Jörg", "email": "joerg@example.com"}]
    assert parsed.to == [{"name": "Ünal Öztürk", "email": "uenal@example.com"}]
    assert parsed.body_structure == body_part("1", "text/plain", 7, parsed.headers, charset="us-ascii")


def test_missing_date_and_message_id_are_null() -> None:
    parsed = parse_message(fixture("no-date-no-msgid.eml"))
    assert parsed.sent_at is None
    assert parsed.message_id is None
    assert parsed.in_reply_to is None
    assert parsed.references is None
    assert parsed.subject == "No Date and no Message-ID"
    assert header_value(parsed, "Date", "Date", all=True) == []
    assert parsed.body_structure == body_part("1", "text/plain", 14, parsed.headers, charset="us-ascii")
    assert parsed.preview == "Just a body."


def test_bare_lf_message() -> None:
    raw = fixture("bare-lf.eml")
    assert b"\r" not in raw
    parsed = parse_message(raw)
    plain = body_part(
        "1", "text/plain", 17, [("Content-Type", " text/plain; charset=utf-8")], charset="utf-8"
    )
    html = body_part("2", "text/html", 27, [("Content-Type", " text/html; charset=utf-8")], charset="utf-8")
    assert parsed.body_structure == body_part(
        None, "multipart/alternative", 144, _root_headers(parsed), sub_parts=[plain, html]
    )
    assert parsed.text_body == [flat(plain)]
    assert parsed.html_body == [flat(html)]
    assert header_value(parsed, "Subject") == " Bare LF\n line endings"
    assert parsed.subject == "Bare LF line endings"
    assert body_values(parsed, ["1", "2"]) == {
        "1": {"value": "Line one\nLine two", "isEncodingProblem": False, "isTruncated": False},
        "2": {"value": "<p>Line one<br>Line two</p>", "isEncodingProblem": False, "isTruncated": False},
    }
    assert parsed.preview == "Line one Line two"


def test_2000_byte_unfolded_header_is_kept_whole() -> None:
    parsed = parse_message(fixture("long-header.eml"))
    assert header_value(parsed, "x-long") == " " + "x" * 2000
    assert header_value(parsed, "X-Long", "Text") == "x" * 2000
    assert parsed.subject == "A very long header"
    assert body_value(parsed, "1")["value"] == "Body.\n"


def test_message_rfc822_attachment_is_a_leaf_with_its_exact_bytes() -> None:
    raw = fixture("rfc822-attachment.eml")
    parsed = parse_message(raw)
    text = body_part(
        "1", "text/plain", 25, [("Content-Type", " text/plain; charset=us-ascii")], charset="us-ascii"
    )
    message = body_part(
        "2",
        "message/rfc822",
        162,
        [
            ("Content-Type", " message/rfc822"),
            ("Content-Disposition", ' attachment; filename="original.eml"'),
        ],
        name="original.eml",
        disposition="attachment",
    )
    assert parsed.body_structure == body_part(
        None, "multipart/mixed", 350, _root_headers(parsed), sub_parts=[text, message]
    )
    assert parsed.text_body == parsed.html_body == [flat(text)]
    assert parsed.attachments == [flat(message)]
    assert parsed.has_attachment is True
    inner = raw[raw.index(b"From: carol") : raw.index(b"\r\n--fwd--")]
    assert part_content(raw, "2") == (inner, "message/rfc822")
    assert parse_message(inner).subject == "The original"


def test_nested_alternative_inside_mixed_with_inline_image() -> None:
    raw = fixture("nested-alternative.eml")
    parsed = parse_message(raw)
    qp = ("Content-Transfer-Encoding", " quoted-printable")
    plain = body_part(
        "1.1", "text/plain", 24, [("Content-Type", " text/plain; charset=utf-8"), qp], charset="utf-8"
    )
    html = body_part(
        "1.2.1", "text/html", 90, [("Content-Type", " text/html; charset=utf-8"), qp], charset="utf-8"
    )
    image = body_part(
        "1.2.2",
        "image/png",
        70,
        [
            ("Content-Type", " image/png"),
            ("Content-Transfer-Encoding", " base64"),
            ("Content-ID", " <logo@example.com>"),
            ("Content-Disposition", ' inline; filename="logo.png"'),
        ],
        name="logo.png",
        disposition="inline",
        cid="logo@example.com",
    )
    pdf = body_part(
        "2",
        "application/pdf",
        25,
        [
            ("Content-Type", ' application/pdf; name="report.pdf"'),
            ("Content-Transfer-Encoding", " base64"),
            ("Content-Disposition", ' attachment; filename="report.pdf"'),
        ],
        name="report.pdf",
        disposition="attachment",
    )
    related = body_part(
        None,
        "multipart/related",
        444,
        [("Content-Type", ' multipart/related; boundary="rel"')],
        sub_parts=[html, image],
    )
    alternative = body_part(
        None,
        "multipart/alternative",
        632,
        [("Content-Type", ' multipart/alternative; boundary="alt"')],
        sub_parts=[plain, related],
    )
    assert parsed.body_structure == body_part(
        None, "multipart/mixed", 899, _root_headers(parsed), sub_parts=[alternative, pdf]
    )
    assert parsed.text_body == [flat(plain)]
    assert parsed.html_body == [flat(html)]
    assert parsed.attachments == [flat(image), flat(pdf)]
    assert parsed.has_attachment is True
    assert parsed.preview == "Hello Bob, see the logo."
    assert body_value(parsed, "1.2.1")["value"] == (
        '<html><body><p>Hello Bob, see the <img src="cid:logo@example.com"> logo.</p></body></html>'
    )
    content, media_type = part_content(raw, "2")
    assert (content, media_type) == (b"%PDF-1.4\n% fixture\n%%EOF\n", "application/pdf")
    assert part_content(raw, "1.2.2")[0].startswith(b"\x89PNG")
    # The multipart size is its raw body: everything after the blank line.
    assert parsed.body_structure["size"] == len(raw) - raw.index(b"\r\n\r\n") - 4


def test_rfc2231_and_encoded_word_file_names() -> None:
    parsed = parse_message(fixture("rfc2231-filename.eml"))
    first = body_part(
        "1", "text/plain", 16, [("Content-Type", " text/plain; charset=us-ascii")], charset="us-ascii"
    )
    invoice = body_part(
        "2",
        "application/octet-stream",
        4,
        [
            ("Content-Type", " application/octet-stream"),
            (
                "Content-Disposition",
                " attachment;\r\n filename*0*=utf-8''%E2%82%AC%20Rechnung%20;\r\n filename*1*=M%C3%A4rz.txt",
            ),
            ("Content-Language", " de, en (comment)"),
        ],
        name="€ Rechnung März.txt",
        disposition="attachment",
        language=["de", "en"],
    )
    report = body_part(
        "3",
        "application/octet-stream",
        4,
        [
            ("Content-Type", ' application/octet-stream; name="=?utf-8?B?0J7RgtGH0ZHRgi5kb2M=?="'),
            ("Content-Location", " http://example.com/\r\n  report.doc"),
        ],
        name="Отчёт.doc",
        location="http://example.com/report.doc",
    )
    assert parsed.body_structure == body_part(
        None, "multipart/mixed", 436, _root_headers(parsed), sub_parts=[first, invoice, report]
    )
    assert parsed.text_body == parsed.html_body == [flat(first)]
    assert parsed.attachments == [flat(invoice), flat(report)]
    assert parsed.has_attachment is True


def test_encoded_words_in_japanese_and_russian() -> None:
    parsed = parse_message(fixture("encoded-words.eml"))
    assert parsed.subject == "日本語の件名"
    assert header_value(parsed, "Subject") == " =?iso-2022-jp?B?GyRCRnxLXDhsJE43b0w+GyhC?="
    assert parsed.from_ == [{"name": "山田太郎", "email": "taro@example.jp"}]
    assert parsed.to == [
        {"name": "Иван", "email": "ivan@example.ru"},
        {"name": "Smith, John", "email": "john@example.com"},
    ]
    assert header_value(parsed, "X-Russian", "Text") == "Привет мир"
    # An encoded-word glued to other text is not one (RFC 2047 placement rules).
    assert header_value(parsed, "X-Not-Encoded", "Text") == "foo=?utf-8?q?bar?=baz"


def test_calendar_part_in_alternative_is_an_attachment() -> None:
    parsed = parse_message(fixture("calendar.eml"))
    plain = body_part(
        "1", "text/plain", 25, [("Content-Type", " text/plain; charset=utf-8")], charset="utf-8"
    )
    calendar = body_part(
        "2",
        "text/calendar",
        110,
        [("Content-Type", " text/calendar; charset=utf-8; method=REQUEST")],
        charset="utf-8",
    )
    assert parsed.body_structure == body_part(
        None, "multipart/alternative", 267, _root_headers(parsed), sub_parts=[plain, calendar]
    )
    assert parsed.text_body == parsed.html_body == [flat(plain)]
    assert parsed.attachments == [flat(calendar)]
    assert parsed.has_attachment is True
    assert body_value(parsed, "2")["value"].splitlines()[:2] == ["BEGIN:VCALENDAR", "METHOD:REQUEST"]


def test_empty_body() -> None:
    parsed = parse_message(fixture("empty-body.eml"))
    assert parsed.body_structure == body_part("1", "text/plain", 0, parsed.headers, charset="us-ascii")
    assert parsed.preview == ""
    assert body_value(parsed, "1") == {"value": "", "isEncodingProblem": False, "isTruncated": False}


def test_empty_input() -> None:
    parsed = parse_message(b"")
    assert parsed.headers == []
    assert parsed.body_structure == body_part("1", "text/plain", 0, [], charset="us-ascii")
    assert parsed.text_body == parsed.html_body == [flat(parsed.body_structure)]
    assert parsed.size == 0
    assert parsed.subject is None
    assert parsed.from_ is None
    assert json.loads(json.dumps(parsed.email_properties()))["size"] == 0


def test_parsed_message_as_a_plain_dict_is_json_ready() -> None:
    import dataclasses

    parsed = parse_message(fixture("nested-alternative.eml"))
    as_dict = dataclasses.asdict(parsed)
    assert "root" not in as_dict
    json.dumps(as_dict)
    assert parsed.part("2") is not None
