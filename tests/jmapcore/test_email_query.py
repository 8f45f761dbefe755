"""Email/query, Email/queryChanges and SearchSnippet/get against PostgreSQL, through the engine.

Emails are stored through the real services (tests.jmapcore.mail_factory); the
methods run through the engine's request runner, as the API view runs them.
"""

from __future__ import annotations

import functools
import hashlib
import re
import unicodedata
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

import jmapcore.datatypes  # noqa: F401  (registers the methods)
from jmapcore.changes.log import account_write
from jmapcore.changes.read import current_state
from jmapcore.engine.capabilities import CORE, MAIL
from jmapcore.engine.context import Context
from jmapcore.engine.dispatch import run_request
from jmapcore.mail.derive import email_fields
from jmapcore.mime.parse import parse_message
from jmapcore.models import Blob, Email, Mailbox
from jmapcore.protocol.request import Invocation, Request
from jmapcore.selectors.email_query import EmailComparator, EmailQuery, explain, page_statement, split_terms
from jmapcore.services.accounts import account_create
from jmapcore.services.emails import email_create, email_destroy, email_set_keywords, email_set_mailboxes
from tests.conformance.helpers import splice
from tests.jmapcore.mail_factory import BASE_TIME, address, deliver, deliver_message

ALICE = address("Alice Able", "alice@example.test")
BOB = address("Bob", "bob@example.test")


# ---------------------------------------------------------------- helpers


@pytest.fixture
def account(db):
    return account_create("query@example.test", None)


@pytest.fixture
def boxes(account) -> dict[str, Mailbox]:
    return {mailbox.role: mailbox for mailbox in Mailbox.objects.filter(account=account, role__isnull=False)}


def run(account, calls: list[list]) -> list[list]:
    ctx = Context(user=account.user, accounts={account.jmap_id: account}, using=frozenset([CORE, MAIL]))
    request = Request(using=[CORE, MAIL], method_calls=[Invocation(*call) for call in calls])
    return [r.to_json() for r in run_request(ctx, request, "session").method_responses]


def call(account, name: str, arguments: dict) -> dict:
    response = run(account, [[name, {"accountId": account.jmap_id, **arguments}, "0"]])[0]
    assert response[0] == name, response
    return response[1]


def error(account, name: str, arguments: dict) -> dict:
    response = run(account, [[name, {"accountId": account.jmap_id, **arguments}, "0"]])[0]
    assert response[0] == "error", response
    return response[1]


def query(account, **arguments) -> dict:
    return call(account, "Email/query", arguments)


def ids(*emails: Email) -> list[str]:
    return [f"E{email.pk}" for email in emails]


def mid(mailbox: Mailbox) -> str:
    return f"M{mailbox.pk}"


def write(account, action, *args) -> None:
    with account_write(account.pk) as log:
        action(log, *args)


# ---------------------------------------------------------------- filters


@pytest.fixture
def corpus(account, boxes) -> dict[str, Email]:
    inbox, archive, trash = boxes["inbox"], boxes["archive"], boxes["trash"]
    mail = {}
    mail["invoice"] = deliver_message(
        account,
        [inbox],
        ["$seen"],
        0,
        subject="Invoice March",
        from_=(ALICE,),
        to=(BOB,),
        cc=(address(None, "carol@example.test"),),
        headers=(("X-Spam", "no"), ("List-Id", "<dev.lists.example.test>")),
        body="Please pay the invoice by Friday",
        size=1000,
        has_attachment=True,
        message_id="invoice@x",
    )
    mail["reply"] = deliver_message(
        account,
        [inbox],
        ["$seen", "$flagged"],
        5,
        subject="Re: Invoice March",
        from_=(BOB,),
        to=(ALICE,),
        body="Paid already",
        size=2000,
        message_id="reply@x",
        refs=("invoice@x",),
    )
    mail["lunch"] = deliver_message(
        account,
        [archive],
        ["$flagged"],
        10,
        subject="Lunch plans",
        from_=(address("Dave Diner", "dave@food.test"),),
        to=(ALICE,),
        bcc=(address("Eve", "eve@example.test"),),
        body="Pizza or sushi? 100% undecided",
        size=3000,
    )
    mail["discount"] = deliver_message(
        account,
        [inbox, archive],
        [],
        20,
        subject="50% off_today",
        from_=(address("Shop", "news@shop.test"),),
        to=(ALICE,),
        headers=(("X-Spam", "yes"),),
        body="Discount code inside: SAVE_50",
        size=500,
    )
    mail["spam"] = deliver_message(
        account,
        [trash],
        ["$junk"],
        30,
        subject="You won",
        from_=(address("Prize", "prize@spam.test"),),
        to=(BOB,),
        body="Click here <b>now</b> & win",
        size=700,
    )
    assert mail["reply"].thread_id == mail["invoice"].thread_id
    return mail


ALL = ["invoice", "reply", "lunch", "discount", "spam"]
AT = BASE_TIME.strftime("%Y-%m-%dT%H:%M:%SZ")
AT_10 = (BASE_TIME + timedelta(minutes=10)).strftime("%Y-%m-%dT%H:%M:%SZ")

