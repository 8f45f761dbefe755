"""One module per JMAP data type; importing this package registers them all."""

from . import (  # noqa: F401
    blob,
    core,
    email,
    email_import,
    email_query,
    emailsubmission,
    identity,
    mailbox,
    pushsubscription,
    thread,
    vacationresponse,
)
