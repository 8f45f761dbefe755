"""Loading the caller of an API request, with its account, in one prepared statement.

Every JMAP request authenticates, so this runs more often than anything else. The
ORM spends longer compiling a four-table ``select_related`` than PostgreSQL spends
answering it; this fixed SQL is prepared once per connection by psycopg instead.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection, models

from jmapcore.models import Account, ApiToken, Domain


def _columns(model: type[models.Model], alias: str) -> list[str]:
    return [f'{alias}."{field.column}"' for field in model._meta.concrete_fields]


def _instance(model: type[models.Model], values: tuple) -> Any:
    names = [field.attname for field in model._meta.concrete_fields]
    return model.from_db(connection.alias, names, values)


def _sql(where: str, token_join: bool = False) -> str:
    User = get_user_model()
    columns = _columns(User, "u") + _columns(Account, "a") + _columns(Domain, "d")
    joins = f" JOIN {ApiToken._meta.db_table} t ON t.user_id = u.id" if token_join else ""
    if token_join:
        columns += ["t.id", "t.last_used_at"]
    return (
        f"SELECT {', '.join(columns)} FROM {User._meta.db_table} u{joins}"
        f" LEFT JOIN {Account._meta.db_table} a ON a.user_id = u.id"
        f" LEFT JOIN {Domain._meta.db_table} d ON d.id = a.domain_id"
        f" WHERE u.is_active AND {where}"
    )


def _user_from_row(row: tuple) -> Any:
    User = get_user_model()
    sizes = [len(model._meta.concrete_fields) for model in (User, Account, Domain)]
    user = _instance(User, row[: sizes[0]])
    account_values = row[sizes[0] : sizes[0] + sizes[1]]
    if account_values[0] is not None:
        account = _instance(Account, account_values)
        account.domain = _instance(Domain, row[sizes[0] + sizes[1] :])
        user.mail_account = account  # cached: accessible_accounts() needs no query
    return user


def active_user_with_account(user_id: int) -> Any | None:
    with connection.cursor() as cursor:
        cursor.execute(_sql("u.id = %s"), [user_id])
        row = cursor.fetchone()
    return _user_from_row(row) if row else None


def token_caller(key_hash: str) -> tuple[int, datetime | None, Any] | None:
    """(token id, last use, active user with account) for a token hash, or None."""
    with connection.cursor() as cursor:
        cursor.execute(_sql("t.key_hash = %s", token_join=True), [key_hash])
        row = cursor.fetchone()
    if row is None:
        return None
    return row[-2], row[-1], _user_from_row(row[:-2])
