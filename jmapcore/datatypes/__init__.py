"""One module per JMAP data type; importing this package registers them all."""

from . import blob, core, email, email_import, email_query, mailbox, pushsubscription, thread  # noqa: F401