FILTERS = [
    ({}, ALL),
    ({"inMailbox": "{inbox}"}, ["invoice", "reply", "discount"]),
    ({"inMailbox": "{archive}"}, ["lunch", "discount"]),
    ({"inMailbox": "M999999999"}, []),
    ({"inMailbox": "not-a-mailbox"}, []),
    ({"inMailboxOtherThan": ["{trash}"]}, ["invoice", "reply", "lunch", "discount"]),
    ({"inMailboxOtherThan": ["{inbox}"]}, ["lunch", "discount", "spam"]),
    ({"inMailboxOtherThan": ["{inbox}", "{archive}"]}, ["spam"]),
    ({"inMailboxOtherThan": []}, ALL),
    ({"before": AT_10}, ["invoice", "reply"]),
    ({"after": AT_10}, ["lunch", "discount", "spam"]),
    ({"after": AT, "before": AT_10}, ["invoice", "reply"]),
    ({"before": AT}, []),
    ({"minSize": 1000}, ["invoice", "reply", "lunch"]),
    ({"maxSize": 1000}, ["discount", "spam"]),
    ({"minSize": 600, "maxSize": 2000}, ["invoice", "spam"]),
    ({"hasKeyword": "$flagged"}, ["reply", "lunch"]),
    ({"hasKeyword": "$FLAGGED"}, ["reply", "lunch"]),
    ({"notKeyword": "$seen"}, ["lunch", "discount", "spam"]),
    ({"allInThreadHaveKeyword": "$seen"}, ["invoice", "reply"]),
    ({"allInThreadHaveKeyword": "$flagged"}, ["lunch"]),
    ({"someInThreadHaveKeyword": "$flagged"}, ["invoice", "reply", "lunch"]),
    ({"noneInThreadHaveKeyword": "$flagged"}, ["discount", "spam"]),
    ({"noneInThreadHaveKeyword": "$seen"}, ["lunch", "discount", "spam"]),
    ({"hasAttachment": True}, ["invoice"]),
    ({"hasAttachment": False}, ["reply", "lunch", "discount", "spam"]),
    # text: the body (full text, words by prefix) or Subject/From/To/Cc/Bcc (substrings).
    ({"text": "pizza"}, ["lunch"]),
    ({"text": "PIZ"}, ["lunch"]),
    ({"text": "alice"}, ["invoice", "reply", "lunch", "discount"]),
    ({"text": "eve@example"}, ["lunch"]),
    ({"text": "carol"}, ["invoice"]),
    ({"text": "invoice friday"}, ["invoice"]),
    ({"text": "invoice nonexistent"}, []),
    ({"text": '"pay the invoice"'}, ["invoice"]),
    ({"text": "'pay the invoice'"}, ["invoice"]),
    ({"text": '"the pay"'}, []),
    ({"text": '"pay"'}, ["invoice"]),
    ({"text": "pai"}, ["reply"]),
    ({"text": '"pai"'}, []),
    # Words match by prefix (RFC 8621 4.4.1 allows whole-word matching), so "spam.test" does not.
    ({"text": "pa"}, ["invoice", "reply"]),  # "Please pay", "Paid"
    ({"text": "sushi?"}, ["lunch"]),
    ({"text": "it's"}, []),
    ({"text": "   "}, ALL),
    # from/to/cc/bcc/subject: case-insensitive substrings, every token.
    ({"from": "alice"}, ["invoice"]),
    ({"from": "ALICE able"}, ["invoice"]),
    ({"from": "able alice"}, ["invoice"]),
    ({"from": '"Alice Able"'}, ["invoice"]),
    ({"from": "example.test"}, ["invoice", "reply"]),
    ({"from": "name"}, []),
    ({"to": "bob"}, ["invoice", "spam"]),
    ({"cc": "carol"}, ["invoice"]),
    ({"cc": "alice"}, []),
    ({"bcc": "eve"}, ["lunch"]),
    ({"subject": "invoice"}, ["invoice", "reply"]),
    ({"subject": "re: invoice"}, ["reply"]),
    ({"subject": "off_"}, ["discount"]),
    ({"subject": "_"}, ["discount"]),
    ({"subject": "%"}, ["discount"]),
    ({"subject": "\\"}, []),
    ({"body": "paid"}, ["reply"]),
    ({"body": "save_50"}, ["discount"]),
    ({"body": "pizza sushi"}, ["lunch"]),
    ({"header": ["X-Spam"]}, ["invoice", "discount"]),
    ({"header": ["x-spam", "yes"]}, ["discount"]),
    ({"header": ["List-Id", "dev.lists"]}, ["invoice"]),
    ({"header": ["X-None"]}, []),
    # Several properties in one condition: all must hold.
    ({"inMailbox": "{inbox}", "minSize": 1000}, ["invoice", "reply"]),
    # Operators.
    (
        {"operator": "AND", "conditions": [{"inMailbox": "{inbox}"}, {"hasKeyword": "$seen"}]},
        ["invoice", "reply"],
    ),
    (
        {"operator": "OR", "conditions": [{"inMailbox": "{trash}"}, {"hasAttachment": True}]},
        ["invoice", "spam"],
    ),
    ({"operator": "NOT", "conditions": [{"inMailbox": "{inbox}"}]}, ["lunch", "spam"]),
    (
        {"operator": "NOT", "conditions": [{"text": "pizza"}, {"inMailbox": "{trash}"}]},
        ["invoice", "reply", "discount"],
    ),
    ({"operator": "NOT", "conditions": [{"subject": "march"}]}, ["lunch", "discount", "spam"]),
    (
        {
            "operator": "AND",
            "conditions": [
                {"inMailboxOtherThan": ["{trash}"]},
                {
                    "operator": "NOT",
                    "conditions": [
                        {"operator": "OR", "conditions": [{"hasKeyword": "$flagged"}, {"subject": "off"}]}
                    ],
                },
            ],
        },
        ["invoice"],
    ),
    (
        {
            "operator": "OR",
            "conditions": [
                {"operator": "AND", "conditions": [{"inMailbox": "{inbox}"}, {"notKeyword": "$seen"}]},
                {"operator": "AND", "conditions": [{"inMailbox": "{archive}"}, {"hasKeyword": "$flagged"}]},
            ],
        },
        ["lunch", "discount"],
    ),
    ({"operator": "AND", "conditions": [{"inMailbox": "{inbox}"}, {"inMailbox": "{archive}"}]}, ["discount"]),
    (
        {"operator": "NOT", "conditions": [{"operator": "NOT", "conditions": [{"from": "shop"}]}]},
        ["discount"],
    ),
    ({"operator": "AND", "conditions": []}, ALL),
    ({"operator": "OR", "conditions": []}, []),
    ({"operator": "NOT", "conditions": []}, ALL),
]


def _fill(value, boxes):
    if isinstance(value, str):
        return re.sub(r"\{(\w+)\}", lambda m: mid(boxes[m.group(1)]), value)
    if isinstance(value, list):
        return [_fill(item, boxes) for item in value]
    if isinstance(value, dict):
        return {key: _fill(item, boxes) for key, item in value.items()}
    return value


def test_every_filter_condition_and_operator(account, boxes, corpus):
    for filter_, expected in FILTERS:
        response = query(account, filter=_fill(filter_, boxes), calculateTotal=True)
        assert sorted(response["ids"]) == sorted(ids(*(corpus[name] for name in expected))), filter_
        assert response["total"] == len(expected), filter_


def test_the_same_filters_collapsed_keep_one_email_per_thread(account, boxes, corpus):
    for filter_, expected in FILTERS:
        response = query(account, filter=_fill(filter_, boxes), collapseThreads=True, calculateTotal=True)
        # invoice and reply share a thread; newest first, reply represents it.
        kept = [name for name in expected if not (name == "invoice" and "reply" in expected)]
        assert sorted(response["ids"]) == sorted(ids(*(corpus[name] for name in kept))), filter_
        assert response["total"] == len(kept)


