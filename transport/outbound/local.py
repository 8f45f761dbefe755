"""Recipients on this server's own domains: stored by the receiving side, no network involved."""

from __future__ import annotations

from .smtp import Reply, reply_from


def deliver_locally(message: bytes, mail_from: str, recipients: list[str]) -> dict[str, Reply]:
    """The receiving service's result for each recipient, as the SMTP reply it stands for."""
    # Imported here: the receiving side queues vacation replies through this package.
    from transport.inbound.delivery import deliver_local

    results = deliver_local(message, mail_from, recipients)
    return {rcpt: reply_from(result.code, result.text) for rcpt, result in results.items()}
