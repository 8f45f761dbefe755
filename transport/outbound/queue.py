"""Queueing a message that is not an EmailSubmission: vacation auto-replies.

The receiving side calls back into here (see :func:`install`); the message goes
out through the same queue, retries and DKIM signing as any submission.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from jmapcore.models import Account, OutboundMessage

from .tasks import enqueue


def queue_message(
    account: Account, mail_from: str, recipients: list[str], message: bytes, send_at: datetime | None = None
) -> OutboundMessage:
    """Queue ``message`` from ``mail_from`` ("" for the null sender) to ``recipients``."""
    with transaction.atomic():
        outbound = OutboundMessage.objects.create(
            account=account,
            mail_from=mail_from,
            pending=list(dict.fromkeys(recipients)),
            message=message,
            send_at=send_at or timezone.now(),
        )
        enqueue(outbound)
    return outbound


def queue_auto_reply(account: Account, recipient: str, message: bytes) -> None:
    """RFC 3834 3.3: an automatic reply goes out with a null envelope sender, so it never bounces."""
    queue_message(account, "", [recipient], message)


def install() -> None:
    """Give the receiving side's vacation replies to this queue (called once at start-up)."""
    from transport.inbound.vacation import install_auto_reply_sender

    install_auto_reply_sender(queue_auto_reply)
