"""Uploading and downloading binary data (RFC 8620 sections 6.1 and 6.2)."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from urllib.parse import quote

from django.conf import settings
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseNotModified,
    QueryDict,
    StreamingHttpResponse,
)
from django.utils.datastructures import MultiValueDict
from django.views.decorators.csrf import csrf_exempt

from jmapcore.mime.parse import part_content
from jmapcore.models import Account, Blob
from jmapcore.protocol.errors import RequestError
from jmapcore.selectors.accounts import accessible_accounts
from jmapcore.services.blobs import (
    CHUNK_SIZE,
    BlobTooLarge,
    BlobWriter,
    StoredBlob,
    blob_open,
    blob_store,
    parse_part_blob_id,
    to_blob_id,
    visible_blob,
)

from . import limits
from .auth import AuthFailed, Caller, authenticate
from .responses import json_response, problem_response, request_error_response

DEFAULT_MEDIA_TYPE = "application/octet-stream"
CACHE_CONTROL = "private, immutable, max-age=31536000"
# Downloads are attacker-controlled content served from our origin: never let them run.
DOWNLOAD_CSP = "default-src 'none'; sandbox"
_TOKEN = r"[!#$%&'*+.^_`|~0-9A-Za-z-]+"
_MEDIA_TYPE = re.compile(rf'{_TOKEN}/{_TOKEN}([ \t]*;[ \t]*{_TOKEN}=({_TOKEN}|"[^"\\\x00-\x1f\x7f]*"))*')
_DIGITS = re.compile(r"[0-9]+")
# RFC 8187 attr-char, left as is in filename*.
_ATTR_CHARS = "!#$&+-.^_`|~"


# ---------------------------------------------------------------- pure helpers


class RangeNotSatisfiable(Exception):
    pass


def parse_range(header: str, size: int) -> tuple[int, int] | None:
    """The single byte range ``(first, last)`` a Range header asks for, or None to send it all.

    Several ranges, other units and malformed headers are ignored (RFC 9110 section 14.2).
    """
    unit, _, spec = header.partition("=")
    first, dash, last = spec.strip().partition("-")
    first, last = first.strip(), last.strip()
    if unit.strip().lower() != "bytes" or "," in spec or not dash:
        return None
    if not first:
        if not _DIGITS.fullmatch(last):
            return None
        if int(last) == 0 or size == 0:
            raise RangeNotSatisfiable
        return max(size - int(last), 0), size - 1
    if not _DIGITS.fullmatch(first) or (last and not _DIGITS.fullmatch(last)):
        return None
    start = int(first)
    if last and int(last) < start:
        return None
    if start >= size:
        raise RangeNotSatisfiable
    return start, min(int(last), size - 1) if last else size - 1


def content_disposition(name: str) -> str:
    """``attachment`` with the client's file name, RFC 6266 ``filename*`` when not plain ASCII."""
    fallback = "".join(c if " " <= c <= "~" and c not in '"\\' else "_" for c in name)
    header = f'attachment; filename="{fallback}"'
    if fallback != name:
        header += "; filename*=UTF-8''" + quote(name, safe=_ATTR_CHARS)
    return header


def download_media_type(accept: str | None) -> str:
    """The ``accept`` parameter if it is a well-formed media type (it becomes a header)."""
    candidate = (accept or "").strip()
    return candidate if _MEDIA_TYPE.fullmatch(candidate) else DEFAULT_MEDIA_TYPE


def etag_matches(if_none_match: str, etag: str) -> bool:
    tags = [tag.strip().removeprefix("W/") for tag in if_none_match.split(",")]
    return "*" in tags or etag in tags


# ---------------------------------------------------------------- shared


def _caller_account(request: HttpRequest, account_id: str) -> tuple[Caller, Account]:
    """The caller and the account they named, or AuthFailed carrying the response to send."""
    caller = authenticate(request)
    account = accessible_accounts(caller.user).get(account_id)
    if account is None:
        # Same answer for an account that does not exist and one of someone else.
        raise AuthFailed(problem_response(404, "accountNotFound", f"No account {account_id!r}"))
    return caller, account


# ---------------------------------------------------------------- upload


def _too_large() -> RequestError:
    return RequestError(
        "limit",
        f"Uploads are limited to {settings.JMAP_MAX_SIZE_UPLOAD} octets",
        status=413,
        limit="maxSizeUpload",
    )


@csrf_exempt
def upload_view(request: HttpRequest, account_id: str) -> HttpResponse:
    if request.method != "POST":
        return HttpResponse(status=405, headers={"Allow": "POST"})
    # The body is the blob, never a form: keep the CSRF check from parsing it as one.
    request._post, request._files = QueryDict(), MultiValueDict()  # type: ignore[attr-defined]
    try:
        caller, account = _caller_account(request, account_id)
    except AuthFailed as failure:
        return failure.response
    try:
        declared = request.META.get("CONTENT_LENGTH") or "0"
        if _DIGITS.fullmatch(declared) and int(declared) > settings.JMAP_MAX_SIZE_UPLOAD:
            raise _too_large()
        with limits.UPLOADS.slot(caller.user.pk):
            stored = _receive(request, account)
    except RequestError as error:
        return request_error_response(error)
    body = {"accountId": account.jmap_id, "blobId": stored.blob_id, "type": stored.media_type}
    return json_response({**body, "size": stored.size}, status=201)


