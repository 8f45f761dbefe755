"""Email/query, Email/queryChanges (RFC 8621 4.4, 4.5) and SearchSnippet/get (RFC 8621 5).

Arguments are validated here; the SQL lives in :mod:`jmapcore.selectors.email_query`.
Ids are formatted here ("E<pk>", mailboxes "M<pk>") rather than through the Email
data type, so this module needs nothing but the models, the selectors and the engine.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from typing import Any

from django.conf import settings

from jmapcore.changes.read import changes_since, parse_state, snapshot
from jmapcore.engine.arguments import MAX_UNSIGNED, Arguments
from jmapcore.engine.capabilities import MAIL
from jmapcore.engine.context import Context
from jmapcore.engine.querying import parse_filter, parse_sort
from jmapcore.engine.registry import method
from jmapcore.mail.keywords import is_valid_keyword
from jmapcore.models import Account
from jmapcore.protocol.errors import MethodError
from jmapcore.protocol.ids import is_valid_id
from jmapcore.selectors.email_query import (
    KEYWORD_SORTS,
    SORTABLE,
    EmailComparator,
    EmailQuery,
    Term,
    email_id,
    email_pk,
    parse_utc_date,
    query_indexes,
    query_page,
    snippet_sources,
    split_terms,
    thread_members,
)

# The most ids one Email/query returns; a larger or missing limit is clamped to it.
MAX_LIMIT = 1000
# Email/queryChanges reads at most this many change-log rows; beyond, the client re-queries.
MAX_CHANGES_SCANNED = 10_000
# RFC 8621 5.1: a snippet's preview "MUST NOT be bigger than 255 octets".
MAX_PREVIEW_OCTETS = 255


# ---------------------------------------------------------------- validation


def _id(value: Any) -> str:
    if not is_valid_id(value):
        raise ValueError("must be an Id")
    return value


def _ids(value: Any) -> list[str]:
    if not isinstance(value, list):
        raise ValueError("must be an array of Ids")
    return [_id(item) for item in value]


def _unsigned(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_UNSIGNED:
        raise ValueError("must be an UnsignedInt")
    return value


def _keyword(value: Any) -> str:
    if not is_valid_keyword(value):
        raise ValueError("must be a keyword (RFC 8621 4.1.1)")
    return value.lower()


def _boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError("must be a boolean")
    return value


def _string(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("must be a string")
    return value


_FIELD_NAME = re.compile(r"^[\x21-\x39\x3b-\x7e]+$")  # RFC 5322 ftext


def _header(value: Any) -> list[str]:
    if (
        not isinstance(value, list)
        or not 1 <= len(value) <= 2
        or not all(isinstance(item, str) for item in value)
        or not _FIELD_NAME.match(value[0])
    ):
        raise ValueError("must be [name] or [name, text], name a header field name")
    return value


class EmailFilterSpec:
    """What the engine's filter and sort parsers need to know of Email."""

    name = "Email"
    filter_conditions = {
        "inMailbox": _id,
        "inMailboxOtherThan": _ids,
        "before": parse_utc_date,
        "after": parse_utc_date,
        "minSize": _unsigned,
        "maxSize": _unsigned,
        "allInThreadHaveKeyword": _keyword,
        "someInThreadHaveKeyword": _keyword,
        "noneInThreadHaveKeyword": _keyword,
        "hasKeyword": _keyword,
        "notKeyword": _keyword,
        "hasAttachment": _boolean,
        "text": _string,
        "from": _string,
        "to": _string,
        "cc": _string,
        "bcc": _string,
        "subject": _string,
        "body": _string,
        "header": _header,
    }
    sortable = SORTABLE


def parse_email_filter(raw: Any) -> dict[str, Any] | None:
    tree = parse_filter(EmailFilterSpec, raw)  # type: ignore[arg-type]
    _reject_null_conditions(tree)
    return tree


def _reject_null_conditions(node: dict[str, Any] | None) -> None:
    if node is not None and "operator" in node:
        for child in node["conditions"]:
            if child is None:
                raise MethodError(
                    "invalidArguments", "A filter's conditions must be objects", arguments=["filter"]
                )
            _reject_null_conditions(child)


def parse_email_sort(raw: Any) -> tuple[EmailComparator, ...]:
    """Comparators of RFC 8621 4.4.2; the keyword ones need their ``keyword`` member."""
    comparators = parse_sort(EmailFilterSpec, raw)  # type: ignore[arg-type]
    parsed = []
    for comparator, item in zip(comparators, raw or [], strict=True):
        keyword = None
        if comparator.property in KEYWORD_SORTS:
            if not is_valid_keyword(item.get("keyword")):
                raise MethodError(
                    "invalidArguments",
                    f"A {comparator.property} Comparator needs a valid 'keyword'",
                    arguments=["sort"],
                )
            keyword = item["keyword"].lower()
        parsed.append(
            EmailComparator(comparator.property, comparator.ascending, comparator.collation, keyword)
        )
    return tuple(parsed)


