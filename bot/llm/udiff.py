"""A unified diff from a model, turned into search/replace edits (hunks are located by content, not by
their line numbers, which models rarely get right)."""

from __future__ import annotations

import re

_HUNK = re.compile(r"^@@ .*@@")
_HEADERS = ("diff ", "index ", "new file mode", "deleted file mode", "similarity ", "rename ", "old mode",
            "new mode")


def diff_edits(lines: list[str]) -> tuple[list[tuple[str, str, str]], str]:
    """([(path, search, replace)], problem) — problem is "" when the diff is usable."""
    edits: list[tuple[str, str, str]] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("--- ") and i + 1 < len(lines) and lines[i + 1].startswith("+++ "):
            old, new = _target(line[4:]), _target(lines[i + 1][4:])
            if new is None:
                return [], f"the diff deletes {old}; deleting files is not supported"
            hunks, i = _hunks(lines, i + 2)
            if not hunks:
                return [], f"the diff for {new} has no @@ hunks"
            for number, (search, replace) in enumerate(hunks, 1):
                if old is not None and not search.strip():
                    return [], f"hunk {number} for {new} has no context or removed lines; include the " \
                               f"surrounding lines so it can be located"
                edits.append((new, "" if old is None else search, replace))
            continue
        if line.strip() and not line.startswith(_HEADERS):
            return [], f"unexpected line in the diff: {line.strip()[:80]!r}"
        i += 1
    if not edits:
        return [], "the ```diff fence holds no file changes (--- / +++ headers and @@ hunks)"
    return edits, ""


def _target(raw: str) -> str | None:
    name = raw.split("\t")[0].strip()
    if name == "/dev/null":
        return None
    return name[2:] if name.startswith(("a/", "b/")) else name


def _hunks(lines: list[str], i: int) -> tuple[list[tuple[str, str]], int]:
    hunks: list[tuple[str, str]] = []
    while i < len(lines) and _HUNK.match(lines[i]):
        search: list[str] = []
        replace: list[str] = []
        i += 1
        while i < len(lines) and not _HUNK.match(lines[i]) and not _next_file(lines, i):
            line = lines[i]
            if line.startswith("\\"):
                pass  # "\ No newline at end of file"
            elif line.startswith("-"):
                search.append(line[1:])
            elif line.startswith("+"):
                replace.append(line[1:])
            else:  # context; models often drop the leading space of blank lines
                search.append(line[1:] if line.startswith(" ") else line)
                replace.append(line[1:] if line.startswith(" ") else line)
            i += 1
        hunks.append((_join(search), _join(replace)))
    return hunks, i


def _next_file(lines: list[str], i: int) -> bool:
    return lines[i].startswith("diff ") or (
        lines[i].startswith("--- ") and i + 1 < len(lines) and lines[i + 1].startswith("+++ "))


def _join(lines: list[str]) -> str:
    return ("\n".join(lines) + "\n") if lines else ""