def _import(account, mailbox: Mailbox, raw: bytes, minutes: int = 0) -> Email:
    """A real message, parsed and derived as Email/import does."""
    sha = hashlib.sha256(raw).hexdigest()
    Blob.objects.get_or_create(sha256=sha, defaults={"size": len(raw)})
    with account_write(account.pk) as log:
        return email_create(
            log,
            account,
            email_fields(sha, parse_message(raw)),
            [mailbox],
            [],
            BASE_TIME + timedelta(minutes=minutes),
        )


def test_parsed_messages_are_found_by_decoded_headers_and_body(account, boxes):
    inbox = boxes["inbox"]
    greeting = _import(
        account,
        inbox,
        b"From: =?utf-8?q?J=C3=BCrgen_M=C3=BCller?= <juergen@x.test>\r\n"
        b"To: Bob <bob@y.test>, team@z.test\r\nCc: =?utf-8?q?Zo=C3=AB?= <zoe@z.test>\r\n"
        b"Subject: =?utf-8?q?Gr=C3=BC=C3=9Fe?= aus Berlin\r\nX-Mailer: Tester 1.0\r\n"
        b"Message-ID: <greeting@x.test>\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
        b"<html><body><p>Die <b>Konferenz</b> beginnt morgen.</p></body></html>\r\n",
    )
    other = _import(
        account,
        inbox,
        b"From: Ann <ann@x.test>\r\nTo: bob@y.test\r\nSubject: Plain\r\nMessage-ID: <plain@x.test>\r\n\r\n"
        b"Nothing about conferences, but Berlin.\r\n",
        minutes=1,
    )
    cases = [
        ({"text": "JÜRGEN"}, [greeting]),
        ({"from": "müller"}, [greeting]),
        ({"from": "juergen@x"}, [greeting]),
        ({"cc": "ZOË"}, [greeting]),
        ({"to": "team@"}, [greeting]),
        ({"to": "bob"}, [greeting, other]),
        ({"subject": "grüße"}, [greeting]),
        ({"text": "berlin"}, [greeting, other]),  # a subject, a body
        ({"text": "konferenz"}, [greeting]),  # HTML converted to text
        ({"body": "konferenz"}, [greeting]),
        ({"body": "berlin"}, [other]),  # not the subject
        ({"body": "html"}, []),  # markup is not text
        ({"header": ["x-mailer", "tester"]}, [greeting]),
        ({"header": ["X-Mailer"]}, [greeting]),
    ]
    for filter_, expected in cases:
        assert sorted(query(account, filter=filter_)["ids"]) == sorted(ids(*expected)), filter_
    snippet = call(account, "SearchSnippet/get", {"filter": {"text": "konferenz"}, "emailIds": ids(greeting)})
    assert snippet["list"][0]["preview"] == "Die <mark>Konferenz</mark> beginnt morgen."


def test_emails_stored_without_a_summary_are_searched_in_the_parsed_document(account, boxes):
    old = deliver_message(account, [boxes["inbox"]], subject="Before summaries", from_=(ALICE,), summary={})
    assert Email.objects.get(pk=old.pk).summary == {}
    for filter_ in ({"from": "alice"}, {"subject": "before"}, {"text": "able"}):
        assert query(account, filter=filter_)["ids"] == ids(old), filter_
    snippet = call(account, "SearchSnippet/get", {"filter": {"subject": "summaries"}, "emailIds": ids(old)})
    assert snippet["list"][0]["subject"] == "Before <mark>summaries</mark>"


def test_another_accounts_mail_and_mailboxes_are_invisible(account, boxes, corpus):
    other = account_create("other@example.test", None)
    other_inbox = Mailbox.objects.get(account=other, role="inbox")
    deliver(other, [other_inbox])
    assert query(account, filter={"inMailbox": mid(other_inbox)}, calculateTotal=True)["total"] == 0
    assert query(account, filter={"inMailbox": mid(other_inbox)}, collapseThreads=True)["ids"] == []
    assert len(query(account)["ids"]) == len(ALL)


@pytest.mark.parametrize(
    ("filter_", "kind", "argument"),
    [
        ({"unknown": 1}, "unsupportedFilter", None),
        (
            {"operator": "AND", "conditions": [{"inMailbox": "{inbox}"}, {"threadId": "T1"}]},
            "unsupportedFilter",
            None,
        ),
        ({"minSize": -1}, "invalidArguments", "filter"),
        ({"maxSize": "10"}, "invalidArguments", "filter"),
        ({"before": "yesterday"}, "invalidArguments", "filter"),
        ({"after": "2025-01-01T00:00:00+01:00"}, "invalidArguments", "filter"),
        ({"header": []}, "invalidArguments", "filter"),
        ({"header": ["a", "b", "c"]}, "invalidArguments", "filter"),
        ({"header": ["Bad:Name"]}, "invalidArguments", "filter"),
        ({"hasAttachment": "yes"}, "invalidArguments", "filter"),
        ({"hasKeyword": "bad(keyword"}, "invalidArguments", "filter"),
        ({"inMailboxOtherThan": "M1"}, "invalidArguments", "filter"),
        ({"text": 5}, "invalidArguments", "filter"),
        ({"operator": "XOR", "conditions": []}, "invalidArguments", "filter"),
        ({"operator": "AND", "conditions": [None]}, "invalidArguments", "filter"),
    ],
)
def test_filter_errors(account, boxes, filter_, kind, argument):
    response = error(account, "Email/query", {"filter": _fill(filter_, boxes)})
    assert response["type"] == kind
    if argument:
        assert response["arguments"] == [argument]


def test_utc_dates_with_fractional_seconds_are_accepted(account, boxes, corpus):
    response = query(account, filter={"after": "2025-01-01T00:09:59.999Z"})
    assert sorted(response["ids"]) == sorted(ids(corpus["lunch"], corpus["discount"], corpus["spam"]))


# ---------------------------------------------------------------- sorting


