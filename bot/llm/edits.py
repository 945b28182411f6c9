"""The strict edit format a model answers in, its parser, and applying the edits to a tree.

An answer is SEARCH/REPLACE blocks (or a unified diff in a ```diff fence) plus one `CONFIDENCE: 0.xx` line.
`parse_answer` turns anything else into `Malformed(reason)` — data the pipeline feeds back, never an
exception. `bot.llm.apply.apply_edits` raises `EditError` (message meant for the model) when a SEARCH text does not match
exactly one place. Values shown to the model as `«REDACTED:<type>»` match any text on their line in a
SEARCH, and the same marker in the REPLACE puts the original value back, so secrets survive edits unseen.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from bot.errors import YantraError
from bot.llm.udiff import diff_edits

EDIT_FORMAT_INSTRUCTIONS = """\
Answer with the edits and nothing else but a short explanation. For each change write the file path
(relative to the repository root) on its own line, then a SEARCH/REPLACE block:

path/to/file.py
<<<<<<< SEARCH
the exact lines to replace, copied from the file, with enough surrounding lines to match only once
=======
the new lines
>>>>>>> REPLACE

Rules:
- SEARCH must match the current file exactly, including indentation; keep blocks small.
- Several blocks may follow each other; repeat the path before every block.
- To create a new file, use an empty SEARCH section. Do not delete or rename files.
- Values shown as «REDACTED:<type>» were hidden from you. Copy such markers unchanged; never invent values.
- Never edit files under .git, and use relative paths without "..".
- End the answer with one line giving your confidence (0 to 1) that the change fixes the problem without
  breaking anything, e.g.:
CONFIDENCE: 0.85
"""

_SEARCH = re.compile(r"^\s*<{5,9}\s*SEARCH\s*$")
_DIVIDER = re.compile(r"^\s*={5,9}\s*$")
_REPLACE = re.compile(r"^\s*>{5,9}\s*REPLACE\s*$")
_CONFIDENCE = re.compile(r"^[\s*_#>-]*confidence[\s*_]*[:=]\s*(.*?)[\s*_.]*$", re.IGNORECASE)
_DIFF_FENCE = re.compile(r"^\s*```\s*(?:diff|patch|udiff)\s*$", re.IGNORECASE)


class EditError(YantraError):
    """An edit could not be applied; the message says why, in terms the model can act on."""


@dataclass(frozen=True)
class Edit:
    path: str  # repository-relative, "/" separators
    search: str  # "" creates a new file
    replace: str


@dataclass(frozen=True)
class ParsedAnswer:
    edits: tuple[Edit, ...]
    confidence: float
    explanation: str


@dataclass(frozen=True)
class Malformed:
    reason: str


def parse_answer(text: str, root: Path | None = None) -> ParsedAnswer | Malformed:
    """The edits and confidence in a model's answer, or Malformed(reason). With `root`, also check that
    SEARCH targets exist and that new files (empty SEARCH) do not."""
    try:
        edits, prose, confidences = _scan(text.splitlines())
    except _Bad as bad:
        return Malformed(str(bad))
    if not edits:
        return Malformed("no SEARCH/REPLACE blocks (or ```diff fence) found in the answer")
    for number, edit in enumerate(edits, 1):
        problem = path_problem(edit.path) or _edit_problem(edit, root)
        if problem:
            return Malformed(f"edit {number} ({edit.path!r}): {problem}")
    if not confidences:
        return Malformed("no CONFIDENCE line; end the answer with e.g. `CONFIDENCE: 0.8`")
    confidence = _confidence(confidences[-1])
    if isinstance(confidence, Malformed):
        return confidence
    explanation = "\n".join(line for line in prose if not line.strip().startswith("```")).strip()
    return ParsedAnswer(edits=tuple(edits), confidence=confidence, explanation=explanation)


def path_problem(path: str) -> str:
    """Why `path` may not be edited ("" when it may)."""
    if not path.strip():
        return "empty file path"
    if "\\" in path or "\0" in path or "\n" in path:
        return "the path must use / separators and no control characters"
    if path.startswith(("/", "~")) or re.match(r"^[A-Za-z]:", path):
        return "absolute paths are not allowed; give the path relative to the repository root"
    parts = PurePosixPath(path).parts
    if ".." in parts:
        return "the path escapes the repository (..)"
    # in any case, and with the trailing dots and spaces Windows drops: what git itself refuses (`.GIT/config`)
    if any(part.lower().rstrip(". ") == ".git" for part in parts):
        return "files under .git may not be edited"
    return ""


def normalize_path(path: str) -> str:
    return str(PurePosixPath(path))


class _Bad(Exception):
    pass


def _scan(lines: list[str]) -> tuple[list[Edit], list[str], list[str]]:
    """(edits, prose lines, confidence values) — raises _Bad for a broken block."""
    edits: list[Edit] = []
    prose: list[str] = []
    since_block: list[str] = []  # prose lines since the last block ended
    confidences: list[str] = []
    last_path: str | None = None
    i = 0
    while i < len(lines):
        line = lines[i]
        if _SEARCH.match(line):
            path = _path_before(since_block, prose, last_path, len(edits) + 1)
            search, i = _section(lines, i + 1, _DIVIDER, len(edits) + 1, "=======")
            replace, i = _section(lines, i + 1, _REPLACE, len(edits) + 1, ">>>>>>> REPLACE")
            edits.append(Edit(normalize_path(path), search, replace))
            last_path, since_block = path, []
        elif _DIFF_FENCE.match(line):
            end = next((j for j in range(i + 1, len(lines)) if lines[j].strip().startswith("```")), None)
            if end is None:
                raise _Bad("the ```diff fence is not closed")
            edits += _diff(lines[i + 1:end])
            i, since_block = end, []
        elif (m := _CONFIDENCE.match(line)) is not None:
            confidences.append(m.group(1))
        else:
            prose.append(line)
            since_block.append(line)
        i += 1
    return edits, prose, confidences


def _diff(lines: list[str]) -> list[Edit]:
    edits, problem = diff_edits(lines)
    if problem:
        raise _Bad(problem)
    return [Edit(normalize_path(p), s, r) for p, s, r in edits]


def _path_before(since_block: list[str], prose: list[str], last_path: str | None, number: int) -> str:
    """The path line above block `number` (removed from the prose), or the previous block's path."""
    for back in range(len(since_block) - 1, -1, -1):
        candidate = since_block[back].strip()
        if not candidate or candidate.startswith("```"):
            continue
        cleaned = candidate.strip("`*#: ").removeprefix("File:").removeprefix("file:").strip("`* ")
        if cleaned and not re.search(r"\s", cleaned):
            prose.pop(len(prose) - len(since_block) + back)
            return cleaned
        break
    if last_path is not None and all(not s.strip() or s.strip().startswith("```") for s in since_block):
        return last_path
    raise _Bad(f"block {number}: put the file path alone on the line before <<<<<<< SEARCH")


