"""EmailBodyPart objects and the RFC 8621 textBody/htmlBody/attachments decomposition."""

from __future__ import annotations

from typing import Any

from .headers import headers_as_json
from .tree import MimePart


def part_dict(part: MimePart) -> dict[str, Any]:
    """The JSON EmailBodyPart of a part (blobId left for the store to fill)."""
    content_size = len(part.body) if part.is_multipart else len(part.content()[0])
    return {
        "partId": part.part_id,
        "blobId": None,
        "size": content_size,
        "headers": headers_as_json(part.headers),
        "name": part.name,
        "type": part.type,
        "charset": part.charset,
        "disposition": part.disposition,
        "cid": part.cid,
        "language": part.language,
        "location": part.location,
        "subParts": [part_dict(child) for child in part.children] if part.children is not None else None,
    }


def _is_inline_media_type(media_type: str) -> bool:
    return media_type.startswith(("image/", "audio/", "video/"))


def parse_structure(
    parts: list[dict],
    multipart_type: str,
    in_alternative: bool,
    html_body: list[dict] | None,
    text_body: list[dict] | None,
    attachments: list[dict],
) -> None:
    """RFC 8621 section 4.1.4's parseStructure, line for line.

    Two deviations keep every leaf in at least one list: where the
    JavaScript would push onto a list an enclosing call set to null (it
    would throw), and where both body lists are null (it would drop the
    part), the part goes to attachments.
    """
    # For multipartType == alternative
    text_length = len(text_body) if text_body is not None else -1
    html_length = len(html_body) if html_body is not None else -1

    for i, part in enumerate(parts):
        part_type = part["type"]
        is_multipart = part_type.startswith("multipart/")
        # Is this a body part rather than an attachment
        is_inline = (
            part.get("disposition") != "attachment"
            # Must be one of the allowed body types
            and (part_type in ("text/plain", "text/html") or _is_inline_media_type(part_type))
            # If multipart/related, only the first part can be inline
            # If a text part with a filename, and not the first item
            # in the multipart, assume it is an attachment
            and (
                i == 0
                or (
                    multipart_type != "related" and (_is_inline_media_type(part_type) or not part.get("name"))
                )
            )
        )

        if is_multipart:
            sub_multi_type = part_type.split("/", 1)[1]
            parse_structure(
                part.get("subParts") or [],
                sub_multi_type,
                in_alternative or sub_multi_type == "alternative",
                html_body,
                text_body,
                attachments,
            )
        elif is_inline:
            if multipart_type == "alternative":
                if part_type == "text/plain":
                    (text_body if text_body is not None else attachments).append(part)
                elif part_type == "text/html":
                    (html_body if html_body is not None else attachments).append(part)
                else:
                    attachments.append(part)
                continue
            elif in_alternative:
                if part_type == "text/plain":
                    html_body = None
                if part_type == "text/html":
                    text_body = None
            if text_body is not None:
                text_body.append(part)
            if html_body is not None:
                html_body.append(part)
            dropped = text_body is None and html_body is None  # deviation: JS loses the part
            if ((text_body is None or html_body is None) and _is_inline_media_type(part_type)) or dropped:
                attachments.append(part)
        else:
            attachments.append(part)

    if multipart_type == "alternative" and text_body is not None and html_body is not None:
        # Found HTML part only
        if text_length == len(text_body) and html_length != len(html_body):
            text_body.extend(html_body[html_length:])
        # Found plaintext part only
        if html_length == len(html_body) and text_length != len(text_body):
            html_body.extend(text_body[text_length:])


def flatten(body_structure: dict) -> tuple[list[dict], list[dict], list[dict]]:
    """(textBody, htmlBody, attachments) of a bodyStructure, as the same dict objects."""
    text_body: list[dict] = []
    html_body: list[dict] = []
    attachments: list[dict] = []
    parse_structure([body_structure], "mixed", False, html_body, text_body, attachments)
    return text_body, html_body, attachments


def without_sub_parts(part: dict) -> dict:
    return {key: value for key, value in part.items() if key != "subParts"}


def has_attachment(attachments: list[dict], embedded_part_ids: set[str]) -> bool:
    """True if an attachment is neither marked inline nor an image embedded in HTML.

    "Embedded" means a part with a Content-ID inside a multipart/related,
    the structure mailers use for images the HTML shows via cid: links.
    """
    return any(
        part.get("disposition") != "inline" and part.get("partId") not in embedded_part_ids
        for part in attachments
    )


def embedded_part_ids(root: MimePart) -> set[str]:
    return {
        part.part_id
        for part in root.walk()
        if part.in_related and part.part_id and part.cid and part.disposition != "attachment"
    }
