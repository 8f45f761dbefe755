"""Waiting for the worker and reading what it recorded."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import dkim

from jmapcore.models import Domain


def eventually(check: Callable[[], Any], timeout: float = 20.0, interval: float = 0.1) -> Any:
    """``check()``'s first truthy result, or AssertionError after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"still not true after {timeout} s")
        time.sleep(interval)


def verify_dkim(message: bytes, domain_name: str) -> bool:
    """dkimpy's verdict, with the domain's public key as its DNS would publish it."""
    domain = Domain.objects.get(name=domain_name)
    record = domain.dkim_record_value.encode()
    wanted = f"{domain.dkim_record_name}.".encode()

    def lookup(name: bytes, timeout: int = 5) -> bytes | None:
        return record if name.lower() == wanted.lower() else None

    return dkim.verify(message, dnsfunc=lookup)
