"""The outgoing queue's own record of a submission: the bytes that go out, and who still waits.

Kept apart from :class:`EmailSubmission` because RFC 8621 7 says destroying the
submission (or its Email) must not change the deliveries it represents: the worker
works from this row, and mirrors progress into the submission while it exists.
"""

from django.db import models

from .accounts import Account
from .transport import EmailSubmission


class OutboundMessage(models.Model):
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    submission = models.OneToOneField(
        EmailSubmission, on_delete=models.SET_NULL, null=True, blank=True, related_name="outbound"
    )
    # The client's creation id and the email it sent: a retried request (lost response)
    # with the same pair finds this row again instead of sending twice.
    creation_id = models.CharField(max_length=255, blank=True)
    email_jmap_id = models.CharField(max_length=40)
    mail_from = models.CharField(max_length=320, blank=True)
    # Recipients not yet delivered nor bounced, in envelope order.
    pending = models.JSONField(default=list)
    message = models.BinaryField()  # Bcc removed; DKIM is added when it is sent
    send_at = models.DateTimeField()
    attempts = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["account", "creation_id", "email_jmap_id"], name="outbound_replay"),
        ]

    def __str__(self) -> str:
        return f"outbound {self.pk} ({len(self.pending)} pending)"
