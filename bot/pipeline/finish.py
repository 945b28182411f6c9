"""Commit phase: the validated patch applied to the real working tree, and committed when asked."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.pipeline import gitops

SUBJECT_LIMIT = 72


@dataclass(frozen=True)
class Landing:
    verdict: str  # "committed" | "applied"
    commit_sha: str | None
    message: str

    def to_json(self) -> dict[str, Any]:
        return vars(self).copy()

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Landing:
        return cls(**data)


def commit_message(*, summary: str, explanation: str, score: float, session_id: str) -> str:
    subject = summary_line(summary)
    body = explanation.strip()
    parts = [f"fix: {subject}", ""]
    if body and body != subject:
        parts += [body, ""]
    parts += [f"Confidence: {score:.2f}", "", f"{TRAILER}: {session_id}"]
    return "\n".join(parts) + "\n"


def summary_line(text: str) -> str:
    line = next((ln.strip() for ln in text.splitlines() if ln.strip()), "make the failing checks pass")
    line = line.rstrip(".")
    if line[:1].isupper() and not line[1:2].isupper():
        line = line[0].lower() + line[1:]
    return line if len(line) <= SUBJECT_LIMIT else line[: SUBJECT_LIMIT - 1].rstrip() + "…"


def land(root: Path, patch: str, changed: Sequence[str], *, commit: bool, message: str,
         no_verify: bool, session_id: str) -> Landing:
    """Apply `patch` to the working tree (idempotent) and with `commit` commit the changed paths."""
    if commit and _already_committed(root, session_id):  # a resumed run killed right after committing
        return Landing("committed", gitops.head_sha(root), message)
    gitops.apply_patch(root, patch)
    if not commit:
        return Landing("applied", None, message)
    sha = gitops.commit(root, list(changed), message, no_verify=no_verify)
    return Landing("committed", sha, message)


def _already_committed(root: Path, session_id: str) -> bool:
    body = gitops.git(root, "log", "-1", "--format=%B", check=False).stdout
    return f"{TRAILER}: {session_id}" in body


TRAILER = "Yantra-Session"
