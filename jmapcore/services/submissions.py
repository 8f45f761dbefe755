"""Creating and canceling EmailSubmissions: checks, the outgoing copy, and its queue job.

Called inside the account's write transaction (``EmailSubmission/set``). The queue job
is deferred in that same transaction, so a submission exists exactly when its
delivery is queued. What is sent is the Email's raw message with its Bcc header
fields removed (RFC 8621 7), kept with the queue entry so that destroying the
Email or the submission later changes nothing about the delivery.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from jmapcore.changes.log import ChangeLog, account_write
from jmapcore.mime.headers import scan_headers
from jmapcore.mime.parse import header_value
from jmapcore.models import Account, Email, EmailSubmission, Identity, OutboundMessage
from jmapcore.services.blobs import blob_open
from transport.outbound.envelope import (
    Envelope,
    EnvelopeError,
    derive_envelope,
    domain_of,
    is_valid_mailbox,
    release_time,
)

SUBMISSION = "EmailSubmission"
# A create repeating an earlier one's creation id (and Email, or Message-ID) within this
# window is a retried request whose response was lost: it answers the first submission again.
REPLAY_WINDOW = timedelta(hours=24)


class SubmissionRefused(Exception):
    """A SetError for the create: ``kind`` is its type, ``extra`` its additional properties."""

    def __init__(self, kind: str, description: str, **extra: object) -> None:
        super().__init__(description)
        self.kind = kind
        self.description = description
        self.extra = extra


@dataclass(frozen=True)
class Submitted:
    submission: EmailSubmission
    replayed: bool  # an earlier submission answered again, nothing new queued


def identity_allows(identity: Identity, address: str) -> bool:
    """Whether the identity may use ``address``: its own, or any of its domain for ``*@domain``."""
    allowed = identity.email.lower()
    address = address.lower()
    if allowed.startswith("*@"):
        return "@" in address and not address.startswith("*@") and domain_of(address) == allowed[2:]
    return address == allowed


def without_bcc(message: bytes) -> bytes:
    """The message with every Bcc header field (continuation lines included) removed."""
    _, body_start = scan_headers(message, 0, len(message))
    lines = message[:body_start].splitlines(keepends=True)
    kept: list[bytes] = []
    skipping = False
    for line in lines:
        if line[:1] in (b" ", b"\t") and skipping:
            continue
        skipping = line.lower().startswith(b"bcc:") or line.lower().startswith(b"bcc :")
        if not skipping:
            kept.append(line)
    return b"".join(kept) + message[body_start:]


def _headers(message: bytes) -> list[tuple[str, str]]:
    headers, _ = scan_headers(message, 0, len(message))
    return headers


def _check_from(identity: Identity, headers: list[tuple[str, str]]) -> None:
    senders = [item.get("email") or "" for item in header_value(headers, "From", "Addresses") or []]
    if not senders:
        raise SubmissionRefused("invalidEmail", "The Email has no From address", properties=["from"])
    refused = [address for address in senders if not identity_allows(identity, address)]
    if refused:
        raise SubmissionRefused(
            "forbiddenFrom", f"The identity {identity.email} may not send as {', '.join(refused)}"
        )


def _envelope(identity: Identity, headers: list[tuple[str, str]], given: Envelope | None) -> Envelope:
    # A wildcard identity (*@domain) has no address of its own to fall back to: the From
    # address, already checked against the identity, stands in for it.
    fallback = identity.email
    if fallback.startswith("*@"):
        senders = header_value(headers, "From", "Addresses") or [{}]
        fallback = senders[0].get("email") or fallback
    envelope = given or derive_envelope(headers, fallback, lambda a: identity_allows(identity, a))
    if not identity_allows(identity, envelope.mail_from):
        raise SubmissionRefused(
            "forbiddenMailFrom", f"The identity {identity.email} may not use {envelope.mail_from!r}"
        )
    recipients: dict[str, tuple[str, dict | None]] = {}
    for email, parameters in envelope.rcpt_to:
        recipients.setdefault(email.lower(), (email, parameters))
    if not recipients:
        raise SubmissionRefused("noRecipients", "The envelope has no recipient")
    invalid = [email for email, _ in recipients.values() if not is_valid_mailbox(email)]
    if invalid:
        raise SubmissionRefused("invalidRecipients", "Invalid recipient addresses", invalidRecipients=invalid)
    if len(recipients) > settings.SUBMISSION_MAX_RECIPIENTS:
        raise SubmissionRefused(
            "tooManyRecipients",
            f"At most {settings.SUBMISSION_MAX_RECIPIENTS} recipients",
            maxRecipients=settings.SUBMISSION_MAX_RECIPIENTS,
        )
    return Envelope(envelope.mail_from, envelope.mail_parameters, list(recipients.values()))


def _check_rate(account: Account, now: datetime) -> None:
    recent = EmailSubmission.objects.filter(account=account, created_at__gte=now - timedelta(hours=1)).count()
    if recent >= settings.SUBMISSION_HOURLY_LIMIT:
        raise SubmissionRefused(
            "forbiddenToSend",
            f"This account has sent {recent} messages in the last hour, the most allowed; try again later",
        )


def replayed_submission(
    account: Account, creation_id: str, email: Email, email_jmap_id: str
) -> EmailSubmission | None:
    """The earlier submission a retried request repeats, if any.

    The same creation id within REPLAY_WINDOW, and either the same Email or, when the
    retry created its draft anew in the same request, an Email with the same Message-ID.
    """
    recent = OutboundMessage.objects.filter(
        account=account, creation_id=creation_id, created_at__gte=timezone.now() - REPLAY_WINDOW
    ).exclude(submission=None)
    earlier = recent.filter(email_jmap_id=email_jmap_id).order_by("-pk").first()
    message_id = (email.summary or {}).get("messageId")
    if earlier is None and message_id:
        earlier = recent.filter(submission__email__summary__messageId=message_id).order_by("-pk").first()
    return earlier.submission if earlier else None


def submission_create(
    log: ChangeLog,
    account: Account,
    identity: Identity,
    email: Email,
    ids: tuple[str, str],
    given: Envelope | None,
    creation_id: str,
) -> Submitted:
    """Check and queue one submission; ``ids`` are the Email's and Thread's JMAP ids."""
    from transport.outbound.tasks import enqueue

    earlier = replayed_submission(account, creation_id, email, ids[0])
    if earlier is not None:
        return Submitted(earlier, replayed=True)
    if email.size > settings.SUBMISSION_MAX_SIZE:
        raise SubmissionRefused(
            "tooLarge", f"At most {settings.SUBMISSION_MAX_SIZE} octets", maxSize=settings.SUBMISSION_MAX_SIZE
        )
    with blob_open(email.blob_id) as handle:
        message = handle.read()
    headers = _headers(message)
    _check_from(identity, headers)
    envelope = _envelope(identity, headers, given)
    now = timezone.now()
    _check_rate(account, now)
    try:
        released = release_time(envelope.mail_parameters, now, settings.SUBMISSION_MAX_DELAYED_SEND)
    except EnvelopeError as error:
        raise SubmissionRefused(error.kind, error.description, properties=["envelope"]) from None
    submission = EmailSubmission.objects.create(
        account=account,
        identity=identity,
        email=email,
        email_jmap_id=ids[0],
        thread_jmap_id=ids[1],
        envelope=envelope.to_json(),
        # RFC 8621 7: the release time with FUTURERELEASE, else the time of creation.
        send_at=released or now,
        undo_status=EmailSubmission.UndoStatus.PENDING,
        delivery_status={
            rcpt: {"smtpReply": "250 2.0.0 Queued", "delivered": "queued", "displayed": "unknown"}
            for rcpt in envelope.recipients
        },
        message_id=((email.summary or {}).get("messageId") or [""])[0],
    )
    outbound = OutboundMessage.objects.create(
        account=account,
        submission=submission,
        creation_id=creation_id,
        email_jmap_id=ids[0],
        mail_from=envelope.mail_from,
        pending=envelope.recipients,
        message=without_bcc(message),
        send_at=released or now + timedelta(seconds=settings.SUBMISSION_UNDO_SECONDS),
    )
    log.created(SUBMISSION, submission.pk)
    enqueue(outbound)
    return Submitted(submission, replayed=False)


def submission_cancel(log: ChangeLog, submission: EmailSubmission) -> bool:
    """Cancel a submission still held (undo send); False once its sending has begun."""
    locked = EmailSubmission.objects.select_for_update().get(pk=submission.pk)
    if locked.undo_status != EmailSubmission.UndoStatus.PENDING:
        return False
    locked.undo_status = EmailSubmission.UndoStatus.CANCELED
    locked.save(update_fields=["undo_status"])
    OutboundMessage.objects.filter(submission=locked).update(
        pending=[], finished_at=timezone.now(), message=b""
    )
    submission.undo_status = locked.undo_status
    log.updated(SUBMISSION, submission.pk)
    return True


def submissions_prune(older_than: timedelta) -> int:
    """RFC 8621 7 lets a server forget submissions once sent: those done and older than this go.

    Finished queue entries go once a retried request can no longer name them (REPLAY_WINDOW).
    """
    now = timezone.now()
    done = EmailSubmission.objects.filter(created_at__lt=now - older_than).exclude(
        undo_status=EmailSubmission.UndoStatus.PENDING
    )
    done = done.filter(Q(outbound__isnull=True) | Q(outbound__finished_at__isnull=False))
    pruned = 0
    for account_id in done.values_list("account_id", flat=True).distinct():
        with account_write(account_id) as log:
            for pk in done.filter(account_id=account_id).values_list("pk", flat=True):
                log.destroyed(SUBMISSION, pk)
                pruned += 1
            done.filter(account_id=account_id).delete()
    OutboundMessage.objects.filter(finished_at__lt=now - max(older_than, REPLAY_WINDOW)).delete()
    return pruned


def submission_destroy(log: ChangeLog, submission: EmailSubmission) -> None:
    """Forget the record only: RFC 8621 7 says the deliveries it represents go on."""
    pk = submission.pk
    submission.delete()
    log.destroyed(SUBMISSION, pk)


@dataclass(frozen=True)
class ReportedRecipient:
    address: str
    delivered: str  # RFC 8621 7: "queued", "yes", "no" or "unknown"
    smtp_reply: str


def submissions_record_report(
    account: Account,
    message_id: str,
    blob_id: str,
    recipients: list[ReportedRecipient],
    *,
    is_mdn: bool = False,
    displayed: bool = False,
) -> list[int]:
    """A DSN or MDN about a message this account sent has arrived (stored as ``blob_id``):
    list it on the submissions that sent that message and update their deliveryStatus.

    RFC 8621 7: ``dsnBlobIds``/``mdnBlobIds`` in order of receipt; ``delivered`` from the
    DSN's Action, ``displayed`` "yes" once an MDN says so. A report naming no recipient
    we know still applies when the submission had only one. Returns the updated ids.
    """
    updated = []
    with account_write(account.pk) as log:
        for submission in EmailSubmission.objects.select_for_update().filter(
            account=account, message_id=message_id
        ):
            status = {rcpt: dict(entry) for rcpt, entry in (submission.delivery_status or {}).items()}
            for recipient in recipients:
                entry = _status_entry(status, recipient.address)
                if entry is None:
                    continue
                if is_mdn:
                    entry["displayed"] = "yes" if displayed else entry.get("displayed", "unknown")
                else:
                    entry["delivered"], entry["smtpReply"] = recipient.delivered, recipient.smtp_reply
            submission.delivery_status = status
            if is_mdn:
                submission.mdn_blob_ids = [*submission.mdn_blob_ids, blob_id]
            else:
                submission.dsn_blob_ids = [*submission.dsn_blob_ids, blob_id]
            submission.save(update_fields=["delivery_status", "dsn_blob_ids", "mdn_blob_ids"])
            log.updated(SUBMISSION, submission.pk)
            updated.append(submission.pk)
    return updated


def _status_entry(status: dict[str, dict], address: str) -> dict | None:
    for rcpt, entry in status.items():
        if rcpt.lower() == address.lower():
            return entry
    return next(iter(status.values())) if len(status) == 1 else None
