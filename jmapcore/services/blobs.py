"""The content-addressed blob store (RFC 8620 section 6): writing, reading, referencing, expiring.

Bytes are written to a temporary file and fsynced outside any transaction; the
short transaction that inserts the rows then only renames that file into place.
The Blob row is locked (``SELECT ... FOR UPDATE``) while its file is placed or
removed, so an upload and :func:`blobs_cleanup` never interleave on one blob:
a committed Blob row always has its file.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import time
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import BinaryIO

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from jmapcore.models import Account, AccountBlob, Blob

ID_PREFIX = "G"
CHUNK_SIZE = 64 * 1024
TMP_DIR = "tmp"
# Temporary files older than this were left by a crash and are swept by the cleanup.
STALE_TMP_SECONDS = 24 * 3600
_BLOB_ID = re.compile(r"^G([0-9a-f]{64})$")


class BlobTooLarge(Exception):
    """More octets than the writer's limit."""


# ---------------------------------------------------------------- names


def to_blob_id(sha256: str) -> str:
    return ID_PREFIX + sha256


def to_sha256(blob_id: str) -> str | None:
    """The hash a blobId names, or None when it cannot name any blob of this server."""
    match = _BLOB_ID.match(blob_id)
    return match.group(1) if match else None


PART_PREFIX = "P"


def part_blob_id(message_sha256: str, part_id: str) -> str:
    """A blob id for one decoded body part of a stored message: its hash and the part id."""
    return f"{PART_PREFIX}{message_sha256}_{part_id.replace('.', '_')}"


def parse_part_blob_id(blob_id: str) -> tuple[str, str] | None:
    """(message sha256, part id) of a part blob id, or None."""
    if not blob_id.startswith(PART_PREFIX):
        return None
    sha256, _, part = blob_id[1:].partition("_")
    if len(sha256) != 64 or not part or not all(c in "0123456789abcdef" for c in sha256):
        return None
    return sha256, part.replace("_", ".")


def storage_name(sha256: str) -> str:
    """Where the bytes live in the default storage: ``ab/cd/abcd…``."""
    return f"{sha256[:2]}/{sha256[2:4]}/{sha256}"


def blob_path(sha256: str) -> Path:
    return Path(default_storage.path(storage_name(sha256)))


def _tmp_dir() -> Path:
    path = Path(default_storage.path(TMP_DIR))
    path.mkdir(parents=True, exist_ok=True)
    return path


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# ---------------------------------------------------------------- writing


class BlobWriter:
    """Streams octets to a temporary file, hashing them; refuses more than ``limit`` octets."""

    def __init__(self, limit: int | None = None) -> None:
        self.limit = limit
        self.size = 0
        self._hash = hashlib.sha256()
        fd, name = tempfile.mkstemp(prefix="blob-", dir=_tmp_dir())
        self.path = Path(name)
        self._file: BinaryIO | None = os.fdopen(fd, "wb")

    def write(self, data: bytes) -> None:
        if self.limit is not None and self.size + len(data) > self.limit:
            raise BlobTooLarge(f"More than {self.limit} octets")
        assert self._file is not None, "write after finish"
        self._file.write(data)
        self._hash.update(data)
        self.size += len(data)

    def finish(self, sync: bool = True) -> str:
        """Flush and fsync (unless the caller syncs a whole batch); returns the SHA-256."""
        assert self._file is not None, "finish twice"
        self._file.flush()
        if sync:
            os.fsync(self._file.fileno())
        self._file.close()
        self._file = None
        return self._hash.hexdigest()

    def discard(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
        self.path.unlink(missing_ok=True)

    def __enter__(self) -> BlobWriter:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.discard()


@dataclass(frozen=True)
class StoredBlob:
    blob_id: str
    size: int
    media_type: str


def upload_expiry() -> datetime:
    return timezone.now() + timedelta(seconds=settings.JMAP_UPLOAD_TTL)


def blob_store(account: Account, writer: BlobWriter, media_type: str) -> StoredBlob:
    """Keep what ``writer`` wrote as an unreferenced upload of ``account`` (expiring, re-upload refreshes)."""
    sha256 = writer.finish()
    try:
        with transaction.atomic():
            _lock_blob(sha256, writer.size)
            _place_file(writer.path, sha256)
            _upsert_reference(account.pk, sha256, media_type, upload_expiry())
    finally:
        writer.discard()
    return StoredBlob(to_blob_id(sha256), writer.size, media_type)


def blob_store_bytes(account: Account, data: bytes, media_type: str) -> StoredBlob:
    with BlobWriter() as writer:
        writer.write(data)
        return blob_store(account, writer, media_type)


def blobs_store_many(account: Account, contents: list[bytes], media_type: str) -> list[StoredBlob]:
    """Many blobs at once (the importer's batches), with one disk sync and three statements.

    One ``sync()`` per batch replaces a ``fsync()`` per file (milliseconds each on real
    disks); rows are written only after the bytes and their renames are durable.
    """
    writers: dict[str, BlobWriter] = {}
    try:
        for data in contents:
            writer = BlobWriter()
            writer.write(data)
            sha256 = writer.finish(sync=False)
            if sha256 in writers:
                writer.discard()
            else:
                writers[sha256] = writer
        os.sync()
        with transaction.atomic():
            shas = sorted(writers)  # one lock order for every writer
            _lock_blobs({sha: writers[sha].size for sha in shas})
            for sha256 in shas:
                _place_file(writers[sha256].path, sha256, sync=False)
            os.sync()
            _upsert_references(account.pk, shas, media_type, upload_expiry())
    finally:
        for writer in writers.values():
            writer.discard()
    return [StoredBlob(to_blob_id(sha256), writer.size, media_type) for sha256, writer in writers.items()]


def _lock_blobs(sizes: dict[str, int]) -> None:
    """:func:`_lock_blob` for many: insert the missing rows, then lock them all."""
    table = Blob._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (sha256, size, created) SELECT s, n, now() "
            "FROM unnest(%s::text[], %s::bigint[]) AS v(s, n) ON CONFLICT (sha256) DO NOTHING",
            [list(sizes), list(sizes.values())],
        )
        cursor.execute(
            f"SELECT sha256 FROM {table} WHERE sha256 = ANY(%s) ORDER BY sha256 FOR UPDATE", [list(sizes)]
        )
        missing = set(sizes) - {row[0] for row in cursor.fetchall()}
    for sha256 in missing:  # deleted by a cleanup between the two statements: rare, do it one by one
        _lock_blob(sha256, sizes[sha256])


