"""One module per JMAP data type; importing this package registers them all."""

from . import core, mailbox  # noqa: F401
