"""Best-effort RFC 5322 address-list parsing into JMAP EmailAddress(Group) objects.

Tolerates what drafts and broken mailers write: missing commas between
addresses, unclosed quotes and brackets, bare words without an @, obsolete
routes and spaced addr-specs. Encoded-words are decoded after tokenising, so
a comma inside one never splits an address.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from .encoded_words import decode_words, unfold

_ATOM_RE = re.compile(r'[^\s"(),;:<>\[]+')
_EW_RE = re.compile(r"=\?[^?\s]+\?[bBqQ]\?[^?\s]*\?=")
_SPACE_RE = re.compile(r"\s+")


@dataclass
class _Token:
    kind: str  # "atom", "quoted", "comment", "angle", ",", ";", ":"
    text: str
    space_before: bool


def read_quoted(s: str, i: int) -> tuple[str, int]:
    """A quoted-string starting at ``s[i]`` (the opening quote): its unescaped text and the index after it."""
    out, i = [], i + 1
    while i < len(s):
        c = s[i]
        if c == "\\" and i + 1 < len(s):
            out.append(s[i + 1])
            i += 2
            continue
        if c == '"':
            return "".join(out), i + 1
        out.append(c)
        i += 1
    return "".join(out), i


def _read_comment(s: str, i: int) -> tuple[str, int]:
    out, depth, i = [], 0, i
    while i < len(s):
        c = s[i]
        if c == "\\" and i + 1 < len(s):
            out.append(s[i + 1])
            i += 2
            continue
        if c == "(":
            depth += 1
            if depth > 1:
                out.append(c)
        elif c == ")":
            depth -= 1
            if depth == 0:
                return "".join(out), i + 1
            out.append(c)
        else:
            out.append(c)
        i += 1
    return "".join(out), i


def _read_angle(s: str, i: int) -> tuple[str, int]:
    out, i = [], i + 1
    while i < len(s):
        c = s[i]
        if c == ">":
            i += 1
            break
        if c == '"':
            text, i = read_quoted(s, i)
            out.append('"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"')
            continue
        if c == "(":
            _, i = _read_comment(s, i)
            continue
        out.append(c)
        i += 1
    addr = "".join(out).strip()
    if addr.startswith("@") and ":" in addr:  # obsolete route: <@a,@b:user@c>
        addr = addr.partition(":")[2].strip()
    return addr, i


def _read_atom(s: str, i: int) -> tuple[str, int]:
    out = []
    while i < len(s):
        # An encoded-word is one atom even when it holds specials such as a
        # comma, which mailers often leave unencoded in Q words.
        match = _EW_RE.match(s, i) or _ATOM_RE.match(s, i)
        if match:
            out.append(match.group())
            i = match.end()
        if i < len(s) and s[i] == "[":  # domain literal
            end = s.find("]", i)
            end = len(s) if end < 0 else end + 1
            out.append(s[i:end])
            i = end
            continue
        break
    return "".join(out), i


def tokenize(value: str) -> list[_Token]:
    s = unfold(value)
    tokens: list[_Token] = []
    i, space = 0, False
    while i < len(s):
        c = s[i]
        match = _SPACE_RE.match(s, i)
        if match:
            space, i = True, match.end()
            continue
        if c == '"':
            text, i = read_quoted(s, i)
            tokens.append(_Token("quoted", text, space))
        elif c == "(":
            text, i = _read_comment(s, i)
            tokens.append(_Token("comment", text, space))
        elif c == "<":
            text, i = _read_angle(s, i)
            tokens.append(_Token("angle", text, space))
        elif c in ",;:":
            tokens.append(_Token(c, c, space))
            i += 1
        elif c in ")>":  # stray closers carry no meaning
            i += 1
        else:
            text, i = _read_atom(s, i)
            if not text:  # nothing an atom can hold: skip the character
                i += 1
                continue
            tokens.append(_Token("atom", text, space))
        space = False
    return tokens


def phrase_text(tokens: list[_Token]) -> str | None:
    """A display-name: quoted-pairs decoded, encoded-words decoded, trimmed, NFC."""
    out, atoms = "", ""
    for token in tokens:
        sep = " " if token.space_before and (out or atoms) else ""
        if token.kind == "atom":
            atoms += sep + token.text
            continue
        if atoms:
            out, atoms = out + decode_words(atoms), ""
        out += sep + decode_words(token.text)
    out += decode_words(atoms)
    out = unicodedata.normalize("NFC", out.strip())
    return out or None


def _render(token: _Token) -> str:
    if token.kind == "quoted":
        return '"' + token.text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return token.text


def _split_addr_spec(tokens: list[_Token]) -> tuple[str, list[_Token]]:
    """The addr-spec and the display-name tokens of a mailbox written without <>."""
    words: list[list[_Token]] = []
    for token in tokens:
        if not words or token.space_before:
            words.append([])
        words[-1].append(token)
    rendered = ["".join(_render(t) for t in word) for word in words]
    spaced = any(w == "@" or w.startswith(("@", ".")) or w.endswith(("@", ".")) for w in rendered)
    if spaced and any("@" in w for w in rendered):  # obsolete "john . doe @ example . com"
        return "".join(rendered), []
    at = max((i for i, w in enumerate(rendered) if "@" in w), default=None)
    if at is None:
        return " ".join(rendered), []
    name_tokens = [t for word in words[:at] for t in word]
    return rendered[at], name_tokens


@dataclass
class _Parser:
    result: list[dict] = field(default_factory=list)
    group: dict | None = None
    collector: dict | None = None
    phrase: list[_Token] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)
    angle: str | None = None

    def feed(self, token: _Token) -> None:
        kind = token.kind
        if kind in ("atom", "quoted"):
            if self.angle is not None or self._missing_comma(token):
                self.flush()
            self.phrase.append(token)
        elif kind == "comment":
            self.comments.append(token.text)
        elif kind == "angle":
            if self.angle is not None:
                self.flush()
            self.angle = token.text
        elif kind == ",":
            self.flush()
        elif kind == ";":
            self.flush()
            self.group = None
        elif kind == ":":
            self._colon(token)

    def _missing_comma(self, token: _Token) -> bool:
        return (
            token.space_before
            and "@" in token.text
            and token.kind == "atom"
            and any(t.kind == "atom" and "@" in t.text for t in self.phrase)
        )

    def _colon(self, token: _Token) -> None:
        if self.group is None and self.angle is None:
            self.group = {"name": phrase_text(self.phrase) or "", "addresses": []}
            self.result.append(self.group)
            self.collector = None
            self.phrase, self.comments = [], []
        else:  # a colon inside a group's display-name: keep it as text
            self.phrase.append(_Token("atom", ":", token.space_before))

    def flush(self) -> None:
        if self.angle is not None:
            email, name = self.angle, phrase_text(self.phrase)
        elif self.phrase:
            email, name_tokens = _split_addr_spec(self.phrase)
            name = phrase_text(name_tokens)
        else:
            self.comments = []
            return
        if name is None and self.comments:
            name = phrase_text([_Token("quoted", self.comments[0], False)])
        self._add({"name": name, "email": email})
        self.phrase, self.comments, self.angle = [], [], None

    def _add(self, address: dict) -> None:
        if self.group is not None:
            self.group["addresses"].append(address)
            return
        if self.collector is None:
            self.collector = {"name": None, "addresses": []}
            self.result.append(self.collector)
        self.collector["addresses"].append(address)


def parse_grouped_addresses(value: str) -> list[dict]:
    """RFC 8621 GroupedAddresses form of a raw header value."""
    parser = _Parser()
    for token in tokenize(value):
        parser.feed(token)
    parser.flush()
    return parser.result


def parse_addresses(value: str) -> list[dict]:
    """RFC 8621 Addresses form: every mailbox, group information dropped."""
    return [address for group in parse_grouped_addresses(value) for address in group["addresses"]]
