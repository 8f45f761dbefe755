"""Reading mail from disk for import: mbox files, Maildir and Maildir++ trees, .eml folders.

Pure functions over the file system (no database): each yields ``SourceMessage``s
with the folder path they came from, their keywords and their delivery time.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path

MAILDIR_FLAGS = {"S": "$seen", "R": "$answered", "F": "$flagged", "D": "$draft", "P": "$forwarded"}
MBOX_STATUS = {"R": "$seen"}
MBOX_X_STATUS = {"A": "$answered", "F": "$flagged", "T": "$draft"}


@dataclass(frozen=True)
class SourceMessage:
    folder: tuple[str, ...]  # () is the top level, i.e. the Inbox
    raw: bytes
    keywords: frozenset[str]
    received_at: datetime | None
    origin: str  # file (and index) it came from, for error reports
    deleted: bool = False  # marked for expunge: not visible in JMAP (RFC 8621 4.1.1)


# ---------------------------------------------------------------- detection


def is_maildir(path: Path) -> bool:
    return (path / "cur").is_dir() and (path / "new").is_dir()


def is_mbox(path: Path) -> bool:
    if not path.is_file():
        return False
    with path.open("rb") as handle:
        return handle.read(5) == b"From "


def read_source(path: Path) -> Iterator[SourceMessage]:
    """Every message under ``path``, whatever the layout."""
    if path.is_file():
        if is_mbox(path):
            yield from read_mbox(path, ())
        else:
            yield SourceMessage((), path.read_bytes(), frozenset(), _file_time(path), str(path))
        return
    if is_maildir(path):
        yield from read_maildir_plus_plus(path)
        return
    yield from read_tree(path, ())


def read_tree(path: Path, folder: tuple[str, ...]) -> Iterator[SourceMessage]:
    """A folder of mbox files, Maildirs, .eml files and sub-folders (each a mailbox)."""
    for entry in sorted(path.iterdir()):
        if entry.name.startswith("."):
            continue
        if entry.is_dir():
            sub = (*folder, entry.name)
            if is_maildir(entry):
                yield from read_maildir(entry, sub)
                yield from read_tree_children(entry, sub)
            else:
                yield from read_tree(entry, sub)
        elif entry.suffix.lower() == ".eml":
            yield SourceMessage(folder, entry.read_bytes(), frozenset(), _file_time(entry), str(entry))
        elif is_mbox(entry):
            yield from read_mbox(entry, (*folder, _mbox_name(entry)))


def read_tree_children(maildir: Path, folder: tuple[str, ...]) -> Iterator[SourceMessage]:
    for entry in sorted(maildir.iterdir()):
        if entry.is_dir() and entry.name not in ("cur", "new", "tmp") and not entry.name.startswith("."):
            yield from read_tree(entry, (*folder, entry.name))


def _mbox_name(path: Path) -> str:
    return path.stem if path.suffix.lower() in (".mbox", ".mbx") else path.name


# ---------------------------------------------------------------- Maildir


def read_maildir_plus_plus(root: Path) -> Iterator[SourceMessage]:
    """A Maildir++ tree: the root is the Inbox, ``.A.B`` sub-maildirs are folders A/B."""
    keywords = _dovecot_keywords(root)
    yield from read_maildir(root, (), keywords)
    for entry in sorted(root.iterdir()):
        if entry.name.startswith(".") and entry.name not in (".", "..") and is_maildir(entry):
            folder = tuple(part for part in entry.name[1:].split(".") if part)
            yield from read_maildir(entry, folder, _dovecot_keywords(entry) or keywords)


def _dovecot_keywords(maildir: Path) -> dict[str, str]:
    """Dovecot's ``dovecot-keywords``: lines "<index> <name>"; letter a is index 0."""
    path = maildir / "dovecot-keywords"
    letters: dict[str, str] = {}
    if path.is_file():
        for line in path.read_text(errors="replace").splitlines():
            index, _, name = line.partition(" ")
            if index.isdigit() and name and int(index) < 26:
                letters[chr(ord("a") + int(index))] = name.strip().lower()
    return letters


