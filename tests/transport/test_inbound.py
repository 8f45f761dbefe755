"""Receiving by SMTP over loopback: who is accepted, what is refused, where the message lands."""

from __future__ import annotations

import smtplib

import pytest

from jmapcore.models import Account, Alias, Domain
from tests.conftest import JmapClient

from .mail import inbox_emails, message

pytestmark = pytest.mark.usefixtures("jmap_server")


def _jmap(jmap_server, account) -> JmapClient:
    return JmapClient(jmap_server, account)


def test_ehlo_advertises_size_8bitmime_smtputf8_pipelining(smtp) -> None:
    code, _ = smtp.ehlo("client.test")
    assert code == 250
    features = smtp.esmtp_features
    assert features["size"] == "200000"
    for name in ("8bitmime", "smtputf8", "pipelining", "enhancedstatuscodes"):
        assert name in features
    assert "auth" not in features and "starttls" not in features


def test_delivered_to_account_and_visible_over_jmap(smtp, jmap) -> None:
    address = jmap.account.address
    refused = smtp.sendmail(
        "sender@outside.test", [address], message("sender@outside.test", address, "Landed")
    )
    assert refused == {}
    emails = inbox_emails(jmap)
    assert [email["subject"] for email in emails] == ["Landed"]


def test_unknown_recipient_is_refused_with_5_1_1(smtp, account) -> None:
    unknown = "nobody-" + account.address
    with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
        smtp.sendmail("sender@outside.test", [unknown], message("sender@outside.test", unknown))
    code, text = refused.value.recipients[unknown]
    assert code == 550 and text.startswith(b"5.1.1")


def test_relaying_is_refused_with_5_7_1(smtp) -> None:
    smtp.ehlo("client.test")
    smtp.mail("sender@outside.test")
    code, text = smtp.rcpt("someone@elsewhere.example")
    assert code == 550 and text.startswith(b"5.7.1")


def test_oversize_message_is_refused_with_552(smtp, account) -> None:
    big = message("sender@outside.test", account.address, body=("x" * 998 + "\r\n") * 250)
    smtp.ehlo("client.test")
    code, _ = smtp.mail("sender@outside.test", [f"SIZE={len(big)}"])
    assert code == 552
    smtp.rset()
    # A client that does not declare the size is stopped at the end of DATA.
    assert smtp.mail("sender@outside.test")[0] == 250
    assert smtp.rcpt(account.address)[0] == 250
    code, _ = smtp.data(big)
    assert code == 552


def test_plus_address_delivers_to_the_account(smtp, jmap) -> None:
    local, domain = jmap.account.address.split("@")
    tagged = f"{local}+newsletters@{domain}"
    assert smtp.sendmail("a@outside.test", [tagged], message("a@outside.test", tagged, "Tagged")) == {}
    assert [email["subject"] for email in inbox_emails(jmap)] == ["Tagged"]


def test_alias_delivers_to_every_target(smtp, jmap_server, make_account, django_db_blocker) -> None:
    first, second = make_account("aliases.test"), make_account("aliases.test")
    with django_db_blocker.unblock():
        domain = Domain.objects.get(name="aliases.test")
        alias, _ = Alias.objects.get_or_create(domain=domain, local_part="Team")
        alias.targets.set(Account.objects.filter(pk__in=[first.pk, second.pk]))
    to = "team@ALIASES.test"
    assert smtp.sendmail("a@outside.test", [to], message("a@outside.test", to, "To the team")) == {}
    for account in (first, second):
        assert [e["subject"] for e in inbox_emails(_jmap(jmap_server, account))] == ["To the team"]


def test_catch_all_takes_unknown_addresses_of_its_domain(
    smtp, jmap_server, make_account, django_db_blocker
) -> None:
    catcher = make_account("catchall.test")
    with django_db_blocker.unblock():
        domain = Domain.objects.get(name="catchall.test")
        alias, _ = Alias.objects.get_or_create(domain=domain, local_part="*")
        alias.targets.set([Account.objects.get(pk=catcher.pk)])
    to = "whoever-wrote-this@catchall.test"
    assert smtp.sendmail("a@outside.test", [to], message("a@outside.test", to, "Caught")) == {}
    assert [e["subject"] for e in inbox_emails(_jmap(jmap_server, catcher))] == ["Caught"]