@pytest.fixture
def sortable(account, boxes) -> list[Email]:
    """Emails with ties on every key; threads with mixed keywords."""
    inbox, archive = boxes["inbox"], boxes["archive"]
    rows = [
        # (minutes, size, from_sort, to_sort, subject, sent minutes, keywords, mailboxes, refs)
        (0, 500, "Zed", "b", "Beta", 3, ["$seen"], [inbox], None),
        (0, 500, "adam", "a", "alpha", None, [], [inbox], None),
        (5, 100, "bob", "b", "Re: Beta", 1, ["$flagged"], [inbox, archive], 0),
        (5, 900, "Émile", "c", "gamma", 3, ["$seen", "$flagged"], [archive], None),
        (7, 100, "bob", "a", "Alpha", None, ["$seen"], [inbox], 1),
        (9, 300, "adam", "c", "delta", 2, ["$flagged"], [inbox], None),
        (9, 300, "zed", "b", "Fwd: gamma", 9, [], [inbox], 3),
    ]
    emails: list[Email] = []
    for n, (minutes, size, from_sort, to_sort, subject, sent, keywords, mailboxes, ref) in enumerate(rows):
        emails.append(
            deliver(
                account,
                mailboxes,
                keywords,
                minutes,
                subject=subject,
                message_id=f"s{n}@x",
                refs=(f"s{ref}@x",) if ref is not None else (),
                size=size,
                from_sort=from_sort,
                to_sort=to_sort,
                subject_sort=subject.lower().removeprefix("re: ").removeprefix("fwd: "),
                sent_at=None if sent is None else BASE_TIME + timedelta(minutes=sent),
            )
        )
    return [Email.objects.get(pk=email.pk) for email in emails]


def _collated(value: str, collation: str):
    if collation == "i;octet":
        return value.encode()
    if collation == "i;ascii-casemap":
        return value.translate(
            str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
        ).encode()
    return unicodedata.normalize("NFKD", value).lower()


def expected_order(emails: list[Email], sort: list[dict], collapse: bool = False) -> list[str]:
    """The reference: RFC 8621 4.4.2 in Python, ties broken by id in the last comparator's direction."""
    threads: dict[int, list[Email]] = {}
    for email in Email.objects.filter(account_id=emails[0].account_id) if emails else []:
        threads.setdefault(email.thread_id, []).append(email)
    sort = sort or [{"property": "receivedAt", "isAscending": False}]

    def value(email: Email, comparator: dict):
        name, keyword = comparator["property"], comparator.get("keyword", "").lower()
        collation = comparator.get("collation", "i;unicode-casemap")
        return {
            "receivedAt": lambda: email.received_at,
            "size": lambda: email.size,
            "from": lambda: _collated(email.from_sort, collation),
            "to": lambda: _collated(email.to_sort, collation),
            "subject": lambda: _collated(email.subject_sort, collation),
            "sentAt": lambda: email.sent_at or email.received_at,
            "hasKeyword": lambda: keyword in email.keywords,
            "someInThreadHaveKeyword": lambda: any(keyword in e.keywords for e in threads[email.thread_id]),
            "allInThreadHaveKeyword": lambda: all(keyword in e.keywords for e in threads[email.thread_id]),
        }[name]()

    comparators = [*sort, {"property": "id", "isAscending": sort[-1].get("isAscending", True)}]

    def compare(a: Email, b: Email) -> int:
        for comparator in comparators:
            x, y = (
                (a.pk, b.pk)
                if comparator["property"] == "id"
                else (value(a, comparator), value(b, comparator))
            )
            if x != y:
                result = -1 if x < y else 1
                return result if comparator.get("isAscending", True) else -result
        return 0

    ordered = sorted(emails, key=functools.cmp_to_key(compare))
    if collapse:
        seen: set[int] = set()
        ordered = [e for e in ordered if not (e.thread_id in seen or seen.add(e.thread_id))]
    return ids(*ordered)


SORTS = [
    [],
    *[
        [{"property": name, "isAscending": ascending}]
        for name in ("receivedAt", "size", "from", "to", "subject", "sentAt")
        for ascending in (True, False)
    ],
    *[
        [{"property": name, "keyword": keyword, "isAscending": ascending}]
        for name in ("hasKeyword", "someInThreadHaveKeyword", "allInThreadHaveKeyword")
        for keyword in ("$flagged", "$seen")
        for ascending in (True, False)
    ],
    *[
        [{"property": "from", "collation": collation, "isAscending": ascending}]
        for collation in ("i;octet", "i;ascii-casemap", "i;unicode-casemap")
        for ascending in (True, False)
    ],
    [{"property": "size"}, {"property": "receivedAt", "isAscending": False}],
    [{"property": "size", "isAscending": False}, {"property": "from"}, {"property": "receivedAt"}],
    [
        {"property": "someInThreadHaveKeyword", "keyword": "$FLAGGED", "isAscending": False},
        {"property": "subject", "collation": "i;ascii-casemap"},
        {"property": "receivedAt", "isAscending": False},
    ],
    [{"property": "hasKeyword", "keyword": "$seen"}, {"property": "sentAt", "isAscending": False}],
    [{"property": "to"}, {"property": "size"}],
    [
        {"property": "allInThreadHaveKeyword", "keyword": "$seen", "isAscending": False},
        {"property": "size"},
        {"property": "from", "isAscending": False},
    ],
    [{"property": "sentAt"}, {"property": "hasKeyword", "keyword": "$flagged", "isAscending": False}],
]


@pytest.mark.parametrize("where", ["account", "inbox"])
def test_every_sort_ascending_and_descending_with_ties(account, boxes, sortable, where):
    emails = sortable
    scope: dict = {}
    if where == "inbox":
        scope["filter"] = {"inMailbox": mid(boxes["inbox"])}
        emails = [e for e in sortable if e.memberships.filter(mailbox=boxes["inbox"]).exists()]
    for sort in SORTS:
        assert query(account, **scope, sort=sort)["ids"] == expected_order(emails, sort), sort
        collapsed = query(account, **scope, sort=sort, collapseThreads=True, calculateTotal=True)
        assert collapsed["ids"] == expected_order(emails, sort, collapse=True), sort
        assert collapsed["total"] == len(collapsed["ids"]), sort


def test_the_collation_changes_the_order(account, boxes, sortable):
    def froms(collation: str) -> list[str]:
        ordered = query(account, sort=[{"property": "from", "collation": collation}, {"property": "size"}])[
            "ids"
        ]
        by_id = {f"E{e.pk}": e.from_sort for e in sortable}
        return list(dict.fromkeys(by_id[i] for i in ordered))

    # Zed and zed tie under the case-insensitive collations; the size (300 < 500) decides.
    assert froms("i;octet") == ["Zed", "adam", "bob", "zed", "Émile"]
    assert froms("i;ascii-casemap") == ["adam", "bob", "zed", "Zed", "Émile"]
    assert froms("i;unicode-casemap") == ["adam", "bob", "Émile", "zed", "Zed"]


@pytest.mark.parametrize(
    ("sort", "kind"),
    [
        ([{"property": "id"}], "unsupportedSort"),
        ([{"property": "preview"}], "unsupportedSort"),
        ([{"property": "from", "collation": "i;klingon"}], "unsupportedSort"),
        ([{"property": "hasKeyword"}], "invalidArguments"),
        ([{"property": "allInThreadHaveKeyword", "keyword": "bad keyword"}], "invalidArguments"),
        ([{"property": "size", "isAscending": "yes"}], "invalidArguments"),
        ([{"isAscending": True}], "invalidArguments"),
        ({"property": "size"}, "invalidArguments"),
    ],
)
def test_sort_errors(account, sort, kind):
    assert error(account, "Email/query", {"sort": sort})["type"] == kind


