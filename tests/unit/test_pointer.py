"""JSON Pointer (RFC 6901) with JMAP's ``*`` (RFC 8620 section 3.7)."""

from __future__ import annotations

import pytest

from jmapcore.protocol.pointer import PointerError, evaluate

# The example document of RFC 6901 section 5.
RFC6901 = {
    "foo": ["bar", "baz"],
    "": 0,
    "a/b": 1,
    "c%d": 2,
    "e^f": 3,
    "g|h": 4,
    "i\\j": 5,
    'k"l': 6,
    " ": 7,
    "m~n": 8,
}


@pytest.mark.parametrize(
    ("pointer", "expected"),
    [
        ("", RFC6901),
        ("/foo", ["bar", "baz"]),
        ("/foo/0", "bar"),
        ("/", 0),
        ("/a~1b", 1),
        ("/c%d", 2),
        ("/e^f", 3),
        ("/g|h", 4),
        ("/i\\j", 5),
        ('/k"l', 6),
        ("/ ", 7),
        ("/m~0n", 8),
    ],
)
def test_rfc_6901_examples(pointer, expected):
    assert evaluate(RFC6901, pointer) == expected


def test_tilde_escapes_are_decoded_in_the_right_order():
    """RFC 6901 section 4: '~01' becomes '~1', not '/'."""
    assert evaluate({"~1": "tilde-one", "/": "slash"}, "/~01") == "tilde-one"
    assert evaluate({"~1": "tilde-one", "/": "slash"}, "/~1") == "slash"


@pytest.mark.parametrize(
    "pointer",
    ["foo", "/nope", "/foo/2", "/foo/-", "/foo/01", "/foo/-1", "/foo/1.0", "/foo/0/x", "/foo/ 0", "/%20"],
)
def test_paths_that_do_not_resolve(pointer):
    with pytest.raises(PointerError):
        evaluate(RFC6901, pointer)


def test_star_maps_the_rest_of_the_path_over_an_array():
    document = {"list": [{"id": "a", "n": 1}, {"id": "b", "n": 2}]}
    assert evaluate(document, "/list/*/id") == ["a", "b"]
    assert evaluate(document, "/list/*") == [{"id": "a", "n": 1}, {"id": "b", "n": 2}]


def test_star_flattens_arrays_of_arrays_one_level():
    """The RFC 8620 section 3.7 Thread/get example: /list/*/emailIds."""
    document = {
        "list": [
            {"id": "trd194", "emailIds": ["msg1020", "msg1021", "msg1023"]},
            {"id": "trd114", "emailIds": ["msg201", "msg223"]},
        ]
    }
    assert evaluate(document, "/list/*/emailIds") == ["msg1020", "msg1021", "msg1023", "msg201", "msg223"]
    # Only one level: an array inside the mapped arrays stays an array.
    assert evaluate({"a": [{"b": [[1], 2]}, {"b": [3]}]}, "/a/*/b") == [[1], 2, 3]


def test_star_on_an_array_of_arrays_flattens_it():
    assert evaluate({"a": [[1, 2], [], [3]]}, "/a/*") == [1, 2, 3]


def test_nested_stars():
    document = {"a": [{"b": [{"c": 1}, {"c": 2}]}, {"b": [{"c": 3}]}]}
    assert evaluate(document, "/a/*/b/*/c") == [1, 2, 3]


def test_star_over_an_empty_array_is_an_empty_array():
    assert evaluate({"list": []}, "/list/*/id") == []


def test_star_fails_when_the_rest_fails_for_an_item():
    with pytest.raises(PointerError):
        evaluate({"list": [{"id": "a"}, {"name": "no id"}]}, "/list/*/id")


def test_star_is_an_ordinary_member_name_in_an_object():
    assert evaluate({"*": 1}, "/*") == 1
    with pytest.raises(PointerError):
        evaluate({"x": 1}, "/*")


def test_star_on_a_scalar_fails():
    with pytest.raises(PointerError):
        evaluate({"a": "text"}, "/a/*")
