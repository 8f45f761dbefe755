from __future__ import annotations

from jmapcore.models import Account


def accessible_accounts(user) -> dict[str, Account]:
    """Every account this user may use, by JMAP id. The one place access is decided.

    Today that is the user's own account; authentication loads it together with the
    user (``select_related``), so this usually costs no query.
    """
    if user is None or not user.is_authenticated:
        return {}
    try:
        account = user.mail_account
    except Account.DoesNotExist:
        return {}
    return {account.jmap_id: account}
