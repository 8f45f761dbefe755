"""Mailbox/query (RFC 8621 section 2.3, RFC 8620 section 5.5)."""

from __future__ import annotations

import pytest

from tests.conformance.helpers import by_role, create_mailbox, create_mailboxes, mailbox_set, query_ids


@pytest.fixture
def tree(jmap) -> dict[str, str]:
    """The standard mailboxes (sortOrder 1-6, top level) and this tree:

    Projects (10)
      Alpha (2)
        Deep (0)
      beta (1, not subscribed)
        Gamma (0)
    Receipts (20, role "important")
    """
    ids = create_mailboxes(
        jmap,
        {
            "Projects": {"name": "Projects", "sortOrder": 10},
            "Alpha": {"name": "Alpha", "parentId": "#Projects", "sortOrder": 2},
            "Deep": {"name": "Deep", "parentId": "#Alpha"},
            "beta": {"name": "beta", "parentId": "#Projects", "sortOrder": 1, "isSubscribed": False},
            "Gamma": {"name": "Gamma", "parentId": "#beta"},
            "Receipts": {"name": "Receipts", "sortOrder": 20, "role": "important"},
        },
    )
    roles = by_role(jmap)
    for role, name in [
        ("inbox", "Inbox"),
        ("drafts", "Drafts"),
        ("sent", "Sent"),
        ("archive", "Archive"),
        ("junk", "Junk"),
        ("trash", "Trash"),
    ]:
        ids[name] = roles[role]
    return ids


def names(tree: dict[str, str], ids: list[str]) -> list[str]:
    by_id = {value: key for key, value in tree.items()}
    return [by_id[i] for i in ids]


STANDARD = ["Inbox", "Drafts", "Sent", "Archive", "Junk", "Trash"]
BY_NAME = [
    "Alpha",
    "Archive",
    "beta",
    "Deep",
    "Drafts",
    "Gamma",
    "Inbox",
    "Junk",
    "Projects",
    "Receipts",
    "Sent",
    "Trash",
]


# ----------------------------------------------------------------- the response


def test_response_has_the_standard_members(jmap, tree):
    response = jmap.call("Mailbox/query", {})
    assert set(response) <= {
        "accountId",
        "queryState",
        "canCalculateChanges",
        "position",
        "ids",
        "total",
        "limit",
    }
    assert response["accountId"] == jmap.account_id
    assert isinstance(response["queryState"], str)
    assert isinstance(response["canCalculateChanges"], bool)
    assert response["position"] == 0
    assert sorted(response["ids"]) == sorted(tree.values())
    assert "total" not in response


def test_no_sort_is_stable_between_calls(jmap, tree):
    assert query_ids(jmap) == query_ids(jmap)


def test_query_state_is_stable_and_changes_when_results_change(jmap, tree):
    first = jmap.call("Mailbox/query", {})["queryState"]
    assert jmap.call("Mailbox/query", {})["queryState"] == first
    create_mailbox(jmap, "New one")
    assert jmap.call("Mailbox/query", {})["queryState"] != first


# ----------------------------------------------------------------- filters


def test_filter_parent_id_null_gives_top_level_mailboxes(jmap, tree):
    ids = query_ids(jmap, filter={"parentId": None})
    assert sorted(names(tree, ids)) == sorted([*STANDARD, "Projects", "Receipts"])


def test_filter_parent_id_gives_the_children(jmap, tree):
    assert sorted(names(tree, query_ids(jmap, filter={"parentId": tree["Projects"]}))) == ["Alpha", "beta"]
    assert names(tree, query_ids(jmap, filter={"parentId": tree["Alpha"]})) == ["Deep"]
    assert query_ids(jmap, filter={"parentId": tree["Deep"]}) == []


def test_filter_parent_id_that_names_no_mailbox_matches_nothing(jmap, tree, other_jmap):
    assert query_ids(jmap, filter={"parentId": "Mnonexistent"}) == []
    assert query_ids(jmap, filter={"parentId": "M999999999"}) == []
    assert query_ids(jmap, filter={"parentId": by_role(other_jmap)["inbox"]}) == []


