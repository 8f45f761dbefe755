"""The header block of a received message: reading fields, adding trace fields, dropping forged ones."""

from __future__ import annotations

from dataclasses import dataclass

from jmapcore.mime.headers import header_value, scan_headers


@dataclass(frozen=True)
class Head:
    """(name, raw value) pairs of the top-level header and where the body starts."""

    fields: list[tuple[str, str]]
    body_start: int

    @classmethod
    def of(cls, raw: bytes) -> Head:
        fields, body_start = scan_headers(raw, 0, len(raw))
        return cls(fields, body_start)

    def values(self, name: str) -> list[str]:
        wanted = name.lower()
        return [value for field, value in self.fields if field.lower() == wanted]

    def first(self, name: str) -> str | None:
        values = self.values(name)
        return values[0].strip() if values else None

    def text(self, name: str) -> str | None:
        """The last field of that name in RFC 8621's Text form (encoded-words decoded, unfolded)."""
        return header_value(self.fields, name, "Text")

    def addresses(self, name: str) -> list[str]:
        found = header_value(self.fields, name, "Addresses") or []
        return [entry["email"].lower() for entry in found if entry.get("email")]

    def from_domain(self) -> str | None:
        senders = self.addresses("From")
        domain = senders[0].rpartition("@")[2] if senders else ""
        return domain.rstrip(".") or None

    def message_id(self) -> str | None:
        ids = header_value(self.fields, "Message-ID", "MessageIds")
        return ids[0] if ids else None


def _field_spans(raw: bytes, body_start: int) -> list[tuple[int, int, bytes]]:
    """(start, end, lower-cased name) of each top-level field, continuation lines included."""
    spans: list[tuple[int, int, bytes]] = []
    pos = 0
    while pos < body_start:
        newline = raw.find(b"\n", pos, body_start)
        end = body_start if newline < 0 else newline + 1
        line = raw[pos:end]
        if line[:1] in (b" ", b"\t") and spans:
            spans[-1] = (spans[-1][0], end, spans[-1][2])
        elif b":" in line:
            spans.append((pos, end, line.split(b":", 1)[0].strip().lower()))
        pos = end
    return spans


def without_forged_results(raw: bytes, head: Head, authserv_id: str) -> bytes:
    """Drop Authentication-Results fields claiming to be ours (RFC 8601 5): only we write those."""
    ours = authserv_id.lower().encode()
    kept = []
    last = 0
    for start, end, name in _field_spans(raw, head.body_start):
        if name != b"authentication-results":
            continue
        value = raw[start:end].split(b":", 1)[1].strip().lower()
        if value.split(b";", 1)[0].split()[:1] == [ours]:
            kept.append(raw[last:start])
            last = end
    return raw if not kept else b"".join([*kept, raw[last:]])


def fold(name: str, value: str) -> bytes:
    """A trace field, folded before each ``;``-separated clause so lines stay short."""
    text = f"{name}: {value}"
    if len(text) > 78:
        text = text.replace("; ", ";\r\n\t")
    return text.encode("utf-8") + b"\r\n"
