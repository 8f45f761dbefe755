"""What mail transport keeps per domain and account: aliases, identities, vacation, submissions."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower

from .accounts import Account, Domain
from .mail import Email

CATCH_ALL = "*"


class Alias(models.Model):
    """Another address of a hosted domain delivering to one or more accounts.

    ``local_part`` ``*`` is the domain's catch-all: it receives mail for every local
    part that is neither an account nor another alias.
    """

    domain = models.ForeignKey(Domain, on_delete=models.CASCADE, related_name="aliases")
    local_part = models.CharField(max_length=64, help_text="Before the @; * catches every unknown address")
    targets = models.ManyToManyField(Account, related_name="aliases", help_text="Accounts receiving its mail")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "aliases"
        ordering = ["domain__name", "local_part"]
        constraints = [
            models.UniqueConstraint(Lower("local_part"), "domain", name="alias_unique_address"),
        ]

    def __str__(self) -> str:
        return f"{self.local_part}@{self.domain.name}"

    def save(self, *args, **kwargs) -> None:
        self.local_part = self.local_part.strip()
        super().save(*args, **kwargs)

    def clean(self) -> None:
        self.local_part = self.local_part.strip()
        if not self.local_part or "@" in self.local_part:
            raise ValidationError({"local_part": "Give the part before the @ only"})
        taken = Account.objects.filter(domain_id=self.domain_id, local_part__iexact=self.local_part)
        if self.domain_id and taken.exists():
            raise ValidationError({"local_part": "An account already has this address"})

    @property
    def is_catch_all(self) -> bool:
        return self.local_part == CATCH_ALL


class Identity(models.Model):
    """RFC 8621 section 6: an address the account may send from, with its signatures."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="identities")
    name = models.CharField(max_length=200, blank=True)
    email = models.CharField(max_length=320)
    reply_to = models.JSONField(null=True, blank=True)  # list of EmailAddress, or null
    bcc = models.JSONField(null=True, blank=True)
    text_signature = models.TextField(blank=True)
    html_signature = models.TextField(blank=True)
    may_delete = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "identities"
        ordering = ["account", "id"]

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>" if self.name else self.email


class VacationResponse(models.Model):
    """RFC 8621 section 8: the account's one auto-reply setting (JMAP id ``singleton``)."""

    account = models.OneToOneField(Account, on_delete=models.CASCADE, related_name="vacation_response")
    is_enabled = models.BooleanField(default=False)
    from_date = models.DateTimeField(null=True, blank=True)
    to_date = models.DateTimeField(null=True, blank=True)
    subject = models.TextField(null=True, blank=True)  # noqa: DJ001 - null means "server default"
    text_body = models.TextField(null=True, blank=True)  # noqa: DJ001
    html_body = models.TextField(null=True, blank=True)  # noqa: DJ001

    def __str__(self) -> str:
        return f"vacation of {self.account_id} ({'on' if self.is_enabled else 'off'})"


class VacationReply(models.Model):
    """When a sender last got an auto-reply, so nobody gets more than one per few days (RFC 3834 2)."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    sender = models.CharField(max_length=320, help_text="Lower-cased address")
    sent_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "sender"], name="vacation_reply_one_per_sender"),
        ]

    def __str__(self) -> str:
        return f"{self.sender} @ {self.sent_at:%Y-%m-%d %H:%M}"


class EmailSubmission(models.Model):
    """RFC 8621 section 7: one message handed over for sending, and how its delivery went."""

    class UndoStatus(models.TextChoices):
        PENDING = "pending"
        FINAL = "final"
        CANCELED = "canceled"

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="submissions")
    identity = models.ForeignKey(
        Identity, on_delete=models.SET_NULL, null=True, blank=True, related_name="submissions"
    )
    email = models.ForeignKey(Email, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    # The JMAP ids stay readable after the email (or its thread) is destroyed.
    email_jmap_id = models.CharField(max_length=40)
    thread_jmap_id = models.CharField(max_length=40)
    envelope = models.JSONField()  # {"mailFrom": Address, "rcptTo": [Address]}
    send_at = models.DateTimeField()
    undo_status = models.CharField(max_length=10, choices=UndoStatus.choices, default=UndoStatus.PENDING)
    delivery_status = models.JSONField(null=True, blank=True)  # rcpt address -> DeliveryStatus
    dsn_blob_ids = models.JSONField(default=list, blank=True)
    mdn_blob_ids = models.JSONField(default=list, blank=True)
    # The sent message's Message-ID: how reports that come back (DSN, MDN) find it.
    message_id = models.CharField(max_length=998, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [
            models.Index(fields=["account", "send_at"], name="submission_account_send_at"),
            models.Index(fields=["account", "undo_status"], name="submission_account_undo"),
            models.Index(fields=["account", "message_id"], name="submission_message_id"),
        ]

    def __str__(self) -> str:
        return f"S{self.pk} ({self.undo_status})"
