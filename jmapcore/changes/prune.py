"""Pruning old tombstones, and raising the floor below which /changes cannot answer.

A destroyed object's change row is the only record that it was destroyed. Once it
is deleted, a client whose state is older than that row could never learn of the
destruction, so the type's floor rises to the newest pruned modseq and such a
client gets ``cannotCalculateChanges`` (and refetches) instead of a wrong answer.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from jmapcore.models import AccountState, Change

from .log import lock_state


def prune_account(account_id: int, older_than: timedelta) -> int:
    """Delete the account's tombstones older than ``older_than``; return how many."""
    cutoff = timezone.now() - older_than
    with transaction.atomic():
        state = lock_state(account_id)
        old = Change.objects.filter(account_id=account_id, destroyed=True, changed_at__lt=cutoff)
        newest = dict(old.values("type_name").annotate(top=Max("modseq")).values_list("type_name", "top"))
        if not newest:
            return 0
        deleted, _ = old.delete()
        floors = dict(state.floors)
        for type_name, modseq in newest.items():
            floors[type_name] = max(floors.get(type_name, 0), modseq)
        AccountState.objects.filter(pk=account_id).update(floors=floors)
    return deleted


def prune_all(older_than: timedelta) -> int:
    accounts = Change.objects.filter(destroyed=True, changed_at__lt=timezone.now() - older_than)
    account_ids = accounts.values_list("account_id", flat=True).distinct()
    return sum(prune_account(account_id, older_than) for account_id in account_ids)
