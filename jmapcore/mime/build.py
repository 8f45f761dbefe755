"""A JMAP Email create object (RFC 8621 section 4.6) to RFC 5322/MIME bytes.

``build_message`` checks the creation constraints of Email/set (raising
BuildError with the offending properties for an invalidProperties SetError,
or BlobNotFound for a blobNotFound one), then writes the message: headers in
any parsed form, the body from bodyStructure or from textBody/htmlBody/
attachments, content from bodyValues or from blobs.

Property paths in BuildError.properties name nested values with "/", e.g.
"bodyStructure/subParts/1/partId" or "attachments/0/blobId".
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from . import render
from .headers import form_allowed, parse_header_property

__all__ = ["BlobNotFound", "BuildError", "build_message"]


class BuildError(ValueError):
    """The create object breaks RFC 8621's rules: an invalidProperties SetError."""

    def __init__(self, properties: list[str], message: str) -> None:
        super().__init__(message)
        self.properties = properties
        self.message = message


class BlobNotFound(LookupError):
    """Body parts reference blobs that do not exist: a blobNotFound SetError."""

    def __init__(self, blob_ids: list[str]) -> None:
        super().__init__(f"blobs not found: {', '.join(blob_ids)}")
        self.blob_ids = blob_ids


# Convenience properties: (header name, form).
_CONVENIENCE = {
    "sentAt": ("Date", "Date"),
    "from": ("From", "Addresses"),
    "sender": ("Sender", "Addresses"),
    "replyTo": ("Reply-To", "Addresses"),
    "to": ("To", "Addresses"),
    "cc": ("Cc", "Addresses"),
    "bcc": ("Bcc", "Addresses"),
    "subject": ("Subject", "Text"),
    "messageId": ("Message-ID", "MessageIds"),
    "inReplyTo": ("In-Reply-To", "MessageIds"),
    "references": ("References", "MessageIds"),
}
_BODY_PART_KEYS = {
    "partId", "blobId", "size", "headers", "name", "type", "charset", "disposition",
    "cid", "language", "location", "subParts",
}  # fmt: skip
# Properties of the part that write each Content-* header.
_PART_HEADER_SOURCES = {
    "content-type": ("type", "charset", "name"),
    "content-disposition": ("disposition",),
    "content-id": ("cid",),
    "content-language": ("language",),
    "content-location": ("location",),
}
_TOKEN_RE = re.compile(r"^[A-Za-z0-9!#$&^_.+\-]+$")
_MEDIA_TYPE_RE = re.compile(r"^[A-Za-z0-9!#$&^_.+\-]+/[A-Za-z0-9!#$&^_.+\-]+$")
_LANGUAGE_RE = re.compile(r"^[A-Za-z0-9\-]+$")
_UTC_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
_RAW_RE = re.compile(r"^(?:[^\r\n]|\r\n[ \t])*$")
_MSG_ID_RE = re.compile(r"^[^\s<>()]+$")


class _Invalid(Exception):
    def __init__(self, path: str, why: str) -> None:
        super().__init__(why)
        self.path = path
        self.why = why


@dataclass
class _Problems:
    items: list[tuple[str, str]] = field(default_factory=list)

    def add(self, path: str, why: str) -> None:
        if path not in [p for p, _ in self.items]:
            self.items.append((path, why))

    def raise_if_any(self) -> None:
        if self.items:
            raise BuildError([p for p, _ in self.items], "; ".join(f"{p}: {why}" for p, why in self.items))


@dataclass
class _Header:
    prop: str  # the property that set it, for error paths
    name: str
    form: str
    all: bool
    value: Any


@dataclass
class _Part:
    """A validated body part; content is filled from bodyValues or a blob later."""

    path: str
    media_type: str
    headers: list[_Header]
    charset: str | None = None
    name: str | None = None
    disposition: str | None = None
    cid: str | None = None
    language: list[str] | None = None
    location: str | None = None
    part_id: str | None = None
    blob_id: str | None = None
    raw_content_type: bool = False
    children: list[_Part] | None = None
    content: bytes = b""
    lines: list[str] = field(default_factory=list)  # header lines besides Content-Type/-Transfer-Encoding


