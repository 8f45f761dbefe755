from .accounts import Account, ApiToken, Domain
from .changes import AccountState, Change
from .mailbox import Mailbox

__all__ = ["Account", "AccountState", "ApiToken", "Change", "Domain", "Mailbox"]
