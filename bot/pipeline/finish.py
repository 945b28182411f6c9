"""Commit phase: the validated patch applied to the real working tree, and committed when asked."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.pipeline import gitops
from bot.verdict import Verdict

SUBJECT_LIMIT = 72  # the whole subject line, "fix: " included
BODY_LIMIT = 4096  # bytes of the message body, trailers included
SUBJECT_PREFIX = "fix: "


@dataclass(frozen=True)
class Landing:
    verdict: Verdict  # COMMITTED | APPLIED
    commit_sha: str | None
    message: str

    def to_json(self) -> dict[str, Any]:
        return {**vars(self), "verdict": self.verdict.value}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Landing:
        return cls(**{**data, "verdict": Verdict(data["verdict"])})


def commit_message(*, summary: str, explanation: str, score: float, session_id: str) -> str:
    """`fix: <subject>` (at most 72 characters), the explanation (the body capped at 4 KB, with a note when
    it was cut), the confidence and the `Yantra-Session:` trailer."""
    subject = summary_line(summary)
    trailer = f"Confidence: {score:.2f}\n\n{TRAILER}: {session_id}\n"
    body = explanation.strip()
    parts = [f"{SUBJECT_PREFIX}{subject}", ""]
    if body and body != subject:
        parts += [capped(body, BODY_LIMIT - len(trailer.encode()) - 2), ""]
    return "\n".join(parts) + "\n" + trailer


def capped(text: str, limit: int) -> str:
    """`text` cut at a line boundary to at most `limit` UTF-8 bytes, with a note saying how much was left out."""
    data = text.encode()
    if len(data) <= limit:
        return text
    note = "[explanation truncated: {} of {} characters shown; the full text is in the session report]"
    room = max(0, limit - len(note.format(len(text), len(text)).encode()) - 2)
    cut = data[:room].decode("utf-8", errors="ignore")
    cut = cut.rsplit("\n", 1)[0] if "\n" in cut else cut
    return f"{cut.rstrip()}\n\n{note.format(len(cut.rstrip()), len(text))}"


def summary_line(text: str) -> str:
    """The first line of `text` as a subject: lower-cased first letter, no final period, and short enough that
    `fix: ` plus it fits in 72 characters."""
    line = next((ln.strip() for ln in text.splitlines() if ln.strip()), "make the failing checks pass")
    line = line.rstrip(".")
    if line[:1].isupper() and not line[1:2].isupper():
        line = line[0].lower() + line[1:]
    room = SUBJECT_LIMIT - len(SUBJECT_PREFIX)
    return line if len(line) <= room else line[: room - 1].rstrip() + "…"


def land(root: Path, patch: str, changed: Sequence[str], *, commit: bool, message: str,
         no_verify: bool, session_id: str) -> Landing:
    """Apply `patch` to the working tree (idempotent) and with `commit` commit the changed paths."""
    if commit and _already_committed(root, session_id):  # a resumed run killed right after committing
        return Landing(Verdict.COMMITTED, gitops.head_sha(root), message)
    gitops.apply_patch(root, patch)
    if not commit:
        return Landing(Verdict.APPLIED, None, message)
    sha = gitops.commit(root, list(changed), message, no_verify=no_verify)
    return Landing(Verdict.COMMITTED, sha, message)


def _already_committed(root: Path, session_id: str) -> bool:
    body = gitops.git(root, "log", "-1", "--format=%B", check=False).stdout
    return f"{TRAILER}: {session_id}" in body


TRAILER = "Yantra-Session"
