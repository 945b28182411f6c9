"""One SEARCH line of a model's edit, matched against a file line without a backtracking regular expression.

A SEARCH line matches a file line that differs only in whitespace the model wrote (around the line, and where
the model put whitespace between two words it may be missing or longer), and each «REDACTED:kind» marker in it
matches the hidden text the model never saw. As one regular expression — `(.+?)` a marker — a line of a dozen
markers backtracks for minutes on a 40-character line (n**markers ways to split it), and the model's answer is
untrusted input. So a line with markers is matched piece by piece: its literal pieces in order, each at its
leftmost place after the previous one (a marker takes the shortest non-empty text up to the next piece, as the
lazy `(.+?)` would), no piece ever retried. Taking the leftmost place is never wrong: a later place of a piece
ends no earlier, so it leaves the rest of the line no more room. One match costs at most the line's length times
the SEARCH line's. A line without markers is one regular expression with no ambiguity (`re`, at C speed).

`match(line)` returns the hidden values, (kind, text) in order, when the line matches, else None. Where the
piece beside a marker allows whitespace, the whitespace is the piece's, never the hidden text's: a marker does
not match text that is only whitespace there (the regular expression could give it back; nothing hidden is).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MARKER = re.compile(r"«REDACTED:([^»\n]*)»")
_WORDS = re.compile(r"\s+")


def safe_kind(kind: str) -> str:
    """A marker's kind as the restoring side names it (`AWS Access Key` -> `AWS_Access_Key`)."""
    return re.sub(r"\W", "_", kind)


@dataclass(frozen=True)
class _Piece:
    """Literal text between markers: its words in order, whitespace optional before (`lead`), between and after
    (`trail`) them where the model wrote some."""

    words: tuple[str, ...]
    lead: bool
    trail: bool

    @classmethod
    def of(cls, text: str, *, first: bool = False, last: bool = False) -> _Piece:
        words = tuple(w for w in _WORDS.split(text) if w)
        blank = not words
        return cls(words, lead=first or blank or text[:1].isspace(), trail=last or blank or text[-1:].isspace())

    def end_at(self, line: str, start: int) -> int | None:
        """Where the piece ends when it starts at `start` (whitespace taken greedily), or None."""
        at = _skip_space(line, start) if self.lead else start
        for k, word in enumerate(self.words):
            if k:
                at = _skip_space(line, at)
            if not line.startswith(word, at):
                return None
            at += len(word)
        return _skip_space(line, at) if self.trail else at

    def leftmost(self, line: str, low: int, *, to_end: bool = False) -> tuple[int, int] | None:
        """(start, end) of the piece's leftmost place starting at `low` or later (`to_end`: one that ends the
        line), or None."""
        if not self.words:  # only whitespace: it starts anywhere
            if not to_end:
                return (low, _skip_space(line, low)) if low <= len(line) else None
            start = max(low, len(line.rstrip()))
            return (start, len(line)) if start <= len(line) else None
        found = line.find(self.words[0], low)
        while found != -1:
            start = _space_start(line, found, low) if self.lead else found
            end = self.end_at(line, start)
            if end is not None and (not to_end or end == len(line)):
                return start, end
            found = line.find(self.words[0], found + 1)
        return None


class LinePattern:
    """A SEARCH line (`match`: its hidden values when a file line matches it)."""

    def __init__(self, line: str) -> None:
        stripped = line.strip()
        texts = MARKER.split(stripped)  # literal, kind, literal, kind, ..., literal
        self.kinds = tuple(safe_kind(kind) for kind in texts[1::2])
        literals = texts[0::2]
        self.pieces = tuple(_Piece.of(text, first=k == 0, last=k == len(literals) - 1)
                            for k, text in enumerate(literals))
        self._plain = None if self.kinds else re.compile(
            r"\s*" + r"\s*".join(re.escape(w) for w in self.pieces[0].words) + r"\s*")

    def match(self, line: str) -> tuple[tuple[str, str], ...] | None:
        if self._plain is not None:
            return () if self._plain.fullmatch(line) else None
        at = self.pieces[0].end_at(line, 0)
        if at is None:
            return None
        hidden: list[tuple[str, str]] = []
        for k, piece in enumerate(self.pieces[1:]):
            place = piece.leftmost(line, at + 1, to_end=k == len(self.pieces) - 2)
            if place is None:
                return None
            hidden.append((self.kinds[k], line[at:place[0]]))
            at = place[1]
        return tuple(hidden)


def _skip_space(line: str, at: int) -> int:
    while at < len(line) and line[at].isspace():
        at += 1
    return at


def _space_start(line: str, at: int, low: int) -> int:
    """The start of the whitespace run that ends at `at`, `low` at the earliest."""
    while at > low and line[at - 1].isspace():
        at -= 1
    return at
