"""textBody/htmlBody/attachments per the parseStructure algorithm of RFC 8621 section 4.1.4."""

from __future__ import annotations

from jmapcore.mime.parse import parse_message
from jmapcore.mime.structure import flatten

from .helpers import ids


def mime(spec, headers: str = "") -> bytes:
    """A message from a nested (type, body-or-children, extra headers) spec."""
    counter = iter(range(1000))

    def render(node) -> str:
        media_type, content, *rest = node
        extra = rest[0] if rest else ""
        if isinstance(content, list):
            boundary = f"b{next(counter)}"
            out = f"Content-Type: {media_type}; boundary={boundary}\r\n{extra}\r\n"
            for child in content:
                out += f"--{boundary}\r\n{render(child)}\r\n"
            return out + f"--{boundary}--\r\n"
        return f"Content-Type: {media_type}\r\n{extra}\r\n{content}\r\n"

    return (headers + "MIME-Version: 1.0\r\n" + render(spec)).encode()


def _lists(raw: bytes) -> tuple[list[str], list[str], list[str]]:
    parsed = parse_message(raw)
    return ids(parsed.text_body), ids(parsed.html_body), ids(parsed.attachments)


INLINE = "Content-Disposition: inline\r\n"
ATTACHMENT = "Content-Disposition: attachment\r\n"


def test_rfc_example_list_manager_structure() -> None:
    raw = mime(
        (
            "multipart/mixed",
            [
                ("text/plain", "A", INLINE),
                (
                    "multipart/mixed",
                    [
                        (
                            "multipart/alternative",
                            [
                                (
                                    "multipart/mixed",
                                    [
                                        ("text/plain", "B", INLINE),
                                        ("image/jpeg", "C", INLINE),
                                        ("text/plain", "D", INLINE),
                                    ],
                                ),
                                ("multipart/related", [("text/html", "E"), ("image/jpeg", "F")]),
                            ],
                        ),
                        ("image/jpeg", "G", ATTACHMENT),
                        ("application/x-excel", "H"),
                        ("message/rfc822", "J"),
                    ],
                ),
                ("text/plain", "K", INLINE),
            ],
        )
    )
    a, b, c, d, e, f, g, h, j, k = (
        "1",
        "2.1.1.1",
        "2.1.1.2",
        "2.1.1.3",
        "2.1.2.1",
        "2.1.2.2",
        "2.2",
        "2.3",
        "2.4",
        "3",
    )
    assert _lists(raw) == ([a, b, c, d, k], [a, e, k], [c, f, g, h, j])


def test_rfc_example_from_the_corpus_matches_too() -> None:
    from .helpers import CORPUS

    raw = (CORPUS / "stalwart-mail-parser/rfc-007.eml").read_bytes()
    assert _lists(raw) == (
        ["1", "2.1.1.1", "2.1.1.2", "2.1.1.3", "3"],
        ["1", "2.1.2.1", "3"],
        ["2.1.1.2", "2.1.2.2", "2.2", "2.3", "2.4"],
    )


def test_alternative_text_and_html() -> None:
    raw = mime(("multipart/alternative", [("text/plain", "plain"), ("text/html", "<p>html</p>")]))
    assert _lists(raw) == (["1"], ["2"], [])
    assert parse_message(raw).has_attachment is False


def test_alternative_html_then_text_order_does_not_matter() -> None:
    raw = mime(("multipart/alternative", [("text/html", "<p>html</p>"), ("text/plain", "plain")]))
    assert _lists(raw) == (["2"], ["1"], [])


def test_text_html_and_inline_image_in_related() -> None:
    raw = mime(
        (
            "multipart/alternative",
            [
                ("text/plain", "plain"),
                (
                    "multipart/related",
                    [("text/html", '<img src="cid:i1">'), ("image/png", "PNG", "Content-ID: <i1>\r\n")],
                ),
            ],
        )
    )
    assert _lists(raw) == (["1"], ["2.1"], ["2.2"])
    # The image is embedded in the HTML, so it is no reason to show a paperclip.
    assert parse_message(raw).has_attachment is False


def test_attachments_after_body() -> None:
    raw = mime(
        (
            "multipart/mixed",
            [
                ("multipart/alternative", [("text/plain", "plain"), ("text/html", "<p>html</p>")]),
                ("application/pdf", "PDF", 'Content-Disposition: attachment; filename="a.pdf"\r\n'),
                ("text/plain", "notes", 'Content-Disposition: attachment; filename="notes.txt"\r\n'),
            ],
        )
    )
    assert _lists(raw) == (["1.1"], ["1.2"], ["2", "3"])
    assert parse_message(raw).has_attachment is True


