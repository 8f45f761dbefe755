"""One module per JMAP data type; importing this package registers them all."""

from . import blob, core, mailbox, pushsubscription  # noqa: F401