def build_message(
    email: dict,
    blob_loader: Callable[[str], bytes | None],
    now: datetime,
    *,
    message_id_domain: str | None = None,
) -> bytes:
    """Message bytes for an Email/set create object.

    Date comes from sentAt or ``now``; a Message-ID is generated when none is
    given, on the domain of the first From address (else
    ``message_id_domain``, else "localhost"). Metadata such as mailboxIds,
    keywords and receivedAt are not part of the message and are ignored.
    """
    problems = _Problems()
    headers = _top_level_headers(email, problems)
    body_values = _body_values(email, problems)
    root = _body_root(email, headers, body_values, problems)
    lines = _top_level_lines(headers, email, now, message_id_domain, problems)
    for part in _walk(root):
        part.lines = _content_header_lines(part)
        for header in part.headers:
            part.lines += _header_lines(header, problems)
    problems.raise_if_any()
    _load_blobs(root, blob_loader)
    _fill_text_content(root, body_values)
    return _entity(root).serialise(leading=lines)


# --- top-level headers -----------------------------------------------------


def _top_level_headers(email: dict, problems: _Problems) -> list[_Header]:
    if "headers" in email:
        problems.add("headers", "set each header field as its own property")
    headers = []
    for prop, value in email.items():
        if prop in _CONVENIENCE:
            name, form = _CONVENIENCE[prop]
            headers.append(_Header(prop, name, form, False, value))
        elif prop.startswith("header:"):
            header = _header_property(prop, value, prop, problems)
            if header is None:
                continue
            if header.name.lower().startswith("content-"):
                problems.add(prop, "Content-* header fields belong on body parts")
                continue
            headers.append(header)
    _check_duplicates(headers, problems)
    return headers


def _header_property(prop: str, value: Any, path: str, problems: _Problems) -> _Header | None:
    parsed = parse_header_property(prop)
    if parsed is None:
        problems.add(path, "not a valid header property")
        return None
    if not form_allowed(parsed.name, parsed.form):
        problems.add(path, f"{parsed.name} cannot be set as {parsed.form}")
        return None
    return _Header(path, parsed.name, parsed.form, parsed.all, value)


def _check_duplicates(
    headers: list[_Header], problems: _Problems, derived: dict[str, list[str]] | None = None
) -> None:
    """Flag every property when two of them set the same header field.

    ``derived`` maps a header name to the properties that write it together
    (type, charset and name all make Content-Type): one setter between them.
    """
    setters: dict[str, list[list[str]]] = {name: [paths] for name, paths in (derived or {}).items() if paths}
    for header in headers:
        setters.setdefault(header.name.lower(), []).append([header.prop])
    for name, groups in setters.items():
        if len(groups) > 1:
            for path in (path for group in groups for path in group):
                problems.add(path, f"{name} is given more than once")


def _top_level_lines(
    headers: list[_Header], email: dict, now: datetime, domain: str | None, problems: _Problems
) -> list[str]:
    present = {header.name.lower() for header in headers if header.value not in (None, [])}
    lines: list[str] = []
    if "date" not in present:
        moment = now if now.tzinfo else now.replace(tzinfo=UTC)
        lines.append(render.fold("Date", render.date(moment)))
    for header in headers:
        lines += _header_lines(header, problems)
    if "message-id" not in present:
        lines.append(render.fold("Message-ID", f"<{uuid.uuid4().hex}@{_id_domain(email, domain)}>"))
    if "mime-version" not in present:
        lines.append("MIME-Version: 1.0")
    return lines


def _id_domain(email: dict, fallback: str | None) -> str:
    senders = email.get("from")
    if isinstance(senders, list) and senders and isinstance(senders[0], dict):
        address = senders[0].get("email")
        if isinstance(address, str) and "@" in address:
            domain = re.sub(r"[^A-Za-z0-9.\-]", "", address.rpartition("@")[2])
            if domain:
                return domain
    return fallback or "localhost"


# --- header values in each form ----------------------------------------------


def _header_lines(header: _Header, problems: _Problems) -> list[str]:
    if header.value is None:
        return []
    values = header.value if header.all else [header.value]
    if header.all and not isinstance(header.value, list):
        problems.add(header.prop, "an :all property takes a list")
        return []
    lines = []
    for value in values:
        try:
            lines.append(_format(header.name, header.form, value))
        except _Invalid as exc:
            problems.add(header.prop, exc.why)
    return lines


def _format(name: str, form: str, value: Any) -> str:
    if form == "Raw":
        if not isinstance(value, str) or not _RAW_RE.match(value):
            raise _Invalid(name, "a Raw value is a string whose line breaks only fold")
        return render.raw_line(name, value)
    if form == "Text":
        if not isinstance(value, str):
            raise _Invalid(name, "a Text value is a string")
        return render.fold(name, render.text(value))
    if form == "Addresses":
        return render.fold(name, render.addresses(_addresses(value)))
    if form == "GroupedAddresses":
        return render.fold(name, render.grouped_addresses(_groups(value)))
    if form == "MessageIds":
        return render.fold(name, render.message_ids(_message_ids(value)))
    if form == "Date":
        return render.fold(name, render.date(_date(value)))
    return render.fold(name, render.urls(_urls(value)))