def read_maildir(
    path: Path, folder: tuple[str, ...], keyword_letters: dict[str, str] | None = None
) -> Iterator[SourceMessage]:
    letters = keyword_letters if keyword_letters is not None else _dovecot_keywords(path)
    for sub in ("new", "cur"):
        for entry in sorted((path / sub).iterdir()):
            if not entry.is_file():
                continue
            flags = entry.name.rpartition(":2,")[2] if ":2," in entry.name else ""
            keywords = {MAILDIR_FLAGS[f] for f in flags if f in MAILDIR_FLAGS}
            keywords |= {letters[f] for f in flags if f in letters}
            yield SourceMessage(
                folder,
                entry.read_bytes(),
                frozenset(keywords),
                _maildir_time(entry),
                str(entry),
                deleted="T" in flags,
            )


def _maildir_time(path: Path) -> datetime:
    """Maildir names start with the delivery time in seconds; fall back to the file's mtime."""
    stamp = path.name.split(".", 1)[0]
    if stamp.isdigit() and 9 <= len(stamp) <= 11:
        return datetime.fromtimestamp(int(stamp), tz=UTC)
    return _file_time(path)


def _file_time(path: Path) -> datetime:
    return datetime.fromtimestamp(path.stat().st_mtime, tz=UTC)


# ---------------------------------------------------------------- mbox

_FROM_LINE = re.compile(rb"^From (\S+)\s+(.*)$")


def read_mbox(path: Path, folder: tuple[str, ...]) -> Iterator[SourceMessage]:
    """mboxrd/mboxo: messages start at "From " lines; ">From " unquoting as mboxrd."""
    current: list[bytes] = []
    from_line = b""
    index = 0
    with path.open("rb") as handle:
        for line in handle:
            if line.startswith(b"From ") and (not current or current[-1].strip() == b""):
                if current or from_line:
                    yield _mbox_message(path, folder, from_line, current, index)
                    index += 1
                from_line, current = line, []
            else:
                current.append(line)
    if current or from_line:
        yield _mbox_message(path, folder, from_line, current, index)


def _unquote(line: bytes) -> bytes:
    stripped = line.lstrip(b">")
    return line[1:] if stripped.startswith(b"From ") and line.startswith(b">") else line


def _mbox_message(
    path: Path, folder: tuple[str, ...], from_line: bytes, lines: list[bytes], index: int
) -> SourceMessage:
    if lines and lines[-1].strip() == b"":
        lines = lines[:-1]  # the separator's blank line belongs to the mbox, not the message
    raw = b"".join(_unquote(line) for line in lines)
    keywords, deleted = _mbox_flags(raw)
    return SourceMessage(folder, raw, keywords, _from_line_time(from_line), f"{path}#{index}", deleted)


def _header_block(raw: bytes) -> bytes:
    end = raw.find(b"\n\n")
    end_crlf = raw.find(b"\r\n\r\n")
    candidates = [e for e in (end, end_crlf) if e >= 0]
    return raw[: min(candidates)] if candidates else raw


def _mbox_flags(raw: bytes) -> tuple[frozenset[str], bool]:
    keywords: set[str] = set()
    deleted = False
    for line in _header_block(raw).splitlines():
        name, _, value = line.partition(b":")
        name_text = name.strip().lower()
        text = value.decode("ascii", "replace").strip()
        if name_text == b"status":
            keywords |= {MBOX_STATUS[f] for f in text if f in MBOX_STATUS}
        elif name_text == b"x-status":
            keywords |= {MBOX_X_STATUS[f] for f in text if f in MBOX_X_STATUS}
            deleted = deleted or "D" in text
        elif name_text == b"x-keywords":
            keywords |= {k.lower() for k in re.split(r"[\s,]+", text) if k}
    return frozenset(keywords), deleted


def _from_line_time(line: bytes) -> datetime | None:
    match = _FROM_LINE.match(line.rstrip(b"\r\n"))
    if not match:
        return None
    text = match.group(2).decode("ascii", "replace").strip()
    for pattern in ("%a %b %d %H:%M:%S %Y", "%a %b  %d %H:%M:%S %Y"):
        try:
            return datetime.strptime(text, pattern).replace(tzinfo=UTC)
        except ValueError:
            continue
    try:
        stamp = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)
