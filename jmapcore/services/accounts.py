"""Creating mail accounts, domains and API tokens."""

from __future__ import annotations

import secrets

from django.contrib.auth import get_user_model
from django.db import transaction

from jmapcore.changes.log import account_write
from jmapcore.models import Account, AccountState, ApiToken, Domain
from jmapcore.models.accounts import hash_token

from .identities import default_identity_create
from .mailboxes import standard_mailboxes_create
from .vacation import vacation_response_create


class AccountExists(Exception):
    pass


def split_address(address: str) -> tuple[str, str]:
    local, sep, domain = address.strip().rpartition("@")
    if not sep or not local or not domain or "." not in domain:
        raise ValueError(f"{address!r} is not an email address")
    return local, domain.lower()


def account_create(address: str, password: str | None, name: str = "") -> Account:
    """A user, its account, mailboxes, identity and vacation setting; the domain is created if new."""
    local, domain_name = split_address(address)
    User = get_user_model()
    username = f"{local}@{domain_name}"
    with transaction.atomic():
        if User.objects.filter(username__iexact=username).exists():
            raise AccountExists(f"{username} already exists")
        domain, _ = Domain.objects.get_or_create(name=domain_name)
        user = User.objects.create_user(username=username, email=username, password=password)
        if password is None:
            user.set_unusable_password()
            user.save(update_fields=["password"])
        account = Account.objects.create(user=user, domain=domain, local_part=local, name=name)
        AccountState.objects.create(account=account)
        with account_write(account.pk) as log:
            default_identity_create(log, account)
            vacation_response_create(log, account)
            standard_mailboxes_create(log, account)
    return account


def token_create(user, name: str = "") -> str:
    """A new API token; the secret is returned once and only its hash is kept."""
    secret = "jmap_" + secrets.token_urlsafe(32)
    ApiToken.objects.create(user=user, name=name, key_hash=hash_token(secret), prefix=secret[:12])
    return secret
