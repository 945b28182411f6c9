"""The landing of a `Fix` as review suggestions (fork pull requests, or fixes that may not be pushed): each change
block of a `-U0` diff becomes a ```suggestion on the PR's lines; nothing is pushed.

GitHub accepts review comments only on lines inside the pull request's diff; blocks outside it (and new
files) are returned as leftovers for the review body instead.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from bot.github import git_ops
from bot.github.api import ChangedFile, GitHubClient, ReviewComment
from bot.github.events import PullRequest
from bot.github.publish import suggestion_review
from bot.pipeline.outcome import Fix
from bot.report.markdown import fence_marks

HUNK_RE = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")


@dataclass(frozen=True)
class Offered:
    review: int  # the review's id
    suggestions: int


def offer_suggestions(client: GitHubClient, root: Path, pr: PullRequest, fix: Fix) -> Offered:
    """Post `fix` as one review of suggestions on the PR head. The fix is applied to the checked-out head only
    to read its zero-context diff back, and the checkout is put back at the head afterwards."""
    paths = list(fix.changed)
    git_ops.apply_patch(root, fix.patch)
    try:
        blocks = parse_blocks(git_ops.working_diff(root, pr.head_sha, paths, context=0))
        allowed = commentable_lines(client.pr_files(pr.number))
        head_lines: dict[str, list[str]] = {}

        def line_text(path: str, n: int) -> str:
            if path not in head_lines:
                head_lines[path] = git_ops.show(root, pr.head_sha, path).splitlines()
            return head_lines[path][n - 1]

        comments, leftovers = to_suggestions(blocks, allowed, line_text)
        untracked_new = [p for p in paths if not any(b.path == p for b in blocks)]
        rest = git_ops.working_diff(root, pr.head_sha, sorted({b.path for b in leftovers})) if leftovers else ""
    finally:
        git_ops.discard(root, pr.head_sha, paths)
    rest += "".join(f"\n(new file {p}; see the patch in the summary)" for p in untracked_new)
    note = ("The fix was validated statically — the gate, the security scans, secrets and protected paths. "
            "Your code was not run here, so **the tests were not run**: please run them after applying. "
            if not fix.tests_ran else "") + "Nothing was pushed to your branch."
    review = suggestion_review(client, pr.number, pr.head_sha,
                               f"a fix for this fork pull request ({len(comments)} suggestion(s), confidence "
                               f"{fix.score:.2f})", comments, rest, note)
    return Offered(review, len(comments))


@dataclass(frozen=True)
class Block:
    path: str
    old_start: int  # first replaced line on the PR head (for a pure insertion: the line it follows)
    old_count: int
    new_lines: tuple[str, ...]
    old_lines: tuple[str, ...]


def parse_blocks(diff_u0: str) -> list[Block]:
    """Change blocks of a zero-context unified diff (one hunk = one block)."""
    blocks: list[Block] = []
    path = ""
    old: list[str] = []
    new: list[str] = []
    header: tuple[int, int] | None = None

    def flush() -> None:
        if header is not None and path:
            blocks.append(Block(path, header[0], header[1], tuple(new), tuple(old)))

    for line in diff_u0.splitlines():
        if line.startswith("diff --git "):
            flush()
            header, old, new = None, [], []
            path = ""
        elif line.startswith("+++ "):
            path = line[6:] if line.startswith("+++ b/") else ""
        elif (m := HUNK_RE.match(line)) is not None:
            flush()
            old, new = [], []
            header = (int(m.group(1)), int(m.group(2) if m.group(2) is not None else 1))
        elif header is not None and line.startswith("-"):
            old.append(line[1:])
        elif header is not None and line.startswith("+"):
            new.append(line[1:])
    flush()
    return blocks


def commentable_lines(files: list[ChangedFile]) -> dict[str, set[int]]:
    """Lines on the new side of the PR's diff hunks, per file: where review comments may go."""
    out: dict[str, set[int]] = {}
    for f in files:
        lines: set[int] = set()
        new = 0
        for row in (f.patch or "").splitlines():
            m = HUNK_RE.match(row)
            if m:
                new = int(m.group(3))
            elif row.startswith(("+", " ")):
                lines.add(new)
                new += 1
        out[f.path] = lines
    return out


def to_suggestions(blocks: list[Block], allowed: Mapping[str, set[int]],
                   line_text: Callable[[str, int], str]) -> tuple[list[ReviewComment], list[Block]]:
    """Suggestions for the blocks GitHub can take; the rest as leftovers. `line_text(path, n)` reads the head."""
    comments: list[ReviewComment] = []
    leftovers: list[Block] = []
    for b in blocks:
        if b.old_count == 0:  # pure insertion after line old_start: rewrite that line plus the new ones
            if b.old_start == 0:
                leftovers.append(b)
                continue
            first, last = b.old_start, b.old_start
            replacement = [line_text(b.path, b.old_start), *b.new_lines]
        else:
            first, last = b.old_start, b.old_start + b.old_count - 1
            replacement = list(b.new_lines)
        if not all(n in allowed.get(b.path, set()) for n in range(first, last + 1)):
            leftovers.append(b)
            continue
        lines = "".join(f"{t}\n" for t in replacement)
        marks = fence_marks(lines)  # a replacement line that starts with ``` must not end the block
        body = f"Yantra suggests:\n{marks}suggestion\n{lines}{marks}"
        comments.append(ReviewComment(path=b.path, line=last, body=body,
                                      start_line=first if first < last else None))
    return comments, leftovers
