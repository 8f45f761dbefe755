from .accounts import Account, ApiToken, Domain
from .blobs import AccountBlob, Blob
from .changes import AccountState, Change
from .mail import Email, EmailMailbox, MailboxThread, Thread
from .mailbox import Mailbox
from .outbound import OutboundMessage
from .push import PushSubscription
from .transport import CATCH_ALL, Alias, EmailSubmission, Identity, VacationReply, VacationResponse

__all__ = [
    "CATCH_ALL",
    "Account",
    "AccountBlob",
    "AccountState",
    "Alias",
    "ApiToken",
    "Blob",
    "Change",
    "Domain",
    "Email",
    "EmailMailbox",
    "EmailSubmission",
    "Identity",
    "Mailbox",
    "MailboxThread",
    "OutboundMessage",
    "PushSubscription",
    "Thread",
    "VacationReply",
    "VacationResponse",
]
