"""What SearchSnippet/get highlights: subject and preview."""

from __future__ import annotations

from collections.abc import Iterable

from .conditions import summary
from .sql import EMAIL, sql
from .statements import _fetch


def snippet_sources(account_id: int, pks: Iterable[int]) -> dict[int, tuple[str | None, str]]:
    """The subject and preview of the account's emails among ``pks``."""
    statement = sql(
        "SELECT e.id, {s} ->> 'subject', e.preview FROM " + EMAIL + " e"
        " WHERE e.account_id = {a} AND e.id = ANY({pks}::bigint[])",
        s=summary("e"),
        a=account_id,
        pks=sorted(set(pks)),
    )
    return {row[0]: (row[1], row[2]) for row in _fetch(statement)}
