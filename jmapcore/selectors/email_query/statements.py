"""The statements: a page with state and total, indexes for queryChanges, thread members."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection

from .plans import plan_for
from .query import EmailQuery
from .sql import CHANGE, EMAIL, STATE, Sql, _order_by, join, sql


def _state(account_id: int) -> Sql:
    return sql(f"(SELECT states ->> 'Email' FROM {STATE} WHERE account_id = {{a}})", a=account_id)


def _fetch(statement: Sql) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(statement.text, statement.params)
        return cursor.fetchall()


@dataclass
class Page:
    state: str
    position: int
    ids: list[int]
    total: int | None = None
    anchor_found: bool = True


def page_statement(
    query: EmailQuery,
    *,
    position: int = 0,
    anchor: int | None = None,
    anchor_offset: int = 0,
    limit: int,
    calculate_total: bool = False,
) -> Sql:
    """The one statement behind :func:`query_page`; rows are (state, total, anchor index, id)."""
    plan = plan_for(query)
    rows = plan.result("p")
    order = _order_by(rows.keys)
    ctes: list[Sql] = []
    columns = [sql("{s} AS state", s=_state(query.account_id))]
    if calculate_total or (anchor is None and position < 0):
        ctes.append(sql("total AS MATERIALIZED (SELECT {t} AS n)", t=plan.total("n")))
        columns.append(Sql("(SELECT n FROM total) AS total"))
    else:
        columns.append(Sql("NULL::bigint AS total"))
    if anchor is not None:
        target = plan.result("a")
        names = [f"k{i}" for i in range(len(target.keys))]
        ctes.append(
            sql(
                "anchor AS MATERIALIZED (SELECT {k} {fw})",
                k=join(", ", [k + f" AS {name}" for (k, _), name in zip(target.keys, names, strict=True)]),
                fw=target.from_where(sql("{id} = {pk}", id=target.id, pk=anchor)),
            )
        )
        pivot = [Sql(f"anchor.{name}") for name in names]
        ctes.append(sql("pos AS MATERIALIZED (SELECT {c} AS n FROM anchor)", c=plan.count_before("c", pivot)))
        columns.append(Sql("(SELECT n FROM pos) AS anchor"))
        offset = sql("(SELECT greatest(0, n + {o}) FROM pos)", o=anchor_offset)
    else:
        columns.append(Sql("NULL::bigint AS anchor"))
        if position < 0:
            offset = sql("(SELECT greatest(0, n + {o}) FROM total)", o=position)
        else:
            offset = sql("{o}", o=position)
    page = sql(
        "SELECT {id} AS id, row_number() OVER (ORDER BY {order}) AS ord {fw}"
        " ORDER BY {order} LIMIT {limit} OFFSET {offset}",
        id=rows.id,
        order=order,
        fw=rows.from_where(),
        limit=limit,
        offset=offset,
    )
    return sql(
        "{ctes}SELECT st.state, st.total, st.anchor, p.id FROM (SELECT {columns}) st"
        " LEFT JOIN LATERAL ({page}) p ON TRUE ORDER BY p.ord",
        ctes=sql("WITH {c} ", c=join(", ", ctes)) if ctes else Sql(),
        columns=join(", ", columns),
        page=page,
    )


def query_page(
    query: EmailQuery,
    *,
    position: int = 0,
    anchor: int | None = None,
    anchor_offset: int = 0,
    limit: int,
    calculate_total: bool = False,
) -> Page:
    """One page of the result, the Email state and (if asked) the total, in one statement.

    ``anchor`` (an email pk) wins over ``position``; its index is the number of rows
    sorted before it. A negative ``position`` counts from the end (so needs the total).
    """
    statement = page_statement(
        query,
        position=position,
        anchor=anchor,
        anchor_offset=anchor_offset,
        limit=limit,
        calculate_total=calculate_total,
    )
    result = _fetch(statement)
    state, total, anchor_index = result[0][0] or "0", result[0][1], result[0][2]
    total = None if total is None else int(total)
    shown_total = total if calculate_total else None
    ids = [row[3] for row in result if row[3] is not None]
    if anchor is not None:
        if anchor_index is None:
            return Page(state, 0, [], shown_total, anchor_found=False)
        start = max(0, int(anchor_index) + anchor_offset)
    elif position < 0:
        start = max(0, (total or 0) + position)
    else:
        start = position
    return Page(state, start, ids, shown_total)


def explain(statement: Sql, analyze: bool = False) -> str:
    """PostgreSQL's plan for a statement (for tests and tuning)."""
    prefix = "EXPLAIN (ANALYZE, BUFFERS) " if analyze else "EXPLAIN "
    return "\n".join(row[0] for row in _fetch(Sql(prefix) + statement))


def query_total(query: EmailQuery) -> int:
    plan = plan_for(query)
    return int(_fetch(sql("SELECT {t}", t=plan.total("n")))[0][0] or 0)


def query_indexes(
    query: EmailQuery, pks: Iterable[int], calculate_total: bool = False
) -> tuple[list[tuple[int, int]], int | None]:
    """Which of ``pks`` are in the result now, with their indexes (lowest first), and the total.

    Each index is the COUNT of result rows sorted before that row, so the cost grows
    with the candidates and their positions, never with a materialised result list.
    """
    pks = sorted(set(pks))
    plan = plan_for(query)
    total = sql("{t}", t=plan.total("n")) if calculate_total else Sql("NULL::bigint")
    if pks:
        rows = plan.result("c")
        placed = sql(
            "SELECT {id} AS id, {before} AS idx {fw}",
            id=rows.id,
            before=plan.count_before("b", [k for k, _ in rows.keys]),
            fw=rows.from_where(sql("{id} = ANY({pks}::bigint[])", id=rows.id, pks=pks)),
        )
    else:
        placed = Sql("SELECT NULL::bigint AS id, NULL::bigint AS idx WHERE FALSE")
    statement = sql(
        "SELECT t.total, x.id, x.idx FROM (SELECT {total} AS total) t LEFT JOIN LATERAL ({placed}) x ON TRUE ORDER BY x.idx",
        total=total,
        placed=placed,
    )
    result = _fetch(statement)
    found = [(row[1], int(row[2])) for row in result if row[1] is not None]
    return found, (None if result[0][0] is None else int(result[0][0]))


def thread_members(account_id: int, changed: Iterable[int], since_modseq: int) -> list[int]:
    """Every email in a thread that holds one of ``changed`` or changed since ``since_modseq``.

    Threads change (in the log) when an email joins or leaves them, so this also finds
    the threads of emails destroyed since then.
    """
    statement = sql(
        f"SELECT e.id FROM {EMAIL} e WHERE e.account_id = {{a}} AND e.thread_id IN ("
        f" SELECT x.thread_id FROM {EMAIL} x WHERE x.id = ANY({{pks}}::bigint[]) AND x.account_id = {{a2}}"
        f" UNION SELECT c.object_id FROM {CHANGE} c"
        f" WHERE c.account_id = {{a3}} AND c.type_name = 'Thread' AND c.modseq > {{since}})"
        " ORDER BY e.id",
        a=account_id,
        pks=sorted(set(changed)),
        a2=account_id,
        a3=account_id,
        since=since_modseq,
    )
    return [row[0] for row in _fetch(statement)]
