"""Storing a received message in the Inbox of each account it is for, durably, before saying so.

The blob is written and fsynced first, then one committed transaction per account
creates the email through :func:`jmapcore.services.emails.emails_create` under
:func:`jmapcore.changes.log.account_write` (threads, counters, change log, push).
Only when every account's transaction has committed does a recipient get a 2xx
result; a failure gives a 4xx, so the sender retries and nothing is lost.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db import DatabaseError
from django.utils import timezone

from jmapcore.changes.log import account_write
from jmapcore.models import Account, Mailbox
from jmapcore.services.blobs import blob_store_bytes, to_blob_id
from jmapcore.services.emails import NewEmail, emails_create
from jmapcore.services.messages import PreparedMessage, prepare_raw
from jmapcore.services.submissions import ReportedRecipient, submissions_record_report

from . import reports, vacation
from .message import Head
from .recipients import Resolution, resolve

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DeliveryResult:
    """The outcome for one recipient, as an SMTP reply (RFC 3463 enhanced status included)."""

    code: int
    text: str
    email_ids: tuple[int, ...] = ()

    @property
    def delivered(self) -> bool:
        return 200 <= self.code < 300

    @property
    def temporary(self) -> bool:
        return 400 <= self.code < 500

    @property
    def reply(self) -> str:
        return f"{self.code} {self.text}"


DELIVERED = "2.0.0 Delivered"
FAILED = "4.3.0 Could not store the message now, try again later"


def _refused(reply: str) -> DeliveryResult:
    code, _, text = reply.partition(" ")
    return DeliveryResult(int(code), text)


def _store_in_inbox(account_id: int, raw: bytes, prepared: PreparedMessage, received_at: datetime) -> int:
    account = Account.objects.select_related("domain").get(pk=account_id)
    blob_store_bytes(account, raw, "message/rfc822")  # fsynced before the rows that refer to it
    with account_write(account.pk) as change_log:
        inbox = Mailbox.objects.get(account=account, role="inbox")
        [email] = emails_create(change_log, account, [NewEmail(prepared.fields, [inbox], [], received_at)])
    return email.pk


def with_return_path(raw: bytes, mail_from: str) -> bytes:
    """RFC 5321 4.4: the delivering server records the envelope sender."""
    return f"Return-Path: <{mail_from}>\r\n".encode() + raw


def deliver_resolved(
    raw: bytes, mail_from: str, resolutions: dict[str, Resolution]
) -> dict[str, DeliveryResult]:
    """:func:`deliver_local` for recipients already resolved (the SMTP server resolves at RCPT)."""
    raw = with_return_path(raw, mail_from)
    prepared = prepare_raw(hashlib.sha256(raw).hexdigest(), raw)
    received_at = timezone.now()
    stored: dict[int, int | None] = {}  # account -> email pk, None when storing failed
    for account_id in dict.fromkeys(a for r in resolutions.values() for a in r.account_ids):
        try:
            stored[account_id] = _store_in_inbox(account_id, raw, prepared, received_at)
        except (DatabaseError, OSError, Account.DoesNotExist, Mailbox.DoesNotExist):
            log.exception("Delivery to account %s failed; the sender will retry", account_id)
            stored[account_id] = None
    results = {}
    for recipient, resolution in resolutions.items():
        if not resolution.accepted:
            results[recipient] = _refused(resolution.refusal or "550 5.1.1 Refused")
        elif all(stored.get(account_id) for account_id in resolution.account_ids):
            ids = tuple(stored[account_id] for account_id in resolution.account_ids)
            results[recipient] = DeliveryResult(250, DELIVERED, ids)  # type: ignore[arg-type]
        else:
            results[recipient] = DeliveryResult(451, FAILED)
    if prepared.fields.parsed["bodyStructure"].get("type") == "multipart/report":
        _record_report(raw, stored)
    _auto_reply(raw, mail_from, resolutions, results, stored)
    return results


def _record_report(raw: bytes, stored: dict[int, int | None]) -> None:
    """A DSN or MDN about mail an account sent updates that account's EmailSubmission
    (only reports are parsed again, for their machine-readable part)."""
    report = reports.parse_report(raw)
    if report is None or not report.message_id:
        return
    blob_id = to_blob_id(hashlib.sha256(raw).hexdigest())
    recipients = [ReportedRecipient(r.address, r.delivered, r.reply) for r in report.recipients]
    for account_id, email_id in stored.items():
        if not email_id:
            continue
        try:
            submissions_record_report(
                Account.objects.get(pk=account_id),
                report.message_id,
                blob_id,
                recipients,
                is_mdn=report.kind == reports.MDN,
                displayed=report.displayed,
            )
        except Exception:  # the report is stored as mail; failing to file it is only logged
            log.exception("Filing a %s for account %s failed", report.kind, account_id)


def _auto_reply(
    raw: bytes,
    mail_from: str,
    resolutions: dict[str, Resolution],
    results: dict[str, DeliveryResult],
    stored: dict[int, int | None],
) -> None:
    """Vacation replies, after the mail is safe; a failure here never undoes a delivery."""
    head = Head.of(raw)
    for account_id, email_id in stored.items():
        if not email_id:
            continue
        addressed = [
            r for r, res in resolutions.items() if account_id in res.account_ids and results[r].delivered
        ]
        try:
            vacation.reply_if_away(account_id, head, mail_from, addressed)
        except Exception:  # the message is stored; a failed auto-reply is only logged
            log.exception("Vacation reply for account %s failed", account_id)


def deliver_local(raw: bytes, mail_from: str, recipients: Iterable[str]) -> dict[str, DeliveryResult]:
    """Deliver ``raw`` to hosted recipients, without any network, as the SMTP server would.

    ``mail_from`` is the envelope sender ("" for a bounce); each recipient is an
    address of a hosted domain: an account, an alias (to one or more accounts), an
    ``alice+tag`` address or a catch-all. The message is stored as given (plus a
    ``Return-Path``) in the Inbox of each account it reaches, once per account even
    when several recipients lead there. Returns, per recipient, a
    :class:`DeliveryResult`: ``250`` once stored and committed, ``550 5.1.1`` for an
    unknown address, ``550 5.7.1`` for a domain not hosted here, ``451 4.3.0`` when
    storing failed (retry later). The vacation auto-reply runs afterwards.
    """
    return deliver_resolved(raw, mail_from, {recipient: resolve(recipient) for recipient in recipients})
