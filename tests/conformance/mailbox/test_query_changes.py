"""Mailbox/queryChanges (RFC 8621 section 2.4, RFC 8620 section 5.6).

The oracle: splicing ``removed`` and ``added`` into the id list of the old query
(the RFC's algorithm, tests.conformance.helpers.splice) gives exactly the ids of the
same query run now.
"""

from __future__ import annotations

import pytest

from tests.conformance.helpers import (
    by_role,
    create_mailbox,
    create_mailboxes,
    destroy_ok,
    mailbox_set,
    splice,
    update_ok,
)

QUERIES = {
    "no-filter-no-sort": {},
    "by-name": {"sort": [{"property": "name"}]},
    "by-name-descending": {"sort": [{"property": "name", "isAscending": False}]},
    "by-sort-order-then-name": {"sort": [{"property": "sortOrder"}, {"property": "name"}]},
    "top-level-by-name": {"filter": {"parentId": None}, "sort": [{"property": "name"}]},
    "subscribed": {"filter": {"isSubscribed": True}, "sort": [{"property": "name"}]},
    "name-contains-o": {"filter": {"name": "o"}, "sort": [{"property": "name", "collation": "i;octet"}]},
    "tree": {"sort": [{"property": "sortOrder"}, {"property": "name"}], "sortAsTree": True},
    "subscribed-tree": {
        "filter": {"isSubscribed": True},
        "sort": [{"property": "name"}],
        "sortAsTree": True,
        "filterAsTree": True,
    },
    "no-role-tree": {"filter": {"hasAnyRole": False}, "sort": [{"property": "name"}], "filterAsTree": True},
}


class Query:
    """One query's arguments, its last result, and a check that queryChanges keeps up."""

    def __init__(self, jmap, arguments: dict) -> None:
        self.jmap = jmap
        self.arguments = arguments
        response = jmap.call("Mailbox/query", arguments)
        self.ids, self.state = response["ids"], response["queryState"]

    def changes(self, **extra) -> dict:
        arguments = {key: value for key, value in self.arguments.items()}
        return self.jmap.call("Mailbox/queryChanges", {**arguments, "sinceQueryState": self.state, **extra})

    def assert_splice_gives_the_new_result(self) -> dict:
        response = self.changes(calculateTotal=True)
        now = self.jmap.call("Mailbox/query", {**self.arguments, "calculateTotal": True})
        assert response["oldQueryState"] == self.state
        assert response["newQueryState"] == now["queryState"]
        assert response["total"] == now["total"]
        spliced = splice(self.ids, response["removed"], response["added"], response["total"])
        assert spliced == now["ids"], (self.arguments, response)
        self.ids, self.state = now["ids"], now["queryState"]
        return response


@pytest.fixture
def family(jmap) -> dict[str, str]:
    ids = create_mailboxes(
        jmap,
        {
            "home": {"name": "Home", "sortOrder": 3},
            "work": {"name": "Work", "sortOrder": 4},
            "kids": {"name": "Kids", "parentId": "#home", "sortOrder": 1},
            "school": {"name": "School", "parentId": "#kids"},
            "taxes": {"name": "Taxes", "parentId": "#home", "sortOrder": 2, "isSubscribed": False},
            "old": {"name": "Old stuff", "parentId": "#work"},
        },
    )
    return {**ids, **by_role(jmap)}


@pytest.mark.parametrize("query", list(QUERIES), ids=list(QUERIES))
def test_splicing_gives_the_new_results_after_each_kind_of_change(jmap, family, query):
    q = Query(jmap, QUERIES[query])
    create_mailbox(jmap, "Another one", sortOrder=3)
    q.assert_splice_gives_the_new_result()
    create_mailbox(jmap, "Nested", parentId=family["school"])
    q.assert_splice_gives_the_new_result()
    update_ok(jmap, {family["work"]: {"name": "Arbeit"}})  # moves in name order
    q.assert_splice_gives_the_new_result()
    update_ok(jmap, {family["kids"]: {"sortOrder": 9}})  # moves in sortOrder order, with its subtree
    q.assert_splice_gives_the_new_result()
    update_ok(jmap, {family["home"]: {"isSubscribed": False}})  # leaves filters, takes its subtree along
    q.assert_splice_gives_the_new_result()
    update_ok(jmap, {family["home"]: {"isSubscribed": True, "name": "Zuhause"}})
    q.assert_splice_gives_the_new_result()
    update_ok(jmap, {family["kids"]: {"parentId": family["work"]}})  # a subtree moves
    q.assert_splice_gives_the_new_result()
    destroy_ok(jmap, [family["old"]])
    q.assert_splice_gives_the_new_result()
    update_ok(jmap, {family["drafts"]: {"role": None}})
    q.assert_splice_gives_the_new_result()


