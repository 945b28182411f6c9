"""The typed result of each phase, and its JSON form for the session store (so a run can resume)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.scan.results import ScanResult, SecurityFinding
from bot.scan.tests import TestFailure, TestRun

FAILED_TESTS = ("failed", "error")


@dataclass(frozen=True)
class GateIssue:
    """A gate error, keyed without its line so that edits above it do not make it "new"."""

    rule: str
    path: str
    line: int
    message: str

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.rule, self.path, self.message)

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.rule}: {self.message}"


def run_to_json(run: TestRun | None) -> dict[str, Any] | None:
    if run is None:
        return None
    return {"status": run.status, "outcomes": dict(run.outcomes), "duration": run.duration, "reason": run.reason,
            "failures": [{"nodeid": f.nodeid, "message": f.message, "excerpt": f.excerpt} for f in run.failures]}


def run_from_json(data: dict[str, Any] | None) -> TestRun | None:
    if data is None:
        return None
    return TestRun(status=data["status"], outcomes=dict(data["outcomes"]), duration=data["duration"],
                   reason=data["reason"], failures=tuple(TestFailure(**f) for f in data["failures"]))


def scan_from_json(data: dict[str, Any]) -> ScanResult:
    findings = tuple(SecurityFinding(**f) for f in data["findings"])
    return ScanResult(scanner=data["scanner"], status=data["status"], findings=findings, reason=data["reason"])


@dataclass(frozen=True)
class Baseline:
    """What fails before any fix: gate errors over the whole repository and the test suite."""

    gate_errors: tuple[GateIssue, ...]
    gate_status: str  # "ok" | "not-checked"
    gate_reason: str
    tests: TestRun

    @property
    def failing(self) -> bool:
        return bool(self.gate_errors) or self.tests.status in FAILED_TESTS

    def to_json(self) -> dict[str, Any]:
        return {"gate_errors": [vars(g) for g in self.gate_errors], "gate_status": self.gate_status,
                "gate_reason": self.gate_reason, "tests": run_to_json(self.tests)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Baseline:
        tests = run_from_json(data["tests"])
        assert tests is not None
        return cls(tuple(GateIssue(**g) for g in data["gate_errors"]), data["gate_status"], data["gate_reason"],
                   tests)


@dataclass(frozen=True)
class ContextResult:
    target: str
    text: str
    tokens: int
    note: str = ""  # why there is less context than asked for
    files: tuple[str, ...] = ()  # the files the context shows (what the model is likely to edit)

    def to_json(self) -> dict[str, Any]:
        return {**vars(self), "files": list(self.files)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ContextResult:
        return cls(**{**data, "files": tuple(data.get("files", ()))})


@dataclass(frozen=True)
class Generation:
    """One model answer, stored verbatim so a resumed run re-parses it instead of paying again."""

    text: str
    model: str
    input_tokens: int
    output_tokens: int
    cost_usd: float
    cached: bool
    malformed: str = ""  # the parser's reason when the answer is not in the edit format
    confidence: float = 0.0  # the model's own confidence
    explanation: str = ""
    edit_count: int = 0
    turns: int = 1  # model calls of the tool conversation that led to this answer
    tool_calls: tuple[dict[str, Any], ...] = ()  # name, arguments, tokens, is_error, seen (ToolCallRecord)
    tools_seen: tuple[str, ...] = ()  # "path:qualname" of the definitions the tools showed in full
    tools_stopped: str = ""  # why tool use ended before the model chose to answer
    cut_off: bool = False  # the answer stopped at the output limit (stop_reason max_tokens): it may be partial

    def to_json(self) -> dict[str, Any]:
        data = vars(self).copy()
        return {**data, "tool_calls": list(self.tool_calls), "tools_seen": list(self.tools_seen)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Generation:
        return cls(**{**data, "tool_calls": tuple(data.get("tool_calls", ())),
                      "tools_seen": tuple(data.get("tools_seen", ()))})


@dataclass(frozen=True)
class Validation:
    """The static checks of what the fix changes: it applies, the gate (with the trusted configuration) finds
    no new error, and it edits no protected path."""

    ok: bool
    changed: tuple[str, ...]
    patch: str
    new_gate_errors: tuple[GateIssue, ...] = ()
    reason: str = ""  # why the edits could not be applied / the gate did not run / what is protected
    protected: tuple[str, ...] = ()  # protected edits, one line each

    def to_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "changed": list(self.changed), "patch": self.patch, "reason": self.reason,
                "new_gate_errors": [vars(g) for g in self.new_gate_errors], "protected": list(self.protected)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Validation:
        return cls(data["ok"], tuple(data["changed"]), data["patch"],
                   tuple(GateIssue(**g) for g in data["new_gate_errors"]), data["reason"],
                   tuple(data.get("protected", ())))


@dataclass(frozen=True)
class TestOutcome:
    """The test phase: the related and suite runs (None when not run), regressions against the baseline, tests
    the fix weakened (statically or in the run), the test files it edits, and the sandbox the runs used."""

    __test__ = False

    related: tuple[str, ...]
    related_run: TestRun | None
    suite_run: TestRun | None
    regressions: tuple[str, ...]
    weakened: tuple[str, ...] = ()
    test_files: tuple[str, ...] = ()
    sandbox: str = ""

    @property
    def final(self) -> TestRun:
        run = self.suite_run or self.related_run
        return run if run is not None else TestRun(status="not-run", reason="no tests were run")

    @property
    def ran(self) -> bool:
        return self.final.status in ("passed", "failed")

    @property
    def ok(self) -> bool:
        return not self.regressions and not self.weakened and self.final.status not in FAILED_TESTS

    def to_json(self) -> dict[str, Any]:
        return {"related": list(self.related), "related_run": run_to_json(self.related_run),
                "suite_run": run_to_json(self.suite_run), "regressions": list(self.regressions),
                "weakened": list(self.weakened), "test_files": list(self.test_files), "sandbox": self.sandbox}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TestOutcome:
        return cls(tuple(data["related"]), run_from_json(data["related_run"]), run_from_json(data["suite_run"]),
                   tuple(data["regressions"]), tuple(data.get("weakened", ())), tuple(data.get("test_files", ())),
                   str(data.get("sandbox", "")))


@dataclass(frozen=True)
class SecurityOutcome:
    results: tuple[ScanResult, ...]

    def to_json(self) -> dict[str, Any]:
        return {"results": [r.to_json() for r in self.results]}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SecurityOutcome:
        return cls(tuple(scan_from_json(r) for r in data["results"]))


@dataclass(frozen=True)
class Judgement:
    """The confidence phase: score, breakdown, the hard gates that failed, and the decision."""

    score: float
    breakdown: dict[str, float]
    decision: str  # "commit" | "retry" | "escalate" | "suggest" (tests not run, every static gate passed)
    blockers: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default=())

    def to_json(self) -> dict[str, Any]:
        return {"score": self.score, "breakdown": dict(self.breakdown), "decision": self.decision,
                "blockers": list(self.blockers), "notes": list(self.notes)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Judgement:
        return cls(data["score"], dict(data["breakdown"]), data["decision"], tuple(data["blockers"]),
                   tuple(data["notes"]))


@dataclass(frozen=True)
class Attempt:
    """Everything one attempt produced so far (later phases None when it stopped early)."""

    number: int
    generation: Generation | None = None
    validation: Validation | None = None
    tests: TestOutcome | None = None
    security: SecurityOutcome | None = None
    judgement: Judgement | None = None
