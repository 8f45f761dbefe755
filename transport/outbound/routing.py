"""Where each recipient's copy goes: the configured relay, or the recipient domain's MX hosts.

Recipients are grouped per destination so each server gets one SMTP transaction for
all of its recipients. Host names are resolved through the transport's one DNS
resolver (:mod:`transport.dns`), so tests answer MX and A lookups from a fixed table.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

from django.conf import settings

from jmapcore.models import Domain
from transport import dns

from .envelope import domain_of
from .smtp import ConnectFailed, Reply, Route, send, synthetic


@dataclass(frozen=True)
class Destination:
    """One place to hand a group of recipients to: hosts to try in order, or a reply for all."""

    name: str
    recipients: list[str]
    routes: list[Route] = field(default_factory=list)
    failure: Reply | None = None  # known before connecting (no such domain, DNS down)


class RelayConfigError(ValueError):
    pass


def relay_route(url: str) -> Route:
    """``smtp://[user:password@]host[:port]`` (STARTTLS when offered) or ``smtps://`` (implicit TLS)."""
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise RelayConfigError("SMTP_RELAY must look like smtp://[user:password@]host:port or smtps://...")
    implicit = parts.scheme == "smtps"
    return Route(
        host=parts.hostname,
        port=parts.port or (465 if implicit else 587),
        implicit_tls=implicit,
        verify_tls=True,
        # Credentials never travel in clear text: a relay with a login must offer TLS.
        require_tls=bool(parts.username),
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
    )


def hosted_domains(names: Iterable[str]) -> set[str]:
    return set(Domain.objects.filter(name__in=list(names)).values_list("name", flat=True))


def destinations(recipients: list[str]) -> list[Destination]:
    """The relay for everyone when one is set, else one destination per recipient domain."""
    if settings.SMTP_RELAY:
        return [Destination("relay", recipients, [relay_route(settings.SMTP_RELAY)])]
    by_domain: dict[str, list[str]] = {}
    for rcpt in recipients:
        by_domain.setdefault(domain_of(rcpt), []).append(rcpt)
    return [_mx_destination(domain, rcpts) for domain, rcpts in by_domain.items()]


def _addresses(host: str) -> list[str]:
    return dns.lookup(host, "A") + dns.lookup(host, "AAAA")


def _mx_destination(domain: str, recipients: list[str]) -> Destination:
    """RFC 5321 5.1: MX hosts by preference; no MX means the domain itself; a null MX takes no mail."""
    port = settings.OUTBOUND_MX_PORT
    try:
        hosts = dns.mx_hosts(domain)
        routes = [
            Route(address, port, verify_tls=False, label=host)
            for host in hosts
            for address in _addresses(host)
        ]
    except dns.DnsTempError as error:
        return Destination(domain, recipients, failure=synthetic(451, "4.4.3", f"DNS lookup failed: {error}"))
    if not hosts:
        return Destination(
            domain, recipients, failure=synthetic(556, "5.1.10", f"{domain} accepts no mail (null MX)")
        )
    if not routes:
        implicit = hosts == [domain]
        if implicit:
            return Destination(
                domain, recipients, failure=synthetic(550, "5.1.2", f"no mail server for {domain}")
            )
        return Destination(
            domain,
            recipients,
            failure=synthetic(451, "4.4.3", f"the mail servers of {domain} have no address"),
        )
    return Destination(domain, recipients, routes)


def transmit(destination: Destination, mail_from: str, message: bytes) -> tuple[dict[str, Reply], str | None]:
    """Send to the first host that takes a session; replies per recipient and the host that gave them."""
    if destination.failure is not None:
        return dict.fromkeys(destination.recipients, destination.failure), None
    last: Reply | None = None
    for route in destination.routes:
        try:
            return send(route, mail_from, destination.recipients, message), route.label or route.host
        except ConnectFailed as error:
            last = error.reply
    assert last is not None
    return dict.fromkeys(destination.recipients, last), None
