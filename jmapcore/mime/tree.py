"""The MIME entity tree of a message, read straight from its bytes.

Parts keep offsets into the original buffer, so every part's raw octets
(including an attached message/rfc822, byte for byte) can be recovered. The
splitter tolerates bare LF, missing close delimiters, missing or wrong
boundary parameters and absurd nesting; it never raises.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property

from . import transfer
from .encoded_words import unfold
from .headers import scan_headers, strip_comments
from .params import decode_filename, parse_content_type, parse_disposition

MAX_DEPTH = 64
MAX_PARTS = 10_000
_BOUNDARY_GUESS_RE = re.compile(rb"^--([^\s]{1,200}?)(?:--)?[ \t]*\r?$", re.M)


@dataclass(eq=False)
class MimePart:
    buf: bytes
    headers: list[tuple[str, str]]
    body_start: int
    body_end: int
    type: str
    params: dict[str, str]
    children: list[MimePart] | None = None
    part_id: str | None = None
    in_related: bool = False
    _first: dict[str, str] = field(default_factory=dict, repr=False)
    _index: dict[str, MimePart] | None = field(default=None, repr=False)

    def first_header(self, name: str) -> str | None:
        """The first instance of a MIME header (MIME readers use the first)."""
        if not self._first:
            for key, value in self.headers:
                self._first.setdefault(key.lower(), value)
        return self._first.get(name)

    @property
    def is_multipart(self) -> bool:
        return self.children is not None

    @property
    def body(self) -> bytes:
        return self.buf[self.body_start : self.body_end]

    @cached_property
    def cte(self) -> str:
        return transfer.normalise_cte(self.first_header("content-transfer-encoding"))

    @cached_property
    def disposition_and_params(self) -> tuple[str | None, dict[str, str]]:
        raw = self.first_header("content-disposition")
        return parse_disposition(raw) if raw is not None else (None, {})

    @property
    def disposition(self) -> str | None:
        return self.disposition_and_params[0]

    @property
    def name(self) -> str | None:
        filename = self.disposition_and_params[1].get("filename")
        return decode_filename(filename if filename is not None else self.params.get("name"))

    @property
    def charset(self) -> str | None:
        charset = (self.params.get("charset") or "").strip()
        if charset:
            return charset
        # The MIME default; a digest's implicit message/rfc822 has no charset.
        return "us-ascii" if self.type.startswith("text/") else None

    @property
    def cid(self) -> str | None:
        raw = self.first_header("content-id")
        if raw is None:
            return None
        value = re.sub(r"\s+", "", strip_comments(unfold(raw)))
        if value.startswith("<"):
            value = value[1:]
        if value.endswith(">"):
            value = value[:-1]
        return value or None

    @property
    def language(self) -> list[str] | None:
        raw = self.first_header("content-language")
        if raw is None:
            return None
        tags = [tag.strip() for tag in strip_comments(unfold(raw)).split(",")]
        return [tag for tag in tags if tag] or None

    @property
    def location(self) -> str | None:
        raw = self.first_header("content-location")
        if raw is None:
            return None
        return re.sub(r"\s+", "", unfold(raw)).strip('"') or None

    def content(self) -> tuple[bytes, bool]:
        """The decoded octets (multiparts: the raw body) and whether decoding had a problem."""
        if self.is_multipart:
            return self.body, False
        return transfer.decode(self.body, self.cte)

    def index(self) -> dict[str, MimePart]:
        """Leaf parts by partId (built once per tree)."""
        if self._index is None:
            self._index = {part.part_id: part for part in self.walk() if part.part_id is not None}
        return self._index

    def walk(self):
        yield self
        for child in self.children or ():
            yield from child.walk()


@dataclass
class _Budget:
    parts: int = 0


def parse_tree(raw: bytes) -> MimePart:
    """The root entity of a message with part ids assigned ("1", "2.1", ...)."""
    root = _parse_entity(raw, 0, len(raw), "text/plain", 0, _Budget(), top=True)
    _assign_ids(root, "")
    return root


def _parse_entity(
    buf: bytes, start: int, end: int, default_type: str, depth: int, budget: _Budget, top: bool = False
) -> MimePart:
    budget.parts += 1
    headers, body_start = scan_headers(buf, start, end, skip_mbox_from=top)
    part = MimePart(buf, headers, body_start, end, default_type, {})
    raw_type = part.first_header("content-type")
    if raw_type is not None:
        media_type, params = parse_content_type(raw_type)
        part.params = params
        # RFC 2045: an invalid Content-Type means text/plain.
        part.type = media_type or "text/plain"
    if part.type.startswith("multipart/"):
        _split_multipart(part, depth, budget)
    return part


def _split_multipart(part: MimePart, depth: int, budget: _Budget) -> None:
    ranges = None
    if depth < MAX_DEPTH and budget.parts < MAX_PARTS:
        ranges = _find_parts(part.buf, part.body_start, part.body_end, part.params.get("boundary"))
    if ranges is None:
        # Nothing to split on: show the body as text rather than lose it.
        part.type = (
            "text/plain" if depth < MAX_DEPTH and budget.parts < MAX_PARTS else "application/octet-stream"
        )
        return
    child_type = "message/rfc822" if part.type == "multipart/digest" else "text/plain"
    part.children = []
    for child_start, child_end in ranges:
        if budget.parts >= MAX_PARTS:
            break
        child = _parse_entity(part.buf, child_start, child_end, child_type, depth + 1, budget)
        child.in_related = part.type == "multipart/related"
        part.children.append(child)


def _find_parts(buf: bytes, start: int, end: int, boundary: str | None) -> list[tuple[int, int]] | None:
    """Body ranges of the parts between delimiter lines; None if no delimiter is found."""
    if boundary:
        ranges = _split(buf, start, end, boundary.encode("utf-8"))
        if ranges is not None:
            return ranges
    guess = _guess_boundary(buf, start, end)
    if guess is None or guess == (boundary or "").encode("utf-8"):
        return None
    return _split(buf, start, end, guess)


_DELIMITER_END = frozenset(b" \t\r\n")


def _delimiters(buf: bytes, start: int, end: int, boundary: bytes) -> Iterator[tuple[int, int, bool]]:
    """(start, end, is_close) of each delimiter line's "--boundary" or "--boundary--".

    RFC 2046: the boundary must start a line; what follows it on the line is ignored.
    Requiring white space (or the end) right after it keeps a boundary from matching a
    longer one it is a prefix of. Plain ``find`` rather than a regular expression: every
    message has its own boundary, and compiling a pattern per message costs more than
    parsing the rest of it.
    """
    needle = b"--" + boundary
    pos = buf.find(needle, start, end)
    while pos >= 0:
        after = pos + len(needle)
        if pos == 0 or buf[pos - 1] == 0x0A:
            closing = buf.startswith(b"--", after, end) and _ends_token(buf, after + 2, end)
            if closing:
                yield pos, after + 2, True
            elif _ends_token(buf, after, end):
                yield pos, after, False
        pos = buf.find(needle, after, end)


def _ends_token(buf: bytes, pos: int, end: int) -> bool:
    return pos >= end or buf[pos] in _DELIMITER_END


def _split(buf: bytes, start: int, end: int, boundary: bytes) -> list[tuple[int, int]] | None:
    ranges: list[tuple[int, int]] = []
    part_start = None
    found = False
    for match_start, match_end, closing in _delimiters(buf, start, end, boundary):
        found = True
        if part_start is not None:
            ranges.append((part_start, _before_line_break(buf, part_start, match_start)))
        if closing:
            return ranges
        part_start = _after_line(buf, match_end, end)
    if not found:
        return None
    # Without a close delimiter the last part runs to the end, unless that
    # is only the line break after a final (truncated) delimiter.
    if part_start is not None and (not ranges or buf[part_start:end].strip()):
        ranges.append((part_start, end))
    return ranges


def _before_line_break(buf: bytes, floor: int, pos: int) -> int:
    # The line break before a delimiter belongs to the delimiter (RFC 2046).
    if pos > floor and buf[pos - 1] == 0x0A:
        pos -= 1
        if pos > floor and buf[pos - 1] == 0x0D:
            pos -= 1
    return pos


def _after_line(buf: bytes, pos: int, end: int) -> int:
    newline = buf.find(b"\n", pos, end)
    return end if newline < 0 else newline + 1


def _guess_boundary(buf: bytes, start: int, end: int) -> bytes | None:
    """A boundary for a multipart whose declared one is missing or never used.

    The first "--token" line counts if the same delimiter occurs again.
    """
    for match in _BOUNDARY_GUESS_RE.finditer(buf, start, min(end, start + 65536)):
        candidate = match.group(1)
        if candidate.strip(b"-") == b"":
            continue
        occurrences = _delimiters(buf, match.end(), end, candidate)
        if next(occurrences, None) is not None:
            return candidate
        return None
    return None


def _assign_ids(part: MimePart, prefix: str) -> None:
    if not part.is_multipart:
        part.part_id = prefix or "1"
        return
    for index, child in enumerate(part.children or (), start=1):
        _assign_ids(child, f"{prefix}.{index}" if prefix else str(index))
