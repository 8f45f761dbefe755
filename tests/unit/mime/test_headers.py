"""RFC 8621 section 4.1.2 header forms, with the RFC's own examples."""

from __future__ import annotations

import pytest

from jmapcore.mime.headers import HeaderProperty, form_allowed, parse_header_property
from jmapcore.mime.parse import header_value, parse_message

RFC_ADDRESS_LIST = (
    ' "  James Smythe" <james@example.com>, Friends:\r\n'
    "  jane@example.com, =?UTF-8?Q?John_Sm=C3=AEth?=\r\n"
    "  <john@example.com>;"
)


def _headers(*pairs: tuple[str, str]) -> list[tuple[str, str]]:
    return list(pairs)


def test_rfc_example_addresses() -> None:
    assert header_value([("To", RFC_ADDRESS_LIST)], "To", "Addresses") == [
        {"name": "James Smythe", "email": "james@example.com"},
        {"name": None, "email": "jane@example.com"},
        {"name": "John Smîth", "email": "john@example.com"},
    ]


def test_rfc_example_grouped_addresses() -> None:
    assert header_value([("To", RFC_ADDRESS_LIST)], "To", "GroupedAddresses") == [
        {"name": None, "addresses": [{"name": "James Smythe", "email": "james@example.com"}]},
        {
            "name": "Friends",
            "addresses": [
                {"name": None, "email": "jane@example.com"},
                {"name": "John Smîth", "email": "john@example.com"},
            ],
        },
    ]


def test_rfc_example_header_resent_to_as_addresses_all() -> None:
    headers = [("Resent-To", " a@example.com"), ("To", " x@example.com"), ("Resent-To", " B <b@example.com>")]
    assert header_value(headers, "resent-to", "Addresses", all=True) == [
        [{"name": None, "email": "a@example.com"}],
        [{"name": "B", "email": "b@example.com"}],
    ]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (" jane@example.com (Jane Doe)", [{"name": "Jane Doe", "email": "jane@example.com"}]),
        (' "Doe, Jane" <jane@example.com>', [{"name": "Doe, Jane", "email": "jane@example.com"}]),
        (' "a \\"quoted\\" name" <q@example.com>', [{"name": 'a "quoted" name', "email": "q@example.com"}]),
        (" =?utf-8?Q?Doe,_Jane?= <jane@example.com>", [{"name": "Doe, Jane", "email": "jane@example.com"}]),
        (
            " =?utf-8?B?5bGx55Sw?= =?utf-8?B?5aSq6YOO?= <t@example.jp>",
            [{"name": "山田太郎", "email": "t@example.jp"}],
        ),
        (" undisclosed-recipients:;", []),
        (
            ' "a" <a@example.com> "b" <b@example.com>',
            [
                {"name": "a", "email": "a@example.com"},
                {"name": "b", "email": "b@example.com"},
            ],
        ),
        (
            " a@example.com b@example.com",
            [
                {"name": None, "email": "a@example.com"},
                {"name": None, "email": "b@example.com"},
            ],
        ),
        (" <@route.example,@r2.example:user@example.com>", [{"name": None, "email": "user@example.com"}]),
        (" John Doe", [{"name": None, "email": "John Doe"}]),
        (" Name <unclosed@example.com", [{"name": "Name", "email": "unclosed@example.com"}]),
        (" john . doe @ example . com", [{"name": None, "email": "john.doe@example.com"}]),
        ("", []),
    ],
)
def test_addresses_best_effort(value: str, expected: list) -> None:
    assert header_value([("From", value)], "From", "Addresses") == expected


