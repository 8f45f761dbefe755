"""Importing mail from disk into an account, in batches, through the one store service.

Per batch: parse and store the raw messages as blobs first (CPU and disk, no lock
held), then one short transaction under the account lock files them all. Running
the same import twice stores nothing twice: a message whose exact bytes the account
already has is only added to the folder's mailbox if it is not there yet.
"""

from __future__ import annotations

import hashlib
import itertools
import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.db import connection
from django.utils import timezone

from jmapcore.changes.log import ChangeLog, account_write
from jmapcore.mail.sources import SourceMessage
from jmapcore.models import Account, Email, EmailMailbox, Mailbox, MailboxThread
from jmapcore.services.blobs import blobs_store_many
from jmapcore.services.emails import NewEmail, email_set_mailboxes, emails_create
from jmapcore.services.mailboxes import mailbox_create
from jmapcore.services.messages import PreparedMessage, prepare_raw

BATCH_SIZE = 250
# Imports at least this large refresh the planner's statistics when they finish.
ANALYZE_AFTER = 1000

# Top-level folder names that mean a role mailbox (compared case-insensitively).
ROLE_FOLDERS = {
    "inbox": "inbox",
    "sent": "sent",
    "sent items": "sent",
    "sent messages": "sent",
    "sent mail": "sent",
    "drafts": "drafts",
    "draft": "drafts",
    "trash": "trash",
    "deleted items": "trash",
    "deleted messages": "trash",
    "junk": "junk",
    "spam": "junk",
    "junk e-mail": "junk",
    "archive": "archive",
    "archives": "archive",
}


@dataclass
class ImportReport:
    imported: int = 0
    duplicates: int = 0
    skipped_deleted: int = 0
    mailboxes_created: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)

    @property
    def seen(self) -> int:
        return self.imported + self.duplicates + self.skipped_deleted + len(self.failed)


@dataclass(frozen=True)
class _Ready:
    source: SourceMessage
    prepared: PreparedMessage


def import_messages(
    account: Account,
    messages: Iterable[SourceMessage],
    progress: Callable[[ImportReport], None] | None = None,
    batch_size: int = BATCH_SIZE,
    parallel: bool = True,
) -> ImportReport:
    """Import in batches; with ``parallel``, a second process parses the next batch while
    this one stores the current one (the store mostly waits for PostgreSQL and the disk)."""
    report = ImportReport()
    batches = _batches(messages, batch_size, report)
    first = next(batches, [])
    with _parser(parallel and len(first) >= batch_size) as parse:  # one batch: nothing to overlap
        pending: tuple[list[SourceMessage], Future] | None = None
        for batch in itertools.chain([first] if first else [], batches):
            parsing = (batch, parse(batch))
            if pending is not None:
                _import_batch(account, *pending, report, progress)
            pending = parsing
        if pending is not None:
            _import_batch(account, *pending, report, progress)
    if report.imported >= ANALYZE_AFTER:
        _refresh_planner_statistics()
    if progress:
        progress(report)
    return report


def _refresh_planner_statistics() -> None:
    """After a big import, before autovacuum gets to it: without fresh statistics PostgreSQL
    may read a common word's matches row by row instead of from the search index."""
    tables = ", ".join(model._meta.db_table for model in (Email, EmailMailbox, MailboxThread))
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {tables}")


def _batches(
    messages: Iterable[SourceMessage], size: int, report: ImportReport
) -> Iterator[list[SourceMessage]]:
    batch: list[SourceMessage] = []
    for message in messages:
        if message.deleted:
            report.skipped_deleted += 1
            continue
        batch.append(message)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


@contextmanager
def _parser(parallel: bool) -> Iterator[Callable[[list[SourceMessage]], Future]]:
    """``parse(batch)`` gives a future of each message's PreparedMessage or error text."""
    if not parallel or (os.cpu_count() or 1) < 2:
        yield lambda batch: _done(_parse_all([message.raw for message in batch]))
        return
    # Forked, the worker starts in microseconds and never touches the database.
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("fork")) as pool:
        yield lambda batch: pool.submit(_parse_all, [message.raw for message in batch])


