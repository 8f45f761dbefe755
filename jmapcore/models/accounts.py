import hashlib

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower

from .keys import dkim_private_key_new, dkim_selector_new, dkim_txt_value


class Domain(models.Model):
    """A mail domain hosted by this site."""

    name = models.CharField(max_length=253, unique=True, help_text="Lower-case domain name")
    dkim_selector = models.CharField(max_length=63, blank=True, help_text="Set when the key is generated")
    dkim_private_key = models.TextField(blank=True, help_text="PEM (PKCS#8), generated with the domain")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        self.name = self.name.strip().lower().rstrip(".")
        if not self.dkim_private_key:
            self.dkim_selector = self.dkim_selector or dkim_selector_new()
            self.dkim_private_key = dkim_private_key_new()
        super().save(*args, **kwargs)

    @property
    def dkim_record_name(self) -> str:
        return f"{self.dkim_selector}._domainkey.{self.name}"

    @property
    def dkim_record_value(self) -> str:
        return dkim_txt_value(self.dkim_private_key) if self.dkim_private_key else ""


class Account(models.Model):
    """A mailbox owner's JMAP account; its login is a Django user."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mail_account"
    )
    domain = models.ForeignKey(Domain, on_delete=models.PROTECT, related_name="accounts")
    local_part = models.CharField(max_length=64)
    name = models.CharField(max_length=200, blank=True, help_text="Display name")
    quota_bytes = models.BigIntegerField(null=True, blank=True, help_text="Empty: no quota")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["domain__name", "local_part"]
        constraints = [
            models.UniqueConstraint(Lower("local_part"), "domain", name="account_unique_address"),
        ]

    def __str__(self) -> str:
        return self.address

    @property
    def address(self) -> str:
        return f"{self.local_part}@{self.domain.name}"

    @property
    def jmap_id(self) -> str:
        return f"A{self.pk}"


def hash_token(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class ApiToken(models.Model):
    """A bearer token for a non-browser JMAP client. Only its hash is stored."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, blank=True)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(
        max_length=12, editable=False, help_text="First characters, to tell tokens apart"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"