# ---------------------------------------------------------------- paging


@pytest.fixture
def inbox_of_twelve(account, boxes) -> list[str]:
    """Twelve emails in the inbox, in three threads of four; newest first."""
    inbox = boxes["inbox"]
    emails = []
    for n in range(12):
        thread = n % 3
        refs = (f"t{thread}-0@x",) if n >= 3 else ()
        emails.append(
            deliver(
                account,
                [inbox],
                minutes=n,
                subject=f"Thread {thread}",
                message_id=f"t{thread}-{n // 3}@x",
                refs=refs,
            )
        )
    return ids(*reversed(emails))


def test_position_limit_and_total(account, boxes, inbox_of_twelve):
    everything = inbox_of_twelve
    inbox = {"inMailbox": mid(boxes["inbox"])}
    first = query(account, filter=inbox, limit=5, calculateTotal=True)
    assert (first["ids"], first["position"], first["total"]) == (everything[:5], 0, 12)
    assert "limit" not in first
    assert query(account, filter=inbox, position=5, limit=5)["ids"] == everything[5:10]
    assert query(account, filter=inbox, position=10, limit=5)["ids"] == everything[10:]
    beyond = query(account, filter=inbox, position=12, limit=5)
    assert (beyond["ids"], beyond["position"]) == ([], 12)
    assert query(account, filter=inbox, position=100)["ids"] == []
    assert query(account, filter=inbox, limit=0)["ids"] == []
    negative = query(account, filter=inbox, position=-3, limit=2)
    assert (negative["ids"], negative["position"]) == (everything[9:11], 9)
    assert "total" not in negative
    clamped = query(account, filter=inbox, position=-100, limit=2)
    assert (clamped["ids"], clamped["position"]) == (everything[:2], 0)


def test_the_limit_is_clamped_and_reported(account, boxes, inbox_of_twelve):
    unlimited = query(account)
    assert unlimited["limit"] == 1000
    assert unlimited["ids"] == inbox_of_twelve
    assert query(account, limit=5000)["limit"] == 1000
    assert "limit" not in query(account, limit=1000)
    assert error(account, "Email/query", {"limit": -1})["type"] == "invalidArguments"


def test_anchor_and_anchor_offset(account, boxes, inbox_of_twelve):
    everything = inbox_of_twelve
    inbox = {"inMailbox": mid(boxes["inbox"])}
    at = query(account, filter=inbox, anchor=everything[4], limit=3)
    assert (at["ids"], at["position"]) == (everything[4:7], 4)
    before = query(account, filter=inbox, anchor=everything[4], anchorOffset=-2, limit=3, position=9)
    assert (before["ids"], before["position"]) == (everything[2:5], 2)
    clamped = query(account, filter=inbox, anchor=everything[1], anchorOffset=-5, limit=2)
    assert (clamped["ids"], clamped["position"]) == (everything[:2], 0)
    after = query(account, filter=inbox, anchor=everything[10], anchorOffset=5, calculateTotal=True)
    assert (after["ids"], after["position"], after["total"]) == ([], 15, 12)
    last = query(account, filter=inbox, anchor=everything[11], anchorOffset=0)
    assert (last["ids"], last["position"]) == (everything[11:], 11)


def test_anchor_not_found(account, boxes, inbox_of_twelve):
    inbox = {"inMailbox": mid(boxes["inbox"])}
    for anchor in ("E999999999", "nonsense", "#unknown"):
        assert error(account, "Email/query", {"filter": inbox, "anchor": anchor})["type"] == "anchorNotFound"
    # In the account, but not in the results: filtered out, or not its thread's first email.
    assert (
        error(
            account,
            "Email/query",
            {"filter": {"inMailbox": mid(boxes["trash"])}, "anchor": inbox_of_twelve[0]},
        )["type"]
        == "anchorNotFound"
    )
    assert (
        error(
            account, "Email/query", {"filter": inbox, "collapseThreads": True, "anchor": inbox_of_twelve[5]}
        )["type"]
        == "anchorNotFound"
    )
    assert error(account, "Email/query", {"anchor": "bad id!"})["type"] == "invalidArguments"


def test_collapsed_paging_anchor_and_total(account, boxes, inbox_of_twelve):
    newest = inbox_of_twelve[:3]  # the newest email of each thread
    for arguments in (
        {"filter": {"inMailbox": mid(boxes["inbox"])}},
        {
            "filter": {"inMailbox": mid(boxes["inbox"])},
            "sort": [{"property": "receivedAt", "isAscending": False}],
        },
        {"filter": {"inMailbox": mid(boxes["inbox"]), "minSize": 0}},
        {},
    ):
        response = query(account, **arguments, collapseThreads=True, calculateTotal=True)
        assert (response["ids"], response["total"]) == (newest, 3)
        paged = query(account, **arguments, collapseThreads=True, position=1, limit=1)
        assert paged["ids"] == newest[1:2]
        anchored = query(account, **arguments, collapseThreads=True, anchor=newest[2], anchorOffset=-1)
        assert (anchored["ids"], anchored["position"]) == (newest[1:], 1)
        assert query(account, **arguments, collapseThreads=True, position=-1)["ids"] == newest[2:]
    oldest_first = query(
        account,
        filter={"inMailbox": mid(boxes["inbox"])},
        sort=[{"property": "receivedAt"}],
        collapseThreads=True,
        calculateTotal=True,
    )
    assert (oldest_first["ids"], oldest_first["total"]) == (list(reversed(inbox_of_twelve))[:3], 3)


def test_the_total_of_a_mailbox_is_its_counter(account, boxes, inbox_of_twelve):
    inbox = boxes["inbox"]
    Mailbox.objects.filter(pk=inbox.pk).update(total_emails=4242, total_threads=77)
    assert query(account, filter={"inMailbox": mid(inbox)}, calculateTotal=True)["total"] == 4242
    assert (
        query(account, filter={"inMailbox": mid(inbox)}, collapseThreads=True, calculateTotal=True)["total"]
        == 77
    )
    # Anything more than inMailbox is counted.
    assert query(account, filter={"inMailbox": mid(inbox), "minSize": 0}, calculateTotal=True)["total"] == 12


