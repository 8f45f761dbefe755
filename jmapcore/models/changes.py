from django.db import models

from .accounts import Account


class AccountState(models.Model):
    """The per-account modification sequence: the spine of /changes and push.

    Writers lock this row (``SELECT ... FOR NO KEY UPDATE``) before allocating
    modseqs, so commit order equals modseq order for one account.
    ``states`` maps a type name to the modseq of its newest change (its state
    string); ``floors`` maps a type name to the oldest state /changes can still
    answer from, raised when tombstones are pruned.
    """

    account = models.OneToOneField(Account, on_delete=models.CASCADE, primary_key=True, related_name="state")
    modseq = models.BigIntegerField(default=0)
    states = models.JSONField(default=dict)
    floors = models.JSONField(default=dict)

    def __str__(self) -> str:
        return f"{self.account_id}@{self.modseq}"


class Change(models.Model):
    """The newest change of one object: one row per object, tombstone when destroyed.

    ``/changes`` since S reads rows with ``modseq > S`` in modseq order, so its cost
    is the number of objects changed, whatever the number of objects that exist.
    ``full_modseq`` is the newest change to anything but the counters, so Mailbox
    changes that only touch counts can be told apart.
    """

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    type_name = models.CharField(max_length=40)
    object_id = models.BigIntegerField()
    modseq = models.BigIntegerField()
    created_modseq = models.BigIntegerField()
    full_modseq = models.BigIntegerField()
    destroyed = models.BooleanField(default=False)
    changed_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["account", "type_name", "object_id"], name="change_one_row_per_object"
            ),
        ]
        indexes = [models.Index(fields=["account", "type_name", "modseq"], name="change_since")]

    def __str__(self) -> str:
        return f"{self.type_name} {self.object_id} @{self.modseq}"
