"""Applying search/replace edits to a tree: exact match first, then a whitespace-tolerant one, then (Python
files) one that skips the comments and blank lines the model never saw in its compressed context.

All edits are computed in memory and written only when every one applies. Errors are `EditError` with a
message for the model (what did not match, where the closest text is).
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Sequence
from pathlib import Path, PurePosixPath

from bot.llm.compressed import PYTHON_SUFFIXES, Span, code_rows, find_spans, keep_comments
from bot.llm.edits import Edit, EditError, normalize_path, path_problem
from bot.llm.line_pattern import MARKER as _MARKER
from bot.llm.line_pattern import LinePattern, safe_kind
from bot.scan.secrets import REDACTION_RE


def apply_all(root: Path, edits: Sequence[Edit]) -> list[str]:
    contents: dict[str, str | None] = {}
    originals: dict[str, str | None] = {}
    for number, edit in enumerate(edits, 1):
        path = _checked_path(root, edit.path, number)
        if path not in contents:
            originals[path] = contents[path] = read_text(root / path)
        contents[path] = _apply_one(edit, path, contents[path], number)
    changed = [p for p, text in contents.items() if text != originals[p]]
    for path in changed:
        text = contents[path]
        original = originals[path] or ""
        if text is not None and len(REDACTION_RE.findall(text)) > len(REDACTION_RE.findall(original)):
            raise EditError(f"the edit to {path} would write a «REDACTED:…» marker into the file; copy "
                            f"markers only in lines that also appear, with the same markers, in SEARCH")
    for path in changed:
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(contents[path] or "", encoding="utf-8", newline="")
    return changed


def _checked_path(root: Path, raw: str, number: int) -> str:
    problem = path_problem(raw)
    path = normalize_path(raw)
    if not problem:
        problem = _link_problem(root, path)
    if problem:
        raise EditError(f"edit {number} ({raw!r}): {problem}")
    return path


def _link_problem(root: Path, path: str) -> str:
    """Why `path` may not be written: it is, or goes through, a symbolic link. Written through, the edit would land
    in another file — outside the repository, or a protected one (`conftest.py`) that the checks, which judge the
    path as named, never see — while the patch (git's view of the link: unchanged) would not hold it."""
    current = root
    for part in PurePosixPath(path).parts:
        current = current / part
        if current.is_symlink():
            where = current.relative_to(root).as_posix()
            try:
                target = os.readlink(current)
            except OSError:
                target = "?"
            leaves = not current.resolve().is_relative_to(root.resolve())
            return (f"{where} is a symbolic link (to {target}){' that leaves the repository' if leaves else ''}; "
                    f"edit the file it points to by its own path")
    return ""


def read_text(path: Path) -> str | None:
    if not path.is_file():
        return None
    with path.open(encoding="utf-8", errors="replace", newline="") as handle:
        return handle.read()


def _apply_one(edit: Edit, path: str, current: str | None, number: int) -> str:
    where = f"edit {number} ({path})"
    if not edit.search.strip():
        if current is not None and current.strip():
            raise EditError(f"{where}: SEARCH is empty but the file exists; quote the lines to replace")
        return edit.replace
    if current is None:
        raise EditError(f"{where}: the file does not exist; to create it use an empty SEARCH section")
    newline = "\r\n" if "\r\n" in current else "\n"
    search = edit.search.replace("\n", newline) if newline != "\n" else edit.search
    replace = edit.replace.replace("\n", newline) if newline != "\n" else edit.replace
    python = path.endswith(PYTHON_SUFFIXES)
    found = _line_aligned(current, search) if not _MARKER.search(search) else []
    _check_unique([current.count("\n", 0, pos) for pos in found], where)
    if found:
        if python:
            _shown_once(current, _trim_blank(search.splitlines()), where)
        return current[:found[0]] + replace + current[found[0] + len(search):]
    return _tolerant(current, search, replace, where, python=python)


def _line_aligned(current: str, search: str) -> list[int]:
    """Start offsets of `search` in `current` that begin a line."""
    found: list[int] = []
    pos = current.find(search)
    while pos != -1:
        if pos == 0 or current[pos - 1] == "\n":
            found.append(pos)
        pos = current.find(search, pos + 1)
    return found


def _tolerant(current: str, search: str, replace: str, where: str, *, python: bool) -> str:
    """Match line by line ignoring indentation and spacing; «REDACTED» markers match any text."""
    file_lines = current.splitlines(keepends=True)
    wanted = _trim_blank(search.splitlines())
    patterns = [LinePattern(line) for line in wanted]
    starts = [i for i in range(len(file_lines) - len(wanted) + 1)
              if all(p.match(file_lines[i + k].rstrip("\r\n")) is not None for k, p in enumerate(patterns))]
    _check_unique(starts, where)
    if python and starts:
        _shown_once(current, wanted, where)
    elif python:
        spans = _compressed_spans(current, wanted, patterns)
        _check_unique([span.start for span in spans], where)
        if spans:
            return _replace_span(file_lines, spans[0], wanted, patterns, replace, where)
    if not starts:
        raise EditError(f"{where}: SEARCH was not found{_closest(file_lines, wanted)}; copy the lines exactly "
                        f"from the current file")
    start = starts[0]
    matched = file_lines[start:start + len(wanted)]
    captured = [m for k, p in enumerate(patterns) for m in p.match(matched[k].rstrip("\r\n")) or ()]
    new_text = _reindent(replace, wanted, matched)
    new_text = _restore_secrets(new_text, captured, where)
    if matched and not matched[-1].endswith("\n") and new_text.endswith("\n"):
        new_text = new_text.rstrip("\r\n")
    return "".join(file_lines[:start]) + new_text + "".join(file_lines[start + len(wanted):])


def _compressed_spans(current: str, wanted: list[str], patterns: list[LinePattern]) -> list[Span]:
    """Where `wanted` matches the file as the model saw it: compressed, without comments and blank lines."""
    rows = code_rows(current)
    if rows is None:
        return []
    return find_spans(rows, [line.rstrip("\r\n") for line in current.splitlines()], wanted, patterns)


def _shown_once(current: str, wanted: list[str], where: str) -> None:
    """A SEARCH that matches the file once but could have been copied from the compressed context (no blank or
    comment lines) must also match only once there: a second place means the model's intent is unclear."""
    if any(not line.strip() or line.lstrip().startswith("#") for line in wanted):
        return
    spans = _compressed_spans(current, wanted, [LinePattern(line) for line in wanted])
    _check_unique([span.start for span in spans], where)


def _check_unique(starts: list[int], where: str) -> None:
    if len(starts) > 1:
        lines = ", ".join(str(s + 1) for s in starts[:6])
        raise EditError(f"{where}: SEARCH matches {len(starts)} places (lines {lines}); include more "
                        f"surrounding lines so it matches exactly one")


def _replace_span(file_lines: list[str], span: Span, wanted: list[str], patterns: list[LinePattern],
                  replace: str, where: str) -> str:
    """The file with the code rows of `span` (and the comment and blank lines among them) replaced; rows the
    replacement leaves as they were keep their comments."""
    gave = [wanted[k] for k, _ in span.pairs]
    have = [file_lines[span.rows[at].index] for _, at in span.pairs]
    captured = [m for (k, at), line in zip(span.pairs, have, strict=True)
                for m in patterns[k].match(span.rows[at].code) or patterns[k].match(line.rstrip("\r\n")) or ()]
    new_text = _restore_secrets(_reindent(replace, gave, have), captured, where)
    new_lines = keep_comments(new_text.splitlines(keepends=True), span, file_lines)
    newline = "\r\n" if file_lines[0].endswith("\r\n") else "\n"
    # the file's last line (no line break) may now be followed by more lines
    new_lines = [line if line.endswith(("\n", "\r")) else line + newline
                 for line in new_lines[:-1]] + new_lines[-1:]
    if not file_lines[span.end - 1].endswith("\n") and new_lines and new_lines[-1].endswith("\n"):
        new_lines[-1] = new_lines[-1].rstrip("\r\n")
    return "".join(file_lines[:span.start] + new_lines + file_lines[span.end:])


def _trim_blank(lines: list[str]) -> list[str]:
    while lines and not lines[0].strip():
        lines = lines[1:]
    while lines and not lines[-1].strip():
        lines = lines[:-1]
    return lines


def _reindent(replace: str, wanted: list[str], matched: list[str]) -> str:
    """Shift `replace` by the indentation difference between the SEARCH text and the matched file lines."""
    first = next((k for k, line in enumerate(wanted) if line.strip()), None)
    if first is None:
        return replace
    have, gave = _indent(matched[first]), _indent(wanted[first])
    if have == gave:
        return replace
    out = []
    for line in replace.splitlines(keepends=True):
        if not line.strip():
            out.append(line)
        elif have.startswith(gave):
            out.append(have[len(gave):] + line)
        elif gave.startswith(have) and line.startswith(gave[len(have):]):
            out.append(line[len(gave) - len(have):])
        else:
            out.append(line)
    return "".join(out)


def _indent(line: str) -> str:
    return line[:len(line) - len(line.lstrip(" \t"))]


def _restore_secrets(text: str, captured: list[tuple[str, str]], where: str) -> str:
    pool = list(captured)
    last: dict[str, str] = {}

    def fill(m: re.Match[str]) -> str:
        kind = safe_kind(m.group(1))
        for k, (name, value) in enumerate(pool):
            if name == kind:
                del pool[k]
                last[kind] = value
                return value
        if kind in last:  # the same hidden value written once more (e.g. a duplicated line)
            return last[kind]
        raise EditError(f"{where}: REPLACE contains {m.group(0)} that is not in SEARCH; hidden values cannot be "
                        f"written — leave lines holding them unchanged")

    return _MARKER.sub(fill, text)


# Lines are compared by their first characters only: difflib's ratio costs the product of the two lengths, and
# both sides are untrusted (the model's SEARCH text, the pull request's file), so a long line must not cost minutes.
_CLOSEST_CHARS = 200


def _closest(file_lines: list[str], wanted: list[str]) -> str:
    probe = next((line.strip() for line in wanted if line.strip()), "")[:_CLOSEST_CHARS]
    candidates = [line.strip()[:_CLOSEST_CHARS] for line in file_lines]
    close = difflib.get_close_matches(probe, candidates, n=1, cutoff=0.6)
    if not close:
        return ""
    return f" (the closest line is {candidates.index(close[0]) + 1}: {close[0][:100]!r})"


def apply_edits(root: Path, edits: Sequence[Edit]) -> list[str]:
    """Apply `edits` in order under `root`; the changed repository-relative paths. Nothing is written unless
    every edit applies. Raises EditError (for the model) when a SEARCH text matches zero or several places."""
    return apply_all(root, edits)


def snapshot(root: Path, paths: Sequence[str]) -> dict[str, str | None]:
    """The current text of `paths` (None for a missing file), to diff against later with render_patch."""
    return {p: read_text(root / p) for p in paths}
