"""The base every JMAP data type module fills in.

A data type declares its properties with flags and implements a few hooks; the
standard methods in :mod:`jmapcore.engine.standard` do the rest (ids,
``properties``, ``notFound``, ``ifInState``, PatchObject, SetErrors, states).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, ClassVar

from jmapcore.changes.log import ChangeLog
from jmapcore.models import Account
from jmapcore.protocol.errors import MethodError, SetError

from .context import Context
from .savepoint import object_savepoint


@dataclass(frozen=True)
class Prop:
    name: str
    server_set: bool = False  # only the server sets it; a client may echo the current value
    immutable: bool = False  # may be given on create, never changed after


@dataclass(frozen=True)
class Comparator:
    property: str
    ascending: bool
    collation: str


FilterTree = dict[str, Any]  # a validated FilterOperator or FilterCondition


class DataType(ABC):
    """Subclass per JMAP type; register the instance with :func:`registry.register`."""

    name: ClassVar[str]
    capability: ClassVar[str]
    id_prefix: ClassVar[str]
    properties: ClassVar[tuple[Prop, ...]]
    methods: ClassVar[tuple[str, ...]] = ("get", "changes", "set", "query", "queryChanges")
    # Extra /set arguments and their validators, e.g. {"onDestroyRemoveEmails": Arguments.boolean}.
    get_arguments: ClassVar[dict[str, Callable[..., Any]]] = {}
    set_arguments: ClassVar[dict[str, Callable[..., Any]]] = {}
    query_arguments: ClassVar[dict[str, Callable[..., Any]]] = {}
    # FilterCondition property -> validator returning the parsed value or raising ValueError.
    filter_conditions: ClassVar[dict[str, Callable[[Any], Any]]] = {}
    sortable: ClassVar[frozenset[str]] = frozenset()
    # Properties that change without a client asking (Mailbox counters): the
    # /changes response names them in updatedProperties when nothing else changed.
    count_properties: ClassVar[tuple[str, ...]] = ()

    # ----- ids -----
    def to_id(self, pk: int) -> str:
        return f"{self.id_prefix}{pk}"

    def to_pk(self, jmap_id: str) -> int | None:
        rest = jmap_id[len(self.id_prefix) :] if jmap_id.startswith(self.id_prefix) else ""
        return int(rest) if rest.isdigit() and len(rest) < 19 else None

    @property
    def property_names(self) -> list[str]:
        return [p.name for p in self.properties]

    def prop(self, name: str) -> Prop | None:
        return next((p for p in self.properties if p.name == name), None)

    # ----- reads -----
    def default_properties(self, extra: dict) -> list[str]:
        """What /get returns when ``properties`` is null."""
        return self.property_names

    def to_json_many(
        self, ctx: Context, objects: list[Any], properties: list[str], extra: dict
    ) -> list[dict]:
        """Override to batch lookups that to_json would otherwise repeat per object."""
        return [self.to_json(ctx, obj, properties) for obj in objects]

    @abstractmethod
    def fetch(self, ctx: Context, account: Account, pks: Iterable[int] | None) -> dict[int, Any]:
        """Objects of the account by pk (all of them when ``pks`` is None)."""

    def fetch_for_write(self, ctx: Context, account: Account, pks: Iterable[int]) -> dict[int, Any]:
        """Objects to update or destroy; override to skip columns writes never read."""
        return self.fetch(ctx, account, pks)

    @abstractmethod
    def to_json(self, ctx: Context, obj: Any, properties: list[str]) -> dict[str, Any]:
        """The JMAP shape of one object, limited to ``properties`` (``id`` always included)."""

    def query(
        self,
        ctx: Context,
        account: Account,
        filter: FilterTree | None,
        sort: list[Comparator],
        args: dict,
    ) -> list[int]:
        """Every matching pk, sorted. Types without /query never get here."""
        raise MethodError("unknownMethod", f"{self.name}/query is not supported")

    def query_dependents(self, ctx: Context, account: Account, changed: set[int], args: dict) -> set[int]:
        """Objects whose place in a query with these ``args`` may depend on the changed ones.

        /queryChanges re-places every changed object; when one object's filter match or
        sort position depends on others' properties, override this to name those others.
        """
        return set()

    # ----- writes (inside the account's write transaction) -----
    def order_creates(self, create: dict[str, Any]) -> list[str]:
        """The order to create in, so a creation id is created before it is referenced."""
        return list(create)

    def order_destroys(self, ctx: Context, account: Account, ids: list[str]) -> list[str]:
        """The order to destroy in, so dependants go first."""
        return ids

    def create(
        self, ctx: Context, log: ChangeLog, account: Account, data: dict[str, Any], args: dict
    ) -> tuple[Any, dict]:
        """Create from client data (already free of unknown and server-set properties).

        Returns the object and the server-set or defaulted properties to report in ``created``.
        """
        raise SetError("forbidden", f"{self.name} objects cannot be created")

    def update(
        self,
        ctx: Context,
        log: ChangeLog,
        account: Account,
        obj: Any,
        changes: dict[str, Any],
        args: dict,
    ) -> dict[str, Any] | None:
        """Apply changed client-settable properties; return properties changed as a side effect."""
        raise SetError("forbidden", f"{self.name} objects cannot be changed")

    def update_many(
        self, ctx: Context, log: ChangeLog, account: Account, items: list[tuple[str, Any, dict]], args: dict
    ) -> dict[str, dict[str, Any] | SetError | None]:
        """Every update of one /set, as (id, object, changes), after the generic checks.

        By default each goes through :meth:`update` in a savepoint of its own; a type whose
        clients change hundreds of objects at once (Email keywords) validates them all,
        then writes them with a few set-based statements.
        """
        results: dict[str, dict[str, Any] | SetError | None] = {}
        for jmap_id, obj, changes in items:
            try:
                with object_savepoint(log, self):
                    results[jmap_id] = self.update(ctx, log, account, obj, changes, args)
            except SetError as error:
                results[jmap_id] = error
        return results

    def copy(
        self,
        ctx: Context,
        log: ChangeLog,
        from_account: Account,
        account: Account,
        original: Any,
        overrides: dict,
    ) -> tuple[Any, dict]:
        """Copy ``original`` into ``account`` with ``overrides``; as create, returns (object, reported)."""
        raise SetError("forbidden", f"{self.name} objects cannot be copied")

    def destroy(self, ctx: Context, log: ChangeLog, account: Account, obj: Any, args: dict) -> None:
        raise SetError("forbidden", f"{self.name} objects cannot be destroyed")

    def destroy_many(
        self, ctx: Context, log: ChangeLog, account: Account, items: list[tuple[str, Any]], args: dict
    ) -> dict[str, SetError | None]:
        """Every destroy of one /set, in :meth:`order_destroys` order; as :meth:`update_many`."""
        results: dict[str, SetError | None] = {}
        for jmap_id, obj in items:
            try:
                with object_savepoint(log, self):
                    self.destroy(ctx, log, account, obj, args)
                results[jmap_id] = None
            except SetError as error:
                results[jmap_id] = error
        return results

    def after_set(self, ctx: Context, account: Account, response: dict[str, Any], args: dict) -> None:
        """Runs once a /set has committed, with its response; a type whose /set implies
        another call (EmailSubmission's implicit Email/set) appends that call's response
        to ``ctx.extra_responses``, which the dispatcher emits right after this one."""
        return None

    def integrity_error(self, error: Exception) -> SetError:
        """Turn a unique-constraint violation into the type's SetError."""
        return SetError("invalidProperties", "The object conflicts with an existing one")
