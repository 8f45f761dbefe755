"""What one API request knows while its method calls run."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from jmapcore.models import Account
from jmapcore.protocol.errors import MethodError
from jmapcore.protocol.ids import is_valid_id
from jmapcore.protocol.request import Invocation


@dataclass
class Context:
    user: Any
    accounts: dict[str, Account]  # every account this user may use, by JMAP id
    using: frozenset[str]
    created_ids: dict[str, str] = field(default_factory=dict)
    # Responses a method emits besides its own (e.g. an implicit Foo/set after Foo/copy).
    extra_responses: list[Invocation] = field(default_factory=list)
    call_id: str = ""
    # The creation id of the object a /set is creating right now (EmailSubmission uses it to
    # recognise a retried request whose response was lost).
    creation_id: str = ""

    def account(self, account_id: object, capability: str) -> Account:
        """The account named by ``accountId``, or accountNotFound (same for missing and forbidden)."""
        if not isinstance(account_id, str):
            raise MethodError("invalidArguments", "accountId must be an Id")
        account = self.accounts.get(account_id)
        if account is None:
            raise MethodError("accountNotFound")
        if capability not in account_capabilities(account):
            raise MethodError("accountNotSupportedByMethod")
        return account

    def resolve_id(self, value: str) -> str | None:
        """Turn ``#creationId`` into the id it created; None if unknown."""
        if value.startswith("#"):
            return self.created_ids.get(value[1:])
        return value if is_valid_id(value) else None


def account_capabilities(account: Account) -> dict[str, dict[str, Any]]:
    from jmapcore.engine.capabilities import account_capabilities as caps

    return caps(account)
