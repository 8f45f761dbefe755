"""Blob/copy (RFC 8620 section 6.3) and Blob/upload, Blob/get, Blob/lookup (RFC 9404)."""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from jmapcore.engine.arguments import Arguments
from jmapcore.engine.capabilities import (
    ACCOUNT_EXTENSIONS,
    BLOB,
    CORE,
    MAIL,
    SESSION_EXTENSIONS,
)
from jmapcore.engine.context import Context
from jmapcore.engine.registry import method
from jmapcore.models import Account, Blob
from jmapcore.protocol.errors import MethodError, SetError, invalid_properties
from jmapcore.protocol.ids import is_valid_id
from jmapcore.services import blobs as service

# RFC 9404 section 3.1: servers MUST allow at least 64.
MAX_DATA_SOURCES = 64
DIGESTS: dict[str, Callable[[], Any]] = {"sha": hashlib.sha1, "sha-256": hashlib.sha256}
DATA_PROPERTIES = frozenset({"data", "data:asText", "data:asBase64"})
DEFAULT_GET_PROPERTIES = ["data", "size"]
SOURCE_KINDS = ("data:asText", "data:asBase64", "blobId")
SOURCE_KEYS = frozenset({*SOURCE_KINDS, "offset", "length"})


# ---------------------------------------------------------------- Blob/lookup hooks


@dataclass(frozen=True)
class BlobLookup:
    capability: str
    # (account, SHA-256s visible to it) -> {SHA-256: ids of this type that reference it}
    find: Callable[[Account, list[str]], dict[str, list[str]]]


BLOB_LOOKUPS: dict[str, BlobLookup] = {}


def register_blob_lookup(
    type_name: str, capability: str, find: Callable[[Account, list[str]], dict[str, list[str]]]
) -> None:
    """Let Blob/lookup search ``type_name``; a later registration replaces an earlier one."""
    BLOB_LOOKUPS[type_name] = BlobLookup(capability, find)


def _mailboxes_referencing(account: Account, sha256s: list[str]) -> dict[str, list[str]]:
    # A Mailbox references a blob only through its Emails, and no Email type exists yet:
    # the Email module registers the real lookup for "Mailbox" when it arrives.
    return {}


register_blob_lookup("Mailbox", MAIL, _mailboxes_referencing)


def _account_capability(account: Account) -> dict[str, Any]:
    return {
        "maxSizeBlobSet": settings.JMAP_MAX_SIZE_UPLOAD,
        "maxDataSources": MAX_DATA_SOURCES,
        "supportedTypeNames": sorted(BLOB_LOOKUPS),
        "supportedDigestAlgorithms": list(DIGESTS),
    }


SESSION_EXTENSIONS[BLOB] = dict
ACCOUNT_EXTENSIONS[BLOB] = _account_capability


def _required(value: Any, name: str) -> Any:
    if value is None:
        raise MethodError("invalidArguments", f"'{name}' is required", arguments=[name])
    return value


def _check_count(count: int, limit: int, what: str) -> None:
    if count > limit:
        raise MethodError("requestTooLarge", f"At most {limit} {what}")


# ---------------------------------------------------------------- Blob/copy


@method("Blob/copy", CORE)
def blob_copy(ctx: Context, raw: dict[str, Any]) -> dict[str, Any]:
    args = Arguments(raw)
    from_account_id = args.any("fromAccountId")
    account = ctx.account(args.any("accountId"), CORE)
    blob_ids = _required(args.id_list("blobIds"), "blobIds")
    args.finish()
    if not isinstance(from_account_id, str):
        raise MethodError("invalidArguments", "fromAccountId must be an Id", arguments=["fromAccountId"])
    source = ctx.accounts.get(from_account_id)
    if source is None:
        raise MethodError("fromAccountNotFound")
    _check_count(len(blob_ids), settings.JMAP_MAX_OBJECTS_IN_SET, "blobIds per Blob/copy")
    wanted = list(dict.fromkeys(ctx.resolve_id(given) or given for given in blob_ids))
    copied, missing = service.blob_copy(source, account, wanted)
    return {
        "fromAccountId": source.jmap_id,
        "accountId": account.jmap_id,
        "copied": {blob_id: blob_id for blob_id in copied} or None,
        "notCopied": {
            blob_id: SetError("notFound", f"No blob {blob_id!r} in {source.jmap_id}").to_json()
            for blob_id in missing
        }
        or None,
    }


