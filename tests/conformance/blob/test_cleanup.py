"""Expiry of unreferenced uploads: `manage.py cleanupblobs` and the pinning services."""

from __future__ import annotations

import io
import os
import time
from datetime import timedelta

from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from jmapcore.models import Account, AccountBlob, Blob
from jmapcore.services.blobs import (
    STALE_TMP_SECONDS,
    blob_path,
    blob_pin,
    blob_release,
    blob_store_bytes,
    to_sha256,
    visible_blob,
)

from .helpers import download, unique, upload_ok


def _cleanup() -> str:
    output = io.StringIO()
    call_command("cleanupblobs", stdout=output)
    return output.getvalue()


def _expire(account_pk: int, blob_id: str) -> None:
    AccountBlob.objects.filter(account_id=account_pk, blob_id=to_sha256(blob_id)).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )


def _reference(account_pk: int, blob_id: str) -> AccountBlob:
    return AccountBlob.objects.get(account_id=account_pk, blob_id=to_sha256(blob_id))


def test_an_upload_expires_after_the_upload_ttl(jmap, orm):
    before = timezone.now()
    blob_id = upload_ok(jmap, unique())
    expires_at = _reference(jmap.account.pk, blob_id).expires_at
    ttl = timedelta(seconds=settings.JMAP_UPLOAD_TTL)
    assert before + ttl <= expires_at <= timezone.now() + ttl


def test_cleanup_removes_expired_uploads_and_their_files(jmap, orm):
    blob_id = upload_ok(jmap, unique())
    path = blob_path(to_sha256(blob_id))
    assert path.exists()
    _expire(jmap.account.pk, blob_id)
    assert download(jmap, blob_id).status_code == 404  # expired is gone, even before the cleanup
    assert _cleanup().startswith("Removed ")
    assert not path.exists()
    assert not Blob.objects.filter(pk=to_sha256(blob_id)).exists()


def test_a_blob_another_account_still_references_is_kept(jmap, stranger, orm):
    data = unique()
    blob_id = upload_ok(jmap, data)
    upload_ok(stranger, data)
    _expire(jmap.account.pk, blob_id)
    _cleanup()
    assert download(jmap, blob_id).status_code == 404
    assert download(stranger, blob_id).content == data
    assert blob_path(to_sha256(blob_id)).exists()


def test_a_pinned_blob_survives_cleanup_and_reuploads(jmap, orm):
    data = unique()
    blob_id = upload_ok(jmap, data)
    account = Account.objects.get(pk=jmap.account.pk)
    assert blob_pin(account, blob_id)
    assert _reference(account.pk, blob_id).expires_at is None
    upload_ok(jmap, data)
    assert _reference(account.pk, blob_id).expires_at is None  # a re-upload does not unpin
    _cleanup()
    assert download(jmap, blob_id).content == data
    blob_release(account, blob_id)
    assert _reference(account.pk, blob_id).expires_at > timezone.now()
    assert visible_blob(account, blob_id) is not None


def test_pinning_needs_a_visible_blob(jmap, stranger, orm):
    account = Account.objects.get(pk=jmap.account.pk)
    assert not blob_pin(account, upload_ok(stranger, unique()))
    assert not blob_pin(account, "not-a-blob")


def test_a_reupload_pushes_the_expiry_later(jmap, orm):
    data = unique()
    blob_id = upload_ok(jmap, data)
    soon = timezone.now() + timedelta(seconds=5)
    AccountBlob.objects.filter(account_id=jmap.account.pk, blob_id=to_sha256(blob_id)).update(expires_at=soon)
    upload_ok(jmap, data)
    assert _reference(jmap.account.pk, blob_id).expires_at > soon + timedelta(minutes=1)


def test_cleanup_sweeps_temporary_files_left_by_a_crash(orm):
    tmp = blob_path("0" * 64).parents[2] / "tmp"
    tmp.mkdir(parents=True, exist_ok=True)
    stale, fresh = tmp / f"blob-stale-{unique().decode()}", tmp / f"blob-fresh-{unique().decode()}"
    stale.write_bytes(b"partial")
    fresh.write_bytes(b"in progress")
    old = time.time() - STALE_TMP_SECONDS - 60
    os.utime(stale, (old, old))
    _cleanup()
    assert not stale.exists()
    assert fresh.exists()
    fresh.unlink()


def test_the_mail_store_can_keep_bytes_it_received_itself(jmap, orm):
    account = Account.objects.get(pk=jmap.account.pk)
    data = unique("From: a@example.test\r\n\r\n")
    stored = blob_store_bytes(account, data, "message/rfc822")
    assert (stored.size, stored.media_type) == (len(data), "message/rfc822")
    assert blob_pin(account, stored.blob_id)
    assert download(jmap, stored.blob_id).content == data
