"""STARTTLS is offered when a certificate is configured, and mail sent over it says ESMTPS."""

from __future__ import annotations

import ssl

import pytest

from tests.tls import self_signed_certificate

from .conftest import HOSTNAME, start_smtpd
from .mail import inbox_emails, message

pytestmark = pytest.mark.usefixtures("jmap_server")


def _self_signed(directory) -> tuple[str, str]:
    cert_path, key_path = self_signed_certificate(directory, HOSTNAME)
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
