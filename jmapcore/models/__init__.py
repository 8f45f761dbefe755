from .accounts import Account, ApiToken, Domain
from .blobs import AccountBlob, Blob
from .changes import AccountState, Change
from .mail import Email, EmailMailbox, MailboxThread, Thread
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
    "Email",
    "EmailMailbox",
    "Mailbox",
    "MailboxThread",
    "PushSubscription",
    "Thread",
]
