"""One module per JMAP data type; importing this package registers them all."""

from . import blob, core, email, email_import, mailbox, pushsubscription, thread  # noqa: F401
