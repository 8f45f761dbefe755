"""PushSubscription rows: the writes the API makes, and the reads and records of the push worker.

The only module that touches the PushSubscription table. Every change the worker
must act on (a new subscription to verify, a verified one to start pushing to) is
announced with ``NOTIFY jmap_push`` inside the writing transaction, so the worker
sees it exactly when it commits.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from jmapcore.models import PushSubscription
from jmapcore.selectors.accounts import accessible_accounts

from .states import AccountStates, read_states
from .webpush import Endpoint, Outcome

SUBSCRIPTION_CHANNEL = "jmap_push"
# RFC 8620 7.2: at least 48 hours, and SHOULD be at least 7 days.
MAX_LIFETIME = timedelta(days=7)
MAX_PER_USER = 50
# Consecutive failed deliveries (not 404/410, which delete at once) before giving up.
MAX_FAILURES = 5
FIRST_RETRY = timedelta(seconds=30)
THROTTLED_RETRY = timedelta(seconds=60)


def max_expiry() -> datetime:
    return (timezone.now() + MAX_LIFETIME).replace(microsecond=0)


def live_subscriptions(user) -> dict[int, PushSubscription]:
    rows = PushSubscription.objects.filter(user=user, expires__gt=timezone.now()).order_by("pk")
    return {subscription.pk: subscription for subscription in rows}


def _announce(pk: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_notify(%s, %s)", [SUBSCRIPTION_CHANNEL, str(pk)])


def subscription_create(
    user,
    *,
    device_client_id: str,
    url: str,
    keys: tuple[str, str] | None,
    expires: datetime,
    types: list[str] | None,
) -> PushSubscription:
    with transaction.atomic():
        subscription = PushSubscription.objects.create(
            user=user,
            device_client_id=device_client_id,
            url=url,
            p256dh=keys[0] if keys else "",
            auth=keys[1] if keys else "",
            verification_code=secrets.token_hex(16),
            expires=expires,
            types=types,
        )
        _announce(subscription.pk)
    return subscription


def _accounts_of(user) -> dict[int, str]:
    return {account.pk: jmap_id for jmap_id, account in accessible_accounts(user).items()}


def subscription_update(
    subscription: PushSubscription,
    *,
    verify: bool = False,
    expires: datetime | None = None,
    types: list[str] | None = None,
    set_types: bool = False,
) -> None:
    fields = []
    if verify:
        # From now on the worker pushes whatever changes after these states.
        states = read_states(_accounts_of(subscription.user))
        subscription.verified = True
        subscription.pushed_states = {str(pk): types for pk, types in states.items()}
        fields += ["verified", "pushed_states"]
    if expires is not None:
        subscription.expires = expires
        fields.append("expires")
    if set_types:
        subscription.types = types
        fields.append("types")
    if not fields:
        return
    with transaction.atomic():
        subscription.save(update_fields=fields)
        if verify:
            _announce(subscription.pk)


def subscription_destroy(subscription: PushSubscription) -> None:
    subscription.delete()


# ----------------------------------------------------------------- the push worker


@dataclass(frozen=True)
class Target:
    """What the worker needs to push to one subscription, read in one go."""

    pk: int
    jmap_id: str
    endpoint: Endpoint
    verified: bool
    verification_sent: bool
    verification_code: str
    types: list[str] | None
    accounts: dict[int, str]  # account pk -> JMAP id
    pushed: AccountStates


def _target(subscription: PushSubscription) -> Target:
    return Target(
        pk=subscription.pk,
        jmap_id=subscription.jmap_id,
        endpoint=Endpoint(subscription.url, subscription.p256dh, subscription.auth),
        verified=subscription.verified,
        verification_sent=subscription.verification_sent,
        verification_code=subscription.verification_code,
        types=subscription.types,
        accounts=_accounts_of(subscription.user),
        pushed={int(pk): dict(types) for pk, types in subscription.pushed_states.items()},
    )


def _live():
    now = timezone.now()
    return PushSubscription.objects.filter(expires__gt=now).select_related("user")


def _not_waiting():
    return Q(retry_at__isnull=True) | Q(retry_at__lte=timezone.now())


def target(pk: int) -> Target | None:
    subscription = _live().filter(pk=pk).first()
    return _target(subscription) if subscription else None


def verified_targets(account_pks: Iterable[int] | None) -> list[Target]:
    """Verified subscriptions not backing off, of users who can see any of ``account_pks`` (None: all)."""
    rows = _live().filter(_not_waiting(), verified=True)
    if account_pks is not None:
        # Access is ownership (see accessible_accounts); sharing must widen this too.
        rows = rows.filter(user__mail_account__pk__in=list(account_pks)).distinct()
    return [_target(subscription) for subscription in rows.order_by("pk")]


def retry_targets() -> list[Target]:
    """Verified subscriptions whose back-off has ended."""
    rows = _live().filter(verified=True, retry_at__lte=timezone.now())
    return [_target(subscription) for subscription in rows.order_by("pk")]


def unsent_verifications() -> list[Target]:
    rows = _live().filter(_not_waiting(), verified=False, verification_sent=False)
    return [_target(subscription) for subscription in rows.order_by("pk")]


def watched_account_pks() -> set[int]:
    """Accounts some verified subscription watches (the worker's groups on a shared layer)."""
    pks: set[int] = set()
    users = {subscription.user for subscription in _live().filter(verified=True)}
    for user in users:
        pks.update(_accounts_of(user))
    return pks


def delete_expired() -> int:
    return PushSubscription.objects.filter(expires__lte=timezone.now()).delete()[0]


def record_outcome(
    pk: int, outcome: Outcome, *, pushed: AccountStates | None = None, verification: bool = False
) -> None:
    """Book one delivery: success, gone (delete), throttled (wait) or failed (back off, then give up)."""
    rows = PushSubscription.objects.filter(pk=pk)
    if outcome.ok:
        done: dict[str, object] = {"failures": 0, "retry_at": None}
        if pushed is not None:
            done["pushed_states"] = {str(account): types for account, types in pushed.items()}
        if verification:
            done["verification_sent"] = True
        rows.update(**done)
    elif outcome.gone:
        rows.delete()
    elif outcome.status == 429:
        wait = timedelta(seconds=outcome.retry_after) if outcome.retry_after else THROTTLED_RETRY
        rows.update(retry_at=timezone.now() + wait)
    else:
        failures = rows.values_list("failures", flat=True).first()
        if failures is None:
            return
        if failures + 1 >= MAX_FAILURES:
            rows.delete()
        else:
            rows.update(failures=failures + 1, retry_at=timezone.now() + FIRST_RETRY * 2**failures)