def _query_arguments(ctx: Context, args: Arguments) -> tuple[Account, EmailQuery]:
    account = ctx.account(args.any("accountId"), MAIL)
    filter_ = parse_email_filter(args.any("filter"))
    sort = parse_email_sort(args.any("sort"))
    collapse = args.boolean("collapseThreads")
    return account, EmailQuery(account.pk, filter_, sort, collapse)


def _optional_id(args: Arguments, name: str) -> str | None:
    value = args.string(name)
    if value is not None and not (is_valid_id(value) or (value.startswith("#") and is_valid_id(value[1:]))):
        raise MethodError("invalidArguments", f"'{name}' must be an Id", arguments=[name])
    return value


# ---------------------------------------------------------------- Email/query


@method("Email/query", MAIL)
def email_query(ctx: Context, raw: dict[str, Any]) -> dict[str, Any]:
    args = Arguments(raw)
    account, query = _query_arguments(ctx, args)
    position = args.integer("position", default=0)
    anchor = _optional_id(args, "anchor")
    anchor_offset = args.integer("anchorOffset", default=0)
    limit = args.integer("limit", minimum=0)
    calculate_total = args.boolean("calculateTotal")
    args.finish()
    server_limit = MAX_LIMIT if limit is None else min(limit, MAX_LIMIT)
    anchor_pk = None
    if anchor is not None:
        anchor_pk = email_pk(ctx.resolve_id(anchor))
        if anchor_pk is None:
            raise MethodError("anchorNotFound", f"{anchor!r} is not in the results")
    page = query_page(
        query,
        position=position or 0,
        anchor=anchor_pk,
        anchor_offset=anchor_offset or 0,
        limit=server_limit,
        calculate_total=calculate_total,
    )
    if not page.anchor_found:
        raise MethodError("anchorNotFound", f"{anchor!r} is not in the results")
    response: dict[str, Any] = {
        "accountId": account.jmap_id,
        "queryState": page.state,
        "canCalculateChanges": True,
        "position": page.position,
        "ids": [email_id(pk) for pk in page.ids],
    }
    if calculate_total:
        response["total"] = page.total
    if server_limit != limit:
        response["limit"] = server_limit
    return response


# ---------------------------------------------------------------- Email/queryChanges


@method("Email/queryChanges", MAIL)
def email_query_changes(ctx: Context, raw: dict[str, Any]) -> dict[str, Any]:
    """The change log says which emails changed; each is removed and re-added where it now is.

    With collapseThreads (or a thread keyword condition or sort) an email's place also
    depends on the rest of its thread, so every email of a thread that changed is
    removed and re-placed too. RFC 8620 5.6 allows the extra ids in ``removed``;
    ``added`` holds exactly the re-placed emails that are in the result now. upToId is
    ignored: membership and keywords are mutable, so no Email query qualifies.
    """
    args = Arguments(raw)
    account, query = _query_arguments(ctx, args)
    since = args.string("sinceQueryState", required=True)
    max_changes = args.integer("maxChanges", minimum=0)
    _optional_id(args, "upToId")
    calculate_total = args.boolean("calculateTotal")
    args.finish()
    since_modseq = parse_state(since)
    if since_modseq is None:
        raise MethodError("cannotCalculateChanges", f"Unknown query state {since!r}")
    # One snapshot for the log and the indexes: ``added`` is then exact at newQueryState.
    with snapshot():
        changes = changes_since(account.pk, "Email", since, MAX_CHANGES_SCANNED)  # type: ignore[arg-type]
        if changes.has_more:
            raise MethodError(
                "cannotCalculateChanges", "Too many emails changed since that state; query again"
            )
        created = set(changes.created)
        removed = [*changes.updated, *changes.destroyed]
        candidates = created | set(changes.updated)
        if query.thread_dependent and (candidates or changes.destroyed):
            members = thread_members(account.pk, candidates, since_modseq)
            removed = list(dict.fromkeys([*removed, *(pk for pk in members if pk not in created)]))
            candidates |= set(members)
        if max_changes is not None and len(removed) > max_changes:
            raise MethodError("tooManyChanges", f"More than {max_changes} changes")
        added: list[tuple[int, int]] = []
        total = None
        if candidates or calculate_total:
            added, total = query_indexes(query, candidates, calculate_total)
    if max_changes is not None and len(removed) + len(added) > max_changes:
        raise MethodError("tooManyChanges", f"More than {max_changes} changes")
    response: dict[str, Any] = {
        "accountId": account.jmap_id,
        "oldQueryState": since,
        "newQueryState": changes.new_state,
        "removed": [email_id(pk) for pk in removed],
        "added": [{"id": email_id(pk), "index": index} for pk, index in added],
    }
    if calculate_total:
        response["total"] = total
    return response


# ---------------------------------------------------------------- SearchSnippet/get


