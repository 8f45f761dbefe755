"""The vacation auto-reply on inbound mail (RFC 8621 section 8, following RFC 3834).

A reply goes out only when the account's VacationResponse is enabled and the
delivery falls between ``fromDate`` and ``toDate``; never to a null or automatic
sender (``MAILER-DAEMON``, ``owner-*``, ``*-request``), to the account's own
addresses, to mail that is itself automatic (``Auto-Submitted`` other than ``no``)
or bulk (``Precedence: bulk/list/junk``, any ``List-Id``), nor to mail that does not
name the account in To/Cc/Bcc; and at most once per sender per
``VACATION_REPLY_INTERVAL_DAYS``. The reply has a null envelope sender,
``Auto-Submitted: auto-replied`` and In-Reply-To/References to the original.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection
from django.utils import timezone

from jmapcore.mime.build import build_message
from jmapcore.mime.html import html_to_text
from jmapcore.models import Account, Identity, VacationReply, VacationResponse
from jmapcore.selectors.addresses import account_addresses

from .message import Head
from .recipients import split

log = logging.getLogger(__name__)

BULK_PRECEDENCE = frozenset({"bulk", "list", "junk"})
DEFAULT_TEXT = "I am away and will read your message when I return."


def _automatic_sender(sender: str) -> bool:
    parts = split(sender)
    if parts is None:
        return True
    local = parts[0].lower()
    return (
        local in ("mailer-daemon", "postmaster", "listserv", "majordomo")
        or local.startswith("owner-")
        or local.endswith(("-request", "-owner", "-bounces"))
    )


def _automatic_message(head: Head) -> bool:
    auto_submitted = (head.first("Auto-Submitted") or "no").split(";")[0].strip().lower()
    precedence = (head.first("Precedence") or "").strip().lower()
    return auto_submitted != "no" or precedence in BULK_PRECEDENCE or bool(head.values("List-Id"))


def _is_active(vacation: VacationResponse, now: datetime) -> bool:
    return (
        vacation.is_enabled
        and (vacation.from_date is None or vacation.from_date <= now)
        and (vacation.to_date is None or now < vacation.to_date)
    )


def _names_the_account(head: Head, addresses: set[str]) -> bool:
    named = {*head.addresses("To"), *head.addresses("Cc"), *head.addresses("Bcc")}
    return bool(named & addresses)


def _claim_reply_slot(account_id: int, sender: str, now: datetime) -> bool:
    """Record the reply unless one went to ``sender`` within the interval; atomic under concurrency."""
    cutoff = now - timedelta(days=settings.VACATION_REPLY_INTERVAL_DAYS)
    table = VacationReply._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {table} (account_id, sender, sent_at) VALUES (%s, %s, %s)
            ON CONFLICT (account_id, sender) DO UPDATE SET sent_at = EXCLUDED.sent_at
            WHERE {table}.sent_at < %s
            RETURNING id
            """,
            [account_id, sender, now, cutoff],
        )
        return cursor.fetchone() is not None


def reply_if_away(account_id: int, head: Head, mail_from: str, addressed: list[str]) -> bool:
    """Send the account's vacation reply to ``mail_from`` if the rules allow; True when sent."""
    sender = mail_from.strip().strip("<>").lower()
    vacation = VacationResponse.objects.filter(account_id=account_id, is_enabled=True).first()
    now = timezone.now()
    if not sender or vacation is None or not _is_active(vacation, now):
        return False
    if _automatic_sender(sender) or _automatic_message(head):
        return False
    account = Account.objects.select_related("domain").get(pk=account_id)
    own = account_addresses(account) | {address.lower() for address in addressed}
    if sender in own or not _names_the_account(head, own):
        return False
    if not _claim_reply_slot(account_id, sender, now):
        return False
    message = build_reply(account, vacation, head, sender, now)
    queue_auto_reply(account, sender, message)
    return True


def _reply_subject(vacation: VacationResponse, head: Head) -> str:
    if vacation.subject:
        return vacation.subject
    original = (head.text("Subject") or "").strip()
    return f"Auto: {original}" if original else "Auto: away"


def _bodies(vacation: VacationResponse) -> dict:
    text = vacation.text_body
    if text is None:
        text = html_to_text(vacation.html_body) if vacation.html_body else DEFAULT_TEXT
    values = {"text": {"value": text}}
    email: dict = {"textBody": [{"partId": "text", "type": "text/plain"}]}
    if vacation.html_body:
        values["html"] = {"value": vacation.html_body}
        email["htmlBody"] = [{"partId": "html", "type": "text/html"}]
    email["bodyValues"] = values
    return email


def build_reply(
    account: Account, vacation: VacationResponse, head: Head, sender: str, now: datetime
) -> bytes:
    identity = Identity.objects.filter(account=account, email__iexact=account.address).first()
    name = identity.name if identity and identity.name else account.name
    email = {
        "from": [{"name": name or None, "email": account.address}],
        "to": [{"email": sender}],
        "subject": _reply_subject(vacation, head),
        "header:Auto-Submitted:asText": "auto-replied",
        **_bodies(vacation),
    }
    original_id = head.message_id()
    if original_id:
        references = head.first("References") or ""
        earlier = [part.strip("<>") for part in references.split() if part.startswith("<")]
        email["inReplyTo"] = [original_id]
        email["references"] = [*earlier, original_id]
    return build_message(email, lambda blob_id: None, now, message_id_domain=account.domain.name)


# The sending side installs its queue here at start-up (transport.outbound.queue.install).
AutoReplySender = Callable[[Account, str, bytes], None]
_outbound_sender: AutoReplySender | None = None


def install_auto_reply_sender(sender: AutoReplySender) -> None:
    global _outbound_sender
    _outbound_sender = sender


def queue_auto_reply(account: Account, recipient: str, message: bytes) -> None:
    """Hand the reply over with a null envelope sender (RFC 3834 3.3).

    A hosted sender gets it at once through local delivery; any other goes to the
    outgoing queue (retries, DKIM signing).
    """
    from .delivery import deliver_local
    from .recipients import resolve

    if resolve(recipient).accepted:
        deliver_local(message, "", [recipient])
    elif _outbound_sender is not None:
        _outbound_sender(account, recipient, message)
    else:
        log.error(
            "No outgoing queue installed: vacation reply of %s to %s not sent", account.address, recipient
        )