def test_one_message_to_two_accounts_and_an_unknown(smtp, jmap_server, make_account) -> None:
    first, second = make_account(), make_account()
    unknown = "ghost-" + first.address
    recipients = [first.address, unknown, second.address]
    refused = smtp.sendmail("a@outside.test", recipients, message("a@outside.test", first.address, "Both"))
    assert list(refused) == [unknown]
    for account in (first, second):
        assert [e["subject"] for e in inbox_emails(_jmap(jmap_server, account))] == ["Both"]


def test_received_and_return_path_are_added(smtp, jmap) -> None:
    address = jmap.account.address
    smtp.sendmail("bounces@outside.test", [address], message("a@outside.test", address, "Traced"))
    [email] = inbox_emails(jmap, ["header:Received", "header:Return-Path"])
    assert email["header:Return-Path"].strip() == "<bounces@outside.test>"
    received = " ".join(email["header:Received"].split())
    assert received.startswith("from client.test ([127.0.0.1])")
    assert "by mx.hosted.test (jmapmail) with ESMTP id" in received and f"for <{address}>;" in received


def test_utf8_envelope_and_8bit_body_are_accepted(smtp, jmap) -> None:
    address = jmap.account.address
    raw = message("rené@outside.test", address, "Grüße", body="Schöne Grüße aus Köln\r\n")
    smtp.ehlo("client.test")
    assert smtp.mail("rené@outside.test", ["SMTPUTF8", "BODY=8BITMIME"])[0] == 250
    assert smtp.rcpt(address)[0] == 250
    assert smtp.data(raw)[0] == 250
    [email] = inbox_emails(jmap, ["subject", "preview"])
    assert email["subject"] == "Grüße" and email["preview"].startswith("Schöne Grüße")


def _replies(reader, count: int) -> list[str]:
    """The next ``count`` complete replies (multi-line ones joined), as text."""
    replies = []
    while len(replies) < count:
        lines = []
        while True:
            line = reader.readline().decode().rstrip("\r\n")
            lines.append(line)
            if line[3:4] != "-":
                break
        replies.append("\n".join(lines))
    return replies


def test_pipelined_commands_get_their_replies_in_order(smtpd, account) -> None:
    """RFC 2920: MAIL, the RCPTs and DATA sent in one write, replies read afterwards."""
    import socket

    with socket.create_connection((smtpd.host, smtpd.port), timeout=30) as sock:
        reader = sock.makefile("rb")
        assert _replies(reader, 1)[0].startswith("220")
        sock.sendall(b"EHLO client.test\r\n")
        assert "PIPELINING" in _replies(reader, 1)[0]
        unknown = "nobody-" + account.address
        sock.sendall(
            f"MAIL FROM:<a@outside.test>\r\nRCPT TO:<{account.address}>\r\nRCPT TO:<{unknown}>\r\nDATA\r\n".encode()
        )
        codes = [reply[:3] for reply in _replies(reader, 4)]
        assert codes == ["250", "250", "550", "354"]
        body = message("a@outside.test", account.address, "Pipelined")
        sock.sendall(body + b".\r\nQUIT\r\n")
        assert [reply[:3] for reply in _replies(reader, 2)] == ["250", "221"]


def test_a_hostile_helo_cannot_forge_trace_or_results(smtpd, jmap) -> None:
    client = smtplib.SMTP(smtpd.host, smtpd.port, local_hostname="evil.test; spf=pass", timeout=30)
    to = jmap.account.address
    assert client.sendmail("a@outside.test", [to], message("a@outside.test", to, "Helo")) == {}
    client.quit()
    [email] = inbox_emails(jmap, ["header:Received", "header:Authentication-Results"])
    assert " ".join(email["header:Received"].split()).startswith("from evil.testspfpass ([127.0.0.1])")
    assert email["header:Authentication-Results"].count("spf=") == 1


def test_too_many_recipients_get_452(smtp, account) -> None:
    smtp.ehlo("client.test")
    smtp.mail("a@outside.test")
    codes = [smtp.rcpt(account.address)[0] for _ in range(101)]
    assert codes[:100] == [250] * 100 and codes[100] == 452
