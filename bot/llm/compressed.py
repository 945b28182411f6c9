"""SEARCH text quoted from compressed code matched against the real file.

The model sees Python through `bot.context.compress.compress_python`: no comment-only lines, no blank lines,
no trailing comments. Its SEARCH lines are matched here against the file's *code rows* (the lines that
compression keeps, mapped back to their line numbers), so the comments and blank lines between them, and the
comments at their ends, do not get in the way. The tokenizer (through compress_python) decides what a comment
is: a `#` inside a string stays code.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.context.compress import compress_python

if TYPE_CHECKING:
    from bot.llm.line_pattern import LinePattern

PYTHON_SUFFIXES = (".py", ".pyi")  # only these are shown compressed


@dataclass(frozen=True)
class CodeRow:
    index: int  # 0-based line number in the file
    code: str  # the line as compressed: trailing comment removed, no line break


@dataclass(frozen=True)
class Span:
    rows: tuple[CodeRow, ...]  # consecutive code rows from `first`, the whole matched region
    pairs: tuple[tuple[int, int], ...]  # (SEARCH line, position in rows) for every SEARCH line that matched

    @property
    def start(self) -> int:
        return self.rows[0].index

    @property
    def end(self) -> int:  # one past the last file line
        return self.rows[-1].index + 1


def code_rows(source: str) -> list[CodeRow] | None:
    """The lines of `source` that compression keeps, with their line numbers; None when `source` does not
    tokenize (it was then shown uncompressed, so the other matching stages apply)."""
    compressed = compress_python(source)
    if not compressed.ok:
        return None
    kept = compressed.text.splitlines()
    rows: list[CodeRow] = []
    for index, line in enumerate(source.splitlines()):
        if len(rows) < len(kept) and _kept_as(line, kept[len(rows)]):
            rows.append(CodeRow(index, kept[len(rows)]))
    return rows if len(rows) == len(kept) else None


def _kept_as(line: str, kept: str) -> bool:
    """Whether compression turned file line `line` into `kept` (unchanged, or cut before a comment). A dropped
    line is blank or comment-only, so it can never look like the next kept line (which holds code)."""
    if line == kept:
        return True
    return bool(kept.strip()) and line.startswith(kept) and line[len(kept):].lstrip().startswith("#")


def find_spans(rows: Sequence[CodeRow], raw_lines: Sequence[str], wanted: Sequence[str],
               patterns: Sequence[LinePattern]) -> list[Span]:
    """Every region of consecutive code rows the SEARCH lines match, in order. `raw_lines` are the file's
    lines without line breaks; a SEARCH line matches a row as compressed or as written (with its comment).
    Blank and comment-only SEARCH lines between the first and the last that match no row are skipped."""
    spans = []
    for first in range(len(rows)):
        pairs = _match_from(rows, first, raw_lines, wanted, patterns)
        if pairs:
            last = pairs[-1][1]
            spans.append(Span(tuple(rows[first:last + 1]), tuple((k, at - first) for k, at in pairs)))
    return spans


def _match_from(rows: Sequence[CodeRow], first: int, raw_lines: Sequence[str], wanted: Sequence[str],
                patterns: Sequence[LinePattern]) -> list[tuple[int, int]]:
    pairs: list[tuple[int, int]] = []
    at = first
    for k, pattern in enumerate(patterns):
        row = rows[at] if at < len(rows) else None
        if row is not None and (pattern.match(row.code) is not None or pattern.match(raw_lines[row.index]) is not None):
            pairs.append((k, at))
            at += 1
        elif not (0 < k < len(patterns) - 1 and _optional(wanted[k])):
            return []
    return pairs


def _optional(line: str) -> bool:
    """A SEARCH line the file may lack between code rows: blank, or a comment the model added or copied."""
    return not line.strip() or line.lstrip().startswith("#")


def keep_comments(new_lines: Sequence[str], span: Span, file_lines: Sequence[str]) -> list[str]:
    """`new_lines` (the replacement, with line breaks) merged with the file's comments: rows the replacement
    leaves unchanged are taken from the file as written (trailing comments included), as are the comment and
    blank lines above an unchanged row. Above a changed or removed row only blank lines survive, and only when
    the row before it is unchanged; comments on changed rows are gone with them."""
    written = {file_lines[row.index].rstrip("\r\n").rstrip(): row.code.rstrip() for row in span.rows}
    codes = [row.code.rstrip() for row in span.rows]
    ours = [written.get(key, key) for key in (line.rstrip("\r\n").rstrip() for line in new_lines)]
    out: list[str] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, codes, ours, autojunk=False).get_opcodes():
        gap = _gap(span, i1, file_lines)
        if tag == "equal":
            out.extend(gap)
            out.extend(file_lines[span.rows[i1].index:span.rows[i2 - 1].index + 1])
        else:
            out.extend(line for line in gap if not line.strip() and i2 > i1)
            out.extend(new_lines[j1:j2])
    return out


def _gap(span: Span, at: int, file_lines: Sequence[str]) -> Sequence[str]:
    """The comment and blank lines between row `at - 1` and row `at` of the span."""
    if at == 0 or at >= len(span.rows):
        return []
    return file_lines[span.rows[at - 1].index + 1:span.rows[at].index]
