"""The standard methods of RFC 8620 section 5, written once for every data type."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings

from jmapcore.changes.log import ChangeLog, account_write
from jmapcore.changes.read import changes_since, current_state, parse_state, snapshot
from jmapcore.protocol.errors import MethodError, SetError
from jmapcore.protocol.patch import PatchError, apply_patch

from .arguments import Arguments
from .context import Context
from .datatype import DataType
from .querying import parse_filter, parse_sort
from .savepoint import object_savepoint

# A server-chosen cap when a client asks /changes for no maximum.
DEFAULT_MAX_CHANGES = 5000


def handler_for(verb: str, datatype: DataType) -> Callable[[Context, dict[str, Any]], dict[str, Any]]:
    from .copy import standard_copy

    implementation = {
        "copy": standard_copy,
        "get": standard_get,
        "changes": standard_changes,
        "set": standard_set,
        "query": standard_query,
        "queryChanges": standard_query_changes,
    }[verb]
    return lambda ctx, raw: implementation(ctx, datatype, raw)


def _resolve_ids(ctx: Context, datatype: DataType, ids: list[str]) -> list[tuple[str, int | None]]:
    """Pairs of (id as the client should see it, pk or None if it names nothing)."""
    pairs = []
    for given in ids:
        resolved = ctx.resolve_id(given)
        pairs.append((resolved or given, datatype.to_pk(resolved) if resolved else None))
    return pairs


# ---------------------------------------------------------------- /get


def standard_get(ctx: Context, datatype: DataType, raw: dict[str, Any]) -> dict[str, Any]:
    args = Arguments(raw)
    account = ctx.account(args.any("accountId"), datatype.capability)
    ids = args.id_list("ids")
    properties = args.string_list("properties")
    extra = {name: read(args, name) for name, read in datatype.get_arguments.items()}
    args.finish()
    if ids is not None and len(ids) > settings.JMAP_MAX_OBJECTS_IN_GET:
        raise MethodError("requestTooLarge", f"At most {settings.JMAP_MAX_OBJECTS_IN_GET} ids per /get")
    if properties is None:
        properties = datatype.default_properties(extra)
    else:
        unknown = [p for p in properties if datatype.prop(p) is None]
        if unknown:
            raise MethodError(
                "invalidArguments",
                f"Unknown properties: {', '.join(unknown)}",
                arguments=["properties"],
            )
    if "id" not in properties:
        properties = ["id", *properties]
    # Read the state before the objects: a change racing this read is then seen again, never missed.
    state = current_state(account.pk, datatype.name)
    not_found: list[str] = []
    if ids is None:
        objects = list(datatype.fetch(ctx, account, None).values())
        # RFC 8620 5.1: ids null returns all records "if [...] the number of records
        # does not exceed the maxObjectsInGet limit".
        if len(objects) > settings.JMAP_MAX_OBJECTS_IN_GET:
            raise MethodError(
                "requestTooLarge",
                f"More than {settings.JMAP_MAX_OBJECTS_IN_GET} objects; use {datatype.name}/query to page",
            )
    else:
        pairs = _resolve_ids(ctx, datatype, list(dict.fromkeys(ids)))
        found = datatype.fetch(ctx, account, [pk for _, pk in pairs if pk is not None])
        objects = []
        for shown, pk in pairs:
            if pk is not None and pk in found:
                objects.append(found[pk])
            else:
                not_found.append(shown)
    return {
        "accountId": account.jmap_id,
        "state": state,
        "list": datatype.to_json_many(ctx, objects, properties, extra),
        "notFound": not_found,
    }


# ---------------------------------------------------------------- /changes


def standard_changes(ctx: Context, datatype: DataType, raw: dict[str, Any]) -> dict[str, Any]:
    args = Arguments(raw)
    account = ctx.account(args.any("accountId"), datatype.capability)
    since = args.string("sinceState", required=True)
    max_changes = args.integer("maxChanges", minimum=1)
    args.finish()
    result = changes_since(
        account.pk,
        datatype.name,
        since,
        min(max_changes or DEFAULT_MAX_CHANGES, DEFAULT_MAX_CHANGES),
    )
    response: dict[str, Any] = {
        "accountId": account.jmap_id,
        "oldState": result.old_state,
        "newState": result.new_state,
        "hasMoreChanges": result.has_more,
        "created": [datatype.to_id(pk) for pk in result.created],
        "updated": [datatype.to_id(pk) for pk in result.updated],
        "destroyed": [datatype.to_id(pk) for pk in result.destroyed],
    }
    if datatype.count_properties:
        response["updatedProperties"] = list(datatype.count_properties) if result.counts_only else None
    return response


# ---------------------------------------------------------------- /set


def standard_set(ctx: Context, datatype: DataType, raw: dict[str, Any]) -> dict[str, Any]:
    args = Arguments(raw)
    account = ctx.account(args.any("accountId"), datatype.capability)
    if_in_state = args.string("ifInState")
    create = args.object("create") or {}
    update = args.object("update") or {}
    destroy = args.id_list("destroy") or []
    extra = {name: read(args, name) for name, read in datatype.set_arguments.items()}
    args.finish()
    if len(create) + len(update) + len(destroy) > settings.JMAP_MAX_OBJECTS_IN_SET:
        raise MethodError("requestTooLarge", f"At most {settings.JMAP_MAX_OBJECTS_IN_SET} objects per /set")
    response: dict[str, Any] = {"accountId": account.jmap_id}
    created: dict[str, Any] = {}
    updated: dict[str, Any] = {}
    destroyed: list[str] = []
    not_created: dict[str, Any] = {}
    not_updated: dict[str, Any] = {}
    not_destroyed: dict[str, Any] = {}
    # Creation ids become visible to later calls only if the transaction commits: a
    # method that fails (serverFail) leaves no id behind that names nothing.
    created_ids_before = dict(ctx.created_ids)
    try:
        with account_write(account.pk) as log:
            old_state = log.state_of(datatype.name)
            if if_in_state is not None and if_in_state != old_state:
                raise MethodError(
                    "stateMismatch", f"The {datatype.name} state is {old_state}, not {if_in_state}"
                )
            response["oldState"] = old_state
            for creation_id in datatype.order_creates(create):
                data = create[creation_id]
                ctx.creation_id = creation_id
                try:
                    with object_savepoint(log, datatype):
                        created[creation_id] = _create_one(ctx, log, datatype, account, data, extra)
                    ctx.created_ids[creation_id] = created[creation_id]["id"]
                except SetError as error:
                    not_created[creation_id] = error.to_json()
            # One query loads every object to update or destroy, not one per object.
            loaded = _load_for_write(ctx, datatype, account, [*update, *destroy])
            _apply_updates(ctx, log, datatype, account, update, loaded, extra, updated, not_updated)
            _apply_destroys(ctx, log, datatype, account, destroy, loaded, extra, destroyed, not_destroyed)
            log.flush()
            response["newState"] = log.state_of(datatype.name)
    except BaseException:
        ctx.created_ids.clear()
        ctx.created_ids.update(created_ids_before)
        raise
    response.update(
        created=created or None,
        updated=updated or None,
        destroyed=destroyed or None,
        notCreated=not_created or None,
        notUpdated=not_updated or None,
        notDestroyed=not_destroyed or None,
    )
    datatype.after_set(ctx, account, response, extra)
    return response


def _create_one(
    ctx: Context, log: ChangeLog, datatype: DataType, account: Any, data: Any, extra: dict
) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise SetError("invalidProperties", "A created object must be a JSON object")
    # RFC 8620 5.3: the SetError's ``properties`` lists *all* the invalid properties.
    unknown = [key for key in data if datatype.prop(key) is None]
    server_set = [key for key in data if key not in unknown and datatype.prop(key).server_set]  # type: ignore[union-attr]
    if unknown or server_set:
        reasons = [f"unknown: {', '.join(unknown)}"] if unknown else []
        reasons += [f"set by the server: {', '.join(server_set)}"] if server_set else []
        raise SetError("invalidProperties", "Properties " + "; ".join(reasons), unknown + server_set)
    obj, reported = datatype.create(ctx, log, account, data, extra)
    return {"id": datatype.to_id(obj.pk), **reported}


def _load_for_write(ctx: Context, datatype: DataType, account: Any, given_ids: list[str]) -> dict:
    pks = [
        datatype.to_pk(resolved) for resolved in (ctx.resolve_id(given) for given in given_ids) if resolved
    ]
    wanted = [pk for pk in pks if pk is not None]
    return datatype.fetch_for_write(ctx, account, wanted) if wanted else {}


def _find(ctx: Context, datatype: DataType, account: Any, jmap_id: str, loaded: dict | None = None) -> Any:
    pk = datatype.to_pk(jmap_id) if not jmap_id.startswith("#") else None
    if pk is not None and loaded is not None and pk in loaded:
        return loaded[pk]
    obj = datatype.fetch_for_write(ctx, account, [pk]).get(pk) if pk is not None else None
    if obj is None:
        raise SetError("notFound", f"No {datatype.name} with id {jmap_id!r}")
    return obj


def _apply_updates(
    ctx: Context,
    log: ChangeLog,
    datatype: DataType,
    account: Any,
    update: dict[str, Any],
    loaded: dict,
    extra: dict,
    updated: dict[str, Any],
    not_updated: dict[str, Any],
) -> None:
    """Check every patch, then hand what passed to the type's ``update_many`` at once."""
    changes = []
    for shown, (obj, patch, current) in _current_values(ctx, datatype, account, update, loaded).items():
        try:
            if isinstance(obj, SetError):
                raise obj
            found = _changed_properties(datatype, patch, current)
        except SetError as error:
            not_updated[shown] = error.to_json()
            continue
        if found:
            changes.append((shown, obj, found))
        else:
            updated[shown] = None
    for shown, outcome in datatype.update_many(ctx, log, account, changes, extra).items():
        if isinstance(outcome, SetError):
            not_updated[shown] = outcome.to_json()
        else:
            updated[shown] = outcome