def _done(value: object) -> Future:
    future: Future = Future()
    future.set_result(value)
    return future


def _parse_all(raws: list[bytes]) -> list[PreparedMessage | str]:
    results: list[PreparedMessage | str] = []
    for raw in raws:
        try:
            results.append(prepare_raw(hashlib.sha256(raw).hexdigest(), raw))
        except Exception as error:  # one bad message never stops the import; it is reported
            results.append(f"{type(error).__name__}: {error}")
    return results


def _import_batch(
    account: Account,
    batch: list[SourceMessage],
    parsing: Future,
    report: ImportReport,
    progress: Callable[[ImportReport], None] | None,
) -> None:
    ready = []
    for message, result in zip(batch, parsing.result(), strict=True):
        if isinstance(result, str):
            report.failed.append((message.origin, result))
        else:
            ready.append(_Ready(message, result))
    _store_batch(account, ready, report)
    if progress:
        progress(report)


def _store_batch(account: Account, ready: list[_Ready], report: ImportReport) -> None:
    blobs_store_many(account, [item.source.raw for item in ready], "message/rfc822")
    with account_write(account.pk) as log:
        folders = _folder_mailboxes(log, account, {item.source.folder for item in ready}, report)
        existing = _existing_emails(account, [item.prepared.fields.blob_sha256 for item in ready])
        new: dict[str, NewEmail] = {}
        for item in ready:
            mailbox = folders[item.source.folder]
            sha256 = item.prepared.fields.blob_sha256
            if sha256 in existing:
                _add_duplicate(log, existing[sha256], mailbox, report)
            elif sha256 in new:  # the same message twice in this batch: one email, both mailboxes
                if mailbox not in new[sha256].mailboxes:
                    new[sha256].mailboxes.append(mailbox)
                report.duplicates += 1
            else:
                when = item.source.received_at or item.prepared.last_received or timezone.now()
                new[sha256] = NewEmail(item.prepared.fields, [mailbox], item.source.keywords, when)
        emails_create(log, account, list(new.values()))
        report.imported += len(new)


def _add_duplicate(log: ChangeLog, email: Email, mailbox: Mailbox, report: ImportReport) -> None:
    current = list(Mailbox.objects.filter(memberships__email=email))
    if mailbox.pk not in {m.pk for m in current}:
        email_set_mailboxes(log, email, [*current, mailbox])
    report.duplicates += 1


def _existing_emails(account: Account, sha256s: list[str]) -> dict[str, Email]:
    return {email.blob_id: email for email in Email.objects.filter(account=account, blob_id__in=sha256s)}


def _folder_mailboxes(
    log: ChangeLog, account: Account, folders: set[tuple[str, ...]], report: ImportReport
) -> dict[tuple[str, ...], Mailbox]:
    return {folder: _mailbox_for(log, account, folder, report) for folder in folders}


def _mailbox_for(log: ChangeLog, account: Account, folder: tuple[str, ...], report: ImportReport) -> Mailbox:
    """The mailbox for a folder path: role folders map to role mailboxes; others nest by name."""
    if not folder:
        return Mailbox.objects.get(account=account, role="inbox")
    parent: Mailbox | None = None
    for depth, name in enumerate(folder):
        role = ROLE_FOLDERS.get(name.lower()) if depth == 0 else None
        found = Mailbox.objects.filter(account=account, role=role).first() if role else None
        if found is None:
            found = Mailbox.objects.filter(account=account, parent=parent, name=name).first()
        if found is None:
            found = mailbox_create(log, account, name=name, parent=parent)
            report.mailboxes_created += 1
        parent = found
    assert parent is not None
    return parent
