"""Authentication-Results on received mail: SPF, DKIM and DMARC against fixed DNS answers."""

from __future__ import annotations

import base64

import dkim
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.conftest import free_port

from .conftest import HOSTNAME, start_smtpd
from .mail import inbox_emails, message

pytestmark = pytest.mark.usefixtures("jmap_server")

RESULTS = "header:Authentication-Results"


def _key_pair() -> tuple[bytes, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return private, f"v=DKIM1; k=rsa; p={base64.b64encode(public).decode()}"


def _signed(raw: bytes, domain: str, private: bytes) -> bytes:
    signature = dkim.sign(raw, b"sel", domain.encode(), private, include_headers=[b"from", b"to", b"subject"])
    return signature + raw


def _results(jmap) -> list[str]:
    """The clauses of the newest message's Authentication-Results (authserv-id first)."""
    newest = inbox_emails(jmap, [RESULTS])[0]
    return [" ".join(part.split()) for part in newest[RESULTS].split(";")]


def _verdict(clauses: list[str], method: str) -> str:
    return next(c for c in clauses if c.startswith(f"{method}="))


def _publish_sender(dns_table, domain: str, spf: str, dmarc: str | None = "v=DMARC1; p=reject") -> bytes:
    private, record = _key_pair()
    dns_table.publish(f"sel._domainkey.{domain}", "TXT", record)
    dns_table.publish(domain, "TXT", spf)
    if dmarc:
        dns_table.publish(f"_dmarc.{domain}", "TXT", dmarc)
    return private


def test_signed_mail_from_an_authorised_address_passes_all_three(smtp, jmap, dns_table) -> None:
    private = _publish_sender(dns_table, "signer.test", "v=spf1 ip4:127.0.0.1 -all")
    to = jmap.account.address
    raw = _signed(message("alice@signer.test", to, "Signed"), "signer.test", private)
    assert smtp.sendmail("alice@signer.test", [to], raw) == {}
    clauses = _results(jmap)
    assert clauses[0] == HOSTNAME
    assert _verdict(clauses, "spf").startswith("spf=pass")
    assert "smtp.mailfrom=signer.test" in _verdict(clauses, "spf")
    assert _verdict(clauses, "dkim").startswith("dkim=pass")
    assert "header.d=signer.test" in _verdict(clauses, "dkim")
    assert _verdict(clauses, "dmarc").startswith("dmarc=pass")
    assert "header.from=signer.test" in _verdict(clauses, "dmarc")


def test_altered_body_fails_dkim_and_unlisted_ip_fails_spf(smtp, jmap, dns_table) -> None:
    private = _publish_sender(dns_table, "forger.test", "v=spf1 ip4:192.0.2.1 -all")
    to = jmap.account.address
    raw = _signed(message("boss@forger.test", to, "Pay this"), "forger.test", private)
    tampered = raw.replace(b"Hi there.", b"Hi there, pay the invoice.")
    assert smtp.sendmail("boss@forger.test", [to], tampered) == {}  # verdicts never lose mail
    clauses = _results(jmap)
    assert _verdict(clauses, "spf").startswith("spf=fail")
    assert _verdict(clauses, "dkim").startswith("dkim=fail")
    assert _verdict(clauses, "dmarc").startswith("dmarc=fail")
    assert "policy.dmarc=reject" in _verdict(clauses, "dmarc")


def test_unsigned_mail_without_records_gets_none(smtp, jmap) -> None:
    to = jmap.account.address
    assert smtp.sendmail("x@norecords.test", [to], message("x@norecords.test", to)) == {}
    clauses = _results(jmap)
    assert _verdict(clauses, "spf").startswith("spf=none")
    assert _verdict(clauses, "dkim").startswith("dkim=none")
    assert _verdict(clauses, "dmarc").startswith("dmarc=none")


def test_softfail_and_a_failing_lookup_for_one_domain(smtp, jmap, dns_table) -> None:
    dns_table.publish("soft.test", "TXT", "v=spf1 ~all")
    dns_table.fail("_dmarc.soft.test")
    to = jmap.account.address
    assert smtp.sendmail("x@soft.test", [to], message("x@soft.test", to)) == {}
    clauses = _results(jmap)
    assert _verdict(clauses, "spf").startswith("spf=softfail")
    assert _verdict(clauses, "dmarc").startswith("dmarc=temperror")


def test_a_forged_result_claiming_to_be_ours_is_removed(smtp, jmap) -> None:
    to = jmap.account.address
    forged = {"Authentication-Results": f"{HOSTNAME}; spf=pass smtp.mailfrom=ceo@bank.test"}
    raw = message("x@norecords.test", to, "Forged", extra_headers=forged)
    assert smtp.sendmail("x@norecords.test", [to], raw) == {}
    [email] = inbox_emails(jmap, [f"{RESULTS}:all"])
    values = email[f"{RESULTS}:all"]
    assert len(values) == 1 and "bank.test" not in values[0]


def test_unreachable_dns_gives_temperror_and_the_mail_is_kept(jmap) -> None:
    nobody_listens = f"127.0.0.1:{free_port()}"
    server = start_smtpd({"DNS_NAMESERVERS": nobody_listens, "DNS_TIMEOUT": "1"})
    try:
        private, _ = _key_pair()
        to = jmap.account.address
        raw = _signed(message("a@unreachable.test", to, "Kept"), "unreachable.test", private)
        client = server.client()
        assert client.sendmail("a@unreachable.test", [to], raw) == {}
        client.quit()
    finally:
        server.stop()
    clauses = _results(jmap)
    for method in ("spf", "dkim", "dmarc"):
        assert _verdict(clauses, method).startswith(f"{method}=temperror"), clauses
    assert [e["subject"] for e in inbox_emails(jmap)] == ["Kept"]
