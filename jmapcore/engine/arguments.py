"""Strict validation of method arguments into Python values (invalidArguments on failure)."""

from __future__ import annotations

from typing import Any

from jmapcore.protocol.errors import MethodError
from jmapcore.protocol.ids import is_valid_id

MAX_UNSIGNED = 2**53 - 1


def _invalid(description: str, name: str) -> MethodError:
    return MethodError("invalidArguments", description, arguments=[name])


class Arguments:
    """Reads method arguments by name and type; remembers which were read.

    ``finish()`` rejects any argument that no one read, so a typo in a client's
    argument name is an error rather than a silently ignored option.
    """

    def __init__(self, raw: dict[str, Any]) -> None:
        self.raw = raw
        self.seen: set[str] = set()

    def has(self, name: str) -> bool:
        return self.raw.get(name) is not None

    def any(self, name: str, default: Any = None) -> Any:
        self.seen.add(name)
        return self.raw.get(name, default)

    def string(self, name: str, required: bool = False, nullable: bool = True) -> str | None:
        value = self.any(name)
        if value is None:
            if required or (not nullable and name in self.raw):
                raise _invalid(f"'{name}' must be a string", name)
            return None
        if not isinstance(value, str):
            raise _invalid(f"'{name}' must be a string", name)
        return value

    def boolean(self, name: str, default: bool = False) -> bool:
        value = self.any(name)
        if value is None:
            return default
        if not isinstance(value, bool):
            raise _invalid(f"'{name}' must be a boolean", name)
        return value

    def integer(self, name: str, default: int | None = None, minimum: int | None = None) -> int | None:
        value = self.any(name)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int) or abs(value) > MAX_UNSIGNED:
            raise _invalid(f"'{name}' must be an integer", name)
        if minimum is not None and value < minimum:
            raise _invalid(f"'{name}' must be at least {minimum}", name)
        return value

    def string_list(self, name: str) -> list[str] | None:
        value = self.any(name)
        if value is None:
            return None
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise _invalid(f"'{name}' must be an array of strings", name)
        return value

    def id_list(self, name: str) -> list[str] | None:
        """An Id[] that may contain ``#creationId`` references (resolved later)."""
        value = self.string_list(name)
        if value is not None:
            for item in value:
                if not (is_valid_id(item) or (item.startswith("#") and is_valid_id(item[1:]))):
                    raise _invalid(f"'{name}' contains an invalid id {item!r}", name)
        return value

    def object(self, name: str) -> dict[str, Any] | None:
        value = self.any(name)
        if value is None:
            return None
        if not isinstance(value, dict):
            raise _invalid(f"'{name}' must be an object", name)
        return value

    def finish(self) -> None:
        unknown = sorted(set(self.raw) - self.seen)
        if unknown:
            raise MethodError(
                "invalidArguments", f"Unknown argument(s): {', '.join(unknown)}", arguments=unknown
            )