def _section(lines: list[str], start: int, end: re.Pattern[str], number: int, marker: str) -> tuple[str, int]:
    """The text from `start` up to the `end` marker line, and that line's index."""
    for j in range(start, len(lines)):
        if end.match(lines[j]):
            body = lines[start:j]
            return ("\n".join(body) + "\n") if body else "", j
        if _SEARCH.match(lines[j]) or _DIVIDER.match(lines[j]) or _REPLACE.match(lines[j]):
            raise _Bad(f"block {number}: expected {marker} before line {j + 1} ({lines[j].strip()!r})")
    raise _Bad(f"block {number}: unterminated, {marker} is missing")


def _confidence(raw: str) -> float | Malformed:
    value = raw.strip().strip("*`").strip()
    percent = value.endswith("%")
    try:
        number = float(value.rstrip("%").strip())
    except ValueError:
        return Malformed(f"CONFIDENCE must be a number between 0 and 1, got {raw.strip()!r}")
    number = number / 100 if percent else number
    if not 0.0 <= number <= 1.0:
        return Malformed(f"CONFIDENCE must be between 0 and 1, got {raw.strip()!r}")
    return number


def _edit_problem(edit: Edit, root: Path | None) -> str:
    if edit.search == edit.replace:
        return "SEARCH and REPLACE are identical; the block changes nothing"
    if root is None:
        return ""
    target = root / edit.path
    if not edit.search.strip() and target.is_file() and target.read_bytes().strip():
        return "SEARCH is empty but the file exists; quote the lines to replace"
    if edit.search.strip() and not target.is_file():
        return "the file does not exist; to create it use an empty SEARCH section"
    return ""


def render_patch(before: Mapping[str, str | None], after: Mapping[str, str | None]) -> str:
    """A unified diff (git style a/ b/ paths) from `before` to `after` (path -> text, None = absent)."""
    out: list[str] = []
    for path in sorted(set(before) | set(after)):
        old, new = before.get(path), after.get(path)
        if old == new:
            continue
        lines = difflib.unified_diff(_lines(old), _lines(new), "/dev/null" if old is None else f"a/{path}",
                                     "/dev/null" if new is None else f"b/{path}")
        out.append(f"diff --git a/{path} b/{path}\n")
        out.extend(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines)
    return "".join(out)


def _lines(text: str | None) -> list[str]:
    return [] if text is None else text.splitlines(keepends=True)
