"""Email/query in SQL: a filter tree and a sort become one statement that pages in PostgreSQL.

Nothing here loads a whole result into Python. Every read is one statement:

* :func:`query_page` returns the Email state, the total (when asked) and one page of
  ids, read in a single snapshot (one statement), so the ``queryState`` always
  describes exactly the ids returned.
* :func:`query_indexes` tells which of some emails are in the current result and at
  which index (a COUNT of the rows sorted before each), for ``Email/queryChanges``.

How the rows are reached:

* A filter whose top level requires ``inMailbox`` is driven from the membership
  table, in the order of its index ``(mailbox, -received_at, -email)``; the email row
  is joined only when a condition or sort key needs one of its columns.
* ``collapseThreads`` keeps the first email of each thread in sort order. For the
  conversation list (only ``inMailbox``, newest first) that is the thread row's
  ``latest_email``, read from the index ``(mailbox, -latest_received_at,
  -latest_email)``; otherwise an email is kept when no email of its thread that
  matches the filter sorts before it (an anti-join, so a page can still stop early).
* The total of a filter that is only ``inMailbox`` is the Mailbox's counter.
* Positions (``anchor``, and the indexes of ``/queryChanges``) are COUNTs of the rows
  sorted before a row, so they cost an index range, not the whole result.
* Text conditions: ``body`` uses the ``search`` tsvector of the body text ('simple'
  configuration; words match by prefix, quoted phrases exactly); ``text`` looks for
  each term there or in the Subject and the From/To/Cc/Bcc names and addresses (ILIKE
  on the stored JSON), as RFC 8621 requires. from/to/cc/bcc/subject/header are
  case-insensitive substring matches of every term.

Every sort ends with the email id (in the direction of the last comparator), so the
order is total and the "sorted before" comparisons are exact.
"""

from .query import (
    KEYWORD_SORTS,
    SORTABLE,
    EmailComparator,
    EmailQuery,
    email_id,
    email_pk,
    mailbox_pk,
    parse_utc_date,
)
from .snippets import snippet_sources
from .statements import Page, explain, page_statement, query_indexes, query_page, query_total, thread_members
from .terms import Term, split_terms

__all__ = [
    "KEYWORD_SORTS",
    "SORTABLE",
    "EmailComparator",
    "EmailQuery",
    "Page",
    "Term",
    "email_id",
    "email_pk",
    "explain",
    "mailbox_pk",
    "page_statement",
    "parse_utc_date",
    "query_indexes",
    "query_page",
    "query_total",
    "snippet_sources",
    "split_terms",
    "thread_members",
]
