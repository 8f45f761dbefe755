"""Thread (RFC 8621 section 3): emailIds, oldest first."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from jmapcore.engine.capabilities import MAIL
from jmapcore.engine.context import Context
from jmapcore.engine.datatype import DataType, Prop
from jmapcore.engine.registry import register
from jmapcore.models import Account, Email, Thread
from jmapcore.protocol.errors import MethodError


class ThreadType(DataType):
    name = "Thread"
    capability = MAIL
    id_prefix = "T"
    methods = ("get", "changes")
    properties = (Prop("id", server_set=True, immutable=True), Prop("emailIds", server_set=True))

    def fetch(self, ctx: Context, account: Account, pks: Iterable[int] | None) -> dict[int, Thread]:
        if pks is None:
            raise MethodError("requestTooLarge", "Thread/get needs ids")
        return {thread.pk: thread for thread in Thread.objects.filter(account=account, pk__in=list(pks))}

    def to_json(self, ctx: Context, obj: Thread, properties: list[str]) -> dict[str, Any]:
        return self.to_json_many(ctx, [obj], properties, {})[0]

    def to_json_many(
        self, ctx: Context, objects: list[Thread], properties: list[str], extra: dict
    ) -> list[dict]:
        email_ids: dict[int, list[str]] = defaultdict(list)
        if "emailIds" in properties:
            rows = (
                Email.objects.filter(thread__in=[thread.pk for thread in objects])
                .order_by("thread_id", "received_at", "id")
                .values_list("thread_id", "id")
            )
            for thread_id, email_id in rows:
                email_ids[thread_id].append(f"E{email_id}")
        out = []
        for thread in objects:
            item: dict[str, Any] = {"id": self.to_id(thread.pk)}
            if "emailIds" in properties:
                item["emailIds"] = email_ids[thread.pk]
            out.append(item)
        return out


THREAD = register(ThreadType())
