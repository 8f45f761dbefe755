"""Core/echo (RFC 8620 section 4)."""

from typing import Any

from jmapcore.engine.capabilities import CORE
from jmapcore.engine.context import Context
from jmapcore.engine.registry import method


@method("Core/echo", CORE)
def core_echo(ctx: Context, arguments: dict[str, Any]) -> dict[str, Any]:
    return arguments
