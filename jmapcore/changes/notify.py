"""Telling push clients, in every process, that an account's state changed.

A poke carries only the account id: consumers read the current states themselves
and send a StateChange only for what differs from what they last sent, so
duplicate or coalesced pokes are harmless (push is a hint; /changes is the truth).

Two transports, chosen by the channel layer in settings:
- In-memory layer (the default, no service beyond PostgreSQL): ``NOTIFY jmap_state``
  inside the writing transaction, so PostgreSQL delivers it exactly when, and only
  if, the transaction commits, whichever process wrote. Each web process runs one
  listener (:mod:`jmapcore.push.bridge`) that forwards pokes to its local consumers.
- A shared layer (Redis): ``group_send`` after commit; the layer reaches every process.
"""

from __future__ import annotations

from asgiref.sync import async_to_sync
from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.db import connection, transaction

PG_CHANNEL = "jmap_state"
EVENT_TYPE = "jmap.state_changed"


def account_group(account_id: int) -> str:
    return f"jmap-account-{account_id}"


def layer_is_process_local() -> bool:
    return isinstance(get_channel_layer(), InMemoryChannelLayer)


def announce(account_id: int) -> None:
    """Call inside the transaction that changed the account."""
    if layer_is_process_local():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_notify(%s, %s)", [PG_CHANNEL, str(account_id)])
    else:
        transaction.on_commit(lambda: send_to_layer(account_id))


def send_to_layer(account_id: int) -> None:
    layer = get_channel_layer()
    async_to_sync(layer.group_send)(account_group(account_id), {"type": EVENT_TYPE, "account": account_id})
