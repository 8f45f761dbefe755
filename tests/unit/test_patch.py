"""PatchObject (RFC 8620 section 5.3)."""

from __future__ import annotations

import pytest

from jmapcore.protocol.patch import PatchError, apply_patch

RFC_TASK_OBJECT = {
    "id": "a",
    "title": "Practise Piano",
    "keywords": {"music": True, "beethoven": True, "mozart": True, "liszt": True, "rachmaninov": True},
    "neuralNetworkTimeEstimation": 3600,
}


def test_rfc_example_minimal_patch():
    patched = apply_patch(RFC_TASK_OBJECT, {"keywords/chopin": True, "keywords/mozart": None})
    assert patched["keywords"] == {
        "music": True,
        "beethoven": True,
        "chopin": True,
        "liszt": True,
        "rachmaninov": True,
    }
    assert patched["title"] == "Practise Piano"


def test_rfc_example_whole_object_is_a_patch():
    whole = {**RFC_TASK_OBJECT, "keywords": {"music": True, "chopin": True}}
    assert apply_patch(RFC_TASK_OBJECT, whole) == whole


def test_the_original_is_not_changed():
    original = {"a": {"b": 1}}
    apply_patch(original, {"a/b": 2, "c": 3})
    assert original == {"a": {"b": 1}}


def test_values_are_copied_not_shared():
    value = {"deep": [1]}
    patched = apply_patch({}, {"x": value})
    value["deep"].append(2)
    assert patched["x"] == {"deep": [1]}


def test_null_removes_a_nested_member_and_missing_is_a_no_op():
    assert apply_patch({"k": {"a": 1, "b": 2}}, {"k/a": None}) == {"k": {"b": 2}}
    assert apply_patch({"k": {"b": 2}}, {"k/a": None}) == {"k": {"b": 2}}


def test_null_at_the_top_level_is_left_for_the_type_to_default():
    """'If null, set to the default value if specified for this property': the type decides."""
    assert apply_patch({"sortOrder": 5}, {"sortOrder": None}) == {"sortOrder": None}


def test_adding_a_member_to_an_existing_object():
    assert apply_patch({"k": {}}, {"k/new": [1, 2]}) == {"k": {"new": [1, 2]}}


def test_escaped_tokens():
    assert apply_patch({"a/b": {"m~n": 1}}, {"a~1b/m~0n": 2}) == {"a/b": {"m~n": 2}}


@pytest.mark.parametrize(
    "patch",
    [
        {"keywords": {}, "keywords/music": None},
        {"a": 1, "a/b": 2},
        {"a/b": 3, "a-c": 2, "a": 1},
        {"a/b/c": 3, "a.c": 2, "a": 1},
        {"x/y": 1, "x/y/z": 2},
    ],
    ids=["rfc-example", "adjacent", "not-adjacent-when-sorted", "deeper", "nested-prefix"],
)
def test_one_path_may_not_be_a_prefix_of_another(patch):
    with pytest.raises(PatchError):
        apply_patch({"keywords": {"music": True}, "a": {"b": {"c": 1}}, "x": {"y": {"z": 1}}}, patch)


def test_a_path_that_only_starts_with_the_same_characters_is_not_a_prefix():
    document = {"a": {"b": 1, "bc": 2}, "ab": 0}
    assert apply_patch(document, {"a/b": 3, "a/bc": 4, "ab": 5}) == {"a": {"b": 3, "bc": 4}, "ab": 5}


@pytest.mark.parametrize(
    ("document", "patch"),
    [
        ({}, {"missing/child": 1}),
        ({"title": "x"}, {"title/child": 1}),
        ({"list": [1, 2]}, {"list/0": 3}),
        ({"list": [{"a": 1}]}, {"list/0/a": 2}),
        ({"k": None}, {"k/a": 1}),
    ],
    ids=["missing-parent", "into-a-string", "into-an-array", "through-an-array", "into-null"],
)
def test_paths_that_do_not_lead_to_an_object(document, patch):
    with pytest.raises(PatchError):
        apply_patch(document, patch)


def test_arrays_are_replaced_whole():
    assert apply_patch({"list": [1, 2]}, {"list": [3]}) == {"list": [3]}