def _upsert_references(account_id: int, sha256s: list[str], media_type: str, expires_at: datetime) -> None:
    table = AccountBlob._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {table} (account_id, blob_id, media_type, expires_at, created)
            SELECT %s, s, %s, %s, now() FROM unnest(%s::text[]) AS v(s)
            ON CONFLICT (account_id, blob_id) DO UPDATE SET
                media_type = EXCLUDED.media_type,
                expires_at = CASE WHEN {table}.expires_at IS NULL THEN NULL
                    ELSE GREATEST({table}.expires_at, EXCLUDED.expires_at) END
            """,
            [account_id, media_type[:255], expires_at, sha256s],
        )


def _lock_blob(sha256: str, size: int) -> Blob:
    """Insert the Blob row if missing and lock it; retries if a cleanup deletes it meanwhile."""
    table = Blob._meta.db_table
    for _ in range(5):
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (sha256, size, created) VALUES (%s, %s, now()) "
                "ON CONFLICT (sha256) DO NOTHING",
                [sha256, size],
            )
        blob = Blob.objects.select_for_update().filter(pk=sha256).first()
        if blob is not None:
            return blob
    raise RuntimeError(f"Blob {sha256} keeps disappearing")


def _place_file(temporary: Path, sha256: str, sync: bool = True) -> None:
    """Rename the written file into place unless identical content is already there."""
    final = blob_path(sha256)
    if final.exists():
        return
    final.parent.mkdir(parents=True, exist_ok=True)
    os.replace(temporary, final)
    if sync:
        _fsync_dir(final.parent)


def _upsert_reference(account_id: int, sha256: str, media_type: str, expires_at: datetime) -> None:
    """Create the account's reference, or push its expiry later; a pinned reference stays pinned."""
    table = AccountBlob._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {table} (account_id, blob_id, media_type, expires_at, created)
            VALUES (%s, %s, %s, %s, now())
            ON CONFLICT (account_id, blob_id) DO UPDATE SET
                media_type = EXCLUDED.media_type,
                expires_at = CASE WHEN {table}.expires_at IS NULL THEN NULL
                    ELSE GREATEST({table}.expires_at, EXCLUDED.expires_at) END
            """,
            [account_id, sha256, media_type[:255], expires_at],
        )


# ---------------------------------------------------------------- reading


def _visible(now: datetime | None = None) -> Q:
    return Q(expires_at__isnull=True) | Q(expires_at__gt=now or timezone.now())


def visible_blobs(account: Account, sha256s: Iterable[str]) -> dict[str, AccountBlob]:
    """The account's live references among ``sha256s``, by hash (others' blobs are simply absent)."""
    references = (
        AccountBlob.objects.filter(_visible(), account=account, blob_id__in=list(sha256s))
        .select_related("blob")
        .order_by()
    )
    return {reference.blob_id: reference for reference in references}


def visible_blob(account: Account, blob_id: str) -> AccountBlob | None:
    sha256 = to_sha256(blob_id)
    return visible_blobs(account, [sha256]).get(sha256) if sha256 else None


def blob_open(sha256: str) -> BinaryIO:
    return default_storage.open(storage_name(sha256), "rb")


def blob_chunks(sha256: str, start: int, length: int) -> Iterator[bytes]:
    """``length`` octets from ``start``, in chunks, never the whole blob in memory."""
    with blob_open(sha256) as handle:
        handle.seek(start)
        remaining = length
        while remaining > 0:
            chunk = handle.read(min(CHUNK_SIZE, remaining))
            if not chunk:
                raise OSError(f"Blob {sha256} is shorter than its recorded size")
            remaining -= len(chunk)
            yield chunk


# ---------------------------------------------------------------- references


def blob_copy(source: Account, target: Account, blob_ids: list[str]) -> tuple[list[str], list[str]]:
    """Make the source's visible blobs visible to ``target`` too; returns (copied, not found) blobIds."""
    wanted = {blob_id: to_sha256(blob_id) for blob_id in blob_ids}
    found = visible_blobs(source, [sha256 for sha256 in wanted.values() if sha256])
    expires_at = upload_expiry()
    copied: list[str] = []
    for blob_id, sha256 in wanted.items():
        reference = found.get(sha256) if sha256 else None
        if reference is not None and _reference_copy(reference, target, expires_at):
            copied.append(blob_id)
    return copied, [blob_id for blob_id in wanted if blob_id not in copied]