# ---------------------------------------------------------------- Blob/upload


@dataclass(frozen=True)
class BlobRange:
    sha256: str
    start: int
    length: int


Source = bytes | BlobRange


@method("Blob/upload", BLOB)
def blob_upload(ctx: Context, raw: dict[str, Any]) -> dict[str, Any]:
    args = Arguments(raw)
    account = ctx.account(args.any("accountId"), BLOB)
    create = _required(args.object("create"), "create")
    args.finish()
    _check_count(len(create), settings.JMAP_MAX_OBJECTS_IN_SET, "creations per Blob/upload")
    created: dict[str, Any] = {}
    not_created: dict[str, Any] = {}
    for creation_id, upload in create.items():
        try:
            media_type, sources = _parse_upload(ctx, account, upload)
            stored = _store(account, media_type, sources)
        except SetError as error:
            not_created[creation_id] = error.to_json()
            continue
        created[creation_id] = {"id": stored.blob_id, "type": media_type, "size": stored.size}
        # RFC 9404 section 4.1: later calls (and later creations here) may use "#creationId".
        ctx.created_ids[creation_id] = stored.blob_id
    return {"accountId": account.jmap_id, "created": created or None, "notCreated": not_created or None}


def _parse_upload(ctx: Context, account: Account, upload: Any) -> tuple[str | None, list[Source]]:
    if not isinstance(upload, dict):
        raise SetError("invalidProperties", "An UploadObject must be a JSON object")
    unknown = sorted(set(upload) - {"data", "type"})
    if unknown:
        raise invalid_properties(f"Unknown properties: {', '.join(unknown)}", *unknown)
    media_type = upload.get("type")
    if media_type is not None and not isinstance(media_type, str):
        raise invalid_properties("'type' must be a String or null", "type")
    data = upload.get("data")
    if not isinstance(data, list):
        raise invalid_properties("'data' must be an array of DataSourceObjects", "data")
    if len(data) > MAX_DATA_SOURCES:
        raise SetError("tooLarge", f"At most {MAX_DATA_SOURCES} DataSourceObjects (maxDataSources)")
    return media_type, [_parse_source(ctx, account, source, f"data/{i}") for i, source in enumerate(data)]


def _parse_source(ctx: Context, account: Account, source: Any, path: str) -> Source:
    if not isinstance(source, dict):
        raise invalid_properties("A DataSourceObject must be a JSON object", path)
    unknown = sorted(set(source) - SOURCE_KEYS)
    if unknown:
        raise invalid_properties("Unknown DataSourceObject properties", *(f"{path}/{key}" for key in unknown))
    kinds = [kind for kind in SOURCE_KINDS if source.get(kind) is not None]
    if len(kinds) != 1:
        raise invalid_properties(
            "A DataSourceObject needs exactly one of data:asText, data:asBase64 and blobId", path
        )
    kind = kinds[0]
    if kind != "blobId" and ("offset" in source or "length" in source):
        raise invalid_properties("offset and length only go with blobId", path)
    value = source[kind]
    if not isinstance(value, str):
        raise invalid_properties(f"'{kind}' must be a String", f"{path}/{kind}")
    if kind == "data:asText":
        return value.encode("utf-8")  # the request parser already refused lone surrogates (I-JSON)
    if kind == "data:asBase64":
        return _base64_octets(value, f"{path}/{kind}")
    return _blob_range(ctx, account, source, path)


