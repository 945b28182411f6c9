"""How a fix session ended: the typed result the runner returns and the CLI and the Action read."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.verdict import Verdict

# The verdicts a fix session can end with.
SESSION_VERDICTS = (Verdict.COMMITTED, Verdict.APPLIED, Verdict.READY, Verdict.SUGGESTED, Verdict.ESCALATED,
                    Verdict.CLEAN, Verdict.FAILED)
# The verdicts that carry a `Fix`: it passed every check that ran.
FIX_VERDICTS = (Verdict.COMMITTED, Verdict.APPLIED, Verdict.READY, Verdict.SUGGESTED)


@dataclass(frozen=True)
class Fix:
    """A fix that passed every check that ran, as the pipeline hands it to a landing: a local commit or the
    working tree (`bot.pipeline.landing`), a push to the pull request (`bot.github.push`) or review suggestions
    (`bot.github.suggestions`).

    patch: the unified diff against the session's HEAD; changed: every path it changes (added and deleted ones
    included), as the validation phase recorded them; test_files: those of them that are test files;
    message: the conventional commit message (`fix: ...`, `Confidence:`, the `Yantra-Session:` trailer);
    score and breakdown: the confidence and its factors (the evidence a landing shows);
    tests_ran: False when only the static checks judged it (it may then only be suggested).
    """

    patch: str
    changed: tuple[str, ...]
    message: str
    score: float
    breakdown: dict[str, float]
    session_id: str
    tests_ran: bool
    test_files: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {**vars(self), "changed": list(self.changed), "test_files": list(self.test_files),
                "breakdown": dict(self.breakdown)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Fix:
        return cls(**{**data, "changed": tuple(data["changed"]), "test_files": tuple(data.get("test_files", ()))})


@dataclass(frozen=True)
class FixOutcome:
    """How a session ended.

    verdict:
      - COMMITTED: a fix passed every check (gate, protected paths, security, tests, confidence) and was committed;
      - APPLIED: the same, left applied to the working tree (the request did not ask for a commit);
      - READY: the same, landed nowhere: the request left the landing to its caller (the Action pushes it to the
        pull request or offers it as review suggestions); the working tree is untouched;
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
    fix: the typed fix a landing takes, for every verdict in FIX_VERDICTS; None otherwise.
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
    fix: Fix | None = None

    @property
    def ok(self) -> bool:
        return self.verdict.succeeded

    def to_json(self) -> dict[str, Any]:
        return {**vars(self), "verdict": self.verdict.value, "notes": list(self.notes), "changed": list(self.changed),
                "test_files": list(self.test_files), "evidence": list(self.evidence),
                "fix": self.fix.to_json() if self.fix is not None else None}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FixOutcome:
        tuples = {k: tuple(data.get(k, ())) for k in ("notes", "changed", "test_files", "evidence")}
        fix = Fix.from_json(data["fix"]) if data.get("fix") else None
        return cls(**{**data, **tuples, "verdict": Verdict(data["verdict"]), "fix": fix})