def test_filter_name_is_a_case_insensitive_substring(jmap, tree):
    assert names(tree, query_ids(jmap, filter={"name": "ALP"})) == ["Alpha"]
    assert sorted(names(tree, query_ids(jmap, filter={"name": "ee"}))) == ["Deep"]
    assert sorted(names(tree, query_ids(jmap, filter={"name": "ra"}))) == ["Drafts", "Trash"]
    assert sorted(names(tree, query_ids(jmap, filter={"name": "box"}))) == ["Inbox"]
    assert query_ids(jmap, filter={"name": "zzz"}) == []


def test_filter_role(jmap, tree):
    assert names(tree, query_ids(jmap, filter={"role": "inbox"})) == ["Inbox"]
    assert names(tree, query_ids(jmap, filter={"role": "important"})) == ["Receipts"]
    assert query_ids(jmap, filter={"role": "flagged"}) == []


def test_filter_role_null_gives_mailboxes_without_a_role(jmap, tree):
    ids = query_ids(jmap, filter={"role": None})
    assert sorted(names(tree, ids)) == sorted(["Projects", "Alpha", "Deep", "beta", "Gamma"])


def test_filter_has_any_role(jmap, tree):
    with_role = names(tree, query_ids(jmap, filter={"hasAnyRole": True}))
    assert sorted(with_role) == sorted([*STANDARD, "Receipts"])
    without = names(tree, query_ids(jmap, filter={"hasAnyRole": False}))
    assert sorted(without) == sorted(["Projects", "Alpha", "Deep", "beta", "Gamma"])


def test_filter_is_subscribed(jmap, tree):
    assert names(tree, query_ids(jmap, filter={"isSubscribed": False})) == ["beta"]
    assert len(query_ids(jmap, filter={"isSubscribed": True})) == len(tree) - 1


def test_conditions_in_one_filter_condition_must_all_match(jmap, tree):
    ids = query_ids(jmap, filter={"parentId": tree["Projects"], "isSubscribed": True})
    assert names(tree, ids) == ["Alpha"]


def test_empty_filter_condition_matches_everything(jmap, tree):
    assert sorted(query_ids(jmap, filter={})) == sorted(tree.values())


def test_filter_operators_and_or_not(jmap, tree):
    and_ = {"operator": "AND", "conditions": [{"hasAnyRole": False}, {"name": "a"}]}
    assert sorted(names(tree, query_ids(jmap, filter=and_))) == ["Alpha", "Gamma", "beta"]
    or_ = {"operator": "OR", "conditions": [{"role": "inbox"}, {"name": "deep"}]}
    assert sorted(names(tree, query_ids(jmap, filter=or_))) == ["Deep", "Inbox"]
    not_ = {"operator": "NOT", "conditions": [{"hasAnyRole": True}, {"parentId": None}]}
    assert sorted(names(tree, query_ids(jmap, filter=not_))) == ["Alpha", "Deep", "Gamma", "beta"]
    nested = {
        "operator": "AND",
        "conditions": [
            {"operator": "NOT", "conditions": [{"parentId": None}]},
            {"operator": "OR", "conditions": [{"isSubscribed": False}, {"name": "gam"}]},
        ],
    }
    assert sorted(names(tree, query_ids(jmap, filter=nested))) == ["Gamma", "beta"]


def test_operators_with_no_conditions(jmap, tree):
    assert sorted(query_ids(jmap, filter={"operator": "AND", "conditions": []})) == sorted(tree.values())
    assert query_ids(jmap, filter={"operator": "OR", "conditions": []}) == []
    assert sorted(query_ids(jmap, filter={"operator": "NOT", "conditions": []})) == sorted(tree.values())


def test_unknown_filter_condition_is_unsupported_filter(jmap, tree):
    for filter_ in (
        {"color": "red"},
        {"name": "a", "hasEmails": True},
        {"operator": "OR", "conditions": [{"role": "inbox"}, {"inMailbox": "M1"}]},
    ):
        assert jmap.error("Mailbox/query", {"filter": filter_})["type"] == "unsupportedFilter"