def test_query_state_is_the_email_state(account, boxes):
    empty = query(account, filter={"inMailbox": mid(boxes["inbox"])})
    assert (empty["queryState"], empty["ids"], empty["canCalculateChanges"]) == ("0", [], True)
    deliver(account, [boxes["inbox"]])
    assert query(account)["queryState"] == current_state(account.pk, "Email") != "0"


def test_unknown_arguments_are_rejected(account):
    assert error(account, "Email/query", {"colapseThreads": True})["type"] == "invalidArguments"
    assert error(account, "Email/query", {"collapseThreads": "yes"})["type"] == "invalidArguments"


# ---------------------------------------------------------------- search snippets


def test_search_snippets_mark_matches_and_escape_the_rest(account, boxes):
    inbox = boxes["inbox"]
    foo = deliver_message(
        account,
        [inbox],
        subject="The Foosball <competition> & more",
        body="This year the foosball competition returns <1 week earlier; foo/bar wins",
    )
    other = deliver_message(account, [inbox], subject="Nothing here", body="Quiet")
    response = call(
        account,
        "SearchSnippet/get",
        {"filter": {"text": "foo"}, "emailIds": [*ids(foo, other), "E999999999", "x"]},
    )
    snippets = {snippet["emailId"]: snippet for snippet in response["list"]}
    assert snippets[f"E{foo.pk}"] == {
        "emailId": f"E{foo.pk}",
        "subject": "The <mark>Foo</mark>sball &lt;competition&gt; &amp; more",
        "preview": "This year the <mark>foo</mark>sball competition returns &lt;1 week earlier; "
        "<mark>foo</mark>/bar wins",
    }
    assert snippets[f"E{other.pk}"] == {"emailId": f"E{other.pk}", "subject": None, "preview": None}
    assert sorted(response["notFound"]) == sorted(["E999999999", "x"])
    # Another account's email is not found either.
    other = account_create("snippets@example.test", None)
    theirs = deliver_message(other, [Mailbox.objects.get(account=other, role="inbox")], subject="foo")
    assert call(account, "SearchSnippet/get", {"filter": {"text": "foo"}, "emailIds": ids(theirs)})[
        "notFound"
    ] == ids(theirs)


def test_search_snippet_terms_come_from_text_subject_and_body_but_not_from_under_not(account, boxes):
    email = deliver_message(
        account, [boxes["inbox"]], subject="Budget review meeting", body="The budget meeting moved to noon"
    )
    args = {"emailIds": ids(email)}

    def snippet(filter_) -> dict:
        response = call(account, "SearchSnippet/get", {**args, "filter": filter_})
        assert response["notFound"] is None
        return response["list"][0]

    assert snippet({"subject": "view"}) == {
        "emailId": f"E{email.pk}",
        "subject": "Budget re<mark>view</mark> meeting",
        "preview": None,
    }
    assert snippet({"body": "noon"})["preview"] == "The budget meeting moved to <mark>noon</mark>"
    assert snippet({"body": "noon"})["subject"] is None
    assert snippet({"body": "oon"})["preview"] is None  # full text search matches words by their start
    assert snippet({"text": '"budget meeting"'})["preview"] == "The <mark>budget meeting</mark> moved to noon"
    assert snippet({"text": '"budget meeting"'})["subject"] is None
    both = snippet(
        {
            "operator": "AND",
            "conditions": [{"text": "budget"}, {"operator": "NOT", "conditions": [{"text": "noon"}]}],
        }
    )
    assert both["subject"] == "<mark>Budget</mark> review meeting"
    assert both["preview"] == "The <mark>budget</mark> meeting moved to noon"
    assert snippet(None) == {"emailId": f"E{email.pk}", "subject": None, "preview": None}
    assert snippet({"inMailbox": mid(boxes["inbox"])})["subject"] is None


def test_a_long_search_snippet_preview_fits_255_octets_around_the_match(account, boxes):
    body = ("filler é<&> " * 20) + "the needle is here " + ("more text " * 10)
    email = deliver_message(account, [boxes["inbox"]], subject="Haystack", body=body)
    preview = call(account, "SearchSnippet/get", {"filter": {"body": "needle"}, "emailIds": ids(email)})[
        "list"
    ][0]["preview"]
    assert len(preview.encode()) <= 255
    assert "<mark>needle</mark>" in preview
    assert preview.startswith("\u2026")
    assert preview.count("<mark>") == preview.count("</mark>")
    # Never cut inside an entity.
    assert "&" not in preview.replace("&lt;", "").replace("&gt;", "").replace("&amp;", "")
    many = "word " * 30 + " ".join(["match"] * 80)
    crowded = deliver_message(account, [boxes["inbox"]], subject="x", body=many[:256])
    preview = call(account, "SearchSnippet/get", {"filter": {"body": "match"}, "emailIds": ids(crowded)})[
        "list"
    ][0]["preview"]
    assert len(preview.encode()) <= 255
    assert preview.count("<mark>") == preview.count("</mark>") > 0


def test_search_snippet_errors(account, boxes):
    assert (
        error(account, "SearchSnippet/get", {"filter": {"bogus": 1}, "emailIds": []})["type"]
        == "unsupportedFilter"
    )
    assert error(account, "SearchSnippet/get", {"filter": None})["type"] == "invalidArguments"
    too_many = [f"E{n}" for n in range(1001)]
    assert error(account, "SearchSnippet/get", {"emailIds": too_many})["type"] == "requestTooLarge"
    assert call(account, "SearchSnippet/get", {"emailIds": []}) == {
        "accountId": account.jmap_id,
        "list": [],
        "notFound": None,
    }


def test_split_terms_follows_rfc_8621_quoting():
    terms = split_terms("hello \"big deal\" it's 'a \\' b' \"unclosed  - x")
    assert [(t.text, t.phrase) for t in terms] == [
        ("hello", False),
        ("big deal", True),
        ("it's", False),
        ("a ' b", True),
        ('"unclosed', False),
        ("x", False),
    ]
    assert [(t.text, t.phrase) for t in split_terms("- &")] == [("-", False), ("&", False)]
    assert split_terms('"a \\" \\\\ b"')[0].text == 'a " \\ b'


# ---------------------------------------------------------------- queryChanges


class View:
    """A client's cached query; ``check`` brings it forward with queryChanges and compares."""

    def __init__(self, account, **arguments) -> None:
        self.account = account
        self.arguments = arguments
        response = query(account, **arguments)
        self.ids, self.state = response["ids"], response["queryState"]

    def check(self) -> dict:
        changes = call(
            self.account,
            "Email/queryChanges",
            {**self.arguments, "sinceQueryState": self.state, "calculateTotal": True},
        )
        now = query(self.account, **self.arguments, calculateTotal=True)
        assert changes["oldQueryState"] == self.state
        assert changes["newQueryState"] == now["queryState"]
        assert changes["total"] == now["total"]
        assert splice(self.ids, changes["removed"], changes["added"], changes["total"]) == now["ids"], (
            self.arguments,
            changes,
        )
        self.ids, self.state = now["ids"], now["queryState"]
        return changes


