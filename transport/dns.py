"""The one DNS resolver of mail transport: SPF, DKIM keys, DMARC policies and MX hosts.

Every lookup goes through :func:`lookup`, which answers from the resolver installed
here: dnspython against the system's (or ``DNS_NAMESERVERS``) name servers, or a
fixed table of answers (``DNS_STATIC_FILE``, or :func:`use_resolver` in-process) so
tests never depend on the internet. A name that does not exist, or has no record of
the type, answers ``[]``; a lookup that could not be made (timeout, no reachable
server, SERVFAIL) raises :class:`DnsTempError`, which callers turn into ``temperror``.

Answers are text: an address for A/AAAA, ``"<preference> <host>"`` for MX, the
record's character-strings joined for TXT, the target name for PTR and CNAME.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Protocol

import dns.exception
import dns.nameserver
import dns.resolver
from django.conf import settings


class DnsTempError(Exception):
    """The answer is unknown for now; asking again later may work."""


class Resolver(Protocol):
    def lookup(self, name: str, rdtype: str) -> list[str]: ...


def _normalise(name: str) -> str:
    return name.lower().rstrip(".")


def _rdata_text(rdtype: str, rdata: object) -> str:
    if rdtype in ("A", "AAAA"):
        return rdata.address  # type: ignore[attr-defined]
    if rdtype == "MX":
        return f"{rdata.preference} {rdata.exchange.to_text(omit_final_dot=True)}"  # type: ignore[attr-defined]
    if rdtype == "TXT":
        return b"".join(rdata.strings).decode("utf-8", "replace")  # type: ignore[attr-defined]
    return rdata.target.to_text(omit_final_dot=True)  # type: ignore[attr-defined]


def _nameserver(spec: str) -> dns.nameserver.Nameserver:
    """``"192.0.2.53"``, ``"192.0.2.53:5353"`` or ``"[2001:db8::53]:5353"``."""
    host, port = spec, 53
    if spec.startswith("["):
        host, _, rest = spec[1:].partition("]")
        port = int(rest.lstrip(":") or 53)
    elif spec.count(":") == 1:
        host, port_text = spec.split(":")
        port = int(port_text)
    return dns.nameserver.Do53Nameserver(host, port)


class NetworkResolver:
    """dnspython, with a cache; name servers from settings or the system configuration."""

    def __init__(self, nameservers: list[str], timeout: float) -> None:
        self.timeout = timeout
        self.error: str | None = None
        try:
            self.resolver = dns.resolver.Resolver(configure=not nameservers)
        except dns.resolver.NoResolverConfiguration as error:
            self.resolver, self.error = dns.resolver.Resolver(configure=False), str(error)
        if nameservers:
            self.resolver.nameservers = [_nameserver(spec) for spec in nameservers]
        self.resolver.cache = dns.resolver.LRUCache(4096)

    def lookup(self, name: str, rdtype: str) -> list[str]:
        if self.error:
            raise DnsTempError(f"no DNS configuration: {self.error}")
        try:
            answer = self.resolver.resolve(name, rdtype, lifetime=self.timeout, search=False)
        except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer, dns.resolver.YXDOMAIN):
            return []
        except dns.exception.DNSException as error:
            raise DnsTempError(f"{name} {rdtype}: {error}") from error
        return [_rdata_text(rdtype, rdata) for rdata in answer]


class StaticResolver:
    """Fixed answers: ``{"name": {"TXT": ["v=spf1 -all"], "MX": ["10 mx.example"]}}``.

    A name given with the value ``"temperror"`` instead of a table fails as an
    unreachable server would.
    """

    def __init__(self, answers: dict[str, dict[str, list[str]] | str]) -> None:
        self.answers = {_normalise(name): value for name, value in answers.items()}

    def lookup(self, name: str, rdtype: str) -> list[str]:
        entry = self.answers.get(_normalise(name), {})
        if entry == "temperror":
            raise DnsTempError(f"{name} {rdtype}: fixed temporary failure")
        return list(entry.get(rdtype, [])) if isinstance(entry, dict) else []


class FileResolver:
    """A :class:`StaticResolver` read from a JSON file, read again whenever the file changes."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.version: tuple[int, int] | None = None
        self.table = StaticResolver({})

    def lookup(self, name: str, rdtype: str) -> list[str]:
        stat = self.path.stat()
        if (stat.st_mtime_ns, stat.st_size) != self.version:
            self.table = StaticResolver(json.loads(self.path.read_text()))
            self.version = (stat.st_mtime_ns, stat.st_size)
        return self.table.lookup(name, rdtype)


_installed: Resolver | None = None


def _configured() -> Resolver:
    if settings.DNS_STATIC_FILE:
        return FileResolver(Path(settings.DNS_STATIC_FILE))
    return NetworkResolver(settings.DNS_NAMESERVERS, settings.DNS_TIMEOUT)


def resolver() -> Resolver:
    global _installed
    if _installed is None:
        _installed = _configured()
    return _installed


@contextmanager
def use_resolver(replacement: Resolver) -> Iterator[Resolver]:
    """Answer every lookup from ``replacement`` inside the block (tests, tools)."""
    global _installed
    previous, _installed = _installed, replacement
    try:
        yield replacement
    finally:
        _installed = previous


def lookup(name: str, rdtype: str) -> list[str]:
    return resolver().lookup(_normalise(name), rdtype.upper())


def txt_records(name: str) -> list[str]:
    return lookup(name, "TXT")


def mx_hosts(domain: str) -> list[str]:
    """The domain's mail exchangers, most preferred first (RFC 5321 5.1: none means the domain itself).

    A null MX (RFC 7505: ``0 .``) answers ``[]``.
    """
    records = []
    for answer in lookup(domain, "MX"):
        preference, _, host = answer.partition(" ")
        records.append((int(preference), _normalise(host)))
    if not records:
        return [_normalise(domain)]
    return [host for _, host in sorted(records) if host]
