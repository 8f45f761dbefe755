from django.conf import settings
from django.db import models


class PushSubscription(models.Model):
    """RFC 8620 section 7.2: a URL the server POSTs StateChanges to, once verified.

    It belongs to a user, not an account: its StateChanges cover every account the
    user can access. ``verification_code`` is the secret the server sent; the client
    proves it received it by setting the same value (``verified``). The fields after
    ``created`` are the push worker's bookkeeping.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="push_subscriptions"
    )
    device_client_id = models.CharField(max_length=255)
    url = models.TextField()
    # RFC 8291 keys (URL-safe base64); empty when the client gave none.
    p256dh = models.CharField(max_length=128, blank=True, default="")
    auth = models.CharField(max_length=64, blank=True, default="")
    verification_code = models.CharField(max_length=64, editable=False)
    verified = models.BooleanField(default=False)
    expires = models.DateTimeField()
    types = models.JSONField(null=True, blank=True, help_text="Type names to push; null: every type")
    created = models.DateTimeField(auto_now_add=True)
    verification_sent = models.BooleanField(default=False)
    # account pk (as a string) -> type name -> the modseq last pushed to this subscription
    pushed_states = models.JSONField(default=dict, blank=True)
    failures = models.PositiveSmallIntegerField(default=0)
    retry_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["expires"], name="pushsubscription_expires")]

    def __str__(self) -> str:
        return f"{self.device_client_id} ({self.user})"

    @property
    def jmap_id(self) -> str:
        return f"P{self.pk}"
