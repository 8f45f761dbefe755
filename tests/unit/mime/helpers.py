"""Shared helpers for the mime tests: fixture and corpus access, expected-part builders."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).parent / "fixtures"
# shared/ lies beside the checkout (as for the developers and CI); JMAP_MAIL_CORPUS overrides.
CORPUS = Path(
    os.environ.get("JMAP_MAIL_CORPUS", Path(__file__).resolve().parents[3].parent / "shared" / "mailcorpus")
)


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def corpus_files() -> list[Path]:
    return sorted(CORPUS.rglob("*.eml"))


def body_part(
    part_id: str | None,
    media_type: str,
    size: int,
    headers: list[tuple[str, str]],
    *,
    charset: str | None = None,
    name: str | None = None,
    disposition: str | None = None,
    cid: str | None = None,
    language: list[str] | None = None,
    location: str | None = None,
    sub_parts: list[dict] | None = None,
) -> dict[str, Any]:
    """A complete expected EmailBodyPart, so tests compare whole dicts."""
    return {
        "partId": part_id,
        "blobId": None,
        "size": size,
        "headers": [{"name": n, "value": v} for n, v in headers],
        "name": name,
        "type": media_type,
        "charset": charset,
        "disposition": disposition,
        "cid": cid,
        "language": language,
        "location": location,
        "subParts": sub_parts,
    }


def flat(part: dict) -> dict:
    """The form a part takes in textBody/htmlBody/attachments."""
    return {key: value for key, value in part.items() if key != "subParts"}


def ids(parts: list[dict]) -> list[str]:
    return [part["partId"] for part in parts]