def _no_line_breaks(value: Any) -> bool:
    return isinstance(value, str) and "\r" not in value and "\n" not in value


def _addresses(value: Any) -> list[dict]:
    if not isinstance(value, list):
        raise _Invalid("", "addresses are a list of EmailAddress objects")
    for item in value:
        if not isinstance(item, dict) or not _no_line_breaks(item.get("email")) or not item["email"]:
            raise _Invalid("", "an EmailAddress needs an email string")
        if any(c in item["email"] for c in "<>"):
            raise _Invalid("", "an email address cannot contain < or >")
        if item.get("name") is not None and not _no_line_breaks(item["name"]):
            raise _Invalid("", "an EmailAddress name is a one-line string")
    return value


def _groups(value: Any) -> list[dict]:
    if not isinstance(value, list):
        raise _Invalid("", "grouped addresses are a list of EmailAddressGroup objects")
    for group in value:
        if not isinstance(group, dict) or not isinstance(group.get("addresses"), list):
            raise _Invalid("", "an EmailAddressGroup needs an addresses list")
        if group.get("name") is not None and not _no_line_breaks(group["name"]):
            raise _Invalid("", "a group name is a one-line string")
        _addresses(group["addresses"])
    return value


def _message_ids(value: Any) -> list[str]:
    if not isinstance(value, list) or not value:
        raise _Invalid("", "message ids are a non-empty list of strings")
    if not all(isinstance(item, str) and _MSG_ID_RE.match(item) for item in value):
        raise _Invalid("", "a message id has no spaces, angle brackets or parentheses")
    return value


def _date(value: Any) -> datetime:
    if not isinstance(value, str) or not _UTC_DATE_RE.match(value):
        raise _Invalid("", "a Date is an RFC 3339 date-time")
    try:
        return datetime.fromisoformat(value)
    except ValueError as exc:
        raise _Invalid("", "a Date is an RFC 3339 date-time") from exc


def _urls(value: Any) -> list[str]:
    if not isinstance(value, list) or not value:
        raise _Invalid("", "URLs are a non-empty list of strings")
    if not all(_no_line_breaks(item) and item and not any(c in item for c in "<> ") for item in value):
        raise _Invalid("", "a URL is one line without spaces or angle brackets")
    return value


# --- body values and body parts ------------------------------------------------


def _body_values(email: dict, problems: _Problems) -> dict[str, str]:
    values = email.get("bodyValues") or {}
    if not isinstance(values, dict):
        problems.add("bodyValues", "bodyValues is a map of partId to EmailBodyValue")
        return {}
    out = {}
    for part_id, body_value in values.items():
        path = f"bodyValues/{part_id}"
        if not isinstance(body_value, dict) or not isinstance(body_value.get("value"), str):
            problems.add(path, "an EmailBodyValue needs a string value")
            continue
        for flag in ("isEncodingProblem", "isTruncated"):
            if body_value.get(flag, False) is not False:
                problems.add(f"{path}/{flag}", f"{flag} must be false or omitted")
        out[part_id] = body_value["value"]
    return out


def _body_root(email: dict, headers: list[_Header], body_values: dict, problems: _Problems) -> _Part:
    flat = [key for key in ("textBody", "htmlBody", "attachments") if email.get(key) is not None]
    if "bodyStructure" in email:
        if flat:
            for key in ["bodyStructure", *flat]:
                problems.add(key, "bodyStructure cannot be combined with textBody, htmlBody or attachments")
        root = _part(email["bodyStructure"], "bodyStructure", body_values, problems)
        top_names = {header.name.lower(): [header.prop] for header in headers}
        for header in root.headers:
            if header.name.lower() in top_names:
                problems.add(header.prop, f"{header.name} is already set on the Email")
        return root
    return _root_from_lists(email, body_values, problems)


