"""Every message of the shared tricky-mail corpus parses into a consistent, JSON-ready Email.

Plus a seeded mutation test: random damage to a few corpus messages never
makes the parser raise.
"""

from __future__ import annotations

import json
import random

import pytest

from jmapcore.mime.parse import (
    PREVIEW_LENGTH,
    body_values,
    parse_message,
    part_content,
    search_text,
)

from .helpers import CORPUS, corpus_files

FILES = corpus_files()


def _leaves(part: dict):
    if part["subParts"] is None:
        yield part
        return
    for child in part["subParts"]:
        yield from _leaves(child)


def _all_parts(part: dict):
    yield part
    for child in part["subParts"] or ():
        yield from _all_parts(child)


def _check_message(raw: bytes) -> None:
    """The invariants any parse must satisfy, whatever the input."""
    parsed = parse_message(raw)
    json.dumps(parsed.email_properties())
    structure = parsed.body_structure
    leaves = {part["partId"]: part for part in _leaves(structure)}
    assert None not in leaves
    for part in _all_parts(structure):
        assert (part["partId"] is None) == part["type"].startswith("multipart/")
    listed = parsed.text_body + parsed.html_body + parsed.attachments
    for part in listed:
        assert part["partId"] in leaves
        assert "subParts" not in part
    # Every leaf is shown somewhere: as body or as attachment.
    assert {p["partId"] for p in listed} == set(leaves)
    assert len(parsed.preview) <= PREVIEW_LENGTH
    text_ids = [pid for pid, part in leaves.items() if part["type"].startswith("text/")]
    values = body_values(parsed, text_ids, max_bytes=1000)
    assert set(values) == set(text_ids)
    for value in values.values():
        assert len(value["value"].encode("utf-8")) <= 1000
        assert "\r\n" not in value["value"]
    assert isinstance(search_text(parsed), str)


def test_corpus_is_there() -> None:
    assert len(FILES) >= 280, f"mail corpus missing at {CORPUS}"


@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(CORPUS)) for p in FILES])
def test_corpus_message_parses(path) -> None:
    raw = path.read_bytes()
    _check_message(raw)
    parsed = parse_message(raw)
    assert parsed.size == len(raw)
    for part in _leaves(parsed.body_structure):
        content = part_content(parsed, part["partId"])
        assert content is not None
        assert len(content[0]) == part["size"]
        assert content[1] == part["type"]


def test_corpus_message_ids_and_dates_have_the_rfc_shapes() -> None:
    for path in FILES:
        parsed = parse_message(path.read_bytes())
        for ids in (parsed.message_id, parsed.in_reply_to, parsed.references):
            assert ids is None or (ids and all(isinstance(i, str) and i and "<" not in i for i in ids))
        if parsed.sent_at is not None:
            assert len(parsed.sent_at) in (20, 25), parsed.sent_at


MUTATION_SOURCES = [
    "stalwart-mail-parser/rfc-007.eml",
    "thunderbird/10-plaintext+html+image+attachment.eml",
    "enmime/mail-qp-utf8-header.eml",
    "mime4j/boundary-name-clash.eml",
    "james/jmap-related_in_alternative_multipart.eml",
]
_NASTY = [
    b"\r",
    b"\n",
    b"\r\n",
    b"-",
    b"--",
    b"=",
    b"?",
    b":",
    b";",
    b'"',
    b"\x00",
    b"\xff",
    b"=?",
    b"<",
    b"(",
]


def _mutate(raw: bytes, rng: random.Random) -> bytes:
    data = bytearray(raw)
    for _ in range(rng.randint(1, 8)):
        if not data:
            data += rng.choice(_NASTY)
            continue
        pos = rng.randrange(len(data))
        action = rng.randrange(6)
        if action == 0:
            data[pos] = rng.randrange(256)
        elif action == 1:
            data[pos:pos] = rng.choice(_NASTY)
        elif action == 2:
            del data[pos : pos + rng.randint(1, 64)]
        elif action == 3:
            length = rng.randint(1, 200)
            data[pos:pos] = data[pos : pos + length]
        elif action == 4:
            del data[pos:]
        else:
            data[pos:pos] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 16)))
    return bytes(data)


@pytest.mark.parametrize("source", MUTATION_SOURCES)
def test_random_mutations_never_raise(source: str) -> None:
    rng = random.Random(f"jmap-mime-{source}")
    raw = (CORPUS / source).read_bytes()
    for _ in range(80):
        _check_message(_mutate(raw, rng))