@pytest.mark.parametrize(
    "filter_",
    [
        "inbox",
        ["role"],
        {"isSubscribed": "yes"},
        {"hasAnyRole": 1},
        {"name": None},
        {"name": 5},
        {"parentId": 5},
        {"role": 5},
        {"operator": "XOR", "conditions": []},
        {"operator": "AND"},
        {"operator": "AND", "conditions": {}},
        {"operator": "AND", "conditions": ["x"]},
    ],
    ids=[
        "string",
        "array",
        "isSubscribed-string",
        "hasAnyRole-number",
        "name-null",
        "name-number",
        "parentId-number",
        "role-number",
        "unknown-operator",
        "no-conditions",
        "conditions-object",
        "condition-string",
    ],
)
def test_malformed_filter_is_invalid_arguments(jmap, filter_):
    assert jmap.error("Mailbox/query", {"filter": filter_})["type"] == "invalidArguments"


# ----------------------------------------------------------------- sort


def test_sort_by_name_ascending_and_descending(jmap, tree):
    assert names(tree, query_ids(jmap, sort=[{"property": "name"}])) == BY_NAME
    assert names(tree, query_ids(jmap, sort=[{"property": "name", "isAscending": True}])) == BY_NAME
    descending = query_ids(jmap, sort=[{"property": "name", "isAscending": False}])
    assert names(tree, descending) == BY_NAME[::-1]


def test_sort_by_sort_order_then_name(jmap, tree):
    sort = [{"property": "sortOrder"}, {"property": "name"}]
    expected = [
        "Deep",
        "Gamma",
        "beta",
        "Inbox",
        "Alpha",
        "Drafts",
        "Sent",
        "Archive",
        "Junk",
        "Trash",
        "Projects",
        "Receipts",
    ]
    assert names(tree, query_ids(jmap, sort=sort)) == expected
    sort = [{"property": "sortOrder", "isAscending": False}, {"property": "name", "isAscending": False}]
    assert names(tree, query_ids(jmap, sort=sort)) == expected[::-1]


def test_collation_is_ignored_for_numbers(jmap, tree):
    plain = query_ids(jmap, sort=[{"property": "sortOrder"}, {"property": "name"}])
    with_collation = query_ids(
        jmap, sort=[{"property": "sortOrder", "collation": "i;octet"}, {"property": "name"}]
    )
    assert plain == with_collation


@pytest.fixture
def fruit(jmap) -> dict[str, str]:
    parent = create_mailbox(jmap, "Fruit")
    ids = create_mailboxes(
        jmap,
        {
            name: {"name": name, "parentId": parent}
            for name in ["apple", "Banana", "cherry", "Éclair", "Zebra"]
        },
    )
    return {"parent": parent, **ids}


@pytest.mark.parametrize(
    ("collation", "expected"),
    [
        # Octets of UTF-8: upper case before lower case, non-ASCII last.
        ("i;octet", ["Banana", "Zebra", "apple", "cherry", "Éclair"]),
        # ASCII letters without case; "É" is not an ASCII letter, so it sorts by octet, last.
        ("i;ascii-casemap", ["apple", "Banana", "cherry", "Zebra", "Éclair"]),
        # Unicode case map (RFC 5051): "É" decomposes to "E" + accent, so it sorts with E.
        ("i;unicode-casemap", ["apple", "Banana", "cherry", "Éclair", "Zebra"]),
    ],
)
def test_sort_by_name_under_each_advertised_collation(jmap, session, fruit, collation, expected):
    from tests.conftest import CORE

    assert collation in session["capabilities"][CORE]["collationAlgorithms"]
    by_id = {value: key for key, value in fruit.items()}
    for ascending, order in ((True, expected), (False, expected[::-1])):
        ids = query_ids(
            jmap,
            filter={"parentId": fruit["parent"]},
            sort=[{"property": "name", "collation": collation, "isAscending": ascending}],
        )
        assert [by_id[i] for i in ids] == order


def test_default_collation_is_case_insensitive(jmap, fruit):
    """RFC 8620 5.5: the default collation 'SHOULD be case insensitive'."""
    by_id = {value: key for key, value in fruit.items()}
    ids = query_ids(jmap, filter={"parentId": fruit["parent"]}, sort=[{"property": "name"}])
    assert [by_id[i] for i in ids][:3] == ["apple", "Banana", "cherry"]