def _root_from_lists(email: dict, body_values: dict, problems: _Problems) -> _Part:
    text = _single_body(email, "textBody", "text/plain", body_values, problems)
    html = _single_body(email, "htmlBody", "text/html", body_values, problems)
    attachments = email.get("attachments") or []
    if not isinstance(attachments, list):
        problems.add("attachments", "attachments is a list of EmailBodyParts")
        attachments = []
    parts = [_part(item, f"attachments/{i}", body_values, problems) for i, item in enumerate(attachments)]
    # Parts with a Content-ID shown inline belong with the HTML that refers to them.
    inline = [p for p in parts if html and p.cid and p.disposition != "attachment" and p.children is None]
    others = [p for p in parts if p not in inline]
    for part in others:
        if part.disposition is None and not part.raw_content_type:
            part.disposition = "attachment"
    if inline:
        html = _multipart("multipart/related", [html, *inline])
    body = _multipart("multipart/alternative", [text, html]) if text and html else text or html
    if others:
        return _multipart("multipart/mixed", [body, *others] if body else others)
    if body is not None:
        return body
    return _Part("", "text/plain", [], charset="utf-8", part_id="")


def _multipart(media_type: str, children: list[_Part]) -> _Part:
    return _Part("", media_type, [], children=children)


def _single_body(
    email: dict, key: str, media_type: str, body_values: dict, problems: _Problems
) -> _Part | None:
    if key not in email or email[key] is None:
        return None
    items = email[key]
    if not isinstance(items, list) or len(items) != 1:
        problems.add(key, f"{key} must hold exactly one body part")
        return None
    part = _part(items[0], f"{key}/0", body_values, problems, default_type=media_type)
    if part.media_type != media_type or part.children is not None:
        problems.add(f"{key}/0/type", f"{key} must be a single {media_type} part")
    return part


def _part(
    spec: Any, path: str, body_values: dict, problems: _Problems, default_type: str | None = None
) -> _Part:
    if not isinstance(spec, dict):
        problems.add(path, "an EmailBodyPart is an object")
        return _Part(path, "text/plain", [])
    for key in spec:
        if key == "headers":
            problems.add(f"{path}/headers", "set each header field as its own property")
        elif key not in _BODY_PART_KEYS and not key.startswith("header:"):
            problems.add(f"{path}/{key}", "not an EmailBodyPart property")
    headers = _part_headers(spec, path, problems)
    part = _Part(path, "text/plain", headers)
    _part_fields(part, spec, problems, default_type)
    if part.media_type.startswith("multipart/") or "subParts" in spec:
        _part_children(part, spec, body_values, problems)
    else:
        _part_content_source(part, spec, body_values, problems)
    return part


def _part_headers(spec: dict, path: str, problems: _Problems) -> list[_Header]:
    headers = []
    for key, value in spec.items():
        if not key.startswith("header:"):
            continue
        header = _header_property(key, value, f"{path}/{key}", problems)
        if header is None:
            continue
        if header.name.lower() == "content-transfer-encoding":
            problems.add(header.prop, "the server chooses the Content-Transfer-Encoding")
            continue
        headers.append(header)
    derived = {
        name: [f"{path}/{key}" for key in keys if spec.get(key) is not None]
        for name, keys in _PART_HEADER_SOURCES.items()
    }
    _check_duplicates(headers, problems, derived)
    return headers


def _part_fields(part: _Part, spec: dict, problems: _Problems, default_type: str | None) -> None:
    path = part.path
    media_type = spec.get("type")
    part.raw_content_type = any(h.name.lower() == "content-type" for h in part.headers)
    if media_type is None:
        media_type = default_type or _default_type(spec)
        if part.raw_content_type:
            media_type = _type_of_raw_header(part) or media_type
    elif not isinstance(media_type, str) or not _MEDIA_TYPE_RE.match(media_type):
        problems.add(f"{path}/type", "type is a media type such as text/plain")
        media_type = "text/plain"
    part.media_type = media_type.lower()
    for key in ("charset", "disposition"):
        value = spec.get(key)
        if value is not None and not (isinstance(value, str) and _TOKEN_RE.match(value)):
            problems.add(f"{path}/{key}", f"{key} is a token")
            value = None
        setattr(part, key, value.lower() if key == "disposition" and value else value)
    for key in ("name", "location"):
        value = spec.get(key)
        if value is not None and not _no_line_breaks(value):
            problems.add(f"{path}/{key}", f"{key} is a one-line string")
            value = None
        setattr(part, key, value)
    cid = spec.get("cid")
    if cid is not None and not (_no_line_breaks(cid) and _MSG_ID_RE.match(cid)):
        problems.add(f"{path}/cid", "cid has no spaces or angle brackets")
        cid = None
    part.cid = cid
    language = spec.get("language")
    if language is not None and not (
        isinstance(language, list) and all(isinstance(t, str) and _LANGUAGE_RE.match(t) for t in language)
    ):
        problems.add(f"{path}/language", "language is a list of language tags")
        language = None
    part.language = language


