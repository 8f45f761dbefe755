"""The one resolver (fixed answers, MX order, temporary failures) and deliver_local without a network."""

from __future__ import annotations

import pytest

from jmapcore.models import Alias, Email
from jmapcore.services.accounts import account_create
from tests.conftest import free_port
from transport import dns
from transport.dns import NetworkResolver, StaticResolver, use_resolver
from transport.inbound.delivery import deliver_local

from .mail import message


def test_static_answers_and_missing_names() -> None:
    table = StaticResolver({"Example.Test.": {"TXT": ["v=spf1 -all"], "MX": ["20 b.example.test", "10 a."]}})
    with use_resolver(table):
        assert dns.txt_records("example.test") == ["v=spf1 -all"]
        assert dns.lookup("EXAMPLE.test.", "txt") == ["v=spf1 -all"]
        assert dns.mx_hosts("example.test") == ["a", "b.example.test"]
        assert dns.txt_records("missing.test") == []


def test_mx_fallback_to_the_domain_and_null_mx() -> None:
    with use_resolver(StaticResolver({"nullmx.test": {"MX": ["0 ."]}})):
        assert dns.mx_hosts("plain.test") == ["plain.test"]
        assert dns.mx_hosts("nullmx.test") == []


def test_a_failing_name_raises_dns_temp_error() -> None:
    with use_resolver(StaticResolver({"broken.test": "temperror"})), pytest.raises(dns.DnsTempError):
        dns.txt_records("broken.test")


def test_an_unreachable_server_is_a_temporary_error() -> None:
    resolver = NetworkResolver([f"127.0.0.1:{free_port()}"], timeout=1)
    with use_resolver(resolver), pytest.raises(dns.DnsTempError):
        dns.txt_records("example.com")


@pytest.mark.django_db
def test_deliver_local_reports_each_recipient_and_stores_once_per_account() -> None:
    alice = account_create("alice@local.example", None)
    alias = Alias.objects.create(domain=alice.domain, local_part="help")
    alias.targets.add(alice)
    recipients = ["alice@local.example", "Help@local.example", "alice+x@local.example", "bob@local.example"]
    recipients.append("carol@remote.example")
    raw = message("bounce@elsewhere.example", "alice@local.example", "Local")
    results = deliver_local(raw, "bounce@elsewhere.example", recipients)
    assert {r: (v.code, v.text[:5]) for r, v in results.items()} == {
        "alice@local.example": (250, "2.0.0"),
        "Help@local.example": (250, "2.0.0"),
        "alice+x@local.example": (250, "2.0.0"),
        "bob@local.example": (550, "5.1.1"),
        "carol@remote.example": (550, "5.7.1"),
    }
    [email] = Email.objects.filter(account=alice)
    assert results["alice@local.example"].email_ids == (email.pk,)
    assert results["alice@local.example"].delivered and not results["bob@local.example"].temporary


@pytest.mark.django_db
def test_an_internationalised_domain_is_found_in_either_spelling() -> None:
    account_create("ana@bücher.example", None)
    raw = message("a@elsewhere.example", "ana@bücher.example", "IDN")
    results = deliver_local(raw, "a@elsewhere.example", ["ana@xn--bcher-kva.example", "ana@BÜCHER.example"])
    assert {result.code for result in results.values()} == {250}