@method("SearchSnippet/get", MAIL)
def search_snippet_get(ctx: Context, raw: dict[str, Any]) -> dict[str, Any]:
    args = Arguments(raw)
    account = ctx.account(args.any("accountId"), MAIL)
    filter_ = parse_email_filter(args.any("filter"))
    email_ids = args.id_list("emailIds")
    args.finish()
    if email_ids is None:
        raise MethodError("invalidArguments", "'emailIds' is required", arguments=["emailIds"])
    if len(email_ids) > settings.JMAP_MAX_OBJECTS_IN_GET:
        raise MethodError(
            "requestTooLarge", f"At most {settings.JMAP_MAX_OBJECTS_IN_GET} emailIds per SearchSnippet/get"
        )
    shown = [ctx.resolve_id(given) or given for given in dict.fromkeys(email_ids)]
    pks = {jmap_id: email_pk(jmap_id) for jmap_id in shown}
    found = snippet_sources(account.pk, [pk for pk in pks.values() if pk is not None])
    subject_terms, body_terms = snippet_terms(filter_)
    snippets, not_found = [], []
    for jmap_id in shown:
        pk = pks[jmap_id]
        if pk is None or pk not in found:
            not_found.append(jmap_id)
            continue
        subject, preview = found[pk]
        snippets.append(
            {
                "emailId": jmap_id,
                "subject": highlight(subject or "", subject_terms, words=False),
                "preview": highlight(preview or "", body_terms, words=True, max_octets=MAX_PREVIEW_OCTETS),
            }
        )
    return {"accountId": account.jmap_id, "list": snippets, "notFound": not_found or None}


def snippet_terms(node: dict[str, Any] | None) -> tuple[list[Term], list[Term]]:
    """The terms to mark in the subject and in the body: from text/subject/body, not under NOT."""
    subject: list[Term] = []
    body: list[Term] = []
    if node is None:
        return subject, body
    if "operator" in node:
        if node["operator"] != "NOT":
            for child in node["conditions"]:
                more_subject, more_body = snippet_terms(child)
                subject += more_subject
                body += more_body
        return subject, body
    if "text" in node:
        terms = split_terms(node["text"])
        subject += terms
        body += [term for term in terms if term.searchable]
    if "subject" in node:
        subject += split_terms(node["subject"])
    if "body" in node:
        body += [term for term in split_terms(node["body"]) if term.searchable]
    return subject, body


def _term_pattern(term: Term, words: bool) -> re.Pattern[str]:
    """Where a term matches: anywhere (header substring search), or as full text search finds it.

    Full text search matches a word by prefix and a phrase as whole words separated
    by anything that is not a letter or digit.
    """
    parts = [re.escape(part) for part in term.text.split()] if term.phrase else [re.escape(term.text)]
    if not words:
        return re.compile(r"\s+".join(parts), re.IGNORECASE)
    pattern = r"(?<![^\W_])" + r"[\W_]+".join(parts)
    if term.phrase:
        pattern += r"(?![^\W_])"
    return re.compile(pattern, re.IGNORECASE)


def _spans(text: str, terms: Sequence[Term], words: bool) -> list[tuple[int, int]]:
    found = sorted(
        match.span()
        for term in terms
        for match in _term_pattern(term, words).finditer(text)
        if match.end() > match.start()
    )
    merged: list[tuple[int, int]] = []
    for start, end in found:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def highlight(text: str, terms: Sequence[Term], words: bool, max_octets: int | None = None) -> str | None:
    """``text`` HTML-escaped with each match in ``<mark></mark>``; None when nothing matches.

    With ``max_octets`` the result is cut to that many UTF-8 octets, starting a little
    before the first match when the whole text does not fit, never inside a tag or an
    entity, and with every ``<mark>`` closed.
    """
    spans = _spans(text, terms, words)
    if not spans:
        return None
    whole, _ = _render(text, spans, 0, max_octets)
    if "<mark>" in whole:
        return whole
    first = spans[0][0]
    start = max(0, first - 40)
    space = text.find(" ", start, first)
    if start > 0 and space != -1:
        start = space + 1
    return _render(text, spans, start, max_octets)[0]


_OPEN, _CLOSE, _ELLIPSIS = "<mark>", "</mark>", "\u2026"


def _render(text: str, spans: list[tuple[int, int]], start: int, max_octets: int | None) -> tuple[str, bool]:
    starts = {s for s, _ in spans}
    ends = {e for _, e in spans}
    inside = any(s < start < e for s, e in spans)
    out = [_ELLIPSIS] if start > 0 else []
    if inside:
        out.append(_OPEN)
    size = sum(len(piece.encode()) for piece in out)
    for i in range(start, len(text)):
        piece = (_OPEN if i in starts else "") + html.escape(text[i], quote=False)
        opened = inside or i in starts
        closes = opened and (i + 1) in ends
        if closes:
            piece += _CLOSE
        still_open = opened and not closes
        reserve = (len(_CLOSE) if still_open else 0) + (len(_ELLIPSIS.encode()) if i + 1 < len(text) else 0)
        cost = len(piece.encode())
        if max_octets is not None and size + cost + reserve > max_octets:
            if inside:
                out.append(_CLOSE)
            out.append(_ELLIPSIS)
            return "".join(out), True
        out.append(piece)
        size += cost
        inside = still_open
    if inside:
        out.append(_CLOSE)
    return "".join(out), False