def _receive(request: HttpRequest, account: Account) -> StoredBlob:
    media_type = request.META.get("CONTENT_TYPE", "").strip() or DEFAULT_MEDIA_TYPE
    with BlobWriter(settings.JMAP_MAX_SIZE_UPLOAD) as writer:
        try:
            while chunk := request.read(CHUNK_SIZE):
                writer.write(chunk)
        except BlobTooLarge:
            raise _too_large() from None
        return blob_store(account, writer, media_type)


# ---------------------------------------------------------------- download


class FileChunks:
    """One range of a blob's file, read chunk by chunk in a worker thread."""

    def __init__(self, sha256: str, start: int, length: int) -> None:
        self._handle = blob_open(sha256)
        self._handle.seek(start)
        self._remaining = length

    async def __aiter__(self) -> AsyncIterator[bytes]:
        while self._remaining > 0:
            chunk = await asyncio.to_thread(self._handle.read, min(CHUNK_SIZE, self._remaining))
            if not chunk:
                raise OSError("The blob's file is shorter than its recorded size")
            self._remaining -= len(chunk)
            yield chunk

    def close(self) -> None:
        self._handle.close()


@csrf_exempt
def download_view(request: HttpRequest, account_id: str, blob_id: str, name: str) -> HttpResponse:
    if request.method not in ("GET", "HEAD"):
        return HttpResponse(status=405, headers={"Allow": "GET, HEAD"})
    try:
        _, account = _caller_account(request, account_id)
    except AuthFailed as failure:
        return failure.response
    part = parse_part_blob_id(blob_id)
    reference = visible_blob(account, to_blob_id(part[0]) if part else blob_id)
    content = _part_bytes(reference.blob.sha256, part[1]) if reference is not None and part else None
    if reference is None or (part and content is None):
        return problem_response(404, "about:blank", f"No blob {blob_id!r} in {account_id}", title="Not Found")
    if content is not None:
        return _bytes_response(request, content, f'"{reference.blob.sha256}-{part[1]}"', name)
    return _blob_response(request, reference.blob, name)


def _part_bytes(message_sha256: str, part_id: str) -> bytes | None:
    """One body part of a stored message, transfer-decoded (attachments are downloaded this way)."""
    with blob_open(message_sha256) as handle:
        found = part_content(handle.read(), part_id)
    return found[0] if found else None


def _bytes_response(request: HttpRequest, content: bytes, etag: str, name: str) -> HttpResponse:
    if etag_matches(request.META.get("HTTP_IF_NONE_MATCH", ""), etag):
        return HttpResponseNotModified(headers={"ETag": etag, "Cache-Control": CACHE_CONTROL})
    try:
        byte_range = _requested_range(request, etag, len(content))
    except RangeNotSatisfiable:
        return problem_response(
            416,
            "about:blank",
            f"The blob has {len(content)} octets",
            headers={"Content-Range": f"bytes */{len(content)}"},
            title="Range Not Satisfiable",
        )
    first, last = byte_range or (0, len(content) - 1)
    headers = _download_headers(request, etag, name)
    if byte_range:
        headers["Content-Range"] = f"bytes {first}-{last}/{len(content)}"
    body = b"" if request.method == "HEAD" else content[first : last + 1]
    response = HttpResponse(body, status=206 if byte_range else 200, headers=headers)
    response["Content-Length"] = str(last - first + 1)
    return response


def _blob_response(request: HttpRequest, blob: Blob, name: str) -> HttpResponse:
    etag = f'"{blob.sha256}"'
    if etag_matches(request.META.get("HTTP_IF_NONE_MATCH", ""), etag):
        return HttpResponseNotModified(headers={"ETag": etag, "Cache-Control": CACHE_CONTROL})
    try:
        byte_range = _requested_range(request, etag, blob.size)
    except RangeNotSatisfiable:
        return problem_response(
            416,
            "about:blank",
            f"The blob has {blob.size} octets",
            headers={"Content-Range": f"bytes */{blob.size}"},
            title="Range Not Satisfiable",
        )
    first, last = byte_range or (0, blob.size - 1)
    headers = _download_headers(request, etag, name)
    headers["Content-Length"] = str(last - first + 1)
    if byte_range:
        headers["Content-Range"] = f"bytes {first}-{last}/{blob.size}"
    status = 206 if byte_range else 200
    if request.method == "HEAD":
        return HttpResponse(status=status, headers=headers)
    chunks = FileChunks(blob.sha256, first, last - first + 1)
    return StreamingHttpResponse(chunks, status=status, headers=headers)


def _download_headers(request: HttpRequest, etag: str, name: str) -> dict[str, str]:
    return {
        "Content-Type": download_media_type(request.GET.get("accept")),
        "Content-Disposition": content_disposition(name),
        "Content-Security-Policy": DOWNLOAD_CSP,
        "Cache-Control": CACHE_CONTROL,
        "ETag": etag,
        "Accept-Ranges": "bytes",
    }


def _requested_range(request: HttpRequest, etag: str, size: int) -> tuple[int, int] | None:
    """The Range to honour: none without one, or when If-Range names another representation."""
    header = request.META.get("HTTP_RANGE")
    if_range = request.META.get("HTTP_IF_RANGE")
    if header is None or (if_range is not None and if_range.strip() != etag):
        return None
    return parse_range(header, size)
