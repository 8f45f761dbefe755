"""STARTTLS is offered when a certificate is configured, and mail sent over it says ESMTPS."""

from __future__ import annotations

import datetime
import ssl

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from .conftest import HOSTNAME, start_smtpd
from .mail import inbox_emails, message

pytestmark = pytest.mark.usefixtures("jmap_server")


def _self_signed(directory) -> tuple[str, str]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, HOSTNAME)])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(HOSTNAME)]), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return str(cert_path), str(key_path)


def test_starttls_then_delivery(tmp_path, jmap, dns_table) -> None:
    cert, key = _self_signed(tmp_path)
    server = start_smtpd({"SMTP_TLS_CERT": cert, "SMTP_TLS_KEY": key, "DNS_STATIC_FILE": str(dns_table.path)})
    try:
        client = server.client()
        client.ehlo("client.test")
        assert client.has_extn("starttls")
        context = ssl.create_default_context(cafile=cert)
        context.check_hostname = False  # the client connects to 127.0.0.1, the certificate names HOSTNAME
        assert client.starttls(context=context)[0] == 220
        client.ehlo("client.test")
        assert not client.has_extn("starttls") and not client.has_extn("auth")
        to = jmap.account.address
        assert client.sendmail("a@outside.test", [to], message("a@outside.test", to, "Encrypted")) == {}
        client.quit()
    finally:
        server.stop()
    [email] = inbox_emails(jmap, ["subject", "header:Received"])
    assert email["subject"] == "Encrypted" and " with ESMTPS id " in " ".join(
        email["header:Received"].split()
    )
