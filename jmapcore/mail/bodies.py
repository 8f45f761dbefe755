"""EmailBodyPart shapes and body values for Email/get (RFC 8621 4.1.4 and 4.2)."""

from __future__ import annotations

from typing import Any

from jmapcore.mime.parse import body_values
from jmapcore.models import Email
from jmapcore.services.blobs import blob_open, part_blob_id

from .headers import parse_property, value_for_property

DEFAULT_BODY_PROPERTIES = (
    "partId",
    "blobId",
    "size",
    "name",
    "type",
    "charset",
    "disposition",
    "cid",
    "language",
    "location",
)
KNOWN = (*DEFAULT_BODY_PROPERTIES, "headers", "subParts")


def valid_body_properties(names: list[str]) -> bool:
    return all(name in KNOWN or (name.startswith("header:") and parse_property(name)) for name in names)


def shape(parts: Any, message_sha256: str, properties: list[str]) -> Any:
    """One stored part, or a list of them, limited to ``properties`` with blob ids filled in."""
    if parts is None:
        return None
    if isinstance(parts, list):
        return [shape(part, message_sha256, properties) for part in parts]
    out: dict[str, Any] = {}
    for name in properties:
        if name == "blobId":
            is_multipart = str(parts.get("type", "")).lower().startswith("multipart/")
            out[name] = None if is_multipart else part_blob_id(message_sha256, parts["partId"])
        elif name.startswith("header:"):
            out[name] = value_for_property(parts.get("headers", []), name)
        elif name == "subParts":
            continue
        else:
            out[name] = parts.get(name)
    if parts.get("subParts") is not None:
        out["subParts"] = shape(parts["subParts"], message_sha256, properties)
    return out


def _text_parts(parts: list[dict] | None) -> list[str]:
    return [p["partId"] for p in parts or [] if str(p.get("type", "")).lower().startswith("text/")]


def _all_text_parts(part: dict | None) -> list[str]:
    if not part:
        return []
    if part.get("subParts"):
        return [pid for sub in part["subParts"] for pid in _all_text_parts(sub)]
    return (
        [part["partId"]]
        if str(part.get("type", "")).lower().startswith("text/") and part.get("partId")
        else []
    )


def values_for(email: Email, extra: dict) -> dict[str, dict]:
    """The bodyValues the fetch*BodyValues arguments ask for (reads the raw message once)."""
    parsed = email.parsed
    wanted: list[str] = []
    if extra.get("fetchAllBodyValues"):
        wanted = _all_text_parts(parsed.get("bodyStructure"))
    else:
        if extra.get("fetchTextBodyValues"):
            wanted += _text_parts(parsed.get("textBody"))
        if extra.get("fetchHTMLBodyValues"):
            wanted += _text_parts(parsed.get("htmlBody"))
    if not wanted:
        return {}
    with blob_open(email.blob_id) as handle:
        raw = handle.read()
    return body_values(raw, list(dict.fromkeys(wanted)), extra.get("maxBodyValueBytes") or 0)