@pytest.fixture
def mailroom(account, boxes):
    inbox, archive = boxes["inbox"], boxes["archive"]
    mail = {
        "a1": deliver(account, [inbox], minutes=0, subject="Alpha", message_id="a1@x"),
        "b1": deliver(account, [inbox], ["$seen"], minutes=1, subject="Beta", message_id="b1@x"),
        "a2": deliver(
            account, [inbox], ["$seen"], minutes=2, subject="Re: Alpha", message_id="a2@x", refs=("a1@x",)
        ),
        "c1": deliver(account, [archive], minutes=3, subject="Gamma", message_id="c1@x"),
        "b2": deliver(
            account, [inbox, archive], minutes=4, subject="Re: Beta", message_id="b2@x", refs=("b1@x",)
        ),
        "d1": deliver(account, [inbox], ["$flagged"], minutes=5, subject="Delta", message_id="d1@x"),
    }
    return mail


def views(account, boxes) -> list[View]:
    inbox = {"inMailbox": mid(boxes["inbox"])}
    return [
        View(account, filter=inbox),
        View(account, filter=inbox, collapseThreads=True),
        View(account, filter=inbox, collapseThreads=True, sort=[{"property": "subject"}]),
        View(account, filter=inbox, sort=[{"property": "receivedAt"}], collapseThreads=True),
        View(account, filter={"notKeyword": "$seen"}, collapseThreads=True),
        View(account, filter={**inbox, "allInThreadHaveKeyword": "$seen"}),
        View(
            account,
            sort=[{"property": "someInThreadHaveKeyword", "keyword": "$flagged", "isAscending": False}],
        ),
        View(account, filter={"operator": "NOT", "conditions": [inbox]}, sort=[{"property": "size"}]),
        View(account),
    ]


def test_query_changes_follow_every_kind_of_change(account, boxes, mailroom):
    inbox, archive = boxes["inbox"], boxes["archive"]
    cached = views(account, boxes)

    def check_all():
        return [view.check() for view in cached]

    # Nothing changed.
    for changes in check_all():
        assert (changes["removed"], changes["added"]) == ([], [])
    # New mail in a new thread.
    mailroom["e1"] = deliver(account, [inbox], minutes=6, subject="Epsilon", message_id="e1@x")
    changes = check_all()
    assert (changes[0]["removed"], changes[0]["added"]) == ([], [{"id": f"E{mailroom['e1'].pk}", "index": 0}])
    # A keyword change (read a thread's older email; flag another).
    write(account, email_set_keywords, mailroom["a1"], ["$seen"])
    check_all()
    write(account, email_set_keywords, mailroom["c1"], ["$flagged"])
    check_all()
    # Moved out of the inbox: the newest email of its thread, so the thread row changes.
    write(account, email_set_mailboxes, mailroom["b2"], [archive])
    changes = check_all()
    assert f"E{mailroom['b2'].pk}" in changes[0]["removed"]
    # Moved back in.
    write(account, email_set_mailboxes, Email.objects.get(pk=mailroom["b2"].pk), [inbox, archive])
    check_all()
    # Destroyed: a thread's representative.
    write(account, email_destroy, Email.objects.get(pk=mailroom["a2"].pk))
    check_all()
    # A reply joins a thread and becomes its newest email.
    mailroom["d2"] = deliver(
        account, [inbox], minutes=7, subject="Re: Delta", message_id="d2@x", refs=("d1@x",)
    )
    changes = check_all()
    assert mailroom["d2"].thread_id == mailroom["d1"].thread_id
    assert f"E{mailroom['d1'].pk}" in changes[1]["removed"]  # the old thread row's email
    # Several changes at once.
    write(account, email_destroy, Email.objects.get(pk=mailroom["e1"].pk))
    deliver(account, [inbox], ["$seen"], minutes=8, subject="Re: Gamma", message_id="c2@x", refs=("c1@x",))
    write(account, email_set_keywords, Email.objects.get(pk=mailroom["d1"].pk), [])
    check_all()


def test_query_changes_removed_and_added_are_minimal_for_the_inbox(account, boxes, mailroom):
    inbox = {"inMailbox": mid(boxes["inbox"])}
    plain = View(account, filter=inbox)
    write(account, email_set_keywords, mailroom["a1"], ["$seen"])
    changes = plain.check()
    a1 = f"E{mailroom['a1'].pk}"
    assert changes["removed"] == [a1]
    assert changes["added"] == [{"id": a1, "index": plain.ids.index(a1)}]


def test_query_changes_errors(account, boxes, mailroom):
    inbox = {"inMailbox": mid(boxes["inbox"])}
    state = query(account, filter=inbox)["queryState"]
    for bad in ("nonsense", "", "99999999"):
        response = error(account, "Email/queryChanges", {"filter": inbox, "sinceQueryState": bad})
        assert response["type"] == "cannotCalculateChanges"
    assert error(account, "Email/queryChanges", {"filter": inbox})["type"] == "invalidArguments"
    for n in range(3):
        deliver(account, [boxes["inbox"]], minutes=10 + n)
    too_many = error(
        account, "Email/queryChanges", {"filter": inbox, "sinceQueryState": state, "maxChanges": 2}
    )
    assert too_many["type"] == "tooManyChanges"
    enough = call(account, "Email/queryChanges", {"filter": inbox, "sinceQueryState": state, "maxChanges": 3})
    assert len(enough["added"]) == 3
    assert "total" not in enough
    assert (
        error(account, "Email/queryChanges", {"sinceQueryState": state, "sort": [{"property": "id"}]})["type"]
        == "unsupportedSort"
    )
    assert (
        error(account, "Email/queryChanges", {"sinceQueryState": state, "filter": {"nope": 1}})["type"]
        == "unsupportedFilter"
    )
    # upToId is accepted (and ignored: these sorts and filters are mutable).
    up_to = call(
        account,
        "Email/queryChanges",
        {"filter": inbox, "sinceQueryState": state, "upToId": f"E{mailroom['a1'].pk}"},
    )
    assert len(up_to["added"]) == 3


def test_query_changes_beyond_pruned_history_cannot_be_calculated(account, boxes, mailroom):
    from jmapcore.models import AccountState

    state = query(account)["queryState"]
    AccountState.objects.filter(pk=account.pk).update(floors={"Email": int(state) + 1})
    assert (
        error(account, "Email/queryChanges", {"sinceQueryState": state})["type"] == "cannotCalculateChanges"
    )


