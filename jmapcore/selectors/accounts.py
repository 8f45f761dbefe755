from __future__ import annotations

from jmapcore.models import Account


def accessible_accounts(user) -> dict[str, Account]:
    """Every account this user may use, by JMAP id. The one place access is decided."""
    if user is None or not user.is_authenticated:
        return {}
    return {
        account.jmap_id: account for account in Account.objects.select_related("domain").filter(user=user)
    }
