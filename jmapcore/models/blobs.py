from django.db import models

from .accounts import Account


class Blob(models.Model):
    """Immutable octets, stored once per distinct content.

    The bytes live in the default file storage at a path derived from the hash
    (see ``jmapcore.services.blobs.storage_name``). A Blob row alone grants no
    access: only an :class:`AccountBlob` makes it visible to an account.
    """

    sha256 = models.CharField(max_length=64, primary_key=True, help_text="Lower-case hex SHA-256")
    size = models.BigIntegerField()
    created = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.sha256[:12]}… ({self.size} octets)"


class AccountBlob(models.Model):
    """An account's reference to a blob: what makes the blob visible to that account.

    ``expires_at`` is set for unreferenced blobs (uploads) and NULL once a JMAP
    object of the account uses the blob.
    """

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="blob_references")
    blob = models.ForeignKey(Blob, on_delete=models.PROTECT, related_name="references")
    media_type = models.CharField(max_length=255, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True, db_index=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "blob"], name="accountblob_unique_per_account"),
        ]

    def __str__(self) -> str:
        return f"{self.account_id}: {self.blob_id[:12]}…"
