"""The vacation auto-reply on inbound mail (RFC 8621 section 8, RFC 3834)."""

from __future__ import annotations

import pytest

from tests.conftest import CORE, MAIL, JmapClient

from .mail import inbox_emails, message

pytestmark = pytest.mark.usefixtures("jmap_server")

VACATION = "urn:ietf:params:jmap:vacationresponse"
REPLY_PROPERTIES = ["subject", "from", "to", "inReplyTo", "references", "header:Auto-Submitted:asText"]


@pytest.fixture
def away(jmap_server, make_account):
    """An account with its vacation response on, and a second hosted account writing to it."""
    account = make_account()
    client = JmapClient(jmap_server, account)
    client.call(
        "VacationResponse/set",
        {"update": {"singleton": {"isEnabled": True, "textBody": "Back in January."}}},
        using=[CORE, MAIL, VACATION],
    )
    yield client
    client.close()


@pytest.fixture
def writer(jmap_server, make_account):
    client = JmapClient(jmap_server, make_account())
    yield client
    client.close()


def _send(smtp, sender: str, to: str, subject: str, **headers: str) -> None:
    raw = message(sender, to, subject, extra_headers=headers)
    assert smtp.sendmail(sender, [to], raw) == {}


def test_reply_goes_once_per_sender(smtp, away, writer) -> None:
    sender, to = writer.account.address, away.account.address
    _send(smtp, sender, to, "=?utf-8?q?Lunch=3F_=C3=A0_midi?=", **{"References": "<earlier@client.test>"})
    [reply] = inbox_emails(writer, REPLY_PROPERTIES)
    assert reply["subject"] == "Auto: Lunch? à midi"
    assert reply["from"][0]["email"] == to and reply["to"] == [{"name": None, "email": sender}]
    assert reply["header:Auto-Submitted:asText"] == "auto-replied"
    original = inbox_emails(away, ["messageId"])[0]["messageId"]
    assert reply["inReplyTo"] == original
    assert reply["references"] == ["earlier@client.test", *original]
    _send(smtp, sender, to, "Lunch tomorrow then?")
    assert len(inbox_emails(writer)) == 1, "a second reply within the interval"
    assert len(inbox_emails(away)) == 2


@pytest.mark.parametrize(
    "headers",
    [
        {"List-Id": "<team.lists.example>"},
        {"Precedence": "bulk"},
        {"Auto-Submitted": "auto-generated"},
    ],
    ids=["list", "bulk", "auto-submitted"],
)
def test_no_reply_to_list_bulk_or_automatic_mail(smtp, away, writer, headers) -> None:
    _send(smtp, writer.account.address, away.account.address, "News", **headers)
    assert inbox_emails(away) and inbox_emails(writer) == []


def test_no_reply_to_a_null_sender_or_the_mailer_daemon(smtp, away) -> None:
    to = away.account.address
    assert smtp.sendmail("", [to], message("mailer-daemon@outside.test", to, "Bounce")) == {}
    domain = to.split("@")[1]
    _send(smtp, f"MAILER-DAEMON@{domain}", to, "Undeliverable")
    assert len(inbox_emails(away)) == 2


def test_no_reply_outside_the_dates_or_when_not_addressed(smtp, away, writer) -> None:
    to = away.account.address
    away.call(
        "VacationResponse/set",
        {"update": {"singleton": {"fromDate": "2099-01-01T00:00:00Z"}}},
        using=[CORE, MAIL, VACATION],
    )
    _send(smtp, writer.account.address, to, "Too early")
    assert inbox_emails(writer) == []
    away.call(
        "VacationResponse/set",
        {"update": {"singleton": {"fromDate": None, "toDate": "2001-01-01T00:00:00Z"}}},
        using=[CORE, MAIL, VACATION],
    )
    _send(smtp, writer.account.address, to, "Too late")
    assert inbox_emails(writer) == []


def test_bcc_copy_not_naming_the_account_gets_no_reply(smtp, away, writer) -> None:
    raw = message(writer.account.address, "someone@else.test", "Blind copy")
    assert smtp.sendmail(writer.account.address, [away.account.address], raw) == {}
    assert inbox_emails(writer) == []


def test_the_configured_subject_and_a_new_message_reply_again(smtp, away, writer) -> None:
    sender, to = writer.account.address, away.account.address
    _send(smtp, sender, to, "First")
    away.call(
        "VacationResponse/set",
        {"update": {"singleton": {"subject": "Out of office", "htmlBody": "<p>Away</p>"}}},
        using=[CORE, MAIL, VACATION],
    )
    _send(smtp, sender, to, "Second")
    replies = inbox_emails(writer, ["subject", "textBody", "htmlBody"])
    assert [reply["subject"] for reply in replies] == ["Out of office", "Auto: First"]


def test_a_reply_to_another_domain_is_queued_with_a_null_sender(smtp, away, django_db_blocker) -> None:
    from jmapcore.models import OutboundMessage

    sender = "friend@far-away.test"
    _send(smtp, sender, away.account.address, "Are you there?")
    with django_db_blocker.unblock():
        [queued] = OutboundMessage.objects.filter(account_id=away.account.pk)
    assert queued.mail_from == "" and queued.pending == [sender]
    reply = bytes(queued.message)
    assert b"Auto-Submitted: auto-replied" in reply and b"Subject: Auto: Are you there?" in reply
