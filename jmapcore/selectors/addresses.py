"""The addresses an account receives at and may send from (Identity, vacation, submission)."""

from __future__ import annotations

from jmapcore.models import CATCH_ALL, Account, Alias

WILDCARD = "*"


def account_addresses(account: Account) -> set[str]:
    """Its own address and every alias delivering to it, lower-cased (catch-alls excluded)."""
    addresses = {account.address.lower()}
    for alias in Alias.objects.filter(targets=account).select_related("domain"):
        if not alias.is_catch_all:
            addresses.add(f"{alias.local_part}@{alias.domain.name}".lower())
    return addresses


def catch_all_domains(account: Account) -> set[str]:
    """Domains whose catch-all delivers to the account: it may send as anyone there."""
    return set(
        Alias.objects.filter(targets=account, local_part=CATCH_ALL).values_list("domain__name", flat=True)
    )


def may_send_as(account: Account, address: str) -> bool:
    """Whether an Identity (or a From address) with this address is the account's to use.

    ``*@domain`` is the wildcard identity (RFC 8621 6): allowed for a catch-all domain of the
    account, as is any address of such a domain.
    """
    local, at, domain = address.strip().lower().rpartition("@")
    if not at or not local or not domain:
        return False
    if f"{local}@{domain}" in account_addresses(account):
        return True
    return domain in catch_all_domains(account)
