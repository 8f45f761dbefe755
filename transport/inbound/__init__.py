"""Receiving mail: the SMTP/LMTP server, recipient resolution, authentication verdicts, local delivery.

:func:`transport.inbound.delivery.deliver_local` is the one way a message enters the
hosted mailboxes from outside JMAP; the sending side calls it for local recipients.
"""
