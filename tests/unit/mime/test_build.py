"""Email/set create objects to message bytes (RFC 8621 section 4.6), checked by parsing them back."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

import pytest

from jmapcore.mime.build import BlobNotFound, BuildError, build_message
from jmapcore.mime.parse import body_value, header_value, parse_message, part_content

NOW = datetime(2020, 2, 3, 4, 5, 6, tzinfo=UTC)
BLOBS = {
    "Bpng": b"\x89PNG\r\n\x1a\n" + bytes(range(256)),
    "Bpdf": b"%PDF-1.4\n% r\xc3\xa9sum\xc3\xa9\n%%EOF\n",
    "Bmsg": b"From: carol@example.com\r\nSubject: inner\r\n\r\nInner body.\r\n",
    "Btxt": "Notizen für März\n".encode("iso-8859-1"),
}


def build(email: dict, **kwargs) -> bytes:
    return build_message(email, BLOBS.get, NOW, **kwargs)


def headers_of(raw: bytes) -> str:
    return raw.split(b"\r\n\r\n", 1)[0].decode("utf-8")


def test_rfc_example_plain_text_draft() -> None:
    raw = build(
        {
            "mailboxIds": {"2ea1ca41b38e": True},
            "keywords": {"$seen": True, "$draft": True},
            "from": [{"name": "Joe Bloggs", "email": "joe@example.com"}],
            "subject": "World domination",
            "receivedAt": "2018-07-10T01:03:11Z",
            "sentAt": "2018-07-10T11:03:11+10:00",
            "bodyStructure": {"type": "text/plain", "partId": "bd48", "header:Content-Language": "en"},
            "bodyValues": {
                "bd48": {
                    "value": "I have the most brilliant plan. Let me tell you\nall about it. What we do is, we",
                    "isTruncated": False,
                }
            },
        }
    )
    head = headers_of(raw)
    assert re.fullmatch(
        "From: Joe Bloggs <joe@example.com>\r\n"
        "Subject: World domination\r\n"
        "Date: Tue, 10 Jul 2018 11:03:11 \\+1000\r\n"
        "Message-ID: <[0-9a-f]{32}@example.com>\r\n"
        "MIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
        "Content-Transfer-Encoding: 7bit\r\n"
        "Content-Language: en",
        head,
    )
    assert raw.endswith(
        b"\r\n\r\nI have the most brilliant plan. Let me tell you\r\nall about it. What we do is, we"
    )
    parsed = parse_message(raw)
    assert parsed.sent_at == "2018-07-10T11:03:11+10:00"
    assert parsed.body_structure["language"] == ["en"]
    assert body_value(parsed, "1")["value"].endswith("What we do is, we")


def test_rfc_example_html_and_text_alternative() -> None:
    raw = build(
        {
            "from": [{"name": "Joe Bloggs", "email": "joe@example.com"}],
            "to": [{"name": "John", "email": "john@example.com"}],
            "subject": "World domination",
            "sentAt": "2018-07-10T11:05:08+10:00",
            "bodyStructure": {
                "type": "multipart/alternative",
                "subParts": [
                    {"partId": "a49d", "type": "text/html", "header:Content-Language": "en"},
                    {"partId": "bd48", "type": "text/plain", "header:Content-Language": "en"},
                ],
            },
            "bodyValues": {
                "bd48": {"value": "I have the most brilliant plan.", "isTruncated": False},
                "a49d": {"value": "<div>I have the most <b>brilliant</b> plan.</div>", "isTruncated": False},
            },
        }
    )
    parsed = parse_message(raw)
    assert parsed.to == [{"name": "John", "email": "john@example.com"}]
    assert [p["partId"] for p in parsed.html_body] == ["1"]
    assert [p["partId"] for p in parsed.text_body] == ["2"]
    assert body_value(parsed, "1")["value"] == "<div>I have the most <b>brilliant</b> plan.</div>"
    assert parsed.preview == "I have the most brilliant plan."


def _shape(parts: list[dict]) -> list[tuple]:
    return [(p["type"], p["name"], p["disposition"], p["cid"]) for p in parts]


def test_flat_lists_round_trip_to_the_same_shape() -> None:
    email = {
        "from": [{"name": "Zoë Ünger", "email": "zoe@example.com"}],
        "to": [{"name": "Bob", "email": "bob@example.com"}],
        "bcc": [{"name": None, "email": "hidden@example.com"}],
        "subject": "Résumé and logo",
        "textBody": [{"partId": "t", "type": "text/plain"}],
        "htmlBody": [{"partId": "h", "type": "text/html"}],
        "attachments": [
            {
                "blobId": "Bpng",
                "type": "image/png",
                "name": "logo.png",
                "cid": "logo@x",
                "disposition": "inline",
            },
            {"blobId": "Bpdf", "type": "application/pdf", "name": "Résumé 2024.pdf"},
            {"blobId": "Bmsg", "type": "message/rfc822", "name": "inner.eml"},
            {"blobId": "Btxt", "type": "text/plain", "charset": "iso-8859-1", "name": "notes.txt"},
        ],
        "bodyValues": {
            "t": {"value": "Hello Bob,\nsee attached.\n"},
            "h": {"value": '<p>Hello Bob,</p><p>see attached. <img src="cid:logo@x"></p>'},
        },
    }
    raw = build(email)
    parsed = parse_message(raw)
    assert _shape(parsed.text_body) == [("text/plain", None, None, None)]
    assert _shape(parsed.html_body) == [("text/html", None, None, None)]
    assert _shape(parsed.attachments) == [
        ("image/png", "logo.png", "inline", "logo@x"),
        ("application/pdf", "Résumé 2024.pdf", "attachment", None),
        ("message/rfc822", "inner.eml", "attachment", None),
        ("text/plain", "notes.txt", "attachment", None),
    ]
    assert parsed.has_attachment is True
    assert parsed.from_ == email["from"]
    assert parsed.bcc == email["bcc"]
    assert parsed.subject == "Résumé and logo"
    assert parsed.sent_at == "2020-02-03T04:05:06Z"
    assert parsed.message_id is not None and parsed.message_id[0].endswith("@example.com")
    text_id, html_id = parsed.text_body[0]["partId"], parsed.html_body[0]["partId"]
    assert body_value(parsed, text_id)["value"] == "Hello Bob,\nsee attached.\n"
    assert body_value(parsed, html_id)["value"] == email["bodyValues"]["h"]["value"]
    contents = [part_content(parsed, p["partId"])[0] for p in parsed.attachments]
    assert contents == [BLOBS["Bpng"], BLOBS["Bpdf"], BLOBS["Bmsg"], BLOBS["Btxt"]]
    notes = parsed.attachments[3]
    assert notes["charset"] == "iso-8859-1"
    assert body_value(parsed, notes["partId"])["value"] == "Notizen für März\n"
    # Structure: mixed(alternative(text, related(html, image)), pdf, message, text).
    root = parsed.body_structure
    assert root["type"] == "multipart/mixed"
    assert [p["type"] for p in root["subParts"]] == [
        "multipart/alternative", "application/pdf", "message/rfc822", "text/plain"
    ]  # fmt: skip
    assert [p["type"] for p in root["subParts"][0]["subParts"]] == ["text/plain", "multipart/related"]
    # Every line of the message is within the RFC 5322 limit.
    assert max(len(line) for line in raw.split(b"\r\n")) <= 998


def test_text_only_html_only_and_attachments_only() -> None:
    text = parse_message(build({"textBody": [{"partId": "1"}], "bodyValues": {"1": {"value": "hi"}}}))
    assert text.body_structure["type"] == "text/plain"
    assert [p["partId"] for p in text.text_body] == ["1"]
    html = parse_message(build({"htmlBody": [{"partId": "1"}], "bodyValues": {"1": {"value": "<b>hi</b>"}}}))
    assert html.body_structure["type"] == "text/html"
    assert html.preview == "hi"
    only = parse_message(build({"attachments": [{"blobId": "Bpdf", "type": "application/pdf"}]}))
    assert only.body_structure["type"] == "multipart/mixed"
    assert _shape(only.attachments) == [("application/pdf", None, "attachment", None)]
    empty = parse_message(build({"subject": "nothing"}))
    assert empty.body_structure["type"] == "text/plain"
    assert body_value(empty, "1")["value"] == ""


def test_inline_image_without_html_is_a_plain_attachment() -> None:
    parsed = parse_message(
        build(
            {
                "textBody": [{"partId": "t"}],
                "attachments": [{"blobId": "Bpng", "type": "image/png", "cid": "c1"}],
                "bodyValues": {"t": {"value": "text"}},
            }
        )
    )
    assert _shape(parsed.attachments) == [("image/png", None, "attachment", "c1")]


HEADER_FORMS = {
    "header:X-Raw": " raw value\r\n folded",
    "header:X-Text:asText": "Grüße, 世界 and =?not?= encoded",
    "header:X-Addr:asAddresses": [
        {"name": "Doe, Jane", "email": "jane@example.com"},
        {"name": "Ünal", "email": "u@example.com"},
        {"name": None, "email": "plain@example.com"},
    ],
    "header:X-Group:asGroupedAddresses": [
        {"name": None, "addresses": [{"name": "A", "email": "a@example.com"}]},
        {"name": "Team Ω", "addresses": [{"name": None, "email": "b@example.com"}]},
        {"name": "Empty", "addresses": []},
    ],
    "header:X-Ids:asMessageIds": ["one@example.com", "two@example.com"],
    "header:X-When:asDate": "2014-10-01T12:34:56+02:00",
    "header:X-Urls:asURLs": ["https://example.com/a", "mailto:list@example.com"],
    "header:X-Many:asText:all": ["first", "sécond"],
}


def test_header_forms_round_trip() -> None:
    raw = build({**HEADER_FORMS, "textBody": [{"partId": "t"}], "bodyValues": {"t": {"value": "x"}}})
    parsed = parse_message(raw)
    assert header_value(parsed, "X-Raw") == " raw value\r\n folded"
    assert header_value(parsed, "X-Text", "Text") == HEADER_FORMS["header:X-Text:asText"]
    assert header_value(parsed, "X-Addr", "Addresses") == HEADER_FORMS["header:X-Addr:asAddresses"]
    assert (
        header_value(parsed, "X-Group", "GroupedAddresses")
        == HEADER_FORMS["header:X-Group:asGroupedAddresses"]
    )
    assert header_value(parsed, "X-Ids", "MessageIds") == ["one@example.com", "two@example.com"]
    assert header_value(parsed, "X-When", "Date") == "2014-10-01T12:34:56+02:00"
    assert header_value(parsed, "X-Urls", "URLs") == HEADER_FORMS["header:X-Urls:asURLs"]
    assert header_value(parsed, "X-Many", "Text", all=True) == ["first", "sécond"]
    assert raw.isascii()


def test_convenience_headers_round_trip() -> None:
    email = {
        "messageId": ["m1@example.com"],
        "inReplyTo": ["p1@example.com"],
        "references": ["r1@example.com", "p1@example.com"],
        "sender": [{"name": "Secretary", "email": "sec@example.com"}],
        "from": [{"name": "Boss", "email": "boss@example.com"}],
        "to": [{"name": "Ann", "email": "ann@example.com"}],
        "cc": [{"name": None, "email": "cc@example.com"}],
        "replyTo": [{"name": None, "email": "reply@example.com"}],
        "subject": "Re: " + "long subject " * 12,
        "sentAt": "2021-03-04T05:06:07-08:00",
    }
    parsed = parse_message(build(email))
    assert parsed.message_id == ["m1@example.com"]
    assert parsed.in_reply_to == ["p1@example.com"]
    assert parsed.references == ["r1@example.com", "p1@example.com"]
    assert parsed.sender == email["sender"]
    assert parsed.to == email["to"]
    assert parsed.cc == email["cc"]
    assert parsed.reply_to == email["replyTo"]
    assert parsed.subject == email["subject"]
    assert parsed.sent_at == "2021-03-04T05:06:07-08:00"
    assert header_value(parsed, "Message-ID", all=True) == [" <m1@example.com>"]


def test_generated_headers() -> None:
    naive_now = datetime(2020, 2, 3, 4, 5, 6)
    raw = build_message({"subject": "x"}, BLOBS.get, naive_now, message_id_domain="mail.example.org")
    parsed = parse_message(raw)
    assert parsed.sent_at == "2020-02-03T04:05:06Z"
    assert parsed.message_id is not None and parsed.message_id[0].endswith("@mail.example.org")
    assert header_value(parsed, "MIME-Version") == " 1.0"
    local = datetime(2020, 2, 3, 4, 5, 6, tzinfo=timezone(timedelta(hours=5, minutes=30)))
    assert parse_message(build_message({}, BLOBS.get, local)).sent_at == "2020-02-03T04:05:06+05:30"
    own = parse_message(
        build({"header:Message-ID:asMessageIds": ["own@example.com"], "header:MIME-Version": "1.0"})
    )
    assert own.message_id == ["own@example.com"]
    assert header_value(own, "MIME-Version", all=True) == [" 1.0"]


def test_body_structure_with_blob_parts_and_part_headers() -> None:
    raw = build(
        {
            "bodyStructure": {
                "type": "multipart/mixed",
                "header:X-Part": "outer",
                "subParts": [
                    {
                        "partId": "t",
                        "type": "text/plain",
                        "language": ["en", "de"],
                        "header:X-Note:asText": "ä",
                    },
                    {"blobId": "Bpdf", "type": "application/pdf", "disposition": "attachment", "size": 3},
                    {"blobId": "Bpng", "location": "https://example.com/logo.png", "cid": "logo"},
                ],
            },
            "bodyValues": {"t": {"value": "Text"}},
        }
    )
    parsed = parse_message(raw)
    root = parsed.body_structure
    assert header_value(root, "X-Part") == " outer"
    text, pdf, blob = root["subParts"]
    assert (text["language"], header_value(text, "X-Note", "Text")) == (["en", "de"], "ä")
    assert (pdf["type"], pdf["disposition"], pdf["size"]) == (
        "application/pdf",
        "attachment",
        len(BLOBS["Bpdf"]),
    )
    assert (blob["type"], blob["location"], blob["cid"]) == (
        "application/octet-stream",
        "https://example.com/logo.png",
        "logo",
    )
    assert part_content(parsed, blob["partId"])[0] == BLOBS["Bpng"]


def test_raw_content_type_on_a_leaf_is_used_as_given() -> None:
    raw = build({"bodyStructure": {"blobId": "Bpdf", "header:Content-Type": " application/pdf; x-custom=1"}})
    parsed = parse_message(raw)
    assert parsed.body_structure["type"] == "application/pdf"
    assert header_value(parsed, "Content-Type", all=True) == [" application/pdf; x-custom=1"]


def test_same_blob_twice_is_loaded_once() -> None:
    calls = []

    def loader(blob_id: str) -> bytes | None:
        calls.append(blob_id)
        return BLOBS.get(blob_id)

    attachments = [
        {"blobId": "Bpdf", "type": "application/pdf"},
        {"blobId": "Bpdf", "type": "application/pdf"},
    ]
    build_message({"attachments": attachments}, loader, NOW)
    assert calls == ["Bpdf"]


# --- invalidProperties and blobNotFound ------------------------------------------------

TEXT = {"textBody": [{"partId": "t"}], "bodyValues": {"t": {"value": "x"}}}


@pytest.mark.parametrize(
    ("email", "properties"),
    [
        ({"headers": [{"name": "X", "value": "y"}]}, ["headers"]),
        ({**TEXT, "bodyStructure": {"partId": "t"}}, ["bodyStructure", "textBody"]),
        (
            {
                "bodyStructure": {"partId": "t"},
                "htmlBody": [],
                "attachments": [],
                "bodyValues": {"t": {"value": ""}},
            },
            ["bodyStructure", "htmlBody", "attachments"],
        ),
        (
            {
                "bodyStructure": {"partId": "t", "header:Content-Transfer-Encoding": "base64"},
                "bodyValues": TEXT["bodyValues"],
            },
            ["bodyStructure/header:Content-Transfer-Encoding"],
        ),
        (
            {"from": [{"email": "a@example.com"}], "header:From:asAddresses": [{"email": "b@example.com"}]},
            ["from", "header:From:asAddresses"],
        ),
        ({"header:Subject": " a", "header:subject:asText": "b"}, ["header:Subject", "header:subject:asText"]),
        ({"subject": "a", "header:SUBJECT:asText": "b"}, ["subject", "header:SUBJECT:asText"]),
        ({"header:Content-Type": " text/plain"}, ["header:Content-Type"]),
        ({"header:Content-Language:asText": "en"}, ["header:Content-Language:asText"]),
        ({"header:From:asDate": "2014-10-01T12:34:56Z"}, ["header:From:asDate"]),
        ({"header:Subject:asAddresses": []}, ["header:Subject:asAddresses"]),
        ({"header:X-Foo:asBogus": "x"}, ["header:X-Foo:asBogus"]),
        ({"header:X-Foo:all:asText": ["x"]}, ["header:X-Foo:all:asText"]),
        ({"textBody": [{"partId": "missing"}], "bodyValues": {}}, ["textBody/0/partId"]),
        (
            {"textBody": [{"partId": "t", "blobId": "Bpdf"}], "bodyValues": TEXT["bodyValues"]},
            ["textBody/0/partId", "textBody/0/blobId"],
        ),
        ({"textBody": [{"type": "text/plain"}]}, ["textBody/0/partId"]),
        (
            {"textBody": [{"partId": "t", "charset": "utf-8"}], "bodyValues": TEXT["bodyValues"]},
            ["textBody/0/charset"],
        ),
        ({"textBody": [{"partId": "t", "size": 1}], "bodyValues": TEXT["bodyValues"]}, ["textBody/0/size"]),
        ({"textBody": [{"partId": "t"}, {"partId": "t"}], "bodyValues": TEXT["bodyValues"]}, ["textBody"]),
        (
            {"textBody": [{"partId": "t", "type": "text/html"}], "bodyValues": TEXT["bodyValues"]},
            ["textBody/0/type"],
        ),
        (
            {"htmlBody": [{"partId": "t", "type": "text/plain"}], "bodyValues": TEXT["bodyValues"]},
            ["htmlBody/0/type"],
        ),
        ({**TEXT, "bodyValues": {"t": {"value": "x", "isTruncated": True}}}, ["bodyValues/t/isTruncated"]),
        (
            {**TEXT, "bodyValues": {"t": {"value": "x", "isEncodingProblem": True}}},
            ["bodyValues/t/isEncodingProblem"],
        ),
        ({**TEXT, "bodyValues": {"t": {"value": 5}}}, ["bodyValues/t", "textBody/0/partId"]),
        (
            {
                "subject": "a",
                "bodyStructure": {"partId": "t", "header:Subject": " b"},
                "bodyValues": TEXT["bodyValues"],
            },
            ["bodyStructure/header:Subject"],
        ),
        (
            {
                "bodyStructure": {"partId": "t", "type": "text/plain", "header:Content-Type": " text/html"},
                "bodyValues": TEXT["bodyValues"],
            },
            ["bodyStructure/type", "bodyStructure/header:Content-Type"],
        ),
        (
            {
                "bodyStructure": {
                    "blobId": "Bpdf",
                    "disposition": "attachment",
                    "header:Content-Disposition": " inline",
                }
            },
            ["bodyStructure/disposition", "bodyStructure/header:Content-Disposition"],
        ),
        (
            {
                "bodyStructure": {"type": "multipart/mixed", "subParts": [{"partId": "t"}], "partId": "t"},
                "bodyValues": TEXT["bodyValues"],
            },
            ["bodyStructure/partId"],
        ),
        (
            {"bodyStructure": {"type": "text/plain", "subParts": []}},
            ["bodyStructure/type"],
        ),
        ({"bodyStructure": {"type": "multipart/mixed"}}, ["bodyStructure/subParts"]),
        ({"bodyStructure": {"blobId": "Bpdf", "bogus": 1}}, ["bodyStructure/bogus"]),
        ({"bodyStructure": {"blobId": "Bpdf", "headers": []}}, ["bodyStructure/headers"]),
        ({"bodyStructure": {"blobId": "Bpdf", "type": "pdf"}}, ["bodyStructure/type"]),
        ({"bodyStructure": {"blobId": "Bpdf", "cid": "<a b>"}}, ["bodyStructure/cid"]),
        ({"bodyStructure": {"blobId": "Bpdf", "name": "a\r\nb"}}, ["bodyStructure/name"]),
        ({"bodyStructure": {"blobId": "Bpdf", "language": "en"}}, ["bodyStructure/language"]),
        ({"bodyStructure": {"blobId": "Bpdf", "disposition": "at tach"}}, ["bodyStructure/disposition"]),
        ({"subject": 5}, ["subject"]),
        ({"from": "joe@example.com"}, ["from"]),
        ({"to": [{"name": "x"}]}, ["to"]),
        ({"cc": [{"email": "a\r\nBcc: evil@example.com"}]}, ["cc"]),
        ({"sentAt": "yesterday"}, ["sentAt"]),
        ({"sentAt": "2014-13-45T00:00:00Z"}, ["sentAt"]),
        ({"messageId": ["a b@example.com"]}, ["messageId"]),
        ({"references": []}, ["references"]),
        ({"header:List-Post:asURLs": "mailto:x@example.com"}, ["header:List-Post:asURLs"]),
        ({"header:X-Raw": "injected\r\nBcc: evil@example.com"}, ["header:X-Raw"]),
        ({"header:X-Raw": "bare\nlf"}, ["header:X-Raw"]),
        ({"header:X-All:all": "not a list"}, ["header:X-All:all"]),
        ({"attachments": [{"blobId": "Bpdf"}, {"partId": "nope"}]}, ["attachments/1/partId"]),
    ],
)
def test_invalid_properties(email: dict, properties: list[str]) -> None:
    with pytest.raises(BuildError) as caught:
        build(email)
    assert caught.value.properties == properties
    assert caught.value.message


def test_blob_not_found_lists_every_missing_blob_once() -> None:
    email = {
        "textBody": [{"partId": "t"}],
        "bodyValues": {"t": {"value": "x"}},
        "attachments": [{"blobId": "gone1"}, {"blobId": "Bpdf"}, {"blobId": "gone2"}, {"blobId": "gone1"}],
    }
    with pytest.raises(BlobNotFound) as caught:
        build(email)
    assert caught.value.blob_ids == ["gone1", "gone2"]


def test_invalid_properties_are_reported_before_missing_blobs() -> None:
    with pytest.raises(BuildError) as caught:
        build({"subject": 5, "attachments": [{"blobId": "gone"}]})
    assert caught.value.properties == ["subject"]


def test_long_words_and_empty_all_lists() -> None:
    subject = "x" * 2000 + " end"
    raw = build({"subject": subject, "header:Message-ID:asMessageIds:all": []})
    assert max(len(line) for line in raw.split(b"\r\n")) <= 78
    parsed = parse_message(raw)
    assert parsed.subject == subject
    # An empty :all list writes no header, so a Message-ID is still generated.
    assert parsed.message_id is not None


def test_null_flat_lists_next_to_body_structure_are_not_a_conflict() -> None:
    email = {
        "bodyStructure": {"partId": "t"},
        "textBody": None,
        "attachments": None,
        **{"bodyValues": TEXT["bodyValues"]},
    }
    assert parse_message(build(email)).body_structure["type"] == "text/plain"


_ALPHABET = [*"abcXYZ019 .,;:<>()@\"'=?_-\\/[]", "é", "ß", "世", "😀", "Ж", "  "]


def _random_text(rng, length: int) -> str:
    import unicodedata

    text = "".join(rng.choice(_ALPHABET) for _ in range(length))
    return unicodedata.normalize("NFC", text.strip()) or "z"


def test_random_text_round_trips() -> None:
    import random

    rng = random.Random("jmap-build-round-trip")
    for _ in range(200):
        subject = _random_text(rng, rng.randint(1, 120))
        name = _random_text(rng, rng.randint(1, 40))
        body = "\n".join(_random_text(rng, rng.randint(0, 90)) for _ in range(rng.randint(1, 5)))
        raw = build(
            {
                "subject": subject,
                "from": [{"name": name, "email": "a@example.com"}],
                "textBody": [{"partId": "t"}],
                "bodyValues": {"t": {"value": body}},
            }
        )
        parsed = parse_message(raw)
        assert parsed.subject == subject
        assert parsed.from_ == [{"name": name, "email": "a@example.com"}]
        assert body_value(parsed, "1")["value"] == body
        assert max(len(line) for line in raw.split(b"\r\n")) <= 998


_FUZZ_KEYS = [
    "partId", "blobId", "size", "name", "type", "charset", "disposition", "cid", "language",
    "location", "subParts", "headers", "header:X-A", "header:Content-Type", "header:X-B:asText:all",
]  # fmt: skip
_FUZZ_TOP = [
    "from", "to", "sender", "replyTo", "subject", "sentAt", "messageId", "references",
    "header:X-C:asAddresses", "header:X-D:asGroupedAddresses", "header:X-E:asDate",
    "header:X-F:asURLs", "header:X-G:asMessageIds", "header:X-H:asText", "header:X-I", "headers",
]  # fmt: skip
_FUZZ_SCALARS = [
    None,
    True,
    0,
    1.5,
    "",
    "x",
    "a@b",
    "text/plain",
    "multipart/mixed",
    "Bpdf",
    "t",
    "é\r\n",
    " raw",
]


def _fuzz_value(rng, depth: int = 0):
    choice = rng.randrange(6)
    if choice == 0 and depth < 3:
        return [_fuzz_value(rng, depth + 1) for _ in range(rng.randrange(3))]
    if choice == 1 and depth < 3:
        return _fuzz_part(rng, depth + 1)
    if choice == 2:
        return [{"name": rng.choice([None, "n", "é", 5]), "email": rng.choice(["a@b", "", None, "x<y"])}]
    return rng.choice(_FUZZ_SCALARS)


def _fuzz_part(rng, depth: int) -> dict:
    part = {key: _fuzz_value(rng, depth + 1) for key in rng.sample(_FUZZ_KEYS, rng.randrange(4))}
    if rng.random() < 0.6:
        part["type"] = rng.choice(
            ["text/plain", "text/html", "multipart/mixed", "image/png", "message/rfc822", 5]
        )
    if rng.random() < 0.6:
        part[rng.choice(["partId", "blobId"])] = rng.choice(["t", "Bpdf", "Bpng", "nope"])
    if rng.random() < 0.3 and depth < 3:
        part["subParts"] = [_fuzz_part(rng, depth + 1) for _ in range(rng.randrange(3))]
    return part


def test_random_create_objects_are_built_or_rejected_cleanly() -> None:
    import random

    rng = random.Random("jmap-build-fuzz")
    built = 0
    for _ in range(600):
        email = {key: _fuzz_value(rng) for key in rng.sample(_FUZZ_TOP, rng.randrange(5))}
        if rng.random() < 0.6:
            email["bodyValues"] = {"t": {"value": rng.choice(["hi", "é\n", "", 5])}}
        if rng.random() < 0.4:
            email["bodyStructure"] = _fuzz_part(rng, 0)
        for key in ("textBody", "htmlBody", "attachments"):
            if rng.random() < 0.3:
                email[key] = [_fuzz_part(rng, 2) for _ in range(rng.randrange(1, 3))]
        try:
            raw = build(email)
        except (BuildError, BlobNotFound):
            continue
        built += 1
        assert max(len(line) for line in raw.split(b"\r\n")) <= 998
        parse_message(raw)
    assert built > 20