def test_grouped_addresses_keep_empty_groups_and_split_ungrouped_runs() -> None:
    value = " a@example.com, Team: b@example.com;, c@example.com, Nobody:;"
    assert header_value([("To", value)], "To", "GroupedAddresses") == [
        {"name": None, "addresses": [{"name": None, "email": "a@example.com"}]},
        {"name": "Team", "addresses": [{"name": None, "email": "b@example.com"}]},
        {"name": None, "addresses": [{"name": None, "email": "c@example.com"}]},
        {"name": "Nobody", "addresses": []},
    ]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (" Hello world", "Hello world"),
        ("   leading spaces go", "leading spaces go"),
        (" folded\r\n  value", "folded  value"),
        (" =?UTF-8?Q?Caf=C3=A9?= =?UTF-8?Q?_cr=C3=A8me?=", "Café crème"),
        (" =?utf-8?q?a?=  b", "a  b"),
        (" a =?utf-8?q?b?=", "a b"),
        (" =?utf-8?b?4oKs?=100", "=?utf-8?b?4oKs?=100"),
        (" =?x-unknown?q?abc?=", "=?x-unknown?q?abc?="),
        (" =?utf-8?q?nul=00and=0Dcr?=", "nulandcr"),
        (" =?iso-8859-1*en?q?=E9t=E9?=", "été"),
        # A multi-byte character split between two encoded-words survives.
        (" =?utf-8?B?4oI=?= =?utf-8?B?rA==?=", "€"),
        # NFC: e + combining acute becomes é.
        (" e\u0301", "\u00e9"),
    ],
)
def test_text_form(raw: str, expected: str) -> None:
    assert header_value([("Subject", raw)], "Subject", "Text") == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (" <abc@example.com>", ["abc@example.com"]),
        (" <a@x>  <b@x>\r\n <c@x>", ["a@x", "b@x", "c@x"]),
        (" <1234   @   local(blah)  .machine .example>", ["1234@local.machine.example"]),
        (' Your message of "Mon" <id@example.com>', ["id@example.com"]),
        (" bare@example.com", ["bare@example.com"]),
        (" not an id", None),
        ("", None),
    ],
)
def test_message_ids_form(raw: str, expected) -> None:
    assert header_value([("References", raw)], "References", "MessageIds") == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (" Wed, 01 Oct 2014 12:34:56 +0200", "2014-10-01T12:34:56+02:00"),
        (" Tue, 10 Jul 2018 11:03:11 +1000", "2018-07-10T11:03:11+10:00"),
        (" 1 Jan 2001 00:00:00 -0530 (IST?)", "2001-01-01T00:00:00-05:30"),
        (" Fri, 21 Nov 1997 09(comment):   55  :  06 -0600", "1997-11-21T09:55:06-06:00"),
        (" Mon, 1 Jan 01 10:00 GMT", "2001-01-01T10:00:00Z"),
        (" 19 May 00 21:55 EST", "2000-05-19T21:55:00-05:00"),
        (" Fri, 19 May 2000 27:55:02 -0400", None),
        (" Malformed Date.", None),
        ("", None),
    ],
)
def test_date_form(raw: str, expected) -> None:
    assert header_value([("Date", raw)], "Date", "Date") == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (" <mailto:list@example.com>", ["mailto:list@example.com"]),
        (
            " <https://example.com/unsub>, <mailto:unsub@example.com?subject=unsubscribe>",
            ["https://example.com/unsub", "mailto:unsub@example.com?subject=unsubscribe"],
        ),
        (
            " <ftp://example.com/list/ (comment)>, (a comment) <https://x.example/\r\n a>",
            ["ftp://example.com/list/", "https://x.example/a"],
        ),
        (" NO (posting not allowed)", None),
    ],
)
def test_urls_form(raw: str, expected) -> None:
    assert header_value([("List-Post", raw)], "List-Post", "URLs") == expected


def test_raw_form_last_instance_all_and_absent() -> None:
    headers = _headers(("Received", " first"), ("X-A", " a"), ("received", " second"))
    assert header_value(headers, "RECEIVED") == " second"
    assert header_value(headers, "Received", all=True) == [" first", " second"]
    assert header_value(headers, "X-Missing") is None
    assert header_value(headers, "X-Missing", "Text", all=True) == []


def test_header_sources_message_part_dict_and_pairs() -> None:
    parsed = parse_message(b"Subject: one\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nhi\r\n")
    assert header_value(parsed, "Subject", "Text") == "one"
    assert header_value(parsed.body_structure, "Content-Type") == " text/plain; charset=utf-8"
    assert header_value(parsed.body_structure["headers"], "subject") == " one"
    assert header_value(parsed.text_body[0], "Content-Type", "Text") == "text/plain; charset=utf-8"


@pytest.mark.parametrize(
    ("name", "form", "allowed"),
    [
        ("From", "Addresses", True),
        ("from", "GroupedAddresses", True),
        ("From", "Date", False),
        ("From", "Text", False),
        ("Subject", "Text", True),
        ("Subject", "Addresses", False),
        ("List-Id", "Text", True),
        ("Comments", "Text", True),
        ("Keywords", "Text", True),
        ("Message-ID", "MessageIds", True),
        ("Resent-Message-ID", "MessageIds", True),
        ("References", "Text", False),
        ("Date", "Date", True),
        ("Resent-Date", "Date", True),
        ("Date", "Text", False),
        ("List-Unsubscribe", "URLs", True),
        ("List-Unsubscribe", "Text", False),
        ("Received", "Text", False),
        ("Return-Path", "Addresses", False),
        ("Received", "Raw", True),
        ("Resent-Reply-To", "Addresses", True),
        ("X-Custom", "Addresses", True),
        ("X-Custom", "Date", True),
        ("X-Custom", "URLs", True),
        ("X-Custom", "Bogus", False),
    ],
)
def test_form_allowed(name: str, form: str, allowed: bool) -> None:
    assert form_allowed(name, form) is allowed


@pytest.mark.parametrize(
    ("prop", "expected"),
    [
        ("header:Subject", HeaderProperty("Subject")),
        ("header:From:asAddresses", HeaderProperty("From", "Addresses")),
        ("header:Resent-To:asAddresses:all", HeaderProperty("Resent-To", "Addresses", True)),
        ("header:X-Foo:all", HeaderProperty("X-Foo", "Raw", True)),
        ("header:List-Post:asURLs", HeaderProperty("List-Post", "URLs")),
        ("header:X:asRaw", HeaderProperty("X", "Raw")),
        ("header:From:all:asAddresses", None),
        ("header:From:asBogus", None),
        ("header:", None),
        ("header:Bad Name", None),
        ("subject", None),
    ],
)
def test_parse_header_property(prop: str, expected) -> None:
    assert parse_header_property(prop) == expected
