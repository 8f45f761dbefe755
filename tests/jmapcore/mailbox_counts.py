"""Helpers for engine-level tests: what Email delivery will do to Mailbox counters."""

from __future__ import annotations

from jmapcore.changes.log import account_write
from jmapcore.changes.read import current_state
from jmapcore.models import Mailbox


def state(account) -> str:
    return current_state(account.pk, "Mailbox")


def deliver(account, mailbox: Mailbox, total: int = 1, unread: int = 1) -> None:
    """Bump a Mailbox's counters as a counts-only change, as Email delivery will."""
    with account_write(account.pk) as log:
        Mailbox.objects.filter(pk=mailbox.pk).update(
            total_emails=total, unread_emails=unread, total_threads=total, unread_threads=unread
        )
        log.updated("Mailbox", mailbox.pk, counts_only=True)
