"""The Id data type (RFC 8620 section 1.2)."""

import re

_ID = re.compile(r"^[A-Za-z0-9_-]{1,255}$")


def is_valid_id(value: object) -> bool:
    return isinstance(value, str) and bool(_ID.match(value))
