"""The confidence phase and the feedback a rejected attempt gives the next one."""

from __future__ import annotations

from dataclasses import replace

from bot.pipeline.feedback import feedback_for
from bot.pipeline.judge import Evidence, judge
from bot.pipeline.report import render_report
from bot.pipeline.results import (
    Attempt,
    Baseline,
    Generation,
    SecurityOutcome,
    TestOutcome,
    Validation,
)
from bot.scan.results import ScanResult, SecurityFinding
from bot.scan.tests import TestFailure, TestRun

BEFORE = TestRun(status="failed", outcomes={"t.py::test_add": "failed", "t.py::test_mul": "passed"},
                 failures=(TestFailure("t.py::test_add", "assert -1 == 5", "E assert -1 == 5"),))
FIXED = TestRun(status="passed", outcomes={"t.py::test_add": "passed", "t.py::test_mul": "passed"})
BROKEN = TestRun(status="failed", outcomes={"t.py::test_add": "passed", "t.py::test_mul": "failed"},
                 failures=(TestFailure("t.py::test_mul", "assert 5 == 6", "E assert 5 == 6"),))
PATCH = "--- a/ops.py\n+++ b/ops.py\n@@ -1 +1 @@\n-    return a - b\n+    return a + b\n"
CLEAN_SCAN = SecurityOutcome((ScanResult("semgrep", "ok"), ScanResult("secrets", "ok"),
                              ScanResult("safety", "not-checked", reason="no local vulnerability database")))


def _evidence(tests: TestRun, *, security: SecurityOutcome = CLEAN_SCAN, attempt: int = 1,
              llm: float = 0.95, regressions: tuple[str, ...] = ()) -> Evidence:
    gen = Generation(text="...", model="m", input_tokens=1, output_tokens=1, cost_usd=0.0, cached=False,
                     confidence=llm, explanation="fix add", edit_count=1)
    return Evidence(attempt=attempt, max_attempts=3, baseline=Baseline((), "ok", "", BEFORE), generation=gen,
                    validation=Validation(True, ("ops.py",), PATCH), tests=TestOutcome((), None, tests, regressions),
                    security=security, history=0.5, history_note="", dependents=1,
                    sources={"ops.py": ("def add(a, b):\n    return a - b\n", "def add(a, b):\n    return a + b\n")})


def test_a_good_fix_is_committed() -> None:
    judgement = judge(_evidence(FIXED))
    assert judgement.decision == "commit"
    assert judgement.blockers == ()
    assert judgement.breakdown["tests"] == 1.0


def test_a_regression_blocks_and_retries_with_the_failure_fed_back() -> None:
    ev = _evidence(BROKEN, regressions=("t.py::test_mul",))
    judgement = judge(ev)
    assert judgement.decision == "retry"
    assert any("test regressions" in b for b in judgement.blockers)
    attempt = Attempt(1, ev.generation, ev.validation, ev.tests, ev.security, judgement)
    feedback = feedback_for(attempt)
    assert "t.py::test_mul" in feedback and "assert 5 == 6" in feedback and "+    return a + b" in feedback


def test_blocked_on_the_last_attempt_escalates() -> None:
    assert judge(_evidence(BROKEN, regressions=("t.py::test_mul",), attempt=3)).decision == "escalate"


def test_a_failure_that_still_fails_is_not_committed_whatever_the_score() -> None:
    judgement = judge(_evidence(BEFORE))
    assert judgement.decision == "retry"
    assert any("still failing" in b and "t.py::test_add" in b for b in judgement.blockers)


def test_with_instructions_an_unrelated_failure_does_not_block() -> None:
    judgement = judge(replace(_evidence(BEFORE), require_fix=False))
    assert not judgement.blockers
    assert any("still failing" in n for n in judgement.notes)


def test_a_new_high_finding_or_a_secret_blocks() -> None:
    finding = SecurityFinding("semgrep", "sql-injection", "high", "ops.py", 3, "SQL built from a string")
    secret = SecurityFinding("secrets", "AWS Secret Key", "high", "ops.py", 5, "possible secret")
    scans = SecurityOutcome((ScanResult("semgrep", "ok", (finding,)), ScanResult("secrets", "ok", (secret,))))
    blockers = judge(_evidence(FIXED, security=scans)).blockers
    assert any("new high-severity security findings" in b for b in blockers)
    assert any("secrets in the diff" in b for b in blockers)


def test_a_scanner_that_did_not_run_is_not_a_pass() -> None:
    scans = SecurityOutcome((ScanResult("semgrep", "not-checked", reason="semgrep not installed"),
                             ScanResult("secrets", "ok")))
    blockers = judge(_evidence(FIXED, security=scans)).blockers
    assert any("not checked" in b for b in blockers)


def test_report_shows_phases_breakdown_and_collapsed_patch() -> None:
    ev = _evidence(BROKEN, regressions=("t.py::test_mul",), attempt=3)
    attempt = Attempt(3, ev.generation, ev.validation, ev.tests, ev.security, judge(ev))
    report = render_report(session_id="s1", verdict="escalated", reason="no fix passed", phases=[],
                           baseline=ev.baseline, attempts=[replace(attempt, number=3)])
    assert "## Yantra fix: escalated" in report
    assert "| tests |" in report and "Score **" in report
    assert "<details><summary>Last attempted patch" in report and "+    return a + b" in report
    assert "t.py::test_mul" in report
    assert "safety | not-checked" in report
