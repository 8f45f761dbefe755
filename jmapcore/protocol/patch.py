"""PatchObject (RFC 8620 section 5.3): apply a patch to a JSON object, or say why not."""

from __future__ import annotations

import copy
from typing import Any


class PatchError(ValueError):
    """The patch cannot be applied: the caller answers SetError invalidPatch."""


def _unescape(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


def apply_patch(obj: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """Return a new object with the patch applied; ``obj`` is left untouched.

    A key is a JSON pointer relative to the object, without the leading slash.
    A ``null`` value removes the member (resets it to its default, for the
    caller to decide). No path may be a prefix of another in the same patch.
    """
    parsed = {path: tuple(_unescape(t) for t in path.split("/")) for path in patch}
    # Compare whole tokens: "a" is a prefix of "a/b" but not of "ab". Any path's proper
    # prefixes are checked against the set of all paths, so order does not matter.
    all_tokens = set(parsed.values())
    for path, tokens in parsed.items():
        for length in range(1, len(tokens)):
            if tokens[:length] in all_tokens:
                before = "/".join(t.replace("~", "~0").replace("/", "~1") for t in tokens[:length])
                raise PatchError(f"patch path {before!r} is a prefix of {path!r}")
    result = copy.deepcopy(obj)
    for path, value in patch.items():
        tokens = list(parsed[path])
        target = result
        for token in tokens[:-1]:
            if not isinstance(target, dict) or token not in target or not isinstance(target[token], dict):
                raise PatchError(f"path {path!r} does not lead to an object")
            target = target[token]
        last = tokens[-1]
        if value is None:
            if len(tokens) == 1:
                target[last] = None
            else:
                target.pop(last, None)
        else:
            target[last] = copy.deepcopy(value)
    return result
