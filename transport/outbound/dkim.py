"""DKIM signing of outgoing mail (RFC 6376) with dkimpy, by the key of the sending domain."""

from __future__ import annotations

import dkim


def dkim_sign(message: bytes, domain: str, selector: str, private_key_pem: str) -> bytes:
    """``message`` with a DKIM-Signature header field prepended (rsa-sha256, relaxed/relaxed).

    dkimpy's default header list signs From (and a few others) one extra time, so
    nobody can add a second From without breaking the signature.
    """
    signature = dkim.sign(
        message,
        selector.encode("ascii"),
        domain.encode("idna"),
        private_key_pem.encode("ascii"),
        canonicalize=(b"relaxed", b"relaxed"),
    )
    return signature + message
