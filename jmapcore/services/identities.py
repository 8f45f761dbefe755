"""Creating, changing and destroying Identities (callers hold the account's write lock)."""

from __future__ import annotations

from jmapcore.changes.log import ChangeLog
from jmapcore.models import Account, Identity

IDENTITY = "Identity"


def identity_create(log: ChangeLog, account: Account, **fields: object) -> Identity:
    identity = Identity.objects.create(account=account, **fields)
    log.created(IDENTITY, identity.pk)
    return identity


def default_identity_create(log: ChangeLog, account: Account) -> Identity:
    """The identity every account starts with: its own address, which it may not delete."""
    return identity_create(log, account, name=account.name, email=account.address, may_delete=False)


def identity_update(log: ChangeLog, identity: Identity, **fields: object) -> None:
    for field, value in fields.items():
        setattr(identity, field, value)
    identity.save(update_fields=list(fields))
    log.updated(IDENTITY, identity.pk)


def identity_destroy(log: ChangeLog, identity: Identity) -> None:
    pk = identity.pk
    identity.delete()
    log.destroyed(IDENTITY, pk)
