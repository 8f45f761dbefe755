from django.db import models
from django.db.models import Q

from .accounts import Account


class Mailbox(models.Model):
    """RFC 8621 section 2. Counters are maintained incrementally by the mail store."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="mailboxes")
    parent = models.ForeignKey(
        "self", on_delete=models.RESTRICT, null=True, blank=True, related_name="children"
    )
    name = models.CharField(max_length=255)
    # NULL, not "", means no role: the unique constraint on role ignores NULLs.
    role = models.CharField(max_length=40, null=True, blank=True)  # noqa: DJ001
    sort_order = models.PositiveIntegerField(default=0)
    is_subscribed = models.BooleanField(default=True)
    total_emails = models.IntegerField(default=0)
    unread_emails = models.IntegerField(default=0)
    total_threads = models.IntegerField(default=0)
    unread_threads = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["account", "role"],
                condition=Q(role__isnull=False),
                name="mailbox_unique_role",
            ),
            models.UniqueConstraint(
                fields=["account", "parent", "name"],
                nulls_distinct=False,
                name="mailbox_unique_sibling_name",
            ),
        ]

    def __str__(self) -> str:
        return self.name