def _apply_destroys(
    ctx: Context,
    log: ChangeLog,
    datatype: DataType,
    account: Any,
    destroy: list[str],
    loaded: dict,
    extra: dict,
    destroyed: list[str],
    not_destroyed: dict[str, Any],
) -> None:
    """Find every object to destroy, then hand them to the type's ``destroy_many`` at once."""
    doomed = []
    shown_ids = [ctx.resolve_id(given_id) or given_id for given_id in dict.fromkeys(destroy)]
    for shown in datatype.order_destroys(ctx, account, shown_ids):
        try:
            doomed.append((shown, _find(ctx, datatype, account, shown, loaded)))
        except SetError as error:
            not_destroyed[shown] = error.to_json()
    for shown, outcome in datatype.destroy_many(ctx, log, account, doomed, extra).items():
        if outcome is None:
            destroyed.append(shown)
        else:
            not_destroyed[shown] = outcome.to_json()


def _current_values(
    ctx: Context, datatype: DataType, account: Any, update: dict[str, Any], loaded: dict
) -> dict[str, tuple[Any, Any, dict]]:
    """Per id to update: (object or its SetError, patch, current value of what the patch touches).

    Only the properties some patch touches are read, for all objects in one go: an Email's
    body is never loaded to flag it, and its mailboxes are read in one query, not one per email.
    """
    targets: dict[str, tuple[Any, Any]] = {}
    for given_id, patch in update.items():
        shown = ctx.resolve_id(given_id) or given_id
        try:
            if not isinstance(patch, dict):
                raise SetError("invalidPatch", "A PatchObject must be a JSON object")
            targets[shown] = (_find(ctx, datatype, account, shown, loaded), patch)
        except SetError as error:
            targets[shown] = (error, patch)
    found = [(shown, obj) for shown, (obj, _) in targets.items() if not isinstance(obj, SetError)]
    touched = list(
        dict.fromkeys(
            name
            for obj, patch in targets.values()
            if not isinstance(obj, SetError)
            for name in (path.split("/", 1)[0] for path in patch)
            if datatype.prop(name)
        )
    )
    values = datatype.to_json_many(ctx, [obj for _, obj in found], touched, {}) if touched else []
    current = {shown: value for (shown, _), value in zip(found, values, strict=False)}
    return {shown: (obj, patch, current.get(shown, {})) for shown, (obj, patch) in targets.items()}


