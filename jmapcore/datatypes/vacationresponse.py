"""VacationResponse (RFC 8621 section 8): the account's one auto-reply setting, id ``singleton``.

The reply itself is sent on delivery by :mod:`transport.inbound.vacation`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from jmapcore.changes.log import ChangeLog
from jmapcore.engine.capabilities import ACCOUNT_EXTENSIONS, SESSION_EXTENSIONS
from jmapcore.engine.context import Context
from jmapcore.engine.datatype import DataType, Prop
from jmapcore.engine.registry import register
from jmapcore.models import Account, VacationResponse
from jmapcore.protocol.errors import SetError, invalid_properties
from jmapcore.services import vacation as service

from .pushsubscription import UTC_DATE

VACATION = "urn:ietf:params:jmap:vacationresponse"
SINGLETON = "singleton"
SINGLETON_PK = 0  # what the engine sees for the id "singleton"; fetch maps it to the row

FIELDS = {
    "isEnabled": "is_enabled",
    "fromDate": "from_date",
    "toDate": "to_date",
    "subject": "subject",
    "textBody": "text_body",
    "htmlBody": "html_body",
}
MAX_BODY = 100_000


def _utc_date(value: datetime | None) -> str | None:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if value else None


def _date_value(value: Any, prop: str) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, str) or not UTC_DATE.match(value):
        raise invalid_properties(f"{prop} must be a UTCDate or null", prop)
    try:
        return datetime.fromisoformat(value).astimezone(UTC)
    except ValueError:
        raise invalid_properties(f"{prop} must be a UTCDate or null", prop) from None


def _text_value(value: Any, prop: str) -> str | None:
    if value is not None and not isinstance(value, str):
        raise invalid_properties(f"{prop} must be a String or null", prop)
    if value is not None and len(value) > MAX_BODY:
        raise invalid_properties(f"{prop} is longer than {MAX_BODY} characters", prop)
    return value


def _fields(changes: dict[str, Any]) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for prop, value in changes.items():
        if prop == "isEnabled":
            if not isinstance(value, bool):
                raise invalid_properties("isEnabled must be a Boolean", prop)
            fields["is_enabled"] = value
        elif prop in ("fromDate", "toDate"):
            fields[FIELDS[prop]] = _date_value(value, prop)
        else:
            fields[FIELDS[prop]] = _text_value(value, prop)
    return fields


class VacationResponseType(DataType):
    name = "VacationResponse"
    capability = VACATION
    id_prefix = ""
    methods = ("get", "set")
    properties = (
        Prop("id", server_set=True, immutable=True),
        Prop("isEnabled"),
        Prop("fromDate"),
        Prop("toDate"),
        Prop("subject"),
        Prop("textBody"),
        Prop("htmlBody"),
    )

    def to_id(self, pk: int) -> str:
        return SINGLETON

    def to_pk(self, jmap_id: str) -> int | None:
        return SINGLETON_PK if jmap_id == SINGLETON else None

    def fetch(self, ctx: Context, account: Account, pks: Iterable[int] | None) -> dict[int, VacationResponse]:
        if pks is not None and SINGLETON_PK not in set(pks):
            return {}
        # Accounts made before the table existed read as disabled until first set.
        vacation = VacationResponse.objects.filter(account=account).first()
        return {SINGLETON_PK: vacation or VacationResponse(account=account)}

    def to_json(self, ctx: Context, obj: VacationResponse, properties: list[str]) -> dict[str, Any]:
        values = {
            "id": lambda: SINGLETON,
            "isEnabled": lambda: obj.is_enabled,
            "fromDate": lambda: _utc_date(obj.from_date),
            "toDate": lambda: _utc_date(obj.to_date),
            "subject": lambda: obj.subject,
            "textBody": lambda: obj.text_body,
            "htmlBody": lambda: obj.html_body,
        }
        return {name: values[name]() for name in properties}

    def create(
        self, ctx: Context, log: ChangeLog, account: Account, data: dict[str, Any], args: dict
    ) -> tuple[VacationResponse, dict]:
        raise SetError("singleton", "There is exactly one VacationResponse, id singleton; update it")

    def update(
        self,
        ctx: Context,
        log: ChangeLog,
        account: Account,
        obj: VacationResponse,
        changes: dict[str, Any],
        args: dict,
    ) -> dict[str, Any] | None:
        fields = _fields(changes)
        vacation = obj if obj.pk else service.vacation_response_of(log, account)
        service.vacation_response_update(log, vacation, **fields)
        return None

    def destroy(
        self, ctx: Context, log: ChangeLog, account: Account, obj: VacationResponse, args: dict
    ) -> None:
        raise SetError("singleton", "The VacationResponse cannot be destroyed; set isEnabled false")


register(VacationResponseType())
SESSION_EXTENSIONS[VACATION] = dict
ACCOUNT_EXTENSIONS[VACATION] = lambda account: {}
