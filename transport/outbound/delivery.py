"""One delivery attempt of an outgoing message: local recipients, then each remote destination.

The queue task calls :func:`attempt` and gets back when to try again (or None when
no recipient is left). Progress is committed after every destination, in the same
transaction that removes the recipients from ``pending`` and updates the
submission's ``deliveryStatus`` (through the change log, so clients see it pushed).
A recipient is therefore never sent to again once its reply is recorded; only a
crash between a server's final reply and that commit can repeat a delivery.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from jmapcore.changes.log import ChangeLog, account_write
from jmapcore.mime.headers import scan_headers
from jmapcore.mime.parse import header_value
from jmapcore.models import Account, Domain, EmailSubmission, Mailbox, OutboundMessage
from jmapcore.services.blobs import blob_store_bytes
from jmapcore.services.emails import NewEmail, emails_create
from jmapcore.services.messages import prepare_raw

from .dkim import dkim_sign
from .dsn import FailedRecipient, build_dsn
from .envelope import domain_of
from .local import deliver_locally
from .routing import Destination, destinations, hosted_domains, transmit
from .smtp import Reply, helo_name, synthetic

logger = logging.getLogger(__name__)
SUBMISSION = "EmailSubmission"


@dataclass(frozen=True)
class Outcome:
    reply: Reply
    remote_mta: str | None  # None: delivered (or refused) by this server itself
    local: bool


def retry_delay(attempts: int) -> float:
    """Exponential backoff: base, 2 x base, 4 x base ... capped."""
    return min(settings.OUTBOUND_RETRY_BASE * 2 ** max(attempts - 1, 0), settings.OUTBOUND_RETRY_MAX)


def deadline_of(outbound: OutboundMessage) -> datetime:
    return outbound.send_at + timedelta(seconds=settings.OUTBOUND_MAX_LIFETIME)


def attempt(outbound_id: int) -> datetime | None:
    """Try every pending recipient once; returns when to try again, or None when done."""
    outbound = _begin(outbound_id)
    if outbound is None:
        return None
    message = bytes(outbound.message)
    hosted = hosted_domains({domain_of(rcpt) for rcpt in outbound.pending})
    local = [rcpt for rcpt in outbound.pending if domain_of(rcpt) in hosted]
    remote = [rcpt for rcpt in outbound.pending if domain_of(rcpt) not in hosted]
    if local:
        replies = deliver_locally(message, outbound.mail_from, local)
        _record(outbound, {rcpt: Outcome(reply, None, True) for rcpt, reply in replies.items()})
    if remote:
        # SMTP carries CRLF lines (smtplib converts any bare LF); sign what is sent.
        signed = _signed(_crlf(message), outbound.mail_from)
        for destination in destinations(remote):
            _record(outbound, _send_to(destination, outbound.mail_from, signed))
    retry_at = _finish(outbound_id)
    logger.info(
        "outbound %s attempt %s: %s still pending%s",
        outbound_id,
        outbound.attempts,
        len(outbound.pending),
        f", next attempt at {retry_at:%H:%M:%S}" if retry_at else "",
    )
    return retry_at


def _begin(outbound_id: int) -> OutboundMessage | None:
    """Lock in the attempt: a canceled submission ends here; a pending one becomes final."""
    account_id = OutboundMessage.objects.filter(pk=outbound_id).values_list("account_id", flat=True).first()
    if account_id is None:
        return None
    with account_write(account_id) as log:
        outbound = OutboundMessage.objects.select_for_update().filter(pk=outbound_id).first()
        if outbound is None or outbound.finished_at is not None:
            return None
        submission = _submission(outbound)
        if submission is not None and submission.undo_status == EmailSubmission.UndoStatus.CANCELED:
            outbound.pending, outbound.finished_at, outbound.message = [], timezone.now(), b""
            outbound.save(update_fields=["pending", "finished_at", "message"])
            return None
        if submission is not None and submission.undo_status == EmailSubmission.UndoStatus.PENDING:
            # From here on the message may reach someone: it can no longer be recalled.
            submission.undo_status = EmailSubmission.UndoStatus.FINAL
            submission.save(update_fields=["undo_status"])
            log.updated(SUBMISSION, submission.pk)
        outbound.attempts += 1
        outbound.save(update_fields=["attempts"])
        return outbound


def _submission(outbound: OutboundMessage) -> EmailSubmission | None:
    if outbound.submission_id is None:
        return None
    return EmailSubmission.objects.select_for_update().filter(pk=outbound.submission_id).first()


def _crlf(message: bytes) -> bytes:
    return re.sub(rb"\r?\n", b"\r\n", message)


def _signed(message: bytes, mail_from: str) -> bytes:
    """Signed by the From domain when this server hosts it with a key, else by the mailFrom domain."""
    headers, _ = scan_headers(message, 0, len(message))
    senders = header_value(headers, "From", "Addresses") or []
    candidates = [domain_of(item["email"]) for item in senders if item.get("email")] + [domain_of(mail_from)]
    for name in candidates:
        domain = Domain.objects.filter(name=name).first()
        if domain is not None and domain.dkim_private_key and domain.dkim_selector:
            return dkim_sign(message, domain.name, domain.dkim_selector, domain.dkim_private_key)
    return message


def _send_to(destination: Destination, mail_from: str, message: bytes) -> dict[str, Outcome]:
    replies, host = transmit(destination, mail_from, message)
    return {rcpt: Outcome(reply, host, False) for rcpt, reply in replies.items()}


def _status(outcome: Outcome) -> str:
    if outcome.reply.accepted:
        # RFC 8621 7: relaying to another server says nothing about the final mail store.
        return "yes" if outcome.local else "unknown"
    return "no" if outcome.reply.permanent else "queued"


def _record(outbound: OutboundMessage, outcomes: dict[str, Outcome]) -> None:
    """Commit the replies: delivered and refused recipients leave ``pending``; refusals bounce."""
    now = timezone.now()
    failed = [
        FailedRecipient(rcpt, outcome.reply, outcome.remote_mta, now)
        for rcpt, outcome in outcomes.items()
        if outcome.reply.permanent
    ]
    # Nothing bounces a message with the null sender (RFC 5321 4.5.5): it is itself automatic.
    dsn = _store_dsn(outbound, failed, now) if failed and outbound.mail_from else None
    with account_write(outbound.account_id) as log:
        row = OutboundMessage.objects.select_for_update().get(pk=outbound.pk)
        done = {rcpt for rcpt, outcome in outcomes.items() if not outcome.reply.temporary}
        row.pending = [rcpt for rcpt in row.pending if rcpt not in done]
        row.save(update_fields=["pending"])
        outbound.pending = row.pending
        statuses = {
            rcpt: {"smtpReply": str(outcome.reply), "delivered": _status(outcome), "displayed": "unknown"}
            for rcpt, outcome in outcomes.items()
        }
        _update_submission(log, row, statuses, dsn)


def _update_submission(
    log: ChangeLog, outbound: OutboundMessage, statuses: dict[str, dict], dsn: tuple[str, bytes] | None
) -> None:
    if dsn is not None:
        _file_dsn(log, outbound, *dsn)
    submission = _submission(outbound)
    if submission is None:
        return
    delivery_status = dict(submission.delivery_status or {})
    delivery_status.update(statuses)
    submission.delivery_status = delivery_status
    if dsn is not None:
        submission.dsn_blob_ids = [*submission.dsn_blob_ids, dsn[0]]
    submission.save(update_fields=["delivery_status", "dsn_blob_ids"])
    log.updated(SUBMISSION, submission.pk)


def _store_dsn(outbound: OutboundMessage, failed: list[FailedRecipient], now: datetime) -> tuple[str, bytes]:
    """The bounce's bytes stored as a blob of the sender's account (I/O before the transaction)."""
    dsn = build_dsn(
        bytes(outbound.message),
        outbound.mail_from,
        failed,
        helo_name(),
        f"S{outbound.submission_id or outbound.pk}",
        outbound.created_at,
        now,
    )
    account = Account.objects.get(pk=outbound.account_id)
    stored = blob_store_bytes(account, dsn, "message/rfc822")
    return stored.blob_id, dsn


def _file_dsn(log: ChangeLog, outbound: OutboundMessage, blob_id: str, dsn: bytes) -> None:
    """Put the bounce in the sender's Inbox, through the one store service."""
    account = Account.objects.get(pk=outbound.account_id)
    inbox = Mailbox.objects.filter(account=account, role="inbox").first()
    if inbox is None:
        logger.warning("account %s has no Inbox; bounce %s kept only as a blob", account.pk, blob_id)
        return
    fields = prepare_raw(hashlib.sha256(dsn).hexdigest(), dsn).fields
    emails_create(log, account, [NewEmail(fields, [inbox], [], timezone.now())])


def _finish(outbound_id: int) -> datetime | None:
    """Close the message when nobody is left; bounce what is still pending past its lifetime."""
    outbound = OutboundMessage.objects.get(pk=outbound_id)
    now = timezone.now()
    if outbound.pending and now >= deadline_of(outbound):
        _expire(outbound, now)
        outbound.refresh_from_db()
    if not outbound.pending:
        # The bytes are no longer needed; the row stays a while to recognise retried requests.
        OutboundMessage.objects.filter(pk=outbound_id).update(finished_at=now, message=b"")
        return None
    return min(now + timedelta(seconds=retry_delay(outbound.attempts)), deadline_of(outbound))


def _expire(outbound: OutboundMessage, now: datetime) -> None:
    submission = EmailSubmission.objects.filter(pk=outbound.submission_id).first()
    last = (submission.delivery_status or {}) if submission else {}
    outcomes = {}
    for rcpt in outbound.pending:
        previous = last.get(rcpt, {}).get("smtpReply") or "no reply"
        text = f"giving up after {outbound.attempts} attempts; last reply: {previous}"
        outcomes[rcpt] = Outcome(synthetic(550, "5.4.7", text), None, False)
    _record(outbound, outcomes)