@pytest.mark.parametrize("query", ["by-name", "subscribed-tree", "tree"])
def test_splicing_many_changes_at_once(jmap, family, query):
    q = Query(jmap, QUERIES[query])
    ids = create_mailboxes(jmap, {f"n{i}": {"name": f"New {i}", "sortOrder": i} for i in range(4)})
    mailbox_set(
        jmap,
        update={
            family["home"]: {"name": "A home", "isSubscribed": False},
            ids["n1"]: {"parentId": family["taxes"]},
            family["sent"]: {"sortOrder": 0},
        },
        destroy=[ids["n2"], family["school"], family["trash"]],
    )
    update_ok(jmap, {family["home"]: {"isSubscribed": True}})
    create_mailbox(jmap, "Late", parentId=ids["n0"])
    q.assert_splice_gives_the_new_result()


def test_nothing_changed_gives_nothing_to_splice(jmap, family):
    q = Query(jmap, QUERIES["by-name"])
    response = q.changes()
    assert response == {
        "accountId": jmap.account_id,
        "oldQueryState": q.state,
        "newQueryState": q.state,
        "removed": [],
        "added": [],
    }


def test_added_items_are_sorted_by_index(jmap, family):
    q = Query(jmap, QUERIES["by-name"])
    create_mailboxes(jmap, {c: {"name": c * 3} for c in "zyxabc"})
    response = q.changes()
    indexes = [item["index"] for item in response["added"]]
    assert indexes == sorted(indexes)
    assert all(set(item) == {"id", "index"} for item in response["added"])


def test_created_then_destroyed_leaves_the_results_unchanged(jmap, family):
    q = Query(jmap, QUERIES["by-name"])
    temporary = create_mailbox(jmap, "Temporary")
    destroy_ok(jmap, [temporary])
    response = q.assert_splice_gives_the_new_result()
    assert temporary not in [item["id"] for item in response["added"]]


def test_calculate_total_only_when_asked(jmap, family):
    q = Query(jmap, QUERIES["top-level-by-name"])
    create_mailbox(jmap, "Counted")
    assert "total" not in q.changes()
    assert "total" not in q.changes(calculateTotal=False)
    total = q.changes(calculateTotal=True)["total"]
    assert (
        total == jmap.call("Mailbox/query", {"filter": {"parentId": None}, "calculateTotal": True})["total"]
    )


def test_more_changes_than_max_changes_is_too_many_changes(jmap, family):
    q = Query(jmap, QUERIES["by-name"])
    create_mailboxes(jmap, {f"k{i}": {"name": f"K{i}"} for i in range(3)})
    # Three added items: three changes.
    assert q.changes(maxChanges=3)["added"]
    assert len(q.changes(maxChanges=3)["added"]) == 3
    error = q.jmap.error("Mailbox/queryChanges", {**q.arguments, "sinceQueryState": q.state, "maxChanges": 2})
    assert error["type"] == "tooManyChanges"


def test_up_to_id_is_ignored_for_a_sort_on_a_mutable_property(jmap, family):
    """RFC 8620 5.6: upToId helps only when sort and filter are on immutable properties;
    'If they are not immutable, this argument is ignored' (Mailbox names are mutable)."""
    q = Query(jmap, QUERIES["by-name"])
    create_mailbox(jmap, "Zzz after the cut")
    update_ok(jmap, {family["work"]: {"name": "Aaa before the cut"}})
    response = q.changes(upToId=q.ids[1])
    now = jmap.call("Mailbox/query", QUERIES["by-name"])["ids"]
    assert splice(q.ids, response["removed"], response["added"]) == now


@pytest.mark.parametrize("since", ["garbage", "", "-5", "1.0"])
def test_unknown_query_state_is_cannot_calculate_changes(jmap, since):
    error = jmap.error("Mailbox/queryChanges", {"sinceQueryState": since})
    assert error["type"] == "cannotCalculateChanges"


def test_query_state_from_the_future_is_cannot_calculate_changes(jmap):
    current = jmap.call("Mailbox/query", {})["queryState"]
    error = jmap.error("Mailbox/queryChanges", {"sinceQueryState": current + "0000"})
    assert error["type"] == "cannotCalculateChanges"


@pytest.mark.parametrize(
    "arguments",
    [
        {},
        {"sinceQueryState": 5},
        {"maxChanges": "2"},
        {"maxChanges": -1},
        {"calculateTotal": 1},
        {"upToId": 5},
        {"nope": 1},
    ],
    ids=[
        "missing-since",
        "since-number",
        "maxChanges-string",
        "maxChanges-negative",
        "calculateTotal-number",
        "upToId-number",
        "unknown",
    ],
)
def test_invalid_query_changes_arguments(jmap, arguments):
    if arguments and "sinceQueryState" not in arguments:
        arguments = {"sinceQueryState": jmap.call("Mailbox/query", {})["queryState"], **arguments}
    assert jmap.error("Mailbox/queryChanges", arguments)["type"] == "invalidArguments"


def test_query_changes_checks_filter_and_sort_like_query(jmap):
    since = jmap.call("Mailbox/query", {})["queryState"]
    bad_filter = jmap.error("Mailbox/queryChanges", {"sinceQueryState": since, "filter": {"color": 1}})
    assert bad_filter["type"] == "unsupportedFilter"
    bad_sort = jmap.error("Mailbox/queryChanges", {"sinceQueryState": since, "sort": [{"property": "color"}]})
    assert bad_sort["type"] == "unsupportedSort"
