"""The method table: "Foo/bar" -> (capability, handler)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .context import Context

Handler = Callable[[Context, dict[str, Any]], dict[str, Any]]


@dataclass(frozen=True)
class Method:
    name: str
    capability: str
    handler: Handler


METHODS: dict[str, Method] = {}
DATATYPES: dict[str, Any] = {}


def method(name: str, capability: str) -> Callable[[Handler], Handler]:
    """Decorator registering a non-standard method."""

    def register_handler(handler: Handler) -> Handler:
        METHODS[name] = Method(name, capability, handler)
        return handler

    return register_handler


def register(datatype: Any) -> Any:
    """Register a DataType instance and its standard methods."""
    from . import standard

    DATATYPES[datatype.name] = datatype
    for verb in datatype.methods:
        handler = standard.handler_for(verb, datatype)
        METHODS[f"{datatype.name}/{verb}"] = Method(f"{datatype.name}/{verb}", datatype.capability, handler)
    return datatype
