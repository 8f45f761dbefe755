from datetime import timedelta

import pytest

from jmapcore.changes.log import account_write
from jmapcore.changes.prune import prune_account
from jmapcore.changes.read import changes_since
from jmapcore.models import Change, Mailbox
from jmapcore.protocol.errors import MethodError
from jmapcore.services.accounts import account_create
from jmapcore.services.mailboxes import mailbox_create, mailbox_destroy


@pytest.fixture
def account(db):
    return account_create("prune@example.test", "pw")


def test_pruned_tombstones_raise_the_floor_so_old_states_resync(account):
    with account_write(account.pk) as log:
        doomed = mailbox_create(log, account, name="Doomed")
    before_destroy = changes_since(account.pk, "Mailbox", "0", None).new_state
    with account_write(account.pk) as log:
        mailbox_destroy(log, Mailbox.objects.get(pk=doomed.pk))
    after_destroy = changes_since(account.pk, "Mailbox", "0", None).new_state

    assert prune_account(account.pk, timedelta(days=30)) == 0  # too recent
    Change.objects.filter(account=account, destroyed=True).update(changed_at="2000-01-01T00:00Z")
    assert prune_account(account.pk, timedelta(days=30)) == 1

    with pytest.raises(MethodError) as error:
        changes_since(account.pk, "Mailbox", before_destroy, None)
    assert error.value.error_type == "cannotCalculateChanges"
    result = changes_since(account.pk, "Mailbox", after_destroy, None)
    assert (result.created, result.updated, result.destroyed) == ([], [], [])


def test_maintenance_command_prunes_old_tombstones(account):
    from io import StringIO

    from django.core.management import call_command

    with account_write(account.pk) as log:
        doomed = mailbox_create(log, account, name="Old")
    with account_write(account.pk) as log:
        mailbox_destroy(log, Mailbox.objects.get(pk=doomed.pk))
    Change.objects.filter(account=account, destroyed=True).update(changed_at="2000-01-01T00:00Z")
    out = StringIO()
    call_command("maintenance", stdout=out)
    assert "Pruned 1 tombstones" in out.getvalue()
    assert not Change.objects.filter(account=account, destroyed=True).exists()
