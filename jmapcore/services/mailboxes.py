"""Creating, changing and destroying Mailboxes (callers hold the account's write lock)."""

from __future__ import annotations

from jmapcore.changes.log import ChangeLog
from jmapcore.models import Account, Mailbox

MAILBOX = "Mailbox"

# Name, role and sort order of the mailboxes every new account starts with.
STANDARD_MAILBOXES = (
    ("Inbox", "inbox", 1),
    ("Drafts", "drafts", 2),
    ("Sent", "sent", 3),
    ("Archive", "archive", 4),
    ("Junk", "junk", 5),
    ("Trash", "trash", 6),
)


def mailbox_create(
    log: ChangeLog,
    account: Account,
    *,
    name: str,
    parent: Mailbox | None = None,
    role: str | None = None,
    sort_order: int = 0,
    is_subscribed: bool = True,
) -> Mailbox:
    mailbox = Mailbox.objects.create(
        account=account,
        name=name,
        parent=parent,
        role=role,
        sort_order=sort_order,
        is_subscribed=is_subscribed,
    )
    log.created(MAILBOX, mailbox.pk)
    return mailbox


def mailbox_update(log: ChangeLog, mailbox: Mailbox, **fields: object) -> None:
    for field, value in fields.items():
        setattr(mailbox, field, value)
    mailbox.save(update_fields=list(fields))
    log.updated(MAILBOX, mailbox.pk)


def mailbox_destroy(log: ChangeLog, mailbox: Mailbox) -> None:
    pk = mailbox.pk
    mailbox.delete()
    log.destroyed(MAILBOX, pk)


def standard_mailboxes_create(log: ChangeLog, account: Account) -> list[Mailbox]:
    return [
        mailbox_create(log, account, name=name, role=role, sort_order=order)
        for name, role, order in STANDARD_MAILBOXES
    ]