def _changed_properties(datatype: DataType, patch: dict, current: dict) -> dict[str, Any]:
    """The properties the patch changes, checked as RFC 8620 5.3 says; writes nothing."""
    # Path errors first (RFC 8620 5.3: "All parts prior to the last [...] MUST already
    # exist"), so "unknown/sub" is invalidPatch while a top-level "unknown" is invalidProperties.
    try:
        wanted = apply_patch(current, patch)
    except PatchError as error:
        raise SetError("invalidPatch", str(error)) from None
    unknown = [key for key in wanted if datatype.prop(key) is None]
    if unknown:
        raise SetError("invalidProperties", f"Unknown properties: {', '.join(unknown)}", unknown)
    changes = {key: value for key, value in wanted.items() if value != current.get(key)}
    forbidden = [
        key
        for key in changes
        if datatype.prop(key).server_set or datatype.prop(key).immutable  # type: ignore[union-attr]
    ]
    if forbidden:
        raise SetError("invalidProperties", "These properties cannot be changed", forbidden)
    return changes


# ---------------------------------------------------------------- /query


def _query_arguments(ctx: Context, datatype: DataType, args: Arguments) -> tuple[Any, Any, Any, dict]:
    account = ctx.account(args.any("accountId"), datatype.capability)
    filter_ = parse_filter(datatype, args.any("filter"))
    sort = parse_sort(datatype, args.any("sort"))
    extra = {name: read(args, name) for name, read in datatype.query_arguments.items()}
    return account, filter_, sort, extra


