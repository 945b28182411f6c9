"""The local landing of a `Fix` (`yantra fix`): applied to the working tree, and committed with `--commit`.

The other destinations take the same `Fix`: a push to the pull request (`bot.github.push`) and review
suggestions (`bot.github.suggestions`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot import git_worktree as gitops
from bot.pipeline.finish import TRAILER
from bot.pipeline.outcome import Fix
from bot.verdict import Verdict


@dataclass(frozen=True)
class Landed:
    verdict: Verdict  # COMMITTED | APPLIED
    commit_sha: str | None
    message: str

    def to_json(self) -> dict[str, Any]:
        return {**vars(self), "verdict": self.verdict.value}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Landed:
        return cls(**{**data, "verdict": Verdict(data["verdict"])})


def land_locally(root: Path, fix: Fix, *, commit: bool, no_verify: bool) -> Landed:
    """Apply the fix to the working tree (idempotent) and with `commit` commit the paths it changes."""
    if commit and _already_committed(root, fix.session_id):  # a resumed run killed right after committing
        return Landed(Verdict.COMMITTED, gitops.head_sha(root), fix.message)
    gitops.apply_patch(root, fix.patch)
    if not commit:
        return Landed(Verdict.APPLIED, None, fix.message)
    sha = gitops.commit(root, list(fix.changed), fix.message, no_verify=no_verify)
    return Landed(Verdict.COMMITTED, sha, fix.message)


def _already_committed(root: Path, session_id: str) -> bool:
    return f"{TRAILER}: {session_id}" in gitops.head_message(root)