@pytest.mark.parametrize(
    "sort",
    [
        [{"property": "color"}],
        [{"property": "totalEmails"}],
        [{"property": "name", "collation": "i;klingon"}],
        [{"property": "name"}, {"property": "id"}],
    ],
    ids=["unknown-property", "unsortable-property", "unknown-collation", "second-comparator-unknown"],
)
def test_unsupported_sort(jmap, sort):
    assert jmap.error("Mailbox/query", {"sort": sort})["type"] == "unsupportedSort"


@pytest.mark.parametrize(
    "sort",
    [
        {"property": "name"},
        "name",
        [{"isAscending": True}],
        [{"property": 5}],
        [{"property": "name", "isAscending": "yes"}],
        [{"property": "name", "collation": 5}],
        ["name"],
    ],
    ids=[
        "object",
        "string",
        "no-property",
        "property-number",
        "isAscending-string",
        "collation-number",
        "string-item",
    ],
)
def test_malformed_sort_is_invalid_arguments(jmap, sort):
    assert jmap.error("Mailbox/query", {"sort": sort})["type"] == "invalidArguments"


# ----------------------------------------------------------------- trees


def test_sort_as_tree_puts_parents_before_children_sorted_among_siblings(jmap, tree):
    ids = query_ids(jmap, sort=[{"property": "sortOrder"}], sortAsTree=True)
    assert names(tree, ids) == [*STANDARD, "Projects", "beta", "Gamma", "Alpha", "Deep", "Receipts"]


def test_sort_as_tree_by_name_descending_keeps_parents_first(jmap, tree):
    ids = query_ids(jmap, sort=[{"property": "name", "isAscending": False}], sortAsTree=True)
    expected = [
        "Trash",
        "Sent",
        "Receipts",
        "Projects",
        "beta",
        "Gamma",
        "Alpha",
        "Deep",
        "Junk",
        "Inbox",
        "Drafts",
        "Archive",
    ]
    assert names(tree, ids) == expected


def test_sort_as_tree_with_a_filter_keeps_the_tree_order(jmap, tree):
    ids = query_ids(jmap, filter={"hasAnyRole": False}, sort=[{"property": "name"}], sortAsTree=True)
    assert names(tree, ids) == ["Projects", "Alpha", "Deep", "beta", "Gamma"]


def test_filter_as_tree_drops_mailboxes_whose_ancestors_do_not_match(jmap, tree):
    plain = names(tree, query_ids(jmap, filter={"isSubscribed": True}, sort=[{"property": "name"}]))
    assert "Gamma" in plain
    as_tree = names(
        tree, query_ids(jmap, filter={"isSubscribed": True}, sort=[{"property": "name"}], filterAsTree=True)
    )
    assert as_tree == [n for n in plain if n != "Gamma"]
    assert query_ids(jmap, filter={"name": "Deep"}, filterAsTree=True) == []
    assert names(tree, query_ids(jmap, filter={"name": "Deep"})) == ["Deep"]


def test_filter_as_tree_and_sort_as_tree_together(jmap, tree):
    ids = query_ids(
        jmap,
        filter={"operator": "NOT", "conditions": [{"hasAnyRole": True}]},
        sort=[{"property": "sortOrder"}],
        sortAsTree=True,
        filterAsTree=True,
    )
    assert names(tree, ids) == ["Projects", "beta", "Gamma", "Alpha", "Deep"]


@pytest.mark.parametrize("argument", ["sortAsTree", "filterAsTree"])
def test_tree_arguments_must_be_booleans(jmap, argument):
    assert jmap.error("Mailbox/query", {argument: "yes"})["type"] == "invalidArguments"


# ----------------------------------------------------------------- windowing


@pytest.fixture
def letters(jmap) -> list[str]:
    """Six mailboxes A..F under one parent; the query below returns them in that order."""
    parent = create_mailbox(jmap, "Letters")
    ids = create_mailboxes(jmap, {c: {"name": c, "parentId": parent} for c in "FBDACE"})
    return [parent] + [ids[c] for c in "ABCDEF"]


def window(jmap, letters, **arguments) -> dict:
    return jmap.call(
        "Mailbox/query", {"filter": {"parentId": letters[0]}, "sort": [{"property": "name"}], **arguments}
    )


