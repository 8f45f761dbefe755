"""Sending mail: the outgoing queue, SMTP delivery (relay or MX), DKIM signing and bounces.

See docs/transport.md (sending) for the flow from EmailSubmission/set to the remote server.
"""
