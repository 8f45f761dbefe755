"""Which accounts an envelope recipient delivers to: accounts, aliases, plus-addressing, catch-all."""

from __future__ import annotations

from dataclasses import dataclass

from jmapcore.models import CATCH_ALL, Account, Alias, Domain

PLUS = "+"


@dataclass(frozen=True)
class Resolution:
    """The accounts one address delivers to, or the SMTP reply refusing it."""

    account_ids: tuple[int, ...] = ()
    refusal: str | None = None

    @property
    def accepted(self) -> bool:
        return self.refusal is None


UNKNOWN_USER = "550 5.1.1 No such mailbox here"
RELAY_DENIED = "550 5.7.1 Relaying denied: this server only accepts mail for its own domains"
BAD_ADDRESS = "553 5.1.3 Not a valid address"


def split(address: str) -> tuple[str, str] | None:
    local, at, domain = address.strip().strip("<>").rpartition("@")
    if not at or not local or not domain:
        return None
    return local, domain.lower().rstrip(".")


def _domain_spellings(name: str) -> set[str]:
    """The domain as given and in its other IDNA form (``xn--`` labels or Unicode)."""
    spellings = {name}
    try:
        spellings.add(name.encode("idna").decode("ascii"))
        spellings.add(name.encode("ascii").decode("idna"))
    except UnicodeError:  # not convertible either way: only the given spelling can match
        pass
    return spellings


def _alias_targets(domain: Domain, local_part: str) -> tuple[int, ...]:
    alias = Alias.objects.filter(domain=domain, local_part__iexact=local_part).first()
    if alias is None:
        return ()
    return tuple(sorted(alias.targets.values_list("pk", flat=True)))


def _local_targets(domain: Domain, local_part: str) -> tuple[int, ...]:
    account = Account.objects.filter(domain=domain, local_part__iexact=local_part).values_list(
        "pk", flat=True
    )
    return tuple(account) or _alias_targets(domain, local_part)


def resolve(address: str) -> Resolution:
    """Exact account or alias first, then without a ``+tag``, then the domain's catch-all."""
    parts = split(address)
    if parts is None:
        return Resolution(refusal=BAD_ADDRESS)
    local, domain_name = parts
    domain = Domain.objects.filter(name__in=_domain_spellings(domain_name)).first()
    if domain is None:
        return Resolution(refusal=RELAY_DENIED)
    targets = _local_targets(domain, local)
    if not targets and PLUS in local.strip(PLUS):
        targets = _local_targets(domain, local.split(PLUS, 1)[0])
    if not targets:
        targets = _alias_targets(domain, CATCH_ALL)
    return Resolution(account_ids=targets) if targets else Resolution(refusal=UNKNOWN_USER)