def _reference_copy(reference: AccountBlob, target: Account, expires_at: datetime) -> bool:
    with transaction.atomic():
        # Lock, never re-insert: a row a cleanup just removed has no file any more.
        locked = Blob.objects.select_for_update().filter(pk=reference.blob_id).values_list("pk", flat=True)
        if locked.first() is None:
            return False
        _upsert_reference(target.pk, reference.blob_id, reference.media_type, expires_at)
    return True


def blob_pin(account: Account, blob_id: str) -> bool:
    """Keep the blob for as long as a JMAP object of the account uses it. False if not visible."""
    sha256 = to_sha256(blob_id)
    if sha256 is None:
        return False
    return AccountBlob.objects.filter(_visible(), account=account, blob_id=sha256).update(expires_at=None) > 0


def blobs_pin(account: Account, blob_ids: list[str]) -> None:
    """:func:`blob_pin` for many blobs in one statement."""
    sha256s = [sha for sha in (to_sha256(blob_id) for blob_id in blob_ids) if sha]
    AccountBlob.objects.filter(_visible(), account=account, blob_id__in=sha256s).update(expires_at=None)


def blob_release(account: Account, blob_id: str) -> None:
    blobs_release(account, [blob_id])


def blobs_release(account: Account, blob_ids: list[str]) -> None:
    """The account's last objects using these blobs are gone: let them expire like fresh uploads.

    Not deleted at once, so a create and a destroy in one method call can both use a blob.
    """
    sha256s = [sha for sha in map(to_sha256, blob_ids) if sha is not None]
    if sha256s:
        AccountBlob.objects.filter(account=account, blob_id__in=sha256s, expires_at__isnull=True).update(
            expires_at=upload_expiry()
        )


# ---------------------------------------------------------------- expiry


@dataclass(frozen=True)
class CleanupResult:
    references: int
    blobs: int
    temporary_files: int


def blobs_cleanup(now: datetime | None = None) -> CleanupResult:
    """Delete expired references, then blobs (rows and files) no account references."""
    now = now or timezone.now()
    references, _ = AccountBlob.objects.filter(expires_at__lte=now).delete()
    orphans = Blob.objects.filter(references__isnull=True).values_list("sha256", flat=True)
    blobs = sum(_remove_if_unreferenced(sha256) for sha256 in list(orphans))
    return CleanupResult(references, blobs, _sweep_temporary_files())


def _remove_if_unreferenced(sha256: str) -> bool:
    """Delete the row and its file, unless a reference appeared; a blob being uploaded is skipped."""
    final = blob_path(sha256)
    trash: Path | None = None
    try:
        with transaction.atomic():
            blob = Blob.objects.select_for_update(skip_locked=True).filter(pk=sha256).first()
            # Checked under the lock: an upload that committed a reference earlier is seen,
            # and a later one waits for this transaction, then puts the file back in place.
            if blob is None or AccountBlob.objects.filter(blob_id=sha256).exists():
                return False
            Blob.objects.filter(pk=sha256).delete()
            if final.exists():
                trash = _tmp_dir() / f"trash-{sha256}-{uuid.uuid4().hex}"
                os.replace(final, trash)
    except BaseException:
        if trash is not None:
            os.replace(trash, final)  # the row is back, so its file must be too
        raise
    if trash is not None:
        trash.unlink(missing_ok=True)
    return True


def _sweep_temporary_files() -> int:
    cutoff = time.time() - STALE_TMP_SECONDS
    removed = 0
    for path in _tmp_dir().iterdir():
        if path.is_file() and path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
            removed += 1
    return removed