def test_position_and_limit(jmap, letters):
    ids = letters[1:]
    response = window(jmap, letters, position=0, limit=2)
    assert (response["position"], response["ids"]) == (0, ids[0:2])
    response = window(jmap, letters, position=2, limit=2)
    assert (response["position"], response["ids"]) == (2, ids[2:4])
    response = window(jmap, letters, position=4, limit=10)
    assert (response["position"], response["ids"]) == (4, ids[4:])
    assert window(jmap, letters, limit=0)["ids"] == []
    assert window(jmap, letters)["ids"] == ids


def test_negative_position_counts_from_the_end_and_clamps_to_zero(jmap, letters):
    ids = letters[1:]
    response = window(jmap, letters, position=-2)
    assert (response["position"], response["ids"]) == (4, ids[4:])
    response = window(jmap, letters, position=-3, limit=1)
    assert (response["position"], response["ids"]) == (3, [ids[3]])
    response = window(jmap, letters, position=-100, limit=2)
    assert (response["position"], response["ids"]) == (0, ids[:2])


def test_position_past_the_end_gives_no_ids(jmap, letters):
    assert window(jmap, letters, position=6)["ids"] == []
    assert window(jmap, letters, position=100, calculateTotal=True)["total"] == 6


def test_anchor_and_anchor_offset(jmap, letters):
    ids = letters[1:]
    response = window(jmap, letters, anchor=ids[2])
    assert (response["position"], response["ids"]) == (2, ids[2:])
    response = window(jmap, letters, anchor=ids[2], anchorOffset=1, limit=2)
    assert (response["position"], response["ids"]) == (3, ids[3:5])
    response = window(jmap, letters, anchor=ids[2], anchorOffset=-1, limit=2)
    assert (response["position"], response["ids"]) == (1, ids[1:3])
    response = window(jmap, letters, anchor=ids[1], anchorOffset=-5, limit=2)
    assert (response["position"], response["ids"]) == (0, ids[0:2])
    assert window(jmap, letters, anchor=ids[5], anchorOffset=3)["ids"] == []


def test_anchor_wins_over_position_and_offset_needs_an_anchor(jmap, letters):
    ids = letters[1:]
    response = window(jmap, letters, anchor=ids[3], position=0, limit=1)
    assert (response["position"], response["ids"]) == (3, [ids[3]])
    response = window(jmap, letters, anchorOffset=3, limit=1)
    assert (response["position"], response["ids"]) == (0, [ids[0]])


def test_anchor_not_in_the_results_is_anchor_not_found(jmap, letters):
    inbox = by_role(jmap)["inbox"]
    for anchor in (inbox, "Mnowhere", letters[0]):
        error = jmap.error("Mailbox/query", {"filter": {"parentId": letters[0]}, "anchor": anchor})
        assert error["type"] == "anchorNotFound"


def test_calculate_total(jmap, letters):
    response = window(jmap, letters, limit=2, calculateTotal=True)
    assert response["total"] == 6
    assert len(response["ids"]) == 2
    assert "total" not in window(jmap, letters, limit=2, calculateTotal=False)
    assert "total" not in window(jmap, letters, limit=2)
    assert jmap.call("Mailbox/query", {"filter": {"name": "zzz"}, "calculateTotal": True})["total"] == 0


@pytest.mark.parametrize(
    "arguments",
    [
        {"limit": -1},
        {"limit": "2"},
        {"limit": 1.5},
        {"position": "0"},
        {"position": None, "anchorOffset": "1"},
        {"anchor": 5},
        {"calculateTotal": "yes"},
        {"unknownArgument": True},
    ],
    ids=[
        "negative-limit",
        "string-limit",
        "fractional-limit",
        "string-position",
        "string-anchorOffset",
        "number-anchor",
        "string-calculateTotal",
        "unknown-argument",
    ],
)
def test_invalid_query_arguments(jmap, arguments):
    assert jmap.error("Mailbox/query", arguments)["type"] == "invalidArguments"


def test_query_of_another_account_is_account_not_found(jmap, other_jmap):
    error = jmap.error("Mailbox/query", {"accountId": other_jmap.account_id})
    assert error["type"] == "accountNotFound"


def test_query_results_follow_writes(jmap, letters):
    ids = letters[1:]
    mailbox_set(jmap, update={ids[0]: {"name": "Z"}}, destroy=[ids[1]])
    assert window(jmap, letters)["ids"] == [*ids[2:], ids[0]]