# ---------------------------------------------------------------- cost


def test_an_inbox_page_is_one_statement(account, boxes, inbox_of_twelve):
    inbox = {"inMailbox": mid(boxes["inbox"])}
    for arguments in (
        {"filter": inbox, "limit": 5},  # state + page
        {"filter": inbox, "limit": 5, "calculateTotal": True},  # state + counter + page
        {"filter": inbox, "limit": 5, "calculateTotal": True, "collapseThreads": True},  # thread rows
        {"filter": inbox, "anchor": inbox_of_twelve[3], "anchorOffset": -1, "limit": 5},  # + anchor COUNT
        {"filter": {**inbox, "notKeyword": "$seen"}, "position": -2, "calculateTotal": True},  # + COUNT
        {"filter": {"text": "thread"}, "collapseThreads": True, "calculateTotal": True},
    ):
        with CaptureQueriesContext(connection) as captured:
            query(account, **arguments)
        assert len(captured) == 1, (arguments, [q["sql"] for q in captured])


def test_query_changes_statements(account, boxes, inbox_of_twelve):
    inbox = {"inMailbox": mid(boxes["inbox"])}
    states = {
        collapse: query(account, filter=inbox, collapseThreads=collapse)["queryState"]
        for collapse in (False, True)
    }
    deliver(account, [boxes["inbox"]], minutes=30, subject="Thread 1", message_id="late@x", refs=("t1-0@x",))
    for collapse, expected in ((False, 3), (True, 4)):
        with CaptureQueriesContext(connection) as captured:
            call(
                account,
                "Email/queryChanges",
                {
                    "filter": inbox,
                    "collapseThreads": collapse,
                    "sinceQueryState": states[collapse],
                    "calculateTotal": True,
                },
            )
        # 1. type states, 2. changed emails from the log, (3. emails of the changed threads), 4. indexes + total
        assert len(captured) == expected, [q["sql"] for q in captured]
    with CaptureQueriesContext(connection) as captured:
        call(account, "SearchSnippet/get", {"filter": {"text": "thread"}, "emailIds": inbox_of_twelve})
    assert len(captured) == 1  # subjects and previews of the asked emails


def _bulk_mailbox(account, mailbox: Mailbox, count: int, start_minute: int) -> None:
    """``count`` emails in ``mailbox``, each its own thread, in four INSERTs."""
    blob, _ = Blob.objects.get_or_create(sha256="0" * 64, defaults={"size": 100})
    with connection.cursor() as cursor:
        cursor.execute(
            """
            WITH t AS (
                INSERT INTO jmapcore_thread (account_id) SELECT %(a)s FROM generate_series(1, %(n)s) RETURNING id
            ), e AS (
                INSERT INTO jmapcore_email (account_id, thread_id, blob_id, received_at, size, keywords,
                    has_attachment, message_ids, base_subject, subject_sort, from_sort, to_sort, preview, parsed)
                SELECT %(a)s, t.id, %(blob)s, %(base)s + mod(t.id, 100000) * interval '1 second', 1000,
                    CASE WHEN mod(t.id, 3) = 0 THEN ARRAY['$seen']::varchar(255)[] ELSE '{}' END,
                    false, '{}', 'subject', 'subject', 'from', 'to', 'preview', '{}'
                FROM t RETURNING id, thread_id, received_at
            ), m AS (
                INSERT INTO jmapcore_emailmailbox (email_id, mailbox_id, thread_id, received_at)
                SELECT id, %(mb)s, thread_id, received_at FROM e
            )
            INSERT INTO jmapcore_mailboxthread (mailbox_id, thread_id, emails, unread, latest_email_id,
                latest_received_at)
            SELECT %(mb)s, thread_id, 1, 1, id, received_at FROM e
            """,
            {
                "a": account.pk,
                "n": count,
                "blob": blob.sha256,
                "base": BASE_TIME + timedelta(minutes=start_minute),
                "mb": mailbox.pk,
            },
        )
        cursor.execute(
            "UPDATE jmapcore_mailbox SET total_emails = total_emails + %s, total_threads = total_threads + %s"
            " WHERE id = %s",
            [count, count, mailbox.pk],
        )


def test_the_inbox_page_reads_indexes_not_the_email_table(account, boxes):
    _bulk_mailbox(account, boxes["inbox"], 3000, 0)
    _bulk_mailbox(account, boxes["archive"], 1000, 1)
    with connection.cursor() as cursor:
        cursor.execute(
            "ANALYZE jmapcore_email, jmapcore_emailmailbox, jmapcore_mailboxthread, jmapcore_mailbox"
        )
    inbox = {"inMailbox": mid(boxes["inbox"])}
    newest = (EmailComparator("receivedAt", ascending=False),)
    for collapse in (False, True):
        email_query = EmailQuery(account.pk, inbox, newest, collapse)
        for page in ({"limit": 50}, {"limit": 50, "position": 1000, "calculate_total": True}):
            plan = explain(page_statement(email_query, **page))
            # No table of mail is read sequentially (tiny ones like the account state may be).
            assert not re.search(r"Seq Scan on jmapcore_(email|emailmailbox|mailboxthread)\b", plan), plan
            assert ("mailboxthread_list" if collapse else "emailmailbox_list") in plan, plan
            # The only sort is of the page's own rows back into their order.
            assert re.findall(r"Sort Key: .*", plan) == ["Sort Key: (row_number() OVER w1)"], plan
    # With a keyword condition the email row is joined by its primary key, still in index order.
    unread = EmailQuery(account.pk, {**inbox, "notKeyword": "$seen"}, newest, False)
    plan = explain(page_statement(unread, limit=50))
    assert not re.search(r"Seq Scan on jmapcore_email\b", plan), plan
    assert "emailmailbox_list" in plan, plan
    # Results are right at this size too.
    page = query(account, filter=inbox, collapseThreads=True, position=2990, calculateTotal=True)
    assert (len(page["ids"]), page["total"]) == (10, 3000)
    anchored = query(account, filter=inbox, anchor=page["ids"][0], limit=1)
    assert (anchored["position"], anchored["ids"]) == (2990, page["ids"][:1])


def test_the_session_advertises_exactly_the_sorts_email_query_implements():
    from jmapcore.engine.capabilities import EMAIL_SORT_OPTIONS
    from jmapcore.selectors.email_query import SORTABLE

    assert sorted(EMAIL_SORT_OPTIONS) == sorted(SORTABLE)
