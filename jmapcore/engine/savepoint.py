"""All of one object's create, update or destroy, or none of it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction

from jmapcore.changes.log import ChangeLog

if TYPE_CHECKING:
    from .datatype import DataType


class object_savepoint:
    """A savepoint around one object's change, log entries included: a SetError (or a
    unique-constraint violation, turned into the type's SetError) undoes that object only."""

    def __init__(self, log: ChangeLog, datatype: DataType) -> None:
        self.log = log
        self.datatype = datatype
        self.atomic = transaction.atomic()

    def __enter__(self) -> None:
        self.pending = dict(self.log.pending)
        self.atomic.__enter__()

    def __exit__(self, exc_type, exc, tb) -> bool:
        self.atomic.__exit__(exc_type, exc, tb)
        if exc_type is None:
            return False
        self.log.pending = self.pending
        if isinstance(exc, IntegrityError):
            raise self.datatype.integrity_error(exc) from None
        return False