def _base64_octets(value: str, path: str) -> bytes:
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise invalid_properties("data:asBase64 is not valid base64", path) from None


def _unsigned(source: dict[str, Any], key: str, path: str) -> int | None:
    value = source.get(key)
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
        raise invalid_properties(f"'{key}' must be an UnsignedInt or null", f"{path}/{key}")
    return value


def _blob_range(ctx: Context, account: Account, source: dict[str, Any], path: str) -> BlobRange:
    given = source["blobId"]
    if not (is_valid_id(given) or (given.startswith("#") and is_valid_id(given[1:]))):
        raise invalid_properties("'blobId' must be an Id", f"{path}/blobId")
    offset = _unsigned(source, "offset", path) or 0
    length = _unsigned(source, "length", path)
    resolved = ctx.resolve_id(given)
    reference = service.visible_blob(account, resolved) if resolved else None
    if reference is None:
        raise SetError("blobNotFound", f"No blob {given!r} in this account", notFound=[given])
    size = reference.blob.size
    if length is None:
        length = size - offset
    if offset > size or offset + length > size:
        raise invalid_properties(f"The range is outside the blob's {size} octets", path)
    return BlobRange(reference.blob_id, offset, length)


def _store(account: Account, media_type: str | None, sources: list[Source]) -> service.StoredBlob:
    limit = settings.JMAP_MAX_SIZE_UPLOAD
    too_large = SetError("tooLarge", f"The blob would be larger than maxSizeBlobSet ({limit} octets)")
    total = sum(len(source) if isinstance(source, bytes) else source.length for source in sources)
    if total > limit:
        raise too_large
    with service.BlobWriter(limit) as writer:
        try:
            for source in sources:
                _write_source(writer, source)
        except service.BlobTooLarge:
            raise too_large from None
        return service.blob_store(account, writer, media_type or "")


def _write_source(writer: service.BlobWriter, source: Source) -> None:
    if isinstance(source, bytes):
        writer.write(source)
        return
    for chunk in service.blob_chunks(source.sha256, source.start, source.length):
        writer.write(chunk)


# ---------------------------------------------------------------- Blob/get


@method("Blob/get", BLOB)
def blob_get(ctx: Context, raw: dict[str, Any]) -> dict[str, Any]:
    args = Arguments(raw)
    account = ctx.account(args.any("accountId"), BLOB)
    ids = _required(args.id_list("ids"), "ids")
    properties = _get_properties(args.string_list("properties"))
    offset = args.integer("offset", default=0, minimum=0)
    length = args.integer("length", minimum=0)
    args.finish()
    _check_count(len(ids), settings.JMAP_MAX_OBJECTS_IN_GET, "ids per Blob/get")
    wanted = _resolve_blob_ids(ctx, ids)
    found = service.visible_blobs(account, [sha256 for sha256 in wanted.values() if sha256])
    listed, not_found = [], []
    for shown, sha256 in wanted.items():
        reference = found.get(sha256) if sha256 else None
        if reference is None:
            not_found.append(shown)
        else:
            listed.append(_blob_json(reference.blob, properties, offset, length))  # type: ignore[arg-type]
    return {"accountId": account.jmap_id, "list": listed, "notFound": not_found}


def _resolve_blob_ids(ctx: Context, ids: list[str]) -> dict[str, str | None]:
    """Each id as the client should see it (``#creationId`` resolved) -> its SHA-256, if any."""
    shown = (ctx.resolve_id(given) or given for given in ids)
    return {blob_id: service.to_sha256(blob_id) for blob_id in dict.fromkeys(shown)}


