from .accounts import Account, ApiToken, Domain
from .blobs import AccountBlob, Blob
from .changes import AccountState, Change
from .mailbox import Mailbox
from .push import PushSubscription

__all__ = [
    "Account",
    "AccountBlob",
    "AccountState",
    "ApiToken",
    "Blob",
    "Change",
    "Domain",
    "Mailbox",
    "PushSubscription",
]
