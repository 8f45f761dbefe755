"""JMAP errors as data (RFC 8620 sections 3.6 and 5.3).

Request-level errors become ``application/problem+json`` responses (RFC 7807);
method-level errors become an ``["error", {...}, callId]`` invocation; SetErrors
are per-object entries in ``notCreated``/``notUpdated``/``notDestroyed``.
"""

from __future__ import annotations

from typing import Any

PROBLEM_PREFIX = "urn:ietf:params:jmap:error:"


class RequestError(Exception):
    """Rejects the whole request (RFC 8620 section 3.6.1)."""

    def __init__(self, error_type: str, detail: str, status: int = 400, **extra: Any) -> None:
        super().__init__(detail)
        self.error_type = error_type
        self.detail = detail
        self.status = status
        self.extra = extra

    def problem(self) -> dict[str, Any]:
        return {
            "type": PROBLEM_PREFIX + self.error_type,
            "status": self.status,
            "detail": self.detail,
            **self.extra,
        }


class MethodError(Exception):
    """Rejects one method call (RFC 8620 section 3.6.2)."""

    def __init__(self, error_type: str, description: str | None = None, **extra: Any) -> None:
        super().__init__(description or error_type)
        self.error_type = error_type
        self.description = description
        self.extra = extra

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"type": self.error_type, **self.extra}
        if self.description:
            body["description"] = self.description
        return body


class SetError(Exception):
    """Rejects one object in a /set or /copy (RFC 8620 section 5.3)."""

    def __init__(
        self,
        error_type: str,
        description: str | None = None,
        properties: list[str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(description or error_type)
        self.error_type = error_type
        self.description = description
        self.properties = properties
        self.extra = extra

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"type": self.error_type, **self.extra}
        if self.description:
            body["description"] = self.description
        if self.properties is not None:
            body["properties"] = self.properties
        return body


def invalid_properties(description: str, *properties: str) -> SetError:
    return SetError("invalidProperties", description, list(properties))