def _get_properties(properties: list[str] | None) -> list[str]:
    if properties is None:
        return DEFAULT_GET_PROPERTIES
    for name in properties:
        algorithm = name.removeprefix("digest:") if name.startswith("digest:") else None
        if algorithm is not None and algorithm not in DIGESTS:
            raise MethodError(
                "invalidArguments", f"Unsupported digest algorithm {algorithm!r}", arguments=["properties"]
            )
        if algorithm is None and name not in DATA_PROPERTIES and name not in ("id", "size"):
            raise MethodError("invalidArguments", f"Unknown property {name!r}", arguments=["properties"])
    return properties


def _blob_json(blob: Blob, properties: list[str], offset: int, length: int | None) -> dict[str, Any]:
    start = min(offset, blob.size)
    end = blob.size if length is None else min(offset + length, blob.size)
    result: dict[str, Any] = {"id": service.to_blob_id(blob.sha256)}
    if "size" in properties:
        result["size"] = blob.size
    digests = [name.removeprefix("digest:") for name in properties if name.startswith("digest:")]
    wants_data = not DATA_PROPERTIES.isdisjoint(properties)
    if wants_data or digests:
        data, digest_values = _read(blob.sha256, start, max(end - start, 0), wants_data, digests)
        result.update({f"digest:{name}": value for name, value in digest_values.items()})
        if wants_data:
            result.update(_data_json(data, properties))
    if offset > blob.size or (length is not None and offset + length > blob.size):
        result["isTruncated"] = True
    return result


def _read(
    sha256: str, start: int, length: int, keep: bool, digests: list[str]
) -> tuple[bytes, dict[str, str]]:
    hashers = {name: DIGESTS[name]() for name in digests}
    data = bytearray()
    for chunk in service.blob_chunks(sha256, start, length):
        for hasher in hashers.values():
            hasher.update(chunk)
        if keep:
            data += chunk
    return bytes(data), {name: base64.b64encode(h.digest()).decode() for name, h in hashers.items()}


def _data_json(data: bytes, properties: list[str]) -> dict[str, Any]:
    """data:asText, data:asBase64 and isEncodingProblem, as RFC 9404 section 4.2 asks."""
    result: dict[str, Any] = {}
    try:
        text: str | None = data.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    wants_text = "data" in properties or "data:asText" in properties
    if wants_text:
        result["data:asText"] = text
    if "data:asBase64" in properties or ("data" in properties and text is None):
        result["data:asBase64"] = base64.b64encode(data).decode()
    if wants_text and text is None:
        result["isEncodingProblem"] = True
    return result


# ---------------------------------------------------------------- Blob/lookup


@method("Blob/lookup", BLOB)
def blob_lookup(ctx: Context, raw: dict[str, Any]) -> dict[str, Any]:
    args = Arguments(raw)
    account = ctx.account(args.any("accountId"), BLOB)
    type_names = list(dict.fromkeys(_required(args.string_list("typeNames"), "typeNames")))
    ids = _required(args.id_list("ids"), "ids")
    args.finish()
    for name in type_names:
        lookup = BLOB_LOOKUPS.get(name)
        if lookup is None or lookup.capability not in ctx.using:
            raise MethodError("unknownDataType", f"Blob/lookup cannot search {name!r} in this request")
    _check_count(len(ids), settings.JMAP_MAX_OBJECTS_IN_GET, "ids per Blob/lookup")
    wanted = _resolve_blob_ids(ctx, ids)
    visible = list(service.visible_blobs(account, [sha256 for sha256 in wanted.values() if sha256]))
    matches = {name: BLOB_LOOKUPS[name].find(account, visible) if visible else {} for name in type_names}
    # A blob of another account, or none at all, answers like one nothing references
    # (RFC 9404 section 4.3): only ids that can name no blob here are notFound.
    listed = [
        {"id": blob_id, "matchedIds": {name: matches[name].get(sha256, []) for name in type_names}}
        for blob_id, sha256 in wanted.items()
        if sha256 is not None
    ]
    not_found = [blob_id for blob_id, sha256 in wanted.items() if sha256 is None]
    return {"accountId": account.jmap_id, "list": listed, "notFound": not_found}
