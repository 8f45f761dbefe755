"""Mailbox (RFC 8621 section 2)."""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError

from jmapcore.changes.log import ChangeLog
from jmapcore.engine.arguments import Arguments
from jmapcore.engine.capabilities import MAIL, MAX_MAILBOX_NAME_OCTETS
from jmapcore.engine.context import Context
from jmapcore.engine.datatype import Comparator, DataType, FilterTree, Prop
from jmapcore.engine.querying import collation_key, matches_substring
from jmapcore.engine.registry import register
from jmapcore.models import Account, Mailbox
from jmapcore.protocol.errors import SetError, invalid_properties
from jmapcore.services import emails as emails_service
from jmapcore.services import mailboxes as service

# Lower-cased names from the IANA "IMAP Mailbox Name Attributes" registry that are
# roles (not \HasChildren and the like), plus "inbox" from RFC 8621.
ROLES = frozenset(
    {
        "inbox",
        "all",
        "archive",
        "drafts",
        "flagged",
        "important",
        "junk",
        "sent",
        "trash",
        "snoozed",
        "scheduled",
        "memos",
    }
)
COUNTS = ("totalEmails", "unreadEmails", "totalThreads", "unreadThreads")
MAX_SORT_ORDER = 2**31 - 1


def _rights(mailbox: Mailbox) -> dict[str, bool]:
    is_inbox = mailbox.role == "inbox"
    return {
        "mayReadItems": True,
        "mayAddItems": True,
        "mayRemoveItems": True,
        "maySetSeen": True,
        "maySetKeywords": True,
        "mayCreateChild": True,
        "mayRename": not is_inbox,
        "mayDelete": not is_inbox,
        "maySubmit": True,
    }


def _optional_id(value: Any) -> str | None:
    if value is not None and not isinstance(value, str):
        raise ValueError("must be an Id or null")
    return value


