"""The mail store: Emails, Threads, and their membership in Mailboxes (RFC 8621).

The raw message is an immutable blob; what JMAP reads often is derived once at
delivery and stored here, so list views never re-parse messages. Mailbox counters
and the per-mailbox thread rows are maintained incrementally by
:mod:`jmapcore.services.emails`, never recounted over a mailbox.
"""

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models

from jmapcore.mail.keywords import is_unread as keywords_unread

from .accounts import Account
from .blobs import Blob
from .mailbox import Mailbox


class Thread(models.Model):
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="threads")

    def __str__(self) -> str:
        return f"T{self.pk}"


class Email(models.Model):
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="emails")
    thread = models.ForeignKey(Thread, on_delete=models.RESTRICT, related_name="emails")
    blob = models.ForeignKey(Blob, on_delete=models.PROTECT, related_name="+")
    received_at = models.DateTimeField()
    size = models.PositiveIntegerField()
    keywords = ArrayField(models.CharField(max_length=255), default=list, blank=True)
    has_attachment = models.BooleanField(default=False)
    # Threading and sorting keys, derived from the headers.
    message_ids = ArrayField(models.TextField(), default=list, blank=True)
    base_subject = models.TextField(blank=True)
    subject_sort = models.TextField(blank=True)
    from_sort = models.TextField(blank=True)
    to_sort = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    preview = models.TextField(blank=True)
    # What Email/get returns, derived once: the small convenience header properties that
    # list views ask for, apart from the headers and body structure that only readers need.
    summary = models.JSONField(default=dict, db_default={})
    parsed = models.JSONField(default=dict)
    search = SearchVectorField(null=True)

    class Meta:
        indexes = [
            models.Index(fields=["account", "-received_at", "-id"], name="email_account_received"),
            models.Index(fields=["thread", "received_at", "id"], name="email_thread_order"),
            # Looked up a few hundred ids at a time while mail arrives: no pending list to scan.
            GinIndex(fields=["message_ids"], name="email_message_ids", fastupdate=False),
            GinIndex(fields=["keywords"], name="email_keywords"),
            GinIndex(fields=["search"], name="email_search"),
        ]

    def __str__(self) -> str:
        return f"E{self.pk}"

    @property
    def is_unread(self) -> bool:
        return keywords_unread(self.keywords)


class EmailMailbox(models.Model):
    """One Email in one Mailbox; ``received_at`` and ``thread`` are copied for index-only list queries."""

    email = models.ForeignKey(Email, on_delete=models.CASCADE, related_name="memberships")
    mailbox = models.ForeignKey(Mailbox, on_delete=models.CASCADE, related_name="memberships")
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="+")
    received_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["email", "mailbox"], name="emailmailbox_unique")]
        indexes = [models.Index(fields=["mailbox", "-received_at", "-email"], name="emailmailbox_list")]

    def __str__(self) -> str:
        return f"E{self.email_id} in M{self.mailbox_id}"


class MailboxThread(models.Model):
    """A Thread's presence in a Mailbox: the row of a conversation list, and the thread counters.

    ``latest_email``/``latest_received_at`` is the newest of the thread's emails in the
    mailbox (the row shown when threads are collapsed).
    """

    mailbox = models.ForeignKey(Mailbox, on_delete=models.CASCADE, related_name="thread_rows")
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="mailbox_rows")
    emails = models.PositiveIntegerField(default=0)
    unread = models.PositiveIntegerField(default=0)
    latest_email = models.ForeignKey(Email, on_delete=models.SET_NULL, null=True, related_name="+")
    latest_received_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["mailbox", "thread"], name="mailboxthread_unique")]
        indexes = [
            models.Index(
                fields=["mailbox", "-latest_received_at", "-latest_email"], name="mailboxthread_list"
            )
        ]

    def __str__(self) -> str:
        return f"T{self.thread_id} in M{self.mailbox_id}"
