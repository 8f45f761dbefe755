"""DKIM keys of hosted domains: generated once, published as a DNS TXT record (RFC 6376 3.6.1)."""

from __future__ import annotations

import base64

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.utils import timezone

DKIM_KEY_BITS = 2048


def dkim_selector_new() -> str:
    """A dated selector, so a rotated key can be published beside the old one."""
    return f"jmap{timezone.now():%Y%m}"


def dkim_private_key_new() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=DKIM_KEY_BITS)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")


def dkim_public_key_b64(private_pem: str) -> str:
    """The ``p=`` tag: the DER SubjectPublicKeyInfo in base64."""
    key = serialization.load_pem_private_key(private_pem.encode("ascii"), password=None)
    der = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return base64.b64encode(der).decode("ascii")


def dkim_txt_value(private_pem: str) -> str:
    return f"v=DKIM1; k=rsa; p={dkim_public_key_b64(private_pem)}"