def test_html_only_is_the_text_body_too() -> None:
    raw = mime(("text/html", "<p>only html</p>"))
    assert _lists(raw) == (["1"], ["1"], [])
    assert parse_message(raw).preview == "only html"


def test_named_text_part_after_the_first_is_an_attachment() -> None:
    raw = mime(
        (
            "multipart/mixed",
            [("text/plain", "body"), ("text/plain", "log", 'Content-Type: text/plain; name="log.txt"\r\n')],
        )
    )
    # The second Content-Type line is ignored (the first instance wins), but
    # the name parameter only exists on it: so the part stays in the body.
    assert _lists(raw) == (["1", "2"], ["1", "2"], [])
    named = mime(("multipart/mixed", [("text/plain", "body"), ('text/plain; name="log.txt"', "log")]))
    assert _lists(named) == (["1"], ["1"], ["2"])


def test_inline_images_between_text_parts_are_body_and_attachment() -> None:
    raw = mime(
        ("multipart/mixed", [("text/plain", "one"), ("image/jpeg", "JPEG", INLINE), ("text/plain", "two")])
    )
    # In both body lists, so not listed as an attachment.
    assert _lists(raw) == (["1", "2", "3"], ["1", "2", "3"], [])


def test_only_first_part_of_related_is_inline() -> None:
    raw = mime(("multipart/related", [("text/html", "<p>x</p>"), ("text/html", "<p>y</p>")]))
    assert _lists(raw) == (["1"], ["1"], ["2"])


def test_attachment_disposition_on_a_text_part() -> None:
    raw = mime(("multipart/mixed", [("text/plain", "body"), ("text/plain", "more", ATTACHMENT)]))
    assert _lists(raw) == (["1"], ["1"], ["2"])
    single = mime(("application/octet-stream", "data", ATTACHMENT))
    assert _lists(single) == ([], [], ["1"])


def test_alternative_with_non_text_part_goes_to_attachments() -> None:
    raw = mime(("multipart/alternative", [("text/plain", "plain"), ("text/calendar", "BEGIN:VCALENDAR")]))
    assert _lists(raw) == (["1"], ["1"], ["2"])


def _part(part_id: str, media_type: str, **extra) -> dict:
    return {"partId": part_id, "type": media_type, "subParts": None, **extra}


def test_flatten_keeps_parts_the_javascript_would_lose() -> None:
    # multipart/mixed inside an alternative with text then html: both lists
    # get nulled for the rest of that loop; the third part would be dropped.
    structure = {
        "partId": None,
        "type": "multipart/alternative",
        "subParts": [
            {
                "partId": None,
                "type": "multipart/mixed",
                "subParts": [
                    _part("1.1", "text/plain"),
                    _part("1.2", "text/html"),
                    _part("1.3", "text/plain"),
                ],
            }
        ],
    }
    text, html, attachments = flatten(structure)
    # The text part nulls htmlBody, the html part then nulls textBody: from
    # there on the JavaScript pushes nowhere. The alternative's closing step
    # copies the text part into htmlBody.
    assert ids(text) == ["1.1"]
    assert ids(html) == ["1.1"]
    assert ids(attachments) == ["1.2", "1.3"]


def test_flatten_nested_alternative_after_a_nulled_list() -> None:
    # A nested alternative reached when the text list is already null.
    structure = {
        "partId": None,
        "type": "multipart/alternative",
        "subParts": [
            {
                "partId": None,
                "type": "multipart/related",
                "subParts": [
                    _part("1.1", "text/html"),
                    {
                        "partId": None,
                        "type": "multipart/alternative",
                        "subParts": [_part("1.2.1", "text/plain"), _part("1.2.2", "text/html")],
                    },
                ],
            }
        ],
    }
    text, html, attachments = flatten(structure)
    # The inner text/plain has nowhere to go (the JavaScript would throw);
    # the outer alternative then finds HTML only and copies it to textBody.
    assert ids(text) == ["1.1", "1.2.2"]
    assert ids(html) == ["1.1", "1.2.2"]
    assert ids(attachments) == ["1.2.1"]
