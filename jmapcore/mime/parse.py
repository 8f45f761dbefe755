"""RFC 5322/MIME bytes to the JMAP Email representation (RFC 8621 section 4.1).

Everything here is a pure function of the message bytes and never raises on
malformed input. Python's email package is used where it is exact (date
parsing, quoted-printable, codecs); the header block and the MIME tree are
read from the bytes directly, because the email parser drops the leading
space of Raw values, loses obsolete "Name :" fields, and cannot give back
the exact octets of an attached message/rfc822 (see tree.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from . import charsets, transfer
from .headers import HeaderSource, form_allowed, header_list
from .headers import header_value as _header_value
from .html import collapse_whitespace, html_to_text
from .structure import embedded_part_ids, flatten, has_attachment, part_dict, without_sub_parts
from .tree import MimePart, parse_tree

PREVIEW_LENGTH = 256
SEARCH_TEXT_LIMIT = 200 * 1024  # UTF-8 octets
# Characters of a part read for the preview: enough even after heavy markup.
_PREVIEW_SOURCE_LIMIT = 64 * 1024
# Characters of a part read for search text; bounds the HTML parser's work.
_SEARCH_SOURCE_LIMIT = 1024 * 1024
# CRLF to LF; stray CRs before a line break go too, or "\r\r\n" would leave a CRLF.
_CRLF_RE = re.compile(r"\r+\n")
# Control characters (white space aside) and invisible formatting characters
# have no place in a one-line preview.
_INVISIBLE_RE = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f\u00ad\u200b-\u200d\u2060\ufeff]")

__all__ = [
    "PREVIEW_LENGTH",
    "SEARCH_TEXT_LIMIT",
    "ParsedMessage",
    "body_value",
    "body_values",
    "form_allowed",
    "header_value",
    "html_to_text",
    "parse_message",
    "part_content",
    "search_text",
]


@dataclass
class ParsedMessage:
    """A message as JMAP sees it; every field is JSON-ready."""

    headers: list[tuple[str, str]]
    body_structure: dict
    text_body: list[dict]
    html_body: list[dict]
    attachments: list[dict]
    has_attachment: bool
    preview: str
    message_id: list[str] | None
    in_reply_to: list[str] | None
    references: list[str] | None
    sender: list[dict] | None
    from_: list[dict] | None
    to: list[dict] | None
    cc: list[dict] | None
    bcc: list[dict] | None
    reply_to: list[dict] | None
    subject: str | None
    sent_at: str | None
    size: int

    @property
    def root(self) -> MimePart:
        """The MIME tree behind this result (not a dataclass field, so asdict() stays JSON-ready)."""
        root = getattr(self, "_root", None)
        if root is None:
            raise ValueError("this ParsedMessage was not made by parse_message; pass the raw bytes")
        return root

    def part(self, part_id: str) -> MimePart | None:
        """The leaf MIME part with this partId, if any."""
        return _part_index(self.root).get(part_id)

    def email_properties(self) -> dict[str, Any]:
        """The parsed Email properties under their JMAP names."""
        return {
            "messageId": self.message_id,
            "inReplyTo": self.in_reply_to,
            "references": self.references,
            "sender": self.sender,
            "from": self.from_,
            "to": self.to,
            "cc": self.cc,
            "bcc": self.bcc,
            "replyTo": self.reply_to,
            "subject": self.subject,
            "sentAt": self.sent_at,
            "size": self.size,
            "headers": [{"name": name, "value": value} for name, value in self.headers],
            "bodyStructure": self.body_structure,
            "textBody": self.text_body,
            "htmlBody": self.html_body,
            "attachments": self.attachments,
            "hasAttachment": self.has_attachment,
            "preview": self.preview,
        }


def _part_index(root: MimePart) -> dict[str, MimePart]:
    return root.index()


def parse_message(raw: bytes) -> ParsedMessage:
    """Parse message bytes into the JMAP Email representation. Never raises."""
    raw = bytes(raw)
    root = parse_tree(raw)
    structure = part_dict(root)
    text_body, html_body, attachments = flatten(structure)
    headers = root.headers
    parsed = ParsedMessage(
        headers=headers,
        body_structure=structure,
        text_body=[without_sub_parts(part) for part in text_body],
        html_body=[without_sub_parts(part) for part in html_body],
        attachments=[without_sub_parts(part) for part in attachments],
        has_attachment=has_attachment(attachments, embedded_part_ids(root)),
        preview=_preview(root, text_body),
        message_id=_header_value(headers, "Message-ID", "MessageIds"),
        in_reply_to=_header_value(headers, "In-Reply-To", "MessageIds"),
        references=_header_value(headers, "References", "MessageIds"),
        sender=_header_value(headers, "Sender", "Addresses"),
        from_=_header_value(headers, "From", "Addresses"),
        to=_header_value(headers, "To", "Addresses"),
        cc=_header_value(headers, "Cc", "Addresses"),
        bcc=_header_value(headers, "Bcc", "Addresses"),
        reply_to=_header_value(headers, "Reply-To", "Addresses"),
        subject=_header_value(headers, "Subject", "Text"),
        sent_at=_header_value(headers, "Date", "Date"),
        size=len(raw),
    )
    parsed._root = root
    return parsed


def header_value(
    source: ParsedMessage | HeaderSource, name: str, form: str = "Raw", all: bool = False
) -> Any:
    """A header field of a message or part in an RFC 8621 form (see headers.header_value)."""
    return _header_value(header_list(source), name, form, all)


# --- body values -------------------------------------------------------------


def _tree(source: bytes | ParsedMessage) -> MimePart:
    return source.root if isinstance(source, ParsedMessage) else parse_tree(bytes(source))


def _decode_text(part: MimePart) -> tuple[str, bool]:
    """A text part as a string (CRLF to LF) and whether decoding had a problem."""
    data, cte_problem = part.content()
    text, charset_problem = charsets.decode_bytes(data, part.params.get("charset"))
    text = text.removeprefix("\ufeff")
    if "\r" in text:
        text = _CRLF_RE.sub("\n", text)
    return text, cte_problem or charset_problem or not transfer.is_known(part.cte)


def _truncate(value: str, max_bytes: int, is_html: bool) -> tuple[str, bool]:
    encoded = value.encode("utf-8")
    if max_bytes <= 0 or len(encoded) <= max_bytes:
        return value, False
    cut = encoded[:max_bytes].decode("utf-8", "ignore")  # drops a split last character
    if is_html:
        # Never end inside a tag such as <a href="...">.
        open_tag = cut.rfind("<")
        if open_tag > cut.rfind(">"):
            cut = cut[:open_tag]
    return cut, True


def _value_of(part: MimePart, max_bytes: int) -> dict:
    text, problem = _decode_text(part)
    value, truncated = _truncate(text, max_bytes, part.type == "text/html")
    return {"value": value, "isEncodingProblem": problem, "isTruncated": truncated}


def body_value(raw: bytes | ParsedMessage, part_id: str, max_bytes: int = 0) -> dict | None:
    """The EmailBodyValue of a text/* part; None if there is no such text part."""
    return body_values(raw, [part_id], max_bytes).get(part_id)


def body_values(raw: bytes | ParsedMessage, part_ids: Iterable[str], max_bytes: int = 0) -> dict[str, dict]:
    """EmailBodyValues by partId for every text/* part asked for, parsing the message once."""
    index = _part_index(_tree(raw))
    out = {}
    for part_id in part_ids:
        part = index.get(part_id)
        if part is not None and part.type.startswith("text/"):
            out[part_id] = _value_of(part, max_bytes)
    return out


def part_content(raw: bytes | ParsedMessage, part_id: str) -> tuple[bytes, str] | None:
    """The decoded octets and media type of one leaf part, for blob downloads."""
    part = _part_index(_tree(raw)).get(part_id)
    if part is None:
        return None
    return part.content()[0], part.type


# --- preview and search text ---------------------------------------------------


def _body_texts(root: MimePart, text_body: list[dict], char_limit: int) -> Iterable[str]:
    """Plain text of each text/plain or text/html part of textBody, each cut to char_limit first."""
    index = _part_index(root)
    for item in text_body:
        part = index.get(item["partId"])
        if part is None or part.type not in ("text/plain", "text/html"):
            continue
        text = _decode_text(part)[0][:char_limit]
        yield html_to_text(text) if part.type == "text/html" else text


def _preview(root: MimePart, text_body: list[dict]) -> str:
    collected = ""
    for text in _body_texts(root, text_body, _PREVIEW_SOURCE_LIMIT):
        collected = collapse_whitespace(_INVISIBLE_RE.sub("", f"{collected} {text}"))
        if len(collected) >= PREVIEW_LENGTH:
            break
    return collected[:PREVIEW_LENGTH].rstrip()


def search_text(parsed_or_raw: bytes | ParsedMessage, limit: int = SEARCH_TEXT_LIMIT) -> str:
    """The body text to index: text parts as they are, HTML converted; capped in UTF-8 octets."""
    parsed = parsed_or_raw if isinstance(parsed_or_raw, ParsedMessage) else parse_message(parsed_or_raw)
    pieces, size = [], 0
    for text in _body_texts(parsed.root, parsed.text_body, _SEARCH_SOURCE_LIMIT):
        pieces.append(text)
        size += len(text.encode("utf-8")) + 1
        if size >= limit:
            break
    joined = "\n".join(pieces)
    return joined.encode("utf-8")[:limit].decode("utf-8", "ignore")