def _default_type(spec: dict) -> str:
    if "subParts" in spec:
        return "multipart/mixed"
    return "application/octet-stream" if spec.get("blobId") is not None else "text/plain"


def _type_of_raw_header(part: _Part) -> str | None:
    from .params import parse_content_type

    header = next(h for h in part.headers if h.name.lower() == "content-type")
    return parse_content_type(header.value)[0] if isinstance(header.value, str) else None


def _part_children(part: _Part, spec: dict, body_values: dict, problems: _Problems) -> None:
    path = part.path
    if not part.media_type.startswith("multipart/"):
        problems.add(f"{path}/type", "only a multipart/* part has subParts")
    if part.raw_content_type:
        problems.add(f"{path}/header:Content-Type", "the server writes a multipart's Content-Type (boundary)")
    for key in ("partId", "blobId", "charset", "size"):
        if key in spec:
            problems.add(f"{path}/{key}", f"a multipart part has no {key}")
    children = spec.get("subParts")
    if not isinstance(children, list):
        problems.add(f"{path}/subParts", "a multipart part needs a subParts list")
        children = []
    part.children = [
        _part(child, f"{path}/subParts/{i}", body_values, problems) for i, child in enumerate(children)
    ]


def _part_content_source(part: _Part, spec: dict, body_values: dict, problems: _Problems) -> None:
    path = part.path
    part_id, blob_id = spec.get("partId"), spec.get("blobId")
    if part_id is not None and blob_id is not None:
        problems.add(f"{path}/partId", "give a partId or a blobId, not both")
        problems.add(f"{path}/blobId", "give a partId or a blobId, not both")
    elif part_id is not None:
        if not isinstance(part_id, str) or part_id not in body_values:
            problems.add(f"{path}/partId", "partId must be a key of bodyValues")
        for key in ("charset", "size"):
            if spec.get(key) is not None:
                problems.add(f"{path}/{key}", f"{key} must be omitted when partId is given")
        part.part_id = part_id if isinstance(part_id, str) else None
    elif blob_id is not None:
        if not isinstance(blob_id, str) or not blob_id:
            problems.add(f"{path}/blobId", "blobId is an id string")
        part.blob_id = blob_id if isinstance(blob_id, str) else None
    else:
        problems.add(f"{path}/partId", "a body part needs a partId or a blobId")


def _walk(part: _Part):
    yield part
    for child in part.children or ():
        yield from _walk(child)


def _load_blobs(root: _Part, blob_loader: Callable[[str], bytes | None]) -> None:
    missing: list[str] = []
    loaded: dict[str, bytes | None] = {}
    for part in _walk(root):
        if part.blob_id is None:
            continue
        if part.blob_id not in loaded:
            loaded[part.blob_id] = blob_loader(part.blob_id)
        data = loaded[part.blob_id]
        if data is None:
            if part.blob_id not in missing:
                missing.append(part.blob_id)
        else:
            part.content = bytes(data)
    if missing:
        raise BlobNotFound(missing)


def _fill_text_content(root: _Part, body_values: dict[str, str]) -> None:
    for part in _walk(root):
        if part.part_id is not None:
            part.content = render.crlf(body_values.get(part.part_id, "")).encode("utf-8")
            part.charset = "utf-8"


# --- entities ------------------------------------------------------------------


def _entity(part: _Part) -> render.Entity:
    lines = list(part.lines)
    if part.children is not None:
        children = [_entity(child) for child in part.children]
        return render.Entity(part.media_type, lines, children=children)
    if part.media_type.startswith("message/"):
        encoding, content = render.encode_message_body(part.content)
    else:
        encoding, content = render.encode_body(part.content, textual=part.media_type.startswith("text/"))
    lines.insert(0, f"Content-Transfer-Encoding: {encoding}")
    content_type = None if part.raw_content_type else _content_type(part)
    return render.Entity(content_type, lines, content=content)


def _content_type(part: _Part) -> str:
    params = [part.media_type]
    if part.charset:
        params.append(f"charset={part.charset}")
    if part.name:
        params.append(render.name_param(part.name))
    return "; ".join(params)


def _content_header_lines(part: _Part) -> list[str]:
    lines = []
    if part.disposition:
        params = [part.disposition]
        if part.name:
            params += render.filename_params(part.name)
        lines.append(render.fold("Content-Disposition", "; ".join(params)))
    if part.cid:
        lines.append(render.fold("Content-ID", f"<{part.cid}>"))
    if part.language:
        lines.append(render.fold("Content-Language", ", ".join(part.language)))
    if part.location:
        lines.append(render.fold("Content-Location", part.location))
    return lines