def _string(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("must be a string")
    return value


def _optional_string(value: Any) -> str | None:
    return None if value is None else _string(value)


def _boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError("must be a boolean")
    return value


class MailboxType(DataType):
    name = "Mailbox"
    capability = MAIL
    id_prefix = "M"
    properties = (
        Prop("id", server_set=True, immutable=True),
        Prop("name"),
        Prop("parentId"),
        Prop("role"),
        Prop("sortOrder"),
        Prop("totalEmails", server_set=True),
        Prop("unreadEmails", server_set=True),
        Prop("totalThreads", server_set=True),
        Prop("unreadThreads", server_set=True),
        Prop("myRights", server_set=True),
        Prop("isSubscribed"),
    )
    count_properties = COUNTS
    set_arguments = {"onDestroyRemoveEmails": Arguments.boolean}
    query_arguments = {"sortAsTree": Arguments.boolean, "filterAsTree": Arguments.boolean}
    filter_conditions = {
        "parentId": _optional_id,
        "name": _string,
        "role": _optional_string,
        "hasAnyRole": _boolean,
        "isSubscribed": _boolean,
    }
    sortable = frozenset({"sortOrder", "name"})

    # ----- reads -----
    def fetch(self, ctx: Context, account: Account, pks: Iterable[int] | None) -> dict[int, Mailbox]:
        rows = Mailbox.objects.filter(account=account)
        if pks is not None:
            rows = rows.filter(pk__in=list(pks))
        return {mailbox.pk: mailbox for mailbox in rows}

    def to_json(self, ctx: Context, obj: Mailbox, properties: list[str]) -> dict[str, Any]:
        values = {
            "id": lambda: self.to_id(obj.pk),
            "name": lambda: obj.name,
            "parentId": lambda: self.to_id(obj.parent_id) if obj.parent_id else None,
            "role": lambda: obj.role,
            "sortOrder": lambda: obj.sort_order,
            "totalEmails": lambda: obj.total_emails,
            "unreadEmails": lambda: obj.unread_emails,
            "totalThreads": lambda: obj.total_threads,
            "unreadThreads": lambda: obj.unread_threads,
            "myRights": lambda: _rights(obj),
            "isSubscribed": lambda: obj.is_subscribed,
        }
        return {name: values[name]() for name in properties}

    # ----- query -----
    def query(
        self,
        ctx: Context,
        account: Account,
        filter: FilterTree | None,
        sort: list[Comparator],
        args: dict,
    ) -> list[int]:
        mailboxes = self.fetch(ctx, account, None)
        ordered = self._sorted(mailboxes, sort, as_tree=bool(args.get("sortAsTree")))
        matching = {pk for pk, mailbox in mailboxes.items() if self._matches(ctx, mailbox, filter)}
        if args.get("filterAsTree"):
            matching = {pk for pk in matching if self._ancestors_match(mailboxes, pk, matching)}
        return [mailbox.pk for mailbox in ordered if mailbox.pk in matching]

    def query_dependents(self, ctx: Context, account: Account, changed: set[int], args: dict) -> set[int]:
        """In tree queries a Mailbox's place depends on its ancestors: re-place the descendants."""
        if not (args.get("sortAsTree") or args.get("filterAsTree")) or not changed:
            return set()
        children: dict[int | None, list[int]] = {}
        for pk, parent in Mailbox.objects.filter(account=account).values_list("pk", "parent_id"):
            children.setdefault(parent, []).append(pk)
        found: set[int] = set()
        stack = [child for pk in changed for child in children.get(pk, [])]
        while stack:
            pk = stack.pop()
            if pk not in found:
                found.add(pk)
                stack.extend(children.get(pk, []))
        return found

    def _matches(self, ctx: Context, mailbox: Mailbox, filter: FilterTree | None) -> bool:
        if filter is None:
            return True
        if "operator" in filter:
            results = (self._matches(ctx, mailbox, condition) for condition in filter["conditions"])
            if filter["operator"] == "AND":
                return all(results)
            if filter["operator"] == "OR":
                return any(results)
            return not any(results)
        for key, value in filter.items():
            if key == "parentId":
                if value is None:
                    if mailbox.parent_id is not None:
                        return False
                else:
                    # An id that names no Mailbox matches nothing (not the top level).
                    resolved = ctx.resolve_id(value)
                    wanted = self.to_pk(resolved) if resolved else None
                    if wanted is None or mailbox.parent_id != wanted:
                        return False
            elif (
                (key == "name" and not matches_substring(mailbox.name, value))
                or (key == "role" and mailbox.role != value)
                or (key == "hasAnyRole" and (mailbox.role is not None) != value)
                or (key == "isSubscribed" and mailbox.is_subscribed != value)
            ):
                return False
        return True

    @staticmethod
    def _ancestors_match(mailboxes: dict[int, Mailbox], pk: int, matching: set[int]) -> bool:
        parent = mailboxes[pk].parent_id
        while parent is not None:
            if parent not in matching:
                return False
            parent = mailboxes[parent].parent_id
        return True

    @staticmethod
    def _sorted(mailboxes: dict[int, Mailbox], sort: list[Comparator], as_tree: bool) -> list[Mailbox]:
        def compare(a: Mailbox, b: Mailbox) -> int:
            for comparator in sort:
                if comparator.property == "name":
                    left, right = (
                        collation_key(a.name, comparator.collation),
                        collation_key(b.name, comparator.collation),
                    )
                else:
                    left, right = a.sort_order, b.sort_order
                if left != right:
                    result = -1 if left < right else 1
                    return result if comparator.ascending else -result
            return (a.pk > b.pk) - (a.pk < b.pk)  # stable between calls

        ordered = sorted(mailboxes.values(), key=functools.cmp_to_key(compare))
        if not as_tree:
            return ordered
        children: dict[int | None, list[Mailbox]] = {}
        for mailbox in ordered:
            children.setdefault(mailbox.parent_id, []).append(mailbox)
        result: list[Mailbox] = []
        stack = list(reversed(children.get(None, [])))
        while stack:
            mailbox = stack.pop()
            result.append(mailbox)
            stack.extend(reversed(children.get(mailbox.pk, [])))
        return result

    # ----- writes -----
    def order_creates(self, create: dict[str, Any]) -> list[str]:
        """Creates whose parentId names another creation id in this call come after it."""
        order: list[str] = []
        visiting: set[str] = set()

        def visit(creation_id: str) -> None:
            if creation_id in order or creation_id in visiting:
                return
            visiting.add(creation_id)
            data = create[creation_id]
            parent = data.get("parentId") if isinstance(data, dict) else None
            if isinstance(parent, str) and parent.startswith("#") and parent[1:] in create:
                visit(parent[1:])
            order.append(creation_id)

        for creation_id in create:
            visit(creation_id)
        return order

    def order_destroys(self, ctx: Context, account: Account, ids: list[str]) -> list[str]:
        """Children before parents, so destroying a whole subtree in one call succeeds."""
        mailboxes = self.fetch(ctx, account, None)

        def depth(jmap_id: str) -> int:
            pk, level = self.to_pk(jmap_id), 0
            while pk in mailboxes and mailboxes[pk].parent_id is not None:
                pk, level = mailboxes[pk].parent_id, level + 1
            return level

        return sorted(ids, key=depth, reverse=True)

    def _validate(
        self, ctx: Context, account: Account, data: dict[str, Any], current: Mailbox | None
    ) -> dict:
        """Client values checked and turned into model field values."""
        fields: dict[str, Any] = {}
        bad: list[str] = []
        if "name" in data:
            name = data["name"]
            if isinstance(name, str):
                name = unicodedata.normalize("NFC", name)
            if (
                not isinstance(name, str)
                or not name.strip()
                or len(name.encode()) > MAX_MAILBOX_NAME_OCTETS
                or any(unicodedata.category(ch) == "Cc" for ch in name)
            ):
                bad.append("name")
            else:
                fields["name"] = name
        if "parentId" in data:
            parent = self._parent(ctx, account, data["parentId"], current)
            if parent is False:
                bad.append("parentId")
            else:
                fields["parent"] = parent
        if "role" in data:
            role = data["role"]
            if role is not None and (not isinstance(role, str) or role not in ROLES):
                bad.append("role")
            else:
                fields["role"] = role
        if "sortOrder" in data:
            order = data["sortOrder"] if data["sortOrder"] is not None else 0
            if isinstance(order, bool) or not isinstance(order, int) or not 0 <= order <= MAX_SORT_ORDER:
                bad.append("sortOrder")
            else:
                fields["sort_order"] = order
        if "isSubscribed" in data:
            subscribed = data["isSubscribed"] if data["isSubscribed"] is not None else True
            if not isinstance(subscribed, bool):
                bad.append("isSubscribed")
            else:
                fields["is_subscribed"] = subscribed
        if bad:
            raise invalid_properties("Invalid value(s): " + ", ".join(bad), *bad)
        return fields

    def _parent(
        self, ctx: Context, account: Account, value: Any, current: Mailbox | None
    ) -> Mailbox | bool | None:
        """The parent Mailbox, None for top level, False if invalid (unknown, or a loop)."""
        if value is None:
            return None
        if not isinstance(value, str):
            return False
        resolved = ctx.resolve_id(value)
        pk = self.to_pk(resolved) if resolved else None
        parent = Mailbox.objects.filter(account=account, pk=pk).first() if pk else None
        if parent is None:
            return False
        if current is not None:
            ancestor: Mailbox | None = parent
            while ancestor is not None:
                if ancestor.pk == current.pk:
                    return False
                ancestor = ancestor.parent
        return parent

    def create(
        self, ctx: Context, log: ChangeLog, account: Account, data: dict[str, Any], args: dict
    ) -> tuple[Mailbox, dict]:
        if "name" not in data:
            raise invalid_properties("A Mailbox needs a name", "name")
        fields = self._validate(ctx, account, data, None)
        mailbox = service.mailbox_create(log, account, **fields)
        defaults = {"parentId": None, "role": None, "sortOrder": 0, "isSubscribed": True}
        reported = {key: value for key, value in defaults.items() if key not in data}
        reported.update({key: 0 for key in COUNTS})
        reported["myRights"] = _rights(mailbox)
        return mailbox, reported

    def update(
        self,
        ctx: Context,
        log: ChangeLog,
        account: Account,
        obj: Mailbox,
        changes: dict[str, Any],
        args: dict,
    ) -> dict[str, Any] | None:
        fields = self._validate(ctx, account, changes, obj)
        if obj.role == "inbox" and (
            {"name", "parent"} & set(fields) or fields.get("role", "inbox") != "inbox"
        ):
            raise SetError("forbidden", "The Inbox cannot be renamed, moved or given another role")
        if fields:
            service.mailbox_update(log, obj, **fields)
        return None

    def destroy(self, ctx: Context, log: ChangeLog, account: Account, obj: Mailbox, args: dict) -> None:
        if obj.role == "inbox":
            raise SetError("forbidden", "The Inbox cannot be destroyed")
        if Mailbox.objects.filter(parent=obj).exists():
            raise SetError("mailboxHasChild", "Destroy or move the child mailboxes first")
        if obj.total_emails:
            if not args.get("onDestroyRemoveEmails"):
                raise SetError("mailboxHasEmail", "The mailbox is not empty; pass onDestroyRemoveEmails")
            emails_service.mailbox_empty(log, obj)
        service.mailbox_destroy(log, obj)

    def integrity_error(self, error: Exception) -> SetError:
        text = str(error)
        if isinstance(error, IntegrityError) and "mailbox_unique_role" in text:
            return invalid_properties("Another mailbox has this role", "role")
        if isinstance(error, IntegrityError) and "mailbox_unique_sibling_name" in text:
            return invalid_properties("A sibling mailbox already has this name", "name")
        return super().integrity_error(error)


register(MailboxType())
