"""Parsing FilterOperator trees and Comparators (RFC 8620 section 5.5), and collations."""

from __future__ import annotations

import unicodedata
from typing import Any

from jmapcore.protocol.errors import MethodError

from .datatype import Comparator, DataType, FilterTree

# RFC 4790 collations this server implements; advertised in the core capability.
COLLATIONS = ("i;ascii-casemap", "i;octet", "i;unicode-casemap")
DEFAULT_COLLATION = "i;unicode-casemap"
MAX_FILTER_DEPTH = 16


def parse_filter(datatype: DataType, raw: Any, depth: int = 0) -> FilterTree | None:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise MethodError("invalidArguments", "filter must be an object or null", arguments=["filter"])
    if depth > MAX_FILTER_DEPTH:
        raise MethodError("unsupportedFilter", "The filter is nested too deeply")
    if "operator" in raw:
        operator, conditions = raw.get("operator"), raw.get("conditions")
        if (
            operator not in ("AND", "OR", "NOT")
            or not isinstance(conditions, list)
            or set(raw)
            - {
                "operator",
                "conditions",
            }
        ):
            raise MethodError(
                "invalidArguments",
                "A FilterOperator has 'operator' (AND, OR or NOT) and a 'conditions' array",
                arguments=["filter"],
            )
        return {
            "operator": operator,
            "conditions": [parse_filter(datatype, c, depth + 1) for c in conditions],
        }
    condition: dict[str, Any] = {}
    for key, value in raw.items():
        validator = datatype.filter_conditions.get(key)
        if validator is None:
            raise MethodError("unsupportedFilter", f"{datatype.name} cannot be filtered by {key!r}")
        try:
            condition[key] = validator(value)
        except (TypeError, ValueError) as exc:
            raise MethodError(
                "invalidArguments", f"Filter condition {key!r}: {exc}", arguments=["filter"]
            ) from None
    return condition


def parse_sort(datatype: DataType, raw: Any) -> list[Comparator]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise MethodError("invalidArguments", "sort must be an array of Comparators", arguments=["sort"])
    comparators = []
    for item in raw:
        if not isinstance(item, dict) or not isinstance(item.get("property"), str):
            raise MethodError(
                "invalidArguments", "Each Comparator needs a 'property' string", arguments=["sort"]
            )
        ascending = item.get("isAscending", True)
        collation = item.get("collation", DEFAULT_COLLATION)
        if not isinstance(ascending, bool) or not isinstance(collation, str):
            raise MethodError(
                "invalidArguments",
                "isAscending is a boolean and collation a string",
                arguments=["sort"],
            )
        # Other Comparator members are type-specific extensions; unknown ones are ignored.
        if item["property"] not in datatype.sortable:
            raise MethodError("unsupportedSort", f"{datatype.name} cannot be sorted by {item['property']!r}")
        if collation not in COLLATIONS:
            raise MethodError("unsupportedSort", f"Unknown collation {collation!r}")
        comparators.append(Comparator(item["property"], ascending, collation))
    return comparators


def collation_key(value: str, collation: str) -> Any:
    """A sort key for a string under an RFC 4790 collation."""
    if collation == "i;octet":
        return value.encode()
    if collation == "i;ascii-casemap":
        return value.translate(_ASCII_UPPER_TO_LOWER).encode()
    return unicodedata.normalize("NFKD", value).casefold()


def matches_substring(haystack: str, needle: str) -> bool:
    return collation_key(needle, DEFAULT_COLLATION) in collation_key(haystack, DEFAULT_COLLATION)


_ASCII_UPPER_TO_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
