"""Foo/copy (RFC 8620 section 5.4): copying objects from one account to another.

Written once like the other standard methods; a data type opts in by listing
"copy" in its ``methods`` and implementing :meth:`DataType.copy`.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

from jmapcore.changes.log import account_write
from jmapcore.changes.read import current_state
from jmapcore.models import Account
from jmapcore.protocol.errors import MethodError, SetError
from jmapcore.protocol.request import Invocation

from .arguments import Arguments
from .context import Context, account_capabilities
from .datatype import DataType
from .savepoint import object_savepoint


def _from_account(ctx: Context, account_id: object, capability: str) -> Account:
    if not isinstance(account_id, str):
        raise MethodError("invalidArguments", "fromAccountId must be an Id", arguments=["fromAccountId"])
    account = ctx.accounts.get(account_id)
    if account is None:
        raise MethodError("fromAccountNotFound")
    if capability not in account_capabilities(account):
        raise MethodError("fromAccountNotSupportedByMethod")
    return account


def standard_copy(ctx: Context, datatype: DataType, raw: dict[str, Any]) -> dict[str, Any]:
    args = Arguments(raw)
    from_account = _from_account(ctx, args.any("fromAccountId"), datatype.capability)
    if_from_in_state = args.string("ifFromInState")
    account = ctx.account(args.any("accountId"), datatype.capability)
    if_in_state = args.string("ifInState")
    create = args.object("create")
    destroy_original = args.boolean("onSuccessDestroyOriginal")
    destroy_from_if_in_state = args.string("destroyFromIfInState")
    args.finish()
    if create is None:
        raise MethodError("invalidArguments", "create is required", arguments=["create"])
    if from_account.pk == account.pk:
        raise MethodError(
            "invalidArguments", "accountId must differ from fromAccountId", arguments=["accountId"]
        )
    if len(create) > settings.JMAP_MAX_OBJECTS_IN_SET:
        raise MethodError("requestTooLarge", f"At most {settings.JMAP_MAX_OBJECTS_IN_SET} objects per /copy")
    from_state = current_state(from_account.pk, datatype.name)
    if if_from_in_state is not None and if_from_in_state != from_state:
        raise MethodError("stateMismatch", f"The source {datatype.name} state is {from_state}")
    created: dict[str, Any] = {}
    not_created: dict[str, Any] = {}
    originals: dict[str, str] = {}
    created_ids_before = dict(ctx.created_ids)
    try:
        old_state, new_state = _copy_all(
            ctx, datatype, from_account, account, if_in_state, create, created, not_created, originals
        )
    except BaseException:
        ctx.created_ids.clear()
        ctx.created_ids.update(created_ids_before)
        raise
    if destroy_original and originals:
        _destroy_originals(ctx, datatype, from_account, list(originals.values()), destroy_from_if_in_state)
    return {
        "fromAccountId": from_account.jmap_id,
        "accountId": account.jmap_id,
        "oldState": old_state,
        "newState": new_state,
        "created": created or None,
        "notCreated": not_created or None,
    }


def _copy_all(
    ctx: Context,
    datatype: DataType,
    from_account: Account,
    account: Account,
    if_in_state: str | None,
    create: dict[str, Any],
    created: dict[str, Any],
    not_created: dict[str, Any],
    originals: dict[str, str],
) -> tuple[str, str]:
    """Every copy in one transaction on the target account; returns (oldState, newState)."""
    with account_write(account.pk) as log:
        old_state = log.state_of(datatype.name)
        if if_in_state is not None and if_in_state != old_state:
            raise MethodError("stateMismatch", f"The {datatype.name} state is {old_state}, not {if_in_state}")
        for creation_id, data in create.items():
            try:
                original_id, result = _copy_one(ctx, log, datatype, from_account, account, data)
            except SetError as error:
                not_created[creation_id] = error.to_json()
                continue
            created[creation_id] = result
            originals[creation_id] = original_id
            ctx.created_ids[creation_id] = result["id"]
        log.flush()
        return old_state, log.state_of(datatype.name)


def _copy_one(
    ctx: Context, log: Any, datatype: DataType, from_account: Account, account: Account, data: Any
) -> tuple[str, dict[str, Any]]:
    from .standard import _find

    if not isinstance(data, dict) or not isinstance(data.get("id"), str):
        raise SetError("invalidProperties", "Each copy needs the id of the original", ["id"])
    original_id = ctx.resolve_id(data["id"]) or data["id"]
    overrides = {key: value for key, value in data.items() if key != "id"}
    unknown = [key for key in overrides if datatype.prop(key) is None]
    server_set = [key for key in overrides if key not in unknown and datatype.prop(key).server_set]  # type: ignore[union-attr]
    if unknown or server_set:
        raise SetError("invalidProperties", "Properties cannot be given", unknown + server_set)
    original = _find(ctx, datatype, from_account, original_id)
    with object_savepoint(log, datatype):
        copy, reported = datatype.copy(ctx, log, from_account, account, original, overrides)
    return original_id, {"id": datatype.to_id(copy.pk), **reported}


def _destroy_originals(
    ctx: Context, datatype: DataType, from_account: Account, ids: list[str], if_in_state: str | None
) -> None:
    """The implicit Foo/set after the Foo/copy response (RFC 8620 5.4), under the same call id."""
    from .standard import standard_set

    arguments: dict[str, Any] = {"accountId": from_account.jmap_id, "destroy": ids}
    if if_in_state is not None:
        arguments["ifInState"] = if_in_state
    try:
        response = Invocation(f"{datatype.name}/set", standard_set(ctx, datatype, arguments), ctx.call_id)
    except MethodError as error:
        response = Invocation("error", error.to_json(), ctx.call_id)
    ctx.extra_responses.append(response)