def standard_query(ctx: Context, datatype: DataType, raw: dict[str, Any]) -> dict[str, Any]:
    args = Arguments(raw)
    account, filter_, sort, extra = _query_arguments(ctx, datatype, args)
    position = args.integer("position", default=0)
    anchor = args.string("anchor")
    anchor_offset = args.integer("anchorOffset", default=0)
    limit = args.integer("limit", minimum=0)
    calculate_total = args.boolean("calculateTotal")
    args.finish()
    state = current_state(account.pk, datatype.name)
    pks = datatype.query(ctx, account, filter_, sort, extra)
    ids = [datatype.to_id(pk) for pk in pks]
    if anchor is not None:
        anchor_id = ctx.resolve_id(anchor) or anchor
        try:
            start = max(0, ids.index(anchor_id) + anchor_offset)  # type: ignore[operator]
        except ValueError:
            raise MethodError("anchorNotFound", f"{anchor!r} is not in the results") from None
    else:
        start = position if position >= 0 else max(0, len(ids) + position)  # type: ignore[operator]
    end = len(ids) if limit is None else start + limit
    response: dict[str, Any] = {
        "accountId": account.jmap_id,
        "queryState": state,
        "canCalculateChanges": True,
        "position": start,
        "ids": ids[start:end],
    }
    if calculate_total:
        response["total"] = len(ids)
    return response


# ---------------------------------------------------------------- /queryChanges


def standard_query_changes(ctx: Context, datatype: DataType, raw: dict[str, Any]) -> dict[str, Any]:
    """Derived from the change log: every changed object is removed and re-added where it now sits.

    RFC 8620 5.6 allows extra ids in ``removed``; clients splice them out and back in,
    so the result is exact for any filter and sort, at a cost of O(changes + results).
    """
    args = Arguments(raw)
    account, filter_, sort, extra = _query_arguments(ctx, datatype, args)
    since = args.string("sinceQueryState", required=True)
    max_changes = args.integer("maxChanges", minimum=1)
    args.string("upToId")  # only a hint; our sorts and filters include mutable properties
    calculate_total = args.boolean("calculateTotal")
    args.finish()
    if parse_state(since) is None:
        raise MethodError("cannotCalculateChanges", f"Unknown query state {since!r}")
    # One snapshot for the change log and the query: indexes in ``added`` are then
    # positions at exactly ``newQueryState``, whatever commits meanwhile.
    with snapshot():
        changes = changes_since(account.pk, datatype.name, since, None)  # type: ignore[arg-type]
        pks = datatype.query(ctx, account, filter_, sort, extra)
        changed = set(changes.updated) | set(changes.created)
        # Objects that did not change but may have moved because others did (a
        # Mailbox whose parent was renamed, in a sortAsTree query) are re-placed too.
        dependents = datatype.query_dependents(ctx, account, changed, extra) - changed
    touched = changed | dependents
    removed = [datatype.to_id(pk) for pk in [*changes.updated, *changes.destroyed, *sorted(dependents)]]
    added = [{"id": datatype.to_id(pk), "index": index} for index, pk in enumerate(pks) if pk in touched]
    if max_changes is not None and len(removed) + len(added) > max_changes:
        raise MethodError("tooManyChanges", f"More than {max_changes} changes")
    response: dict[str, Any] = {
        "accountId": account.jmap_id,
        "oldQueryState": since,
        "newQueryState": changes.new_state,
        "removed": removed,
        "added": added,
    }
    if calculate_total:
        response["total"] = len(pks)
    return response
