"""How a fix session ended: the typed result the runner returns and the CLI and the Action read."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.verdict import Verdict

# The verdicts a fix session can end with.
SESSION_VERDICTS = (Verdict.COMMITTED, Verdict.APPLIED, Verdict.SUGGESTED, Verdict.ESCALATED, Verdict.CLEAN,
                    Verdict.FAILED)


@dataclass(frozen=True)
class FixOutcome:
    """How a session ended.

    verdict:
      - COMMITTED: a fix passed every check (gate, protected paths, security, tests, confidence) and was committed;
      - APPLIED: the same, left applied to the working tree (the request did not ask for a commit);
      - SUGGESTED: a fix passed every check that could run but may not land by itself — its tests were not run
        (`run_tests=False`, or no sandbox while a secret was reachable), it edits test files, or it touches files
        with the user's uncommitted work; the working tree is untouched and `patch` is the suggestion;
      - ESCALATED: no attempt was good enough; `report_markdown` holds the evidence;
      - CLEAN: nothing to fix (the gate and the tests pass, no instructions);
      - FAILED: the run could not finish (no API key, budget, model unreachable, nothing to fix statically...).
    changed: the paths the patch changes; test_files: those of them that are test files (called out in reviews).
    message: the conventional commit message of the fix ("fix: ...", `Yantra-Session:` trailer) when there is
    one (committed, applied, suggested), else "".
    evidence: one line per hard gate that refused the last attempt (empty when none did).
    sandbox: how model-written code ran ("bubblewrap", "unshare", "unavailable: ...", or "not run").
    """

    verdict: Verdict
    confidence: float | None
    breakdown: dict[str, float]
    commit_sha: str | None
    patch: str
    report_markdown: str
    session_id: str
    attempts: int
    reason: str
    message: str = ""
    resumable: bool = False  # a transient failure: `yantra fix --resume` may finish it
    notes: tuple[str, ...] = field(default=())  # how factors got their values; where the report was saved
    changed: tuple[str, ...] = ()
    test_files: tuple[str, ...] = ()
    evidence: tuple[str, ...] = ()
    sandbox: str = ""

    @property
    def ok(self) -> bool:
        return self.verdict.succeeded

    def to_json(self) -> dict[str, Any]:
        return {**vars(self), "verdict": self.verdict.value, "notes": list(self.notes), "changed": list(self.changed),
                "test_files": list(self.test_files), "evidence": list(self.evidence)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FixOutcome:
        tuples = {k: tuple(data.get(k, ())) for k in ("notes", "changed", "test_files", "evidence")}
        return cls(**{**data, **tuples, "verdict": Verdict(data["verdict"])})
