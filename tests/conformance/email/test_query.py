"""Email/query, Email/queryChanges and SearchSnippet/get over HTTP (RFC 8621 4.4, 4.5, 5)."""

from __future__ import annotations

from .helpers import import_raw, mailbox_id, message

NEWEST_FIRST = [{"property": "receivedAt", "isAscending": False}]


def seed(jmap) -> dict[str, dict]:
    return {
        "old": import_raw(
            jmap,
            message("Budget plan", "q1@x", body="numbers for the budget"),
            receivedAt="2025-01-01T10:00:00Z",
        ),
        "reply": import_raw(
            jmap,
            message("Re: Budget plan", "q2@x", refs="q1@x", body="agreed"),
            receivedAt="2025-01-02T10:00:00Z",
            keywords={"$seen": True},
        ),
        "other": import_raw(
            jmap, message("Holiday", "q3@x", body="beach photos"), receivedAt="2025-01-03T10:00:00Z"
        ),
    }


def test_inbox_newest_first_with_total_and_collapsed_threads(jmap):
    mail = seed(jmap)
    inbox = mailbox_id(jmap, "inbox")
    flat = jmap.call(
        "Email/query", {"filter": {"inMailbox": inbox}, "sort": NEWEST_FIRST, "calculateTotal": True}
    )
    assert flat["ids"] == [mail["other"]["id"], mail["reply"]["id"], mail["old"]["id"]]
    assert flat["total"] == 3 and flat["position"] == 0 and flat["canCalculateChanges"] is True
    collapsed = jmap.call(
        "Email/query",
        {
            "filter": {"inMailbox": inbox},
            "sort": NEWEST_FIRST,
            "collapseThreads": True,
            "calculateTotal": True,
        },
    )
    assert collapsed["ids"] == [mail["other"]["id"], mail["reply"]["id"]]
    assert collapsed["total"] == 2


def test_text_search_finds_subject_and_body_words(jmap):
    mail = seed(jmap)
    assert jmap.call("Email/query", {"filter": {"text": "budget"}, "sort": NEWEST_FIRST})["ids"] == [
        mail["reply"]["id"],
        mail["old"]["id"],
    ]
    assert jmap.call("Email/query", {"filter": {"body": "beach"}})["ids"] == [mail["other"]["id"]]
    unread = jmap.call("Email/query", {"filter": {"notKeyword": "$seen"}, "sort": NEWEST_FIRST})
    assert unread["ids"] == [mail["other"]["id"], mail["old"]["id"]]


def test_query_then_get_by_result_reference_in_one_request(jmap):
    mail = seed(jmap)
    responses = jmap.request(
        [
            [
                "Email/query",
                {
                    "accountId": jmap.account_id,
                    "filter": {"inMailbox": mailbox_id(jmap, "inbox")},
                    "sort": NEWEST_FIRST,
                    "limit": 2,
                },
                "q",
            ],
            [
                "Email/get",
                {
                    "accountId": jmap.account_id,
                    "#ids": {"resultOf": "q", "name": "Email/query", "path": "/ids"},
                    "properties": ["subject"],
                },
                "g",
            ],
        ]
    )["methodResponses"]
    assert [e["subject"] for e in responses[1][1]["list"]] == ["Holiday", "Re: Budget plan"]
    assert responses[1][1]["list"][0]["id"] == mail["other"]["id"]


def test_query_changes_spliced_into_the_old_list_give_the_new_one(jmap):
    seed(jmap)
    inbox = mailbox_id(jmap, "inbox")
    args = {"filter": {"inMailbox": inbox}, "sort": NEWEST_FIRST}
    before = jmap.call("Email/query", args)
    new = import_raw(jmap, message("Fresh", "q4@x"), receivedAt="2025-02-01T10:00:00Z")
    jmap.call(
        "Email/set",
        {
            "update": {
                before["ids"][-1]: {
                    f"mailboxIds/{inbox}": None,
                    f"mailboxIds/{mailbox_id(jmap, 'archive')}": True,
                }
            }
        },
    )
    changes = jmap.call("Email/queryChanges", {**args, "sinceQueryState": before["queryState"]})
    ids = [i for i in before["ids"] if i not in changes["removed"]]
    for item in changes["added"]:
        ids.insert(item["index"], item["id"])
    after = jmap.call("Email/query", args)
    assert ids == after["ids"]
    assert after["ids"][0] == new["id"]
    assert changes["newQueryState"] == after["queryState"]


def test_search_snippet_marks_the_match(jmap):
    mail = seed(jmap)
    result = jmap.call("SearchSnippet/get", {"filter": {"text": "beach"}, "emailIds": [mail["other"]["id"]]})
    assert result["list"][0]["emailId"] == mail["other"]["id"]
    assert "<mark>beach</mark>" in result["list"][0]["preview"]


def test_query_errors(jmap):
    assert jmap.error("Email/query", {"sort": [{"property": "nope"}]})["type"] == "unsupportedSort"
    assert jmap.error("Email/query", {"filter": {"nope": 1}})["type"] == "unsupportedFilter"
    assert jmap.error("Email/query", {"anchor": "E999999"})["type"] == "anchorNotFound"
