"""Per-user concurrency limits (maxConcurrentRequests, maxConcurrentUpload).

Counted in this process: with several web processes the advertised limit holds per
process, which keeps one client from starving a process without a shared counter.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings

from jmapcore.protocol.errors import RequestError


class ConcurrencyLimit:
    def __init__(self, setting: str, limit_name: str, what: str) -> None:
        self.setting = setting
        self.limit_name = limit_name
        self.what = what
        self.running: Counter[int] = Counter()
        self.lock = threading.Lock()

    @contextmanager
    def slot(self, user_id: int) -> Iterator[None]:
        """Hold one of the user's slots, or raise the ``limit`` RequestError (429)."""
        maximum = getattr(settings, self.setting)
        with self.lock:
            if self.running[user_id] >= maximum:
                raise RequestError(
                    "limit", f"More than {maximum} concurrent {self.what}", status=429, limit=self.limit_name
                )
            self.running[user_id] += 1
        try:
            yield
        finally:
            with self.lock:
                self.running[user_id] -= 1
                if not self.running[user_id]:
                    del self.running[user_id]


REQUESTS = ConcurrencyLimit("JMAP_MAX_CONCURRENT_REQUESTS", "maxConcurrentRequests", "requests")
UPLOADS = ConcurrencyLimit("JMAP_MAX_CONCURRENT_UPLOAD", "maxConcurrentUpload", "uploads")
