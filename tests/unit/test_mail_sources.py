"""Reading Maildir++, mbox and .eml layouts, checked against the corpus generator's manifest."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from datetime import datetime
from pathlib import Path

import pytest

from jmapcore.mail.sources import read_source

GENERATOR = Path(__file__).resolve().parents[2].parent / "shared" / "bench" / "gen_corpus.py"
FLAG_KEYWORDS = {"\\Seen": "$seen", "\\Answered": "$answered", "\\Flagged": "$flagged", "\\Draft": "$draft"}


def generate(tmp_path: Path, layout: str, messages: int = 200) -> tuple[Path, list[dict]]:
    out, manifest = tmp_path / layout, tmp_path / f"{layout}.jsonl"
    subprocess.run(
        [
            sys.executable,
            str(GENERATOR),
            "--format",
            layout,
            "--out",
            str(out),
            "--messages",
            str(messages),
            "--max-attachment-kb",
            "8",
            "--manifest",
            str(manifest),
            "--quiet",
        ],
        check=True,
        capture_output=True,
    )
    return out, [json.loads(line) for line in manifest.read_text().splitlines()]


def expected_folder(folder: str) -> tuple[str, ...]:
    return () if folder == "INBOX" else tuple(folder.split("/"))


def expected_keywords(entry: dict) -> frozenset[str]:
    flags = {FLAG_KEYWORDS[f] for f in entry["flags"] if f in FLAG_KEYWORDS}
    return frozenset(flags | {k.lower() for k in entry["keywords"]})


@pytest.mark.parametrize("layout", ["maildir", "mbox"])
def test_every_message_is_read_with_its_folder_and_keywords(tmp_path, layout):
    root, manifest = generate(tmp_path, layout)
    messages = list(read_source(root))
    assert len(messages) == len(manifest)
    # mbox keeps INBOX as a file of its own; Maildir++ keeps it at the root.
    got = Counter((m.folder if m.folder != ("INBOX",) else (), m.keywords) for m in messages)
    want = Counter((expected_folder(e["folder"]), expected_keywords(e)) for e in manifest)
    assert got == want


def test_maildir_delivery_times_come_from_the_file_names(tmp_path):
    root, manifest = generate(tmp_path, "maildir", 50)
    by_size = {len(m.raw): m.received_at for m in read_source(root)}
    for entry in manifest:
        assert by_size[entry["size"]] == datetime.fromisoformat(entry["internal_date"]).replace(microsecond=0)


def test_mbox_messages_are_byte_identical_after_from_unquoting(tmp_path):
    mbox = tmp_path / "box"
    mbox.write_bytes(
        b"From a@x Thu Jan  2 10:00:00 2025\nSubject: one\nStatus: RO\nX-Status: AF\n\n>From the start\nbody\n\n"
        b"From b@x Fri Jan  3 11:00:00 2025\nSubject: two\nX-Keywords: Work, $Label1\n\ntext\n"
    )
    first, second = read_source(mbox)
    assert first.raw == b"Subject: one\nStatus: RO\nX-Status: AF\n\nFrom the start\nbody\n"
    assert first.keywords == {"$seen", "$answered", "$flagged"}
    assert first.received_at.isoformat() == "2025-01-02T10:00:00+00:00"
    assert second.keywords == {"work", "$label1"}


def test_maildir_trashed_messages_are_marked_deleted(tmp_path):
    maildir = tmp_path / "Maildir"
    for sub in ("cur", "new", "tmp"):
        (maildir / sub).mkdir(parents=True)
    (maildir / "cur" / "1700000000.M1.host:2,ST").write_bytes(b"Subject: gone\n\nx\n")
    (maildir / "cur" / "1700000001.M2.host:2,F").write_bytes(b"Subject: kept\n\nx\n")
    gone, kept = read_source(maildir)
    assert (gone.deleted, kept.deleted) == (True, False)
    assert kept.keywords == {"$flagged"}


def test_a_folder_of_eml_files_and_sub_folders(tmp_path):
    (tmp_path / "Work" / "2024").mkdir(parents=True)
    (tmp_path / "top.eml").write_bytes(b"Subject: a\n\nx\n")
    (tmp_path / "Work" / "2024" / "deep.eml").write_bytes(b"Subject: b\n\nx\n")
    folders = sorted(m.folder for m in read_source(tmp_path))
    assert folders == [(), ("Work", "2024")]
